//! Reading ePayment requests: path references, amounts and the create body
//! as the domain takes them.

use vipps_domain::{epayment::NewPayment, Currency, Money, Reference};
use vipps_wire::epayment as wire;

use super::problem::ApiProblem;

/// A reference from the path: 1–50 characters, so eCom orderIds can be
/// addressed too.
pub fn path_reference(reference: &str) -> Result<Reference, ApiProblem> {
    Reference::parse_path(reference).ok_or_else(|| {
        ApiProblem::bad_field(
            "Invalid reference",
            "reference",
            "The reference must be 1-50 characters of a-z, A-Z, 0-9 and '-'",
        )
    })
}

pub fn money(a: &wire::Amount, field: &str) -> Result<Money, ApiProblem> {
    let currency = Currency::parse(&a.currency).ok_or_else(|| {
        ApiProblem::bad_field(
            "Invalid currency",
            field,
            format!("Currency '{}' is not one of NOK, DKK, EUR", a.currency),
        )
    })?;
    Ok(Money::new(a.value, currency))
}

pub fn new_payment(req: wire::CreatePaymentRequest) -> NewPayment {
    let customer = req.customer.clone();
    NewPayment {
        reference: req.reference,
        amount_value: req.amount.value,
        currency: req.amount.currency,
        method: req.payment_method.kind,
        user_flow: req.user_flow,
        return_url: req.return_url,
        description: req.payment_description,
        customer_given: customer.is_some(),
        customer_phone: customer.as_ref().and_then(|c| c.phone_number.clone()),
        customer_personal_qr: customer.as_ref().and_then(|c| c.personal_qr.clone()),
        customer_token: customer.and_then(|c| c.customer_token),
        metadata: req.metadata,
        scope: req.profile.and_then(|p| p.scope),
        expires_at: req.expires_at,
        qr_format: req.qr_format.as_ref().map(|q| q.format.clone()),
        qr_size: req.qr_format.and_then(|q| q.size),
        receipt: req
            .receipt
            .map(crate::apis::order_management::request::new_receipt),
    }
}
