//! eCom v2's way of changing a payment, the twin of [`crate::service`]:
//! read it (persisting a due timeout first), let the domain decide, commit
//! the new row and its callbacks in one write set with a version check, and
//! on a lost race read again and decide again. The API handlers, the
//! sandbox endpoints and (later) the payer pages all go through here.
//!
//! Express approval also makes the one synchronous merchant call of the
//! flow — shipping details — *before* the transaction: nothing is held
//! open across the HTTP call, and a failing merchant leaves the payment
//! untouched (§3.8).

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use vipps_delivery::Call;
use vipps_domain::{
    ecom::{
        self, choose_shipping, cost_to_ore, default_address, EcomError, Notice, Payment,
        ShippingChoice, ShippingOption, Transition,
    },
    Millis,
};
use vipps_store::{
    deliveries::{enqueue_callback, KIND_ECOM_CALLBACK},
    ecom::{insert_ecom, update_ecom, StoredEcom},
    WriteError, WriteSet,
};
use vipps_wire::ecom as wire;

use crate::{
    versioned::{self, Versioned},
    AppState,
};

/// Timeout of the synchronous merchant calls: shipping details and consent
/// removal (§1.6).
pub const MERCHANT_CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Kinds of the calls made while the payer waits, as the inspection API shows them.
pub const KIND_ECOM_SHIPPING: &str = "ecom_shipping_details";
pub const KIND_ECOM_CONSENT: &str = "ecom_consent_removal";

pub const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// An eCom error on its way to becoming the documented JSON array.
#[derive(Debug, Clone)]
pub struct EcomProblem(pub EcomError);

impl From<EcomError> for EcomProblem {
    fn from(e: EcomError) -> Self {
        EcomProblem(e)
    }
}

impl From<anyhow::Error> for EcomProblem {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        EcomProblem::internal()
    }
}

impl EcomProblem {
    pub fn internal() -> Self {
        EcomProblem(EcomError::vipps(
            "99",
            "Internal error; the request may be retried",
        ))
    }

    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// The serialised array, with a fresh context id.
    pub fn body(&self) -> String {
        let e = &self.0;
        let body = [wire::Error {
            error_group: e.group.as_str().into(),
            error_code: e.code.clone(),
            error_message: e.message.clone(),
            context_id: uuid::Uuid::new_v4().to_string(),
        }];
        serde_json::to_string(&body).expect("an error always serialises")
    }
}

impl IntoResponse for EcomProblem {
    fn into_response(self) -> Response {
        crate::problem::raw(self.status(), JSON_UTF8, self.body())
    }
}

pub fn locked() -> EcomProblem {
    EcomProblem(EcomError::vipps(
        "94",
        "Order locked: the payment is being modified by another request; retry",
    ))
}

fn db_error(e: WriteError) -> EcomProblem {
    tracing::error!(error = %e, "write failed");
    EcomProblem::internal()
}

fn callback_address(a: &ecom::Address) -> wire::CallbackAddress {
    wire::CallbackAddress {
        address_line1: a.address_line1.clone(),
        address_line2: a.address_line2.clone(),
        city: a.city.clone(),
        country: "Norway".into(),
        zip_code: a.post_code.clone(),
    }
}

pub fn wire_user(u: &ecom::UserDetails) -> wire::UserDetails {
    wire::UserDetails {
        user_id: u.user_id.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        email: u.email.clone(),
        mobile_number: u.mobile_number.clone(),
        bank_id_verified: "Y".into(),
    }
}

/// The callback body of `notice` (merchant-endpoints spec; §3.7).
pub fn callback_body(p: &Payment, n: &Notice) -> String {
    let body = wire::Callback {
        merchant_serial_number: p.msn.clone(),
        order_id: p.order_id.clone(),
        shipping_details: p.shipping.as_ref().map(|s| wire::CallbackShipping {
            address: callback_address(&s.address),
            shipping_cost: s.cost_ore as f64 / 100.0,
            shipping_method: s.method.clone(),
            shipping_method_id: s.method_id.clone(),
        }),
        transaction_info: wire::CallbackTransactionInfo {
            amount: n.amount,
            status: n.status.into(),
            time_stamp: ecom::timestamp(n.timestamp),
            transaction_id: n.transaction_id.clone(),
        },
        user_details: p.user.as_ref().map(wire_user),
        error_info: n.error.as_ref().map(|e| wire::CallbackError {
            error_group: e.group.as_str().into(),
            error_code: e.code.clone(),
            error_message: e.message.clone(),
        }),
    };
    serde_json::to_string(&body).expect("a callback always serialises")
}

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
            p.auth_token.as_deref(),
            n.timestamp,
        );
    }
    w
}

/// The writes of a new payment (initiate owes no callback).
pub fn persist_new(p: &Payment) -> WriteSet {
    insert_ecom(p)
}

impl Versioned for StoredEcom {
    type Problem = EcomProblem;

    async fn read(st: &AppState, msn: &str, order_id: &str) -> anyhow::Result<Option<Self>> {
        st.db.ecom_payment(msn, order_id).await
    }

