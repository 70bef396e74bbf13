//! eCom API v2, regular and express checkout (`specs/ecom-v2.yaml`,
//! BEHAVIOR.md §3). Errors are the documented JSON array; the state and its
//! rules live in [`vipps_domain::ecom`], the commit-and-callback loop in
//! [`crate::service_ecom`].

mod render;
pub(crate) mod request;

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Path, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::{get, post, put},
    Router,
};
use vipps_domain::{
    ecom::{self, is_order_id, EcomError, Group, Modification, NewPayment, Operation, Payment},
    payer::DEFAULT_PHONE,
    Millis,
};
use vipps_store::{ecom::StoredEcom, random_hex, WriteError};
use vipps_wire::ecom as wire;

use crate::{
    auth::Merchant,
    problem::raw,
    service_ecom::{
        approve_ecom, persist, persist_new, settled, static_options, Approved, EcomProblem,
        JSON_UTF8,
    },
    AppState,
};

use request::{bytes, json, parse, request_id, Decision};

fn respond(r: Result<Response, EcomProblem>) -> Response {
    r.unwrap_or_else(IntoResponse::into_response)
}

fn json_ok<T: serde::Serialize>(body: &T) -> Response {
    raw(
        200,
        JSON_UTF8,
        serde_json::to_string(body).expect("serialises"),
    )
}

/// The payer's way in: the landing page, or with `isApp` a test-environment deeplink.
fn payer_url(public: &str, p: &Payment) -> String {
    if p.is_app {
        format!("vippsMT://?token={}", p.token)
    } else {
        format!("{public}/landing?token={}", p.token)
    }
}

