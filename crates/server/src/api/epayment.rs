//! ePayment API v1 (`specs/epayment-v1.yaml`, BEHAVIOR.md §4).
//!
//! Create, capture, refund and cancel need an `Idempotency-Key`: the first
//! outcome (2xx or 4xx) is stored in the same commit as its effects and
//! replayed for the same key and body; another body with that key is a 409.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Path, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use vipps_domain::{
    epayment::{NewPayment, Payment, PaymentError, PaymentEvent, QrFormat, UserFlow},
    time_fmt::rfc3339,
    Currency, Millis, Money, Reference,
};
use vipps_store::{
    idempotency::{fingerprint, record},
    payments::Stored,
    random_hex, WriteError, WriteSet,
};
use vipps_wire::epayment as wire;

use crate::{
    auth::{header, Merchant},
    body, epayment_ecom,
    problem::{raw, ApiProblem, JSON, PROBLEM_JSON},
    service::{self, approve, busy, db_error, persist, persist_new, settled, Approved},
    AppState,
};
use vipps_store::ecom::StoredEcom;

fn amount(m: Money) -> wire::Amount {
    wire::Amount {
        currency: m.currency.as_str().into(),
        value: m.value,
    }
}

fn aggregate(p: &Payment) -> wire::Aggregate {
    let c = p.amount.currency;
    wire::Aggregate {
        authorized_amount: amount(Money::new(p.authorized, c)),
        cancelled_amount: amount(Money::new(p.cancelled, c)),
        captured_amount: amount(Money::new(p.captured, c)),
        refunded_amount: amount(Money::new(p.refunded, c)),
    }
}

fn method_name(p: &Payment) -> &'static str {
    match p.method {
        vipps_domain::epayment::MethodType::Wallet => "WALLET",
        vipps_domain::epayment::MethodType::Card => "CARD",
    }
}

pub fn get_response(p: &Payment) -> wire::GetPaymentResponse {
    wire::GetPaymentResponse {
        aggregate: aggregate(p),
        amount: amount(p.amount),
        state: p.state.as_str().into(),
        payment_method: wire::PaymentMethodResponse {
            kind: method_name(p).into(),
            card_bin: p.card_bin.clone(),
        },
        profile: wire::ProfileResponse { sub: p.sub.clone() },
        psp_reference: p.psp_reference.clone(),
        redirect_url: (p.state == vipps_domain::epayment::State::Created)
            .then(|| p.redirect_url.clone())
            .flatten(),
        reference: p.reference.clone(),
        metadata: p.metadata.clone(),
    }
}

fn modification_response(p: &Payment) -> String {
    let body = wire::ModificationResponse {
        amount: amount(p.amount),
        state: p.state.as_str().into(),
        aggregate: aggregate(p),
        psp_reference: p.psp_reference.clone(),
        reference: p.reference.clone(),
    };
    serde_json::to_string(&body).expect("serialises")
}

fn event_response(p: &Payment, e: &PaymentEvent) -> wire::PaymentEvent {
    wire::PaymentEvent {
        reference: p.reference.clone(),
        psp_reference: p.psp_reference.clone(),
        name: e.name.as_str().into(),
        amount: amount(e.amount),
        timestamp: rfc3339(e.timestamp),
        idempotency_key: e.idempotency_key.clone(),
        success: e.success,
    }
}

/// The URL the payer opens, per user flow; `None` for PUSH_MESSAGE.
pub fn redirect_url(public: &str, p: &Payment) -> Option<String> {
    let landing = format!("{public}/landing?token={}", p.token);
    match (p.user_flow, p.qr_format) {
        (UserFlow::PushMessage, _) => None,
        (UserFlow::Qr, Some(QrFormat::Svg)) => {
            Some(format!("{public}/qr/{}.svg?token={}", p.token, p.token))
        }
        (UserFlow::Qr, Some(QrFormat::Png)) => {
            let size = p.qr_size.map(|s| format!("&size={s}")).unwrap_or_default();
            Some(format!(
                "{public}/qr/{}.png?token={}{size}",
                p.token, p.token
            ))
        }
        _ => Some(landing),
    }
}

fn path_reference(reference: &str) -> Result<(), ApiProblem> {
    Reference::parse_path(reference).map(|_| ()).ok_or_else(|| {
        ApiProblem::bad_field(
            "Invalid reference",
            "reference",
            "The reference must be 1-50 characters of a-z, A-Z, 0-9 and '-'",
        )
    })
}

fn not_found(reference: &str) -> ApiProblem {
    PaymentError::not_found(reference).into()
}

fn wire_money(a: &wire::Amount, field: &str) -> Result<Money, ApiProblem> {
    let currency = Currency::parse(&a.currency).ok_or_else(|| {
        ApiProblem::bad_field(
            "Invalid currency",
            field,
            format!("Currency '{}' is not one of NOK, DKK, EUR", a.currency),
        )
    })?;
    Ok(Money::new(a.value, currency))
}

