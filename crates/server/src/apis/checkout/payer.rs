//! The hosted checkout (`checkoutFrontendUrl?token=…`): the page a shopper
//! fills in — order summary, contact details, address, shipping (fixed, or
//! from the merchant's dynamic-options callback, with pickup points), the
//! custom consent and terms — and Pay, which creates the session's ePayment
//! payment and hands the shopper to its landing page (phone number, then the
//! app's approve/reject, then `returnUrl`).

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{rejection::FormRejection, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Form, Router,
};
use vipps_domain::{
    checkout::{
        is_iso_country,
        logistics::{pickup_points, LogisticsQuery, Offer},
        Session, SessionError, SessionState, ShopperChoice,
    },
    Money, Msn,
};
use vipps_store::checkout::StoredSession;

use super::service::{self, Refused, FRONTEND_PATH};
use crate::{
    web::{link, merchant_name, render, see_other, ErrorPage},
    AppState,
};

pub fn router() -> Router<AppState> {
    // Trailing slashes are trimmed before routing.
    Router::new().route(FRONTEND_PATH.trim_end_matches('/'), get(page).post(submit))
}

/// The form's values, as typed or prefilled.
#[derive(Default, Clone)]
struct Fields {
    first_name: String,
    last_name: String,
    email: String,
    phone_number: String,
    street_address: String,
    postal_code: String,
    city: String,
    country: String,
    shipping_option_id: String,
    /// `pickup-<option id>` → chosen pickup point id.
    pickup: HashMap<String, String>,
    custom_consent: bool,
}

impl Fields {
    fn prefilled(s: &Session) -> Fields {
        let p = &s.prefill;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Fields {
            first_name: text(&p.first_name),
            last_name: text(&p.last_name),
            email: text(&p.email),
            phone_number: text(&p.phone_number),
            street_address: text(&p.street_address),
            postal_code: text(&p.postal_code),
            city: text(&p.city),
            country: p.country.clone().unwrap_or_else(|| s.pickup_country(None)),
            ..Fields::default()
        }
    }

