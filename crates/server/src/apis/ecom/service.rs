//! How an eCom v2 payment changes: the family's rows and expiry for the
//! kernel's read–settle–decide–commit loop, the writes of a transition (the
//! row and its callbacks), and the payer's actions. The API handlers, the
//! sandbox endpoints and the payer pages all go through here.
//!
//! Express approval also makes the one synchronous merchant call of the
//! flow — shipping details — *before* the transaction: nothing is held
//! open across the HTTP call, and a failing merchant leaves the payment
//! untouched (see docs/compatibility.md#ecom-v2-express-checkout).

use std::time::Duration;

use vipps_delivery::Call;
use vipps_domain::{
    ecom::{
        self, choose_shipping, default_address, EcomError, Payment, PaymentCode, ShippingChoice,
        ShippingOption, Transition, VippsCode,
    },
    Millis,
};
use vipps_store::{
    deliveries::{enqueue_callback, KIND_ECOM_CALLBACK},
    ecom::{insert_ecom, update_ecom, StoredEcom},
    DueCursor, WriteSet,
};
use vipps_wire::ecom as wire;

use super::{problem::EcomProblem, render::callback_body, request::shipping_option};
use crate::{
    kernel::versioned::{self, Expiring, Family},
    web::payer::ConsentRemoval,
    AppState,
};

/// Timeout of the synchronous merchant calls: shipping details and consent
/// removal (see docs/compatibility.md#ecom-v2-express-checkout).
pub const MERCHANT_CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Kinds of the calls made while the payer waits, as the inspection API shows them.
pub const KIND_ECOM_SHIPPING: &str = "ecom_shipping_details";
pub const KIND_ECOM_CONSENT: &str = "ecom_consent_removal";

/// The outbox key that keeps one payment's callbacks in order.
pub fn order_key(p: &Payment) -> String {
    format!("ecom/{}/{}", p.msn, p.order_id)
}

/// The writes of a payment moving on from `version`, with its callbacks.
pub fn persist(t: &Transition, version: i64) -> WriteSet {
    let p = &t.payment;
    let mut w = update_ecom(p, version);
    for (i, n) in t.notices.iter().enumerate() {
        enqueue_callback(
            &mut w,
            KIND_ECOM_CALLBACK,
            &p.msn,
            &order_key(p),
            (version + 1) * 16 + i as i64,
            &p.callback_url(),
            &callback_body(p, n),
            &p.order_id,
            n.timestamp,
        );
    }
    w
}

/// The writes of a new payment (initiate owes no callback).
pub fn persist_new(p: &Payment) -> WriteSet {
    insert_ecom(p)
}

/// The eCom payment family: rows in `ecom_payments`; a payer who never
/// acts is logged CANCEL and owed a REJECTED callback.
pub struct Ecom;

impl Family for Ecom {
    type Payment = Payment;

    async fn read(st: &AppState, msn: &str, order_id: &str) -> anyhow::Result<Option<StoredEcom>> {
        st.db.ecom_payment(msn, order_id).await
    }

    fn key(p: &Payment) -> (String, String) {
        (p.msn.clone(), p.order_id.clone())
    }

    fn persist(t: &Transition, version: i64) -> WriteSet {
        persist(t, version)
    }
}

impl Expiring for Ecom {
    async fn due_to_expire(
        st: &AppState,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<StoredEcom>)>> {
        st.db.ecom_payments_due_to_expire(now, after, limit).await
    }
}

/// What a payer's approval came to.
pub enum Approved {
    Yes(Payment),
    /// The payer's card was declined; the payment stays open.
    Declined(Payment, EcomError),
}

/// Asks the merchant for shipping options . A slow or
/// unreachable merchant is "No shipping methods found", a bad answer
/// "Payment failed"; both leave the payment unpaid.
async fn fetch_options(
    st: &AppState,
    p: &Payment,
    address: &ecom::Address,
) -> Result<Vec<ShippingOption>, EcomError> {
    let prefix = p.shipping_details_prefix.as_deref().unwrap_or_default();
    let url = ecom::join(
        prefix,
        &format!("/v2/payments/{}/shippingDetails", p.order_id),
    );
    let body = wire::ShippingDetailsRequest {
        address_id: 100,
        address_line1: address.address_line1.clone(),
        address_line2: address.address_line2.clone(),
        city: address.city.clone(),
        country: address.country.clone(),
        post_code: address.post_code.clone(),
        address_type: "H".into(),
    };
    let x = st
        .deliverer
        .call_now(Call {
            kind: KIND_ECOM_SHIPPING,
            msn: p.msn.clone(),
            method: reqwest::Method::POST,
            url,
            body: Some(serde_json::to_string(&body).expect("serialises")),
            auth_header: p.auth_token.clone(),
            timeout: MERCHANT_CALL_TIMEOUT,
            event_type: format!("shippingDetails {}", p.order_id),
            order_key: order_key(p),
        })
        .await;
    let failed = |why: String| {
        EcomError::payment(
            PaymentCode::ReservationFailed,
            format!("Payment failed: {why}"),
        )
    };
    match x.status {
        // No answer in time, or none at all.
        0 => {
            return Err(EcomError::payment(
                PaymentCode::ReservationFailed,
                "No shipping methods found",
            ))
        }
        200 => {}
        status => return Err(failed(format!("the merchant answered HTTP {status}"))),
    }
    let answer: wire::ShippingDetailsResponse = serde_json::from_slice(&x.body)
        .map_err(|e| failed(format!("invalid shipping details: {e}")))?;
    answer
        .shipping_details
        .iter()
        .map(shipping_option)
        .collect::<Result<_, _>>()
        .map_err(failed)
}

