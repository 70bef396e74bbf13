//! Reading receipts: the wire shape, as every API that takes one sends it,
//! into the domain's unvalidated [`NewReceipt`].

use vipps_domain::receipt::{
    DeprecatedTotals, NewBarcode, NewBottomLine, NewOrderLine, NewReceipt, NewUnitInfo,
    PaymentSources, ShippingInfo,
};
use vipps_wire::receipt as wire;

pub fn new_receipt(r: wire::Receipt) -> NewReceipt {
    NewReceipt {
        order_lines: r
            .order_lines
            .map(|lines| lines.into_iter().map(new_order_line).collect()),
        bottom_line: r.bottom_line.map(new_bottom_line),
    }
}

fn new_order_line(l: wire::OrderLine) -> NewOrderLine {
    NewOrderLine {
        name: l.name,
        id: l.id,
        total_amount: l.total_amount,
        total_amount_excluding_tax: l.total_amount_excluding_tax,
        total_tax_amount: l.total_tax_amount,
        tax_percentage: l.tax_percentage,
        tax_rate: l.tax_rate,
        unit_info: l.unit_info.map(|u| NewUnitInfo {
            unit_price: u.unit_price,
            quantity: u.quantity,
            quantity_unit: u.quantity_unit,
        }),
        discount: l.discount,
        product_url: l.product_url,
        is_return: l.is_return,
        is_shipping: l.is_shipping,
    }
}

pub fn new_bottom_line(b: wire::BottomLine) -> NewBottomLine {
    NewBottomLine {
        currency: b.currency,
        tip_amount: b.tip_amount,
        pos_id: b.pos_id,
        payment_sources: b.payment_sources.map(|p| PaymentSources {
            gift_card: p.gift_card,
            card: p.card,
            voucher: p.voucher,
            cash: p.cash,
        }),
        barcode: b.barcode.map(|c| NewBarcode {
            format: c.format,
            data: c.data,
        }),
        receipt_number: b.receipt_number,
        deprecated: DeprecatedTotals {
            gift_card_amount: b.gift_card_amount,
            terminal_id: b.terminal_id,
            total_amount: b.total_amount,
            total_tax: b.total_tax,
            total_discount: b.total_discount,
            shipping_amount: b.shipping_amount,
            shipping_info: b.shipping_info.map(|s| ShippingInfo {
                amount: s.amount,
                amount_excluding_tax: s.amount_excluding_tax,
                tax_amount: s.tax_amount,
                tax_percentage: s.tax_percentage,
            }),
        },
    }
}
