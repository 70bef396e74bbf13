//! The eCom API's handlers: read the request, let the service and the
//! domain decide, answer in the API's shapes.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};
use vipps_delivery::guard::refused_literal;
use vipps_domain::{
    ecom::NewPayment,
    ecom::{self, EcomError, MerchantOp, Modification, Payment, Refusal, UserCode},
    ids::new_ecom_transaction_base,
    payer::DEFAULT_PHONE,
    urls, Millis, Reference,
};
use vipps_store::{ecom::StoredEcom, random_hex, WriteError};
use vipps_wire::ecom as wire;

use super::{
    problem::{EcomProblem, JSON_UTF8},
    render,
    request::{modification, new_payment},
    service::{approve_ecom, persist, persist_new, Approved, Ecom},
};
use crate::{
    kernel::{
        auth::Merchant,
        body::Body,
        idempotency::{self, Decision},
        problem::{db_error, raw},
        strict_urls, versioned,
    },
    web::payer_entry_url,
    AppState,
};

type Result<T> = std::result::Result<T, EcomProblem>;

fn json_ok<T: serde::Serialize>(body: &T) -> Response {
    raw(
        200,
        JSON_UTF8,
        serde_json::to_string(body).expect("serialises"),
    )
}

/// `POST /ecomm/v2/payments`. Not idempotent by design: a repeated orderId
/// is Merchant 34, whatever became of the first payment.
pub async fn initiate(
    State(st): State<AppState>,
    m: Merchant,
    body: Body<EcomProblem>,
) -> Result<Response> {
    let req: wire::InitiateRequest = body.json()?;
    let new = new_payment(req)?;
    refuse_private_prefixes(&new, st.cfg.delivery.allow_private_targets)?;
    let strict = [
        ("callbackPrefix", new.callback_prefix.as_deref(), true),
        (
            "shippingDetailsPrefix",
            new.shipping_details_prefix.as_deref(),
            true,
        ),
        (
            "consentRemovalPrefix",
            new.consent_removal_prefix.as_deref(),
            true,
        ),
        ("fallBack", new.fallback.as_deref(), false),
    ];
    if let Some((field, why)) = strict_urls::refusal(&st, &m.msn, &strict).await? {
        return Err(EcomError::invalid(field, why).into());
    }
    let unit = st.db.ecom_settings(&m.msn).await?;
    let t = new.initiate(
        &m.msn,
        unit,
        random_hex(16),
        new_ecom_transaction_base(),
        st.clock.now(),
    )?;
    let p = t.payment;
    match st.commit(persist_new(&p)).await {
        Ok(()) => {}
        Err(WriteError::Conflict) => return Err(EcomError::duplicate_order(&p.order_id).into()),
        Err(e) => return Err(db_error(e)),
    }
    Ok(json_ok(&wire::InitiateResponse {
        order_id: p.order_id.clone(),
        url: payer_entry_url(&st.cfg.public_url, &p.token, p.is_app),
    }))
}

/// The prefixes eCom will call may not be private network addresses unless
/// the operator allows private targets (docs/compatibility.md#outgoing-requests).
fn refuse_private_prefixes(new: &NewPayment, allow_private: bool) -> Result<()> {
    let prefixes = [
        ("callbackPrefix", &new.callback_prefix),
        ("shippingDetailsPrefix", &new.shipping_details_prefix),
        ("consentRemovalPrefix", &new.consent_removal_prefix),
    ];
    for (field, prefix) in prefixes {
        let private = prefix
            .as_deref()
            .and_then(urls::parse_target)
            .is_some_and(|url| refused_literal(&url, allow_private).is_some());
        if private {
            return Err(EcomError::invalid(field, urls::PRIVATE_REFUSED).into());
        }
    }
    Ok(())
}

/// The settled payment of this merchant, or Merchant 35 (also for an
/// orderId of another merchant, or one that cannot exist).
async fn load(st: &AppState, m: &Merchant, order_id: &str) -> Result<StoredEcom> {
    let Some(id) = Reference::parse_order_id(order_id) else {
        return Err(EcomError::unknown_order(order_id).into());
    };
    versioned::settled::<Ecom, EcomProblem>(st, &m.msn, id.as_str(), st.clock.now())
        .await?
        .ok_or_else(|| EcomError::unknown_order(order_id).into())
}

pub async fn details(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
) -> Result<Response> {
    let s = load(&st, &m, &order_id).await?;
    Ok(json_ok(&render::details(
        &s.payment.as_shown(st.clock.now()),
    )))
}