    fn expire_if_due(&self, now: Millis) -> Option<(WriteSet, Self)> {
        let t = self.payment.expire_if_due(now)?;
        let writes = persist(&t, self.version);
        Some((
            writes,
            StoredEcom {
                payment: t.payment,
                version: self.version + 1,
            },
        ))
    }

    fn busy() -> EcomProblem {
        locked()
    }

    fn db_error(e: WriteError) -> EcomProblem {
        db_error(e)
    }
}

/// The payment as of `now`: one whose payer window has passed is first
/// moved on (log CANCEL, callback REJECTED) before anyone sees it.
pub async fn settled(
    st: &AppState,
    msn: &str,
    order_id: &str,
    now: Millis,
) -> Result<Option<StoredEcom>, EcomProblem> {
    versioned::settled(st, msn, order_id, now).await
}

/// Runs `decide` on the settled payment (see [`versioned::transact`]).
pub async fn transact<T>(
    st: &AppState,
    msn: &str,
    order_id: &str,
    decide: impl FnMut(Option<&StoredEcom>, Millis) -> Result<(WriteSet, T), EcomProblem>,
) -> Result<T, EcomProblem> {
    versioned::transact(st, msn, order_id, decide).await
}

/// Expires one payment if due; used by the expiry sweep.
pub async fn expire(st: &AppState, msn: &str, order_id: &str, now: Millis) -> bool {
    settled(st, msn, order_id, now).await.is_ok()
}

/// What a payer's approval came to.
pub enum Approved {
    Yes(Payment),
    /// The payer's card was declined; the payment stays open.
    Declined(Payment, EcomError),
}

fn option(o: &wire::ShippingOption) -> Result<ShippingOption, String> {
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
pub fn static_options(list: &[wire::ShippingOption]) -> Result<Vec<ShippingOption>, EcomError> {
    list.iter()
        .map(option)
        .collect::<Result<_, _>>()
        .map_err(|m| EcomError::invalid("staticShippingDetails", m))
}

/// Asks the merchant for shipping options (§3.8 step 2). A slow or
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
            order_key: format!("ecom/{}/{}", p.msn, p.order_id),
        })
        .await;
    let failed = |why: String| EcomError::payment("45", format!("Payment failed: {why}"));
    match x.status {
        // No answer in time, or none at all.
        0 => return Err(EcomError::payment("45", "No shipping methods found")),
        200 => {}
        status => return Err(failed(format!("the merchant answered HTTP {status}"))),
    }
    let answer: wire::ShippingDetailsResponse = serde_json::from_slice(&x.body)
        .map_err(|e| failed(format!("invalid shipping details: {e}")))?;
    answer
        .shipping_details
        .iter()
        .map(option)
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
    let chosen = choose_shipping(&options, wanted)
        .map_err(|m| EcomError::payment("45", format!("Payment failed: {m}")))?;
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
    let s = settled(st, msn, order_id, st.clock.now())
        .await?
        .ok_or_else(|| EcomError::unknown_order(order_id))?;
    let p = s.payment;
    if !p.express || p.shipping_options().is_some() || p.require_open(st.clock.now()).is_err() {
        return Ok(p);
    }
    let options = fetch_options(st, &p, &default_address()).await?;
    transact(st, msn, order_id, |cur, now| {
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
    let s = settled(st, msn, order_id, now)
        .await?
        .ok_or_else(|| EcomError::unknown_order(order_id))?;
    s.payment.require_open(now)?;
    let shipping = if s.payment.express {
        Some(express_choice(st, &s.payment, shipping_method_id.as_deref()).await?)
    } else {
        None
    };
    let unit = st.db.ecom_settings(msn).await?;
    transact(st, msn, order_id, |cur, now| {
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
    transact(st, msn, order_id, |cur, now| {
        let s = cur.ok_or_else(|| EcomError::unknown_order(order_id))?;
        let t = s.payment.reject(now)?;
        Ok((persist(&t, s.version), t.payment))
    })
    .await
}

/// What the merchant answered to a consent removal.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRemoval {
    pub url: String,
    /// HTTP status, or 0 when the call failed (timeout, connection, redirect not followed).
    pub status: u16,
    pub error: Option<String>,
}

/// The payer revokes the consent given in an express payment: `DELETE
/// consentRemovalPrefix/v2/consents/{userId}` (URL-encoded) with the
/// merchant's authToken, one try, 10 s (§1.6, §3.8 step 4).
pub async fn remove_consent(
    st: &AppState,
    msn: &str,
    order_id: &str,
) -> Result<ConsentRemoval, EcomProblem> {
    let s = settled(st, msn, order_id, st.clock.now())
        .await?
        .ok_or_else(|| EcomError::unknown_order(order_id))?;
    let p = s.payment;
    let (Some(prefix), Some(user)) = (&p.consent_removal_prefix, &p.user) else {
        return Err(EcomError::vipps(
            "91",
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
            order_key: format!("ecom/{}/{}", p.msn, p.order_id),
        })
        .await;
    let out = ConsentRemoval {
        url,
        status: x.status,
        error: x.error.or_else(|| x.error_kind.map(str::to_owned)),
    };
    Ok(out)
}