/// The address and shipping option an express payer approves with.
async fn express_choice(
    st: &AppState,
    p: &Payment,
    wanted: Option<&str>,
) -> Result<ShippingChoice, EcomError> {
    let address = default_address();
    let options = match p.shipping_options() {
        Some(list) => list.to_vec(),
        None => fetch_options(st, p, &address).await?,
    };
    let chosen = choose_shipping(&options, wanted).map_err(|m| {
        EcomError::payment(
            PaymentCode::ReservationFailed,
            format!("Payment failed: {m}"),
        )
    })?;
    Ok(ShippingChoice {
        address,
        cost_ore: chosen.cost_ore,
        method: chosen.method.clone(),
        method_id: chosen.method_id.clone(),
    })
}

/// An open express payment with the shipping options its payer chooses
/// from: when the merchant gives them (no `staticShippingDetails`), its
/// shippingDetails endpoint is asked the first time the payer opens the
/// payment and the answer is kept, so the page and the reservation agree and
/// a reload asks nothing again. A failed call is the documented Payment 45.
pub async fn offer_shipping(
    st: &AppState,
    msn: &str,
    order_id: &str,
) -> Result<Payment, EcomProblem> {
    let s = versioned::settled::<Ecom, EcomProblem>(st, msn, order_id, st.clock.now())
        .await?
        .ok_or_else(|| EcomError::unknown_order(order_id))?;
    let p = s.payment;
    if !p.express || p.shipping_options().is_some() || p.require_open(st.clock.now()).is_err() {
        return Ok(p);
    }
    let options = fetch_options(st, &p, &default_address()).await?;
    versioned::transact::<Ecom, _, _>(st, msn, order_id, |cur, now| {
        let s = cur.ok_or_else(|| EcomError::unknown_order(order_id))?;
        if s.payment.shipping_options().is_some() {
            return Ok((WriteSet::new(), s.payment.clone()));
        }
        let t = s.payment.offer_shipping(options.clone(), now)?;
        Ok((persist(&t, s.version), t.payment))
    })
    .await
}

/// The payer (or a force approve) approves with `phone` (an MSISDN). For
/// express, `shipping_method_id` picks an option; `None` takes the default.
pub async fn approve_ecom(
    st: &AppState,
    msn: &str,
    order_id: &str,
    phone: &str,
    shipping_method_id: Option<String>,
) -> Result<Approved, EcomProblem> {
    let now = st.clock.now();
    let s = versioned::settled::<Ecom, EcomProblem>(st, msn, order_id, now)
        .await?
        .ok_or_else(|| EcomError::unknown_order(order_id))?;
    s.payment.require_open(now)?;
    let shipping = if s.payment.express {
        Some(express_choice(st, &s.payment, shipping_method_id.as_deref()).await?)
    } else {
        None
    };
    let unit = st.db.ecom_settings(msn).await?;
    versioned::transact::<Ecom, _, _>(st, msn, order_id, |cur, now| {
        let s = cur.ok_or_else(|| EcomError::unknown_order(order_id))?;
        let t = s
            .payment
            .approve(phone, shipping.clone(), unit.direct_capture, now)?;
        let out = match t.notices.first().and_then(|n| n.error.clone()) {
            Some(e) => Approved::Declined(t.payment.clone(), e),
            None => Approved::Yes(t.payment.clone()),
        };
        Ok((persist(&t, s.version), out))
    })
    .await
}

/// The payer rejects the payment: log CANCEL, callback CANCELLED.
pub async fn reject_ecom(st: &AppState, msn: &str, order_id: &str) -> Result<Payment, EcomProblem> {
    versioned::transact::<Ecom, _, _>(st, msn, order_id, |cur, now| {
        let s = cur.ok_or_else(|| EcomError::unknown_order(order_id))?;
        let t = s.payment.reject(now)?;
        Ok((persist(&t, s.version), t.payment))
    })
    .await
}

/// The payer revokes the consent given in an express payment: `DELETE
/// consentRemovalPrefix/v2/consents/{userId}` (URL-encoded) with the
/// merchant's authToken, one try, 10 s.
pub async fn remove_consent(
    st: &AppState,
    msn: &str,
    order_id: &str,
) -> Result<ConsentRemoval, EcomProblem> {
    let s = versioned::settled::<Ecom, EcomProblem>(st, msn, order_id, st.clock.now())
        .await?
        .ok_or_else(|| EcomError::unknown_order(order_id))?;
    let p = s.payment;
    let (Some(prefix), Some(user)) = (&p.consent_removal_prefix, &p.user) else {
        return Err(EcomError::vipps(
            VippsCode::NotAllowed,
            "Only an approved express payment has a consent to remove",
        )
        .into());
    };
    let url = ecom::join(
        prefix,
        &format!("/v2/consents/{}", urlencoding::encode(&user.user_id)),
    );
    let x = st
        .deliverer
        .call_now(Call {
            kind: KIND_ECOM_CONSENT,
            msn: p.msn.clone(),
            method: reqwest::Method::DELETE,
            url: url.clone(),
            body: None,
            auth_header: p.auth_token.clone(),
            timeout: MERCHANT_CALL_TIMEOUT,
            event_type: format!("consentRemoval {}", p.order_id),
            order_key: order_key(&p),
        })
        .await;
    let out = ConsentRemoval {
        url,
        status: x.status,
        error: x.error.or_else(|| x.error_kind.map(str::to_owned)),
    };
    Ok(out)
}