fn idempotency_key(h: &HeaderMap) -> Result<String, ApiProblem> {
    match header(h, "idempotency-key")
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        None => Err(ApiProblem::bad_field(
            "Missing required parameter",
            "Idempotency-Key",
            "The Idempotency-Key header is required",
        )),
        Some(k) if k.len() > 50 => Err(ApiProblem::bad_field(
            "Invalid idempotency key",
            "Idempotency-Key",
            "The Idempotency-Key must be at most 50 characters",
        )),
        Some(k) => Ok(k.to_owned()),
    }
}

type Decision = (WriteSet, u16, String);

/// Runs an idempotent operation on `reference` (see the module docs).
/// With `ecom_fallback`, `decide` is also given the eCom payment whose
/// orderId is `reference` when no ePayment payment has it (§4.7).
#[allow(clippy::too_many_arguments)]
async fn idempotent(
    st: &AppState,
    m: &Merchant,
    h: &HeaderMap,
    path: &str,
    raw_body: &[u8],
    reference: &str,
    ecom_fallback: bool,
    decide: impl Fn(Option<&Stored>, Option<&StoredEcom>, Millis, &str) -> Result<Decision, ApiProblem>,
) -> Result<Response, ApiProblem> {
    let key = idempotency_key(h)?;
    let fp = fingerprint("POST", path, raw_body);
    for _ in 0..service::MAX_ATTEMPTS {
        let now = st.clock.now();
        let (rec, current) = st
            .db
            .idempotency_record_and_payment(&m.msn, path, &key, reference, now)
            .await?;
        if let Some(rec) = rec {
            if rec.fingerprint != fp {
                return Err(ApiProblem::new(
                    409,
                    "Idempotency error",
                    "This Idempotency-Key was used for a different request",
                ));
            }
            let ct = if rec.status >= 400 {
                PROBLEM_JSON
            } else {
                JSON
            };
            return Ok(raw(rec.status, ct, rec.body));
        }
        let current = match current {
            None => None,
            Some(s) => match service::settle(st, s, now).await? {
                Some(s) => Some(s),
                // It changed under us: read both again.
                None => continue,
            },
        };
        let ecom = match current {
            None if ecom_fallback => epayment_ecom::load(st, &m.msn, reference, now).await?,
            _ => None,
        };
        let (mut writes, status, body) = match decide(current.as_ref(), ecom.as_ref(), now, &key) {
            Ok(d) => d,
            Err(p) if p.status < 500 => (WriteSet::new(), p.status, p.body()),
            Err(p) => return Err(p),
        };
        record(&mut writes, &m.msn, path, &key, &fp, status, &body, now);
        match st.commit(writes).await {
            Ok(()) => {
                return Ok(raw(
                    status,
                    if status >= 400 { PROBLEM_JSON } else { JSON },
                    body,
                ))
            }
            // Another request got there first: the next round replays its
            // answer (same key) or decides again on the new version.
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(db_error(e)),
        }
    }
    Err(busy())
}

fn respond(r: Result<Response, ApiProblem>) -> Response {
    r.unwrap_or_else(IntoResponse::into_response)
}

fn new_payment(req: wire::CreatePaymentRequest) -> NewPayment {
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
        has_receipt: req.receipt.is_some(),
    }
}

async fn create(
    State(st): State<AppState>,
    m: Merchant,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    respond(
        async {
            let raw_body = body::bytes(b)?;
            let req: wire::CreatePaymentRequest = body::json(&raw_body)?;
            let new = new_payment(req);
            let reference = new.reference.clone();
            let public = st.cfg.public_url.clone();
            idempotent(
                &st,
                &m,
                &h,
                "/epayment/v1/payments",
                &raw_body,
                &reference,
                false,
                |cur, _, now, _key| {
                    if cur.is_some() {
                        return Err(ApiProblem::new(
                            409,
                            "Idempotency error",
                            format!("A payment with reference '{reference}' already exists"),
                        ));
                    }
                    let psp = format!("{}", 1_000_000_000 + rand::random::<u64>() % 9_000_000_000);
                    let mut t = new.clone().create(&m.msn, psp, random_hex(16), now)?;
                    t.payment.redirect_url = redirect_url(&public, &t.payment);
                    let body = wire::CreatePaymentResponse {
                        redirect_url: t.payment.redirect_url.clone(),
                        reference: reference.clone(),
                    };
                    Ok((
                        persist_new(&t),
                        201,
                        serde_json::to_string(&body).expect("serialises"),
                    ))
                },
            )
            .await
        }
        .await,
    )
}

async fn get_payment(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
) -> Response {
    respond(
        async {
            path_reference(&reference)?;
            let Some(s) = settled(&st, &m.msn, &reference, st.clock.now()).await? else {
                return epayment_ecom::get_payment(&st, &m.msn, &reference).await;
            };
            Ok(axum::Json(get_response(&s.payment)).into_response())
        }
        .await,
    )
}

async fn get_events(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
) -> Response {
    respond(
        async {
            path_reference(&reference)?;
            let Some(s) = settled(&st, &m.msn, &reference, st.clock.now()).await? else {
                return epayment_ecom::get_events(&st, &m.msn, &reference).await;
            };
            let events = st.db.payment_events(&m.msn, &reference).await?;
            let body: Vec<_> = events
                .iter()
                .map(|e| event_response(&s.payment, e))
                .collect();
            Ok(axum::Json(body).into_response())
        }
        .await,
    )
}

