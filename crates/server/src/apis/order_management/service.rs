//! Receipts that arrive through other APIs: an ePayment payment's `receipt`
//! and a Checkout session's order summary are the order's receipt, written
//! in the same commit as the payment, so a later Order Management receipt
//! for the order is a conflict (docs/compatibility.md#order-management).

use vipps_domain::{epayment::Payment, order_management::PaymentType};
use vipps_store::{
    order_management::{add_receipt, FROM_CHECKOUT, FROM_EPAYMENT},
    WriteSet,
};

/// Adds a new ePayment payment's receipt (its own, or its Checkout
/// session's order summary) to `w`; an order that already has a receipt
/// keeps it.
pub fn receipt_of_new_payment(w: &mut WriteSet, p: &Payment) {
    let (receipt, source) = match (&p.receipt, &p.checkout) {
        (Some(r), _) => (r, FROM_EPAYMENT),
        (None, Some(session)) => match &session.order_summary {
            Some(r) => (r, FROM_CHECKOUT),
            None => return,
        },
        _ => return,
    };
    add_receipt(
        w,
        p.msn.as_str(),
        PaymentType::Ecom,
        p.reference.as_str(),
        source,
        receipt,
        p.created_at,
        false,
    );
}
