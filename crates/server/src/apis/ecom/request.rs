//! Reading eCom requests into what the domain takes: the initiate body, a
//! modification, shipping options (from the initiate body or from the
//! merchant's shippingDetails answer).

use vipps_domain::ecom::{self, cost_to_ore, EcomError, Modification, NewPayment, ShippingOption};
use vipps_wire::ecom as wire;

use super::problem::EcomProblem;
use crate::kernel::auth::Merchant;

/// One shipping option as the merchant gave it, or why it is invalid.
pub fn shipping_option(o: &wire::ShippingOption) -> Result<ShippingOption, String> {
    let cost = cost_to_ore(o.shipping_cost)
        .ok_or_else(|| format!("invalid shippingCost {}", o.shipping_cost))?;
    let is_default = match o.is_default.as_str() {
        "Y" => true,
        "N" => false,
        other => return Err(format!("isDefault must be Y or N, not '{other}'")),
    };
    Ok(ShippingOption {
        is_default,
        priority: o.priority,
        cost_ore: cost,
        method: o.shipping_method.clone(),
        method_id: o.shipping_method_id.clone(),
    })
}

/// Static options from an initiate request, checked like a merchant's answer.
fn static_options(list: &[wire::ShippingOption]) -> Result<Vec<ShippingOption>, EcomError> {
    list.iter()
        .map(shipping_option)
        .collect::<Result<_, _>>()
        .map_err(|m| EcomError::invalid("staticShippingDetails", m))
}

pub fn new_payment(req: wire::InitiateRequest) -> Result<NewPayment, EcomProblem> {
    let mi = req.merchant_info;
    let tx = req.transaction;
    let static_shipping = match &mi.static_shipping_details {
        Some(list) => Some(static_options(list)?),
        None => None,
    };
    Ok(NewPayment {
        body_msn: mi.merchant_serial_number,
        order_id: tx.order_id,
        amount: tx.amount,
        transaction_text: tx.transaction_text,
        callback_prefix: mi.callback_prefix,
        fallback: mi.fall_back,
        auth_token: mi.auth_token,
        is_app: mi.is_app.unwrap_or(false),
        payment_type: mi.payment_type,
        consent_removal_prefix: mi.consent_removal_prefix,
        shipping_details_prefix: mi.shipping_details_prefix,
        static_shipping,
        skip_landing_page: tx.skip_landing_page.unwrap_or(false),
        mobile_number: req.customer_info.and_then(|c| c.mobile_number),
        scope: tx.scope,
    })
}

/// The modification a body asks for; the body's MSN must be the caller's.
pub fn modification(req: &wire::ActionRequest, m: &Merchant) -> Result<Modification, EcomProblem> {
    if let Some(msn) = req
        .merchant_info
        .as_ref()
        .and_then(|mi| mi.merchant_serial_number.as_deref())
    {
        if m.msn != *msn {
            return Err(EcomError::msn_mismatch().into());
        }
    }
    let tx = req.transaction.clone().unwrap_or_default();
    Ok(Modification {
        amount: tx.amount,
        transaction_text: ecom::modification_text(tx.transaction_text.as_deref())?,
        request_id: String::new(),
    })
}