/// Capture and refund share everything but the domain operation.
async fn modify(
    st: AppState,
    m: Merchant,
    reference: String,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
    op: &'static str,
) -> Response {
    respond(
        async {
            path_reference(&reference)?;
            let raw_body = body::bytes(b)?;
            let req: wire::ModificationRequest = body::json(&raw_body)?;
            let money = wire_money(&req.modification_amount, "modificationAmount.currency")?;
            let path = format!("/epayment/v1/payments/{reference}/{op}");
            idempotent(
                &st,
                &m,
                &h,
                &path,
                &raw_body,
                &reference,
                true,
                |cur, ecom, now, key| {
                    if let (None, Some(e)) = (cur, ecom) {
                        let op = if op == "capture" {
                            epayment_ecom::Op::Capture
                        } else {
                            epayment_ecom::Op::Refund
                        };
                        return epayment_ecom::decide(op, Some(money), e, now, key);
                    }
                    let s = cur.ok_or_else(|| not_found(&reference))?;
                    let t = if op == "capture" {
                        s.payment.capture(money, key, now)?
                    } else {
                        s.payment.refund(money, key, now)?
                    };
                    Ok((
                        persist(&t, s.version),
                        200,
                        modification_response(&t.payment),
                    ))
                },
            )
            .await
        }
        .await,
    )
}

async fn capture(
    State(st): State<AppState>,
    m: Merchant,
    Path(r): Path<String>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    modify(st, m, r, h, b, "capture").await
}

async fn refund(
    State(st): State<AppState>,
    m: Merchant,
    Path(r): Path<String>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    modify(st, m, r, h, b, "refund").await
}

async fn cancel(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    respond(
        async {
            path_reference(&reference)?;
            let raw_body = body::bytes(b)?;
            let req: wire::CancelModificationRequest = body::json_or_default(&raw_body)?;
            let only = req.cancel_transaction_only.unwrap_or(false);
            let path = format!("/epayment/v1/payments/{reference}/cancel");
            idempotent(
                &st,
                &m,
                &h,
                &path,
                &raw_body,
                &reference,
                true,
                |cur, ecom, now, key| {
                    if let (None, Some(e)) = (cur, ecom) {
                        let op = epayment_ecom::Op::Cancel {
                            transaction_only: only,
                        };
                        return epayment_ecom::decide(op, None, e, now, key);
                    }
                    let s = cur.ok_or_else(|| not_found(&reference))?;
                    Ok(match s.payment.cancel(only, key, now)? {
                        Some(t) => (
                            persist(&t, s.version),
                            200,
                            modification_response(&t.payment),
                        ),
                        None => (WriteSet::new(), 200, modification_response(&s.payment)),
                    })
                },
            )
            .await
        }
        .await,
    )
}

/// Test-only: does exactly what the payer's approval does.
async fn force_approve(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    respond(
        async {
            path_reference(&reference)?;
            let raw_body = body::bytes(b)?;
            let req: wire::ForceApprove = body::json_or_default(&raw_body)?;
            let customer = req.customer.and_then(|c| c.phone_number);
            if customer
                .as_deref()
                .is_some_and(|p| !vipps_domain::ids::is_msisdn(p))
            {
                return Err(ApiProblem::bad_field(
                    "Invalid phone number",
                    "customer.phoneNumber",
                    "phoneNumber must be 10-15 digits with country code",
                ));
            }
            // Decided on the payment as the approval reads it: one read.
            let phone = |p: &Payment| {
                if req.token.as_ref().is_some_and(|t| t != &p.token) {
                    return Err(ApiProblem::bad_field(
                        "Approve failed",
                        "token",
                        "The token does not belong to this payment",
                    ));
                }
                Ok(customer
                    .clone()
                    .or_else(|| p.customer_phone.clone())
                    .unwrap_or_else(|| vipps_domain::payer::DEFAULT_PHONE.to_owned()))
            };
            match approve(&st, &m.msn, &reference, phone).await? {
                Approved::Yes(_) => Ok(raw(200, JSON, String::new())),
                Approved::Declined(_, why) => Err(ApiProblem::new(
                    400,
                    "Approve failed",
                    format!("The payer's card was declined: {why}"),
                )),
            }
        }
        .await,
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/epayment/v1/payments", post(create))
        .route("/epayment/v1/payments/{reference}", get(get_payment))
        .route("/epayment/v1/payments/{reference}/events", get(get_events))
        .route("/epayment/v1/payments/{reference}/capture", post(capture))
        .route("/epayment/v1/payments/{reference}/refund", post(refund))
        .route("/epayment/v1/payments/{reference}/cancel", post(cancel))
        .route(
            "/epayment/v1/payments/{reference}/approve",
            post(force_approve),
        )
        .route(
            "/epayment/v1/test/payments/{reference}/approve",
            post(force_approve),
        )
}
