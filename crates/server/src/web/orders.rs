//! The payer's order history (`/app/orders?phone=…`): each payment the
//! phone approved, with what its merchant attached through Order
//! Management — the category (a link back to the merchant, with its
//! image) and the receipt, drawn as a receipt: lines, quantities,
//! discounts, VAT per rate, totals and the barcode.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use vipps_domain::{
    order_management::{is_image_id, PaymentType},
    payer,
    receipt::{OrderLine, Receipt},
    Currency, Money, Msn,
};

use super::{merchant_name, render, ErrorPage, Params};
use crate::{apis::PAYER_FAMILIES, AppState};

/// The most orders the page lists.
const ORDERS_LIMIT: i64 = 50;

struct LinkView {
    label: &'static str,
    url: String,
    image: Option<String>,
}

struct LineView {
    name: String,
    /// `2.5 KG × 4.00 NOK`, when the merchant gave unit info.
    quantity: Option<String>,
    discount: Option<String>,
    total: String,
    is_return: bool,
}

struct VatView {
    rate: String,
    excluding: String,
    tax: String,
}

struct ReceiptView {
    lines: Vec<LineView>,
    shipping: Vec<LineView>,
    vat: Vec<VatView>,
    total: String,
    total_tax: String,
    total_discount: Option<String>,
    tip: Option<String>,
    barcode: Option<(String, String)>,
    receipt_number: Option<String>,
}

struct OrderView {
    merchant: String,
    order_id: String,
    amount: String,
    description: Option<String>,
    created: String,
    state: &'static str,
    state_class: String,
    links: Vec<LinkView>,
    receipt: Option<ReceiptView>,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct Orders {
    phone: String,
    payer_name: &'static str,
    orders: Vec<OrderView>,
    inbox: String,
}

fn money(minor: i64, currency: Currency) -> String {
    Money::new(minor, currency).to_string()
}

fn line_view(l: &OrderLine, currency: Currency) -> LineView {
    let sign = l.sign();
    LineView {
        name: l.name.clone(),
        quantity: l.unit_info.as_ref().map(|u| {
            format!(
                "{} {} × {}",
                u.quantity,
                u.quantity_unit.as_str(),
                money(u.unit_price, currency)
            )
        }),
        discount: l
            .discount
            .filter(|d| *d > 0)
            .map(|d| money(sign * d, currency)),
        total: money(sign * l.total_amount, currency),
        is_return: l.is_return,
    }
}

fn receipt_view(r: &Receipt) -> ReceiptView {
    let c = r.currency();
    let totals = r.totals();
    let (shipping, lines): (Vec<&OrderLine>, Vec<&OrderLine>) =
        r.order_lines.iter().partition(|l| l.is_shipping);
    ReceiptView {
        lines: lines.into_iter().map(|l| line_view(l, c)).collect(),
        shipping: shipping.into_iter().map(|l| line_view(l, c)).collect(),
        vat: r
            .vat()
            .into_iter()
            .map(|v| VatView {
                rate: format!("{}.{:02} %", v.tax_rate / 100, v.tax_rate % 100)
                    .replace(".00 %", " %"),
                excluding: money(v.total_excluding_tax, c),
                tax: money(v.total_tax, c),
            })
            .collect(),
        total: money(totals.total, c),
        total_tax: money(totals.total_tax, c),
        total_discount: (totals.total_discount != 0).then(|| money(totals.total_discount, c)),
        tip: (totals.tip > 0).then(|| money(totals.tip, c)),
        barcode: r
            .bottom_line
            .barcode
            .as_ref()
            .map(|b| (b.format.as_str().to_owned(), b.data.clone())),
        receipt_number: r.bottom_line.receipt_number.clone(),
    }
}

fn image_url(msn: &str, image_id: Option<&String>) -> Option<String> {
    image_id.map(|id| format!("/app/images/{msn}/{id}"))
}

/// `GET /app/orders?phone=…`.
pub(super) async fn orders(
    State(st): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ErrorPage> {
    let q = Params::query(q)?;
    let phone = q.phone()?;
    let mut paid = Vec::new();
    for family in PAYER_FAMILIES {
        paid.extend(family.paid_by(&st, &phone, ORDERS_LIMIT).await?);
    }
    paid.sort_by_key(|p| std::cmp::Reverse(p.created_at()));
    paid.truncate(ORDERS_LIMIT as usize);
    let mut names: HashMap<String, String> = HashMap::new();
    let mut orders = Vec::new();
    for p in paid {
        let Some(order_id) = p.order_id() else {
            continue;
        };
        let merchant = match names.get(p.msn()) {
            Some(n) => n.clone(),
            None => {
                let n = merchant_name(&st, p.msn()).await?;
                names.insert(p.msn().to_owned(), n.clone());
                n
            }
        };
        let info = st.db.om_order(p.msn(), PaymentType::Ecom, order_id).await?;
        let mut links: Vec<LinkView> = info
            .category
            .iter()
            .map(|c| LinkView {
                label: c.category.label(),
                url: c.order_details_url.clone(),
                image: image_url(p.msn(), c.image_id.as_ref()),
            })
            .collect();
        links.extend(info.categories_v3.iter().map(|c| LinkView {
            label: c.category.label(),
            url: c.url.clone(),
            image: image_url(p.msn(), c.image_id.as_ref()),
        }));
        orders.push(OrderView {
            merchant,
            order_id: order_id.to_owned(),
            amount: p.amount(),
            description: p.description(),
            created: super::pages::timestamp(p.created_at()),
            state: p.state_label(),
            state_class: p.state_label().to_ascii_lowercase(),
            links,
            receipt: info.receipt.as_ref().map(receipt_view),
        });
    }
    Ok(render(
        StatusCode::OK,
        &Orders {
            payer_name: payer::payer(&phone).name,
            inbox: format!("/app?phone={phone}"),
            phone,
            orders,
        },
    ))
}

/// `GET /app/images/{msn}/{imageId}`: an image a merchant uploaded, as the
/// app shows it beside the order.
pub(super) async fn image(
    State(st): State<AppState>,
    Path((msn, image_id)): Path<(String, String)>,
) -> Result<Response, ErrorPage> {
    let missing = || ErrorPage::new(StatusCode::NOT_FOUND, "No such image".into(), String::new());
    if Msn::parse(&msn).is_none() || !is_image_id(&image_id) {
        return Err(missing());
    }
    let img = st.db.om_image(&msn, &image_id).await?.ok_or_else(missing)?;
    Ok((
        [
            (header::CONTENT_TYPE, img.mime),
            (header::CACHE_CONTROL, "public, max-age=86400".into()),
        ],
        img.bytes,
    )
        .into_response())
}