pub async fn status(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
) -> Result<Response> {
    let s = load(&st, &m, &order_id).await?;
    Ok(json_ok(&render::status(&s.payment)))
}

/// The merchant operations, as `operate`'s parameter.
pub const CAPTURE: u8 = 0;
pub const REFUND: u8 = 1;
pub const CANCEL: u8 = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Capture,
    Refund,
    Cancel,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Capture => "capture",
            Op::Refund => "refund",
            Op::Cancel => "cancel",
        }
    }
}

/// Runs the operation on the payment; the domain decides, including a
/// refusal's log entry (see [`Payment::modify`]).
fn decide(
    op: MerchantOp,
    mo: &Modification,
    order_id: &str,
    cur: Option<&StoredEcom>,
    now: Millis,
    key: &str,
) -> Result<Decision<EcomProblem>> {
    let s = cur.ok_or_else(|| EcomError::unknown_order(order_id))?;
    let mo = Modification {
        request_id: key.to_owned(),
        ..mo.clone()
    };
    let body: fn(&Payment) -> String = match op {
        MerchantOp::Capture => render::captured,
        MerchantOp::Refund => render::refunded,
        MerchantOp::Cancel { .. } => render::cancelled,
    };
    match s.payment.modify(op, &mo, now) {
        Ok(t) => Ok(Decision::ok(persist(&t, s.version), 200, body(&t.payment))),
        Err(Refusal {
            error,
            logged: Some(t),
        }) => Ok(Decision {
            writes: persist(&t, s.version),
            answer: Err(error.into()),
        }),
        Err(Refusal {
            error,
            logged: None,
        }) => Err(error.into()),
    }
}

/// Capture (`OP` = [`CAPTURE`]), refund ([`REFUND`]) or cancel ([`CANCEL`]).
pub async fn operate<const OP: u8>(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
    h: HeaderMap,
    body: Body<EcomProblem>,
) -> Result<Response> {
    let op = match OP {
        CAPTURE => Op::Capture,
        REFUND => Op::Refund,
        _ => Op::Cancel,
    };
    let key = idempotency::key::<EcomProblem>(&h)?;
    load(&st, &m, &order_id).await?;
    let req: wire::ActionRequest = body.json()?;
    let mo = modification(&req, &m)?;
    let release_rest = req.should_release_remaining_funds.unwrap_or(false);
    let merchant_op = match op {
        Op::Capture => MerchantOp::Capture,
        Op::Refund => MerchantOp::Refund,
        Op::Cancel => MerchantOp::Cancel { release_rest },
    };
    let path = format!("/ecomm/v2/payments/{order_id}/{}", op.name());
    let operation = idempotency::Operation {
        msn: &m.msn,
        method: if op == Op::Cancel { "PUT" } else { "POST" },
        path: &path,
        raw_body: body.raw(),
        id: &order_id,
        key,
    };
    idempotency::run::<Ecom, EcomProblem>(&st, operation, |cur, now, key| {
        decide(merchant_op, &mo, &order_id, cur, now, key)
    })
    .await
}

/// Test-only approve: exactly what the payer's approval does. Express is
/// supported as a sandbox extension (default shipping option, or
/// `shippingMethodId`; see docs/compatibility.md#ecom-v2-express-checkout).
pub async fn force_approve(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
    body: Body<EcomProblem>,
) -> Result<Response> {
    let req: wire::ForceApproveRequest = body.json_or_default()?;
    let s = load(&st, &m, &order_id).await?;
    if req.token.as_ref().is_some_and(|t| t != &s.payment.token) {
        return Err(
            EcomError::invalid("token", "The token does not belong to this payment").into(),
        );
    }
    let mobile = match &req.customer_phone_number {
        Some(n) => Some(ecom::normalise_mobile(n).ok_or_else(|| {
            EcomError::user(
                UserCode::NotRegistered,
                "User not registered with Vipps: invalid customerPhoneNumber",
            )
        })?),
        None => s.payment.mobile_number.clone(),
    };
    let phone = mobile
        .map(|n| ecom::msisdn(&n))
        .unwrap_or_else(|| DEFAULT_PHONE.to_owned());
    match approve_ecom(&st, &m.msn, &order_id, &phone, req.shipping_method_id).await? {
        Approved::Yes(_) => Ok(raw(200, JSON_UTF8, String::new())),
        Approved::Declined(_, e) => Err(e.into()),
    }
}
