//! Domain → the Order Management API's bodies. A receipt is echoed as it
//! was accepted, the deprecated bottom-line fields included.

use vipps_domain::{
    order_management::{Category, CategoryV3},
    receipt::{BottomLine, OrderLine, Receipt},
};
use vipps_wire::{order_management as wire, receipt as wr};

pub fn category(c: &Category) -> wire::Order {
    wire::Order {
        category: Some(c.category.as_str().into()),
        order_details_url: Some(c.order_details_url.clone()),
        image_id: c.image_id.clone(),
    }
}

pub fn category_v3(c: &CategoryV3) -> wire::Category {
    wire::Category {
        category_id: c.category_id.clone(),
        order_id: c.order_id.clone(),
        payment_type: c.payment_type.as_str().into(),
        kind: c.category.as_str().into(),
        url: c.url.clone(),
        image_id: c.image_id.clone(),
    }
}

fn order_line(l: &OrderLine) -> wr::OrderLine {
    wr::OrderLine {
        name: Some(l.name.clone()),
        id: Some(l.id.clone()),
        total_amount: Some(l.total_amount),
        total_amount_excluding_tax: Some(l.total_amount_excluding_tax),
        total_tax_amount: Some(l.total_tax_amount),
        tax_percentage: l.sent_tax_percentage,
        tax_rate: l.sent_tax_rate,
        unit_info: l.unit_info.as_ref().map(|u| wr::UnitInfo {
            unit_price: Some(u.unit_price),
            quantity: Some(u.quantity.clone()),
            quantity_unit: Some(u.quantity_unit.as_str().into()),
        }),
        discount: l.discount,
        product_url: l.product_url.clone(),
        is_return: Some(l.is_return),
        is_shipping: Some(l.is_shipping),
    }
}

fn bottom_line(b: &BottomLine) -> wr::BottomLine {
    let d = &b.deprecated;
    wr::BottomLine {
        currency: Some(b.currency.as_str().into()),
        tip_amount: b.tip_amount,
        pos_id: b.pos_id.clone(),
        payment_sources: b.payment_sources.as_ref().map(|p| wr::PaymentSources {
            gift_card: p.gift_card,
            card: p.card,
            voucher: p.voucher,
            cash: p.cash,
        }),
        barcode: b.barcode.as_ref().map(|c| wr::Barcode {
            format: Some(c.format.as_str().into()),
            data: Some(c.data.clone()),
        }),
        receipt_number: b.receipt_number.clone(),
        gift_card_amount: d.gift_card_amount,
        terminal_id: d.terminal_id.clone(),
        total_amount: d.total_amount,
        total_tax: d.total_tax,
        total_discount: d.total_discount,
        shipping_amount: d.shipping_amount,
        shipping_info: d.shipping_info.as_ref().map(|s| wr::ShippingInfo {
            amount: s.amount,
            amount_excluding_tax: s.amount_excluding_tax,
            tax_amount: s.tax_amount,
            tax_percentage: s.tax_percentage,
        }),
    }
}

pub fn receipt(r: &Receipt) -> wr::Receipt {
    wr::Receipt {
        order_lines: Some(r.order_lines.iter().map(order_line).collect()),
        bottom_line: Some(bottom_line(&r.bottom_line)),
    }
}