    fn from_form(form: &HashMap<String, String>) -> Fields {
        let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        Fields {
            first_name: get("firstName"),
            last_name: get("lastName"),
            email: get("email"),
            phone_number: get("phoneNumber"),
            street_address: get("streetAddress"),
            postal_code: get("postalCode"),
            city: get("city"),
            country: get("country").to_ascii_uppercase(),
            shipping_option_id: get("shippingOptionId"),
            pickup: form
                .iter()
                .filter(|(k, _)| k.starts_with("pickup-"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            custom_consent: form.contains_key("customConsent"),
        }
    }

    /// The dynamic-options callback's body, once the address is complete.
    fn address(&self, s: &Session) -> Option<LogisticsQuery> {
        let complete = s.config.elements.asks_address()
            && !self.street_address.is_empty()
            && !self.postal_code.is_empty()
            && !self.city.is_empty()
            && is_iso_country(&self.country);
        complete.then(|| LogisticsQuery {
            street_address: self.street_address.clone(),
            postal_code: self.postal_code.clone(),
            region: self.city.clone(),
            country: self.country.clone(),
        })
    }

    fn choice(&self) -> ShopperChoice {
        let some = |v: &String| Some(v.clone()).filter(|v| !v.is_empty());
        ShopperChoice {
            first_name: some(&self.first_name),
            last_name: some(&self.last_name),
            email: some(&self.email),
            phone_number: some(&self.phone_number),
            street_address: some(&self.street_address),
            postal_code: some(&self.postal_code),
            city: some(&self.city),
            country: some(&self.country),
            shipping_option_id: some(&self.shipping_option_id),
            pickup_point_id: self
                .pickup
                .get(&format!("pickup-{}", self.shipping_option_id))
                .cloned(),
            custom_consent: self.custom_consent,
        }
    }
}

struct LineRow {
    name: String,
    quantity: String,
    total: String,
}

struct OptionRow {
    id: String,
    label: String,
    description: Option<String>,
    price: String,
    /// The total if this option is chosen.
    total: String,
    checked: bool,
    /// Field name of its pickup-point list, with the points (id, label, selected).
    pickup_field: String,
    pickup: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutPage {
    token: String,
    merchant: String,
    description: String,
    lines: Vec<LineRow>,
    goods: String,
    asks_contact: bool,
    asks_address: bool,
    has_logistics: bool,
    f: Fields,
    countries: Vec<(String, bool)>,
    options: Vec<OptionRow>,
    /// Why the shop's own delivery options are not shown, if they were asked for.
    options_note: Option<String>,
    /// Delivery options depend on the address and none is entered yet.
    needs_address: bool,
    consent: Option<(String, bool)>,
    terms_url: Option<String>,
    total: String,
    errors: Vec<(String, String)>,
}

impl CheckoutPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn build(
    s: &Session,
    merchant: String,
    f: Fields,
    offer: &Offer,
    errors: Vec<(String, String)>,
) -> CheckoutPage {
    let currency = s.currency();
    let chosen = offer
        .find(&f.shipping_option_id)
        .or_else(|| offer.default_option());
    let options = offer
        .options
        .iter()
        .map(|o| {
            let field = format!("pickup-{}", o.id);
            let picked = f.pickup.get(&field);
            let pickup = if o.needs_pickup_point() {
                pickup_points(o.brand, &s.pickup_country(None).clone())
                    .into_iter()
                    .map(|p| {
                        let selected = picked == Some(&p.id);
                        let label =
                            format!("{}, {}, {} {}", p.name, p.address, p.postal_code, p.city);
                        (p.id, label, selected)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            OptionRow {
                id: o.id.clone(),
                label: o.label(),
                description: o.description.clone(),
                price: match o.price(currency).value {
                    0 => "Free".to_owned(),
                    _ => o.price(currency).to_string(),
                },
                total: Money::new(
                    s.amount.value.saturating_add(o.price(currency).value),
                    currency,
                )
                .to_string(),
                checked: chosen.is_some_and(|c| c.id == o.id),
                pickup_field: field,
                pickup,
            }
        })
        .collect();
    let shipping = chosen.map_or(0, |o| o.price(currency).value);
    let lines = match (&s.order_summary, s.config.show_order_summary) {
        (Some(r), true) => r
            .order_lines
            .iter()
            .map(|l| LineRow {
                name: l.name.clone(),
                quantity: l
                    .unit_info
                    .as_ref()
                    .map(|u| u.quantity.clone())
                    .unwrap_or_else(|| "1".into()),
                total: Money::new(l.sign() * l.total_amount, currency).to_string(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let countries = match &s.config.countries {
        Some(list) => list.iter().map(|c| (c.clone(), *c == f.country)).collect(),
        None => ["NO", "SE", "DK", "FI"]
            .iter()
            .map(|c| (c.to_string(), *c == f.country))
            .collect(),
    };
    let has_dynamic = s.logistics.dynamic_options_callback.is_some();
    CheckoutPage {
        token: s.token.clone(),
        merchant,
        description: s.description.clone(),
        lines,
        goods: s.amount.to_string(),
        asks_contact: s.config.elements.asks_contact(),
        asks_address: s.config.elements.asks_address(),
        has_logistics: !s.logistics.is_empty(),
        needs_address: has_dynamic && offer.options.is_empty() && f.address(s).is_none(),
        options_note: offer
            .dynamic_refused
            .as_ref()
            .map(|why| format!("The shop's delivery options could not be used ({why}); showing its standard options.")),
        consent: s
            .config
            .custom_consent
            .as_ref()
            .map(|c| (c.text.clone(), c.required)),
        terms_url: link(s.merchant.terms_and_conditions_url.as_deref()),
        total: Money::new(s.amount.value.saturating_add(shipping), currency).to_string(),
        countries,
        options,
        f,
        errors,
    }
}

/// The session behind a hosted-page token, if it is still to be filled in;
/// otherwise where the shopper should be instead.
async fn open_session(st: &AppState, token: Option<&String>) -> Result<StoredSession, Response> {
    let token = token.map(String::as_str).unwrap_or_default();
    let shaped = !token.is_empty()
        && token.len() <= 64
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let not_found = || {
        ErrorPage::new(
            StatusCode::NOT_FOUND,
            "Checkout not found".into(),
            "There is no checkout for this link. It may be mistyped, or from another sandbox."
                .into(),
        )
        .into_response()
    };
    if !shaped {
        return Err(not_found());
    }
    let s = st
        .db
        .checkout_session_by_token(token)
        .await
        .map_err(|e| ErrorPage::from(e).into_response())?
        .ok_or_else(not_found)?;
    let now = st.clock.now();
    match s.payment.state_at(now) {
        SessionState::SessionCreated => Ok(s),
        SessionState::SessionExpired => Err(ended(
            &s.payment,
            "This checkout has expired",
            "The shop gave an hour to complete it. Go back to the shop to start again.",
        )),
        _ => Err(already_started(st, &s.payment).await),
    }
}

/// The shopper already went on to pay: back to the payment's page while it
/// is open, else to the shop.
async fn already_started(st: &AppState, s: &Session) -> Response {
    if let Ok(Some(p)) = st.db.payment(&s.msn, &s.reference).await {
        if p.payment.state == vipps_domain::epayment::State::Created {
            if let Some(to) = p.payment.redirect_url.as_deref().and_then(see_other) {
                return to;
            }
        }
    }
    ended(
        s,
        "This checkout is complete",
        "The payment for this order has been made or stopped. Go back to the shop.",
    )
}

fn ended(s: &Session, title: &str, detail: &str) -> Response {
    ErrorPage::new(StatusCode::GONE, title.into(), detail.into())
        .back_to_url(link(Some(&s.merchant.return_url)))
        .into_response()
}

async fn show(st: &AppState, s: &Session, f: Fields, errors: Vec<(String, String)>) -> Response {
    let merchant = match merchant_name(st, &s.msn).await {
        Ok(name) => name,
        Err(e) => return e.into_response(),
    };
    let offer = service::shipping_offer(st, s, f.address(s)).await;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(status, &build(s, merchant, f, &offer, errors))
}

async fn page(
    State(st): State<AppState>,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return ErrorPage::bad_request("The link is malformed").into_response();
    };
    match open_session(&st, q.get("token")).await {
        Ok(s) => show(&st, &s.payment, Fields::prefilled(&s.payment), Vec::new()).await,
        Err(elsewhere) => elsewhere,
    }
}

async fn submit(
    State(st): State<AppState>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return ErrorPage::bad_request("The form could not be read").into_response();
    };
    let s = match open_session(&st, form.get("token")).await {
        Ok(s) => s.payment,
        Err(elsewhere) => return elsewhere,
    };
    let f = Fields::from_form(&form);
    if form.get("action").map(String::as_str) != Some("pay") {
        // The address changed: show the options for it.
        return show(&st, &s, f, Vec::new()).await;
    }
    let offer = service::shipping_offer(&st, &s, f.address(&s)).await;
    let Some(msn) = Msn::parse(&s.msn) else {
        return ErrorPage::bad_request("The checkout is broken").into_response();
    };
    match service::start_payment(&st, &msn, &s.reference, f.choice(), &offer.options).await {
        Ok(p) => p
            .redirect_url
            .as_deref()
            .and_then(see_other)
            .unwrap_or_else(|| ended(&s, "Payment started", "Open the app to approve it.")),
        Err(Refused::Shopper(SessionError::Invalid(errors))) => {
            let errors = errors.into_iter().map(|e| (e.field, e.reason)).collect();
            show(&st, &s, f, errors).await
        }
        Err(Refused::Shopper(SessionError::Expired)) => ended(
            &s,
            "This checkout has expired",
            "Go back to the shop to start again.",
        ),
        Err(Refused::Shopper(SessionError::NotOpen(_))) => already_started(&st, &s).await,
        Err(Refused::Payment(e)) => {
            ErrorPage::new(StatusCode::BAD_REQUEST, e.title.to_owned(), e.detail)
                .back_to_url(link(Some(&s.merchant.return_url)))
                .into_response()
        }
    }
}