fn new_payment(req: wire::InitiateRequest) -> Result<NewPayment, EcomProblem> {
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

/// `POST /ecomm/v2/payments`. Not idempotent by design: a repeated orderId
/// is Merchant 34, whatever became of the first payment.
async fn initiate(
    State(st): State<AppState>,
    m: Merchant,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    respond(
        async {
            let raw_body = bytes(b)?;
            if raw_body.iter().all(u8::is_ascii_whitespace) {
                return Err(EcomError::invalid("body", "The request body is missing").into());
            }
            let req: wire::InitiateRequest = parse(&raw_body)?;
            let new = new_payment(req)?;
            let unit = st.db.ecom_settings(&m.msn).await?;
            let base = 5_000_000_000 + rand::random::<u64>() % 4_000_000_000;
            let t = new.initiate(&m.msn, unit, random_hex(16), base, st.clock.now())?;
            let p = t.payment;
            match st.commit(persist_new(&p)).await {
                Ok(()) => {}
                Err(WriteError::Conflict) => {
                    return Err(EcomError::duplicate_order(&p.order_id).into())
                }
                Err(e) => {
                    tracing::error!(error = %e, "write failed");
                    return Err(EcomProblem::internal());
                }
            }
            Ok(json_ok(&wire::InitiateResponse {
                order_id: p.order_id.clone(),
                url: payer_url(&st.cfg.public_url, &p),
            }))
        }
        .await,
    )
}

/// The settled payment of this merchant, or Merchant 35 (also for an
/// orderId of another merchant, or one that cannot exist).
async fn load(st: &AppState, m: &Merchant, order_id: &str) -> Result<StoredEcom, EcomProblem> {
    if !is_order_id(order_id) {
        return Err(EcomError::unknown_order(order_id).into());
    }
    settled(st, &m.msn, order_id, st.clock.now())
        .await?
        .ok_or_else(|| EcomError::unknown_order(order_id).into())
}

async fn details(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
) -> Response {
    respond(
        async {
            let s = load(&st, &m, &order_id).await?;
            Ok(json_ok(&render::details(
                &s.payment.as_shown(st.clock.now()),
            )))
        }
        .await,
    )
}

async fn status(State(st): State<AppState>, m: Merchant, Path(order_id): Path<String>) -> Response {
    respond(
        async {
            let s = load(&st, &m, &order_id).await?;
            Ok(json_ok(&render::status(&s.payment)))
        }
        .await,
    )
}

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

/// The modification a body asks for; the body's MSN must be the caller's.
fn modification(req: &wire::ActionRequest, m: &Merchant) -> Result<Modification, EcomProblem> {
    if let Some(msn) = req
        .merchant_info
        .as_ref()
        .and_then(|mi| mi.merchant_serial_number.as_deref())
    {
        if msn != m.msn {
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

/// A partial capture or refund needs an `X-Request-Id` (§3.6, §10 item 7).
fn require_key_for_partial(
    mo: &Modification,
    remaining: i64,
    key: &str,
) -> Result<(), EcomProblem> {
    let partial = mo.amount.is_some_and(|a| a != 0 && a != remaining);
    if partial && key.is_empty() {
        return Err(EcomError::invalid(
            "X-Request-Id",
            "X-Request-Id is required for partial captures and refunds",
        )
        .into());
    }
    Ok(())
}

fn decide(
    op: Op,
    mo: &Modification,
    release_rest: bool,
    order_id: &str,
    cur: Option<&StoredEcom>,
    now: Millis,
    key: &str,
) -> Result<Decision, EcomProblem> {
    let s = cur.ok_or_else(|| EcomError::unknown_order(order_id))?;
    let p = &s.payment;
    let mut mo = mo.clone();
    mo.request_id = key.to_owned();
    let (result, body, operation, remaining): (_, fn(&Payment) -> String, _, _) = match op {
        Op::Capture => {
            require_key_for_partial(&mo, p.remaining_to_capture(), key)?;
            (
                p.capture(&mo, now),
                render::captured,
                Operation::Capture,
                p.remaining_to_capture(),
            )
        }
        Op::Refund => {
            require_key_for_partial(&mo, p.remaining_to_refund(), key)?;
            (
                p.refund(&mo, now),
                render::refunded,
                Operation::Refund,
                p.remaining_to_refund(),
            )
        }
        Op::Cancel => (
            p.cancel(&mo, release_rest, now),
            render::cancelled,
            Operation::Cancel,
            p.remaining_to_capture(),
        ),
    };
    match result {
        Ok(t) => Ok((persist(&t, s.version), Ok(body(&t.payment)))),
        // Refused by the payment's rules: logged on it with its request id.
        Err(e) if matches!(e.group, Group::Payment | Group::VippsError) => {
            let amount = mo.amount.filter(|a| *a != 0).unwrap_or(remaining);
            let t = p.log_refusal(operation, amount, key, &mo.transaction_text, now);
            Ok((persist(&t, s.version), Err(e.into())))
        }
        Err(e) => Err(e.into()),
    }
}

async fn operate(
    st: AppState,
    m: Merchant,
    order_id: String,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
    op: Op,
) -> Response {
    respond(
        async {
            let raw_body = bytes(b)?;
            let key = request_id(&h)?;
            load(&st, &m, &order_id).await?;
            let req: wire::ActionRequest = json(&raw_body, false)?;
            let mo = modification(&req, &m)?;
            let release = req.should_release_remaining_funds.unwrap_or(false);
            let path = format!("/ecomm/v2/payments/{order_id}/{}", op.name());
            let method = if op == Op::Cancel { "PUT" } else { "POST" };
            request::modify(
                &st,
                &m,
                key,
                method,
                &path,
                &raw_body,
                &order_id,
                |cur, now, key| decide(op, &mo, release, &order_id, cur, now, key),
            )
            .await
        }
        .await,
    )
}

async fn capture(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    operate(st, m, order_id, h, b, Op::Capture).await
}

async fn refund(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    operate(st, m, order_id, h, b, Op::Refund).await
}

async fn cancel(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    operate(st, m, order_id, h, b, Op::Cancel).await
}

/// Test-only approve: exactly what the payer's approval does. Express is
/// supported as a sandbox extension (default shipping option, or
/// `shippingMethodId`; §9).
async fn force_approve(
    State(st): State<AppState>,
    m: Merchant,
    Path(order_id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    respond(
        async {
            let raw_body = bytes(b)?;
            let req: wire::ForceApproveRequest = json(&raw_body, true)?;
            let s = load(&st, &m, &order_id).await?;
            if req.token.as_ref().is_some_and(|t| t != &s.payment.token) {
                return Err(EcomError::invalid(
                    "token",
                    "The token does not belong to this payment",
                )
                .into());
            }
            let mobile = match &req.customer_phone_number {
                Some(n) => Some(ecom::normalise_mobile(n).ok_or_else(|| {
                    EcomError::user(
                        "81",
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
        .await,
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ecomm/v2/payments", post(initiate))
        .route("/ecomm/v2/payments/{order_id}/details", get(details))
        .route("/ecomm/v2/payments/{order_id}/status", get(status))
        .route("/ecomm/v2/payments/{order_id}/capture", post(capture))
        .route("/ecomm/v2/payments/{order_id}/refund", post(refund))
        .route("/ecomm/v2/payments/{order_id}/cancel", put(cancel))
        .route(
            "/ecomm/v2/integration-test/payments/{order_id}/approve",
            post(force_approve),
        )
}
