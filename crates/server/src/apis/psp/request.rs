//! PSP request bodies (wire) into the domain's terms.

use vipps_domain::{
    psp::{NewPayment, PspError, StatusReport, UpdateOp},
    Millis,
};
use vipps_wire::psp as wire;

pub fn new_payment(r: wire::InitiatePaymentRequest) -> NewPayment {
    NewPayment {
        psp_transaction_id: r.psp_transaction_id,
        merchant_order_id: r.merchant_order_id,
        customer_mobile_number: r.customer_mobile_number,
        amount: r.amount,
        currency: r.currency,
        psp_redirect_url: r.psp_redirect_url,
        make_payment_url: r.make_payment_url,
        make_payment_token: r.make_payment_token,
        payment_text: r.payment_text,
        is_app: r.is_app.unwrap_or(false),
        skip_landing_page: r.skip_landing_page.unwrap_or(false),
        merchant_agreement_url: r.merchant_agreement_url,
    }
}

/// One transaction of `updatestatus`, with its id; `delay` is the PSP's
/// status delay. A report must name a transaction, a status of the spec's
/// enum and an amount; everything else about it is accepted and flagged.
pub fn status_report(
    i: usize,
    t: &wire::TransactionInfo,
    now: Millis,
    delay: Millis,
) -> Result<(String, StatusReport), PspError> {
    let at = |field: &str| format!("transactions[{i}].{field}");
    let id = t
        .psp_transaction_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            PspError::invalid_request(format!("{} is required", at("pspTransactionId")))
        })?;
    let op = t
        .status
        .as_deref()
        .and_then(UpdateOp::parse)
        .ok_or_else(|| {
            PspError::invalid_request(format!(
                "{} must be one of RESERVED, CAPTURED, CANCELLED, REFUNDED",
                at("status")
            ))
        })?;
    let amount = t
        .amount
        .ok_or_else(|| PspError::field("amount", format!("{} is required", at("amount"))))?;
    let success = match t.operation_status.as_deref() {
        None | Some("SUCCESS") => true,
        Some("FAILED") => false,
        Some(_) => {
            return Err(PspError::invalid_request(format!(
                "{} must be SUCCESS or FAILED",
                at("operationStatus")
            )))
        }
    };
    Ok((
        id,
        StatusReport {
            op,
            amount,
            currency: t.currency.clone().unwrap_or_else(|| "NOK".into()),
            payment_text: t.payment_text.clone(),
            success,
            reported_at: now,
            apply_at: now + delay,
        },
    ))
}
