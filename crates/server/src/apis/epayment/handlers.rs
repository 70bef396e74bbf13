//! The ePayment API's handlers: read the request, let the service and the
//! domain decide, answer in the API's shapes.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
    Json,
};
use vipps_domain::{
    ids::{is_msisdn, new_psp_reference},
    payer::DEFAULT_PHONE,
    Millis,
};
use vipps_store::{random_hex, Stored, WriteSet};
use vipps_wire::epayment as wire;

use super::{
    on_ecom::{self, EpaymentOrEcom, Target},
    problem::{ApiProblem, JSON},
    render::{event_response, get_response, modification_response, redirect_url},
    request::{money, new_payment, path_reference},
    service::{approve, persist, persist_new, Approved, Epayment},
};
use crate::{
    apis::checkout::service::{pay_as_test_shopper, Paid},
    kernel::{
        auth::Merchant,
        body::Body,
        idempotency::{self, Decision, Operation},
        problem::raw,
        strict_urls,
        versioned::settled,
    },
    AppState,
};

type Result<T> = std::result::Result<T, ApiProblem>;

pub async fn create(
    State(st): State<AppState>,
    m: Merchant,
    h: HeaderMap,
    body: Body<ApiProblem>,
) -> Result<Response> {
    let req: wire::CreatePaymentRequest = body.json()?;
    let new = new_payment(req);
    let strict = [("returnUrl", new.return_url.as_deref(), false)];
    if let Some((field, why)) = strict_urls::refusal(&st, &m.msn, &strict).await? {
        return Err(ApiProblem::bad_field("Invalid URL", field, why));
    }
    let reference = new.reference.clone();
    let public = &st.cfg.public_url;
    let op = Operation {
        msn: &m.msn,
        method: "POST",
        path: "/epayment/v1/payments",
        raw_body: body.raw(),
        id: &reference,
        key: idempotency::key::<ApiProblem>(&h)?,
    };
    idempotency::run::<Epayment, ApiProblem>(&st, op, |cur, now, _key| {
        if cur.is_some() {
            return Err(ApiProblem::new(
                409,
                "Idempotency error",
                format!("A payment with reference '{reference}' already exists"),
            ));
        }
        let mut t = new
            .clone()
            .create(&m.msn, new_psp_reference(), random_hex(16), now)?;
        t.payment.redirect_url = redirect_url(public, &t.payment);
        let body = wire::CreatePaymentResponse {
            redirect_url: t.payment.redirect_url.clone(),
            reference: reference.clone(),
        };
        Ok(Decision::ok(
            persist_new(&t),
            201,
            serde_json::to_string(&body).expect("serialises"),
        ))
    })
    .await
}

/// The payment `reference` as of now: ePayment's own or an eCom one.
async fn current(st: &AppState, m: &Merchant, reference: &str) -> Result<Stored<Target>> {
    path_reference(reference)?;
    settled::<EpaymentOrEcom, ApiProblem>(st, &m.msn, reference, st.clock.now())
        .await?
        .ok_or_else(|| ApiProblem::not_found(reference))
}

pub async fn get_payment(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
) -> Result<Response> {
    Ok(match current(&st, &m, &reference).await?.payment {
        Target::Epayment(p) => Json(get_response(&p)).into_response(),
        Target::Ecom(p) => Json(on_ecom::get_response(&p)).into_response(),
    })
}

pub async fn get_events(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
) -> Result<Response> {
    Ok(match current(&st, &m, &reference).await?.payment {
        Target::Epayment(p) => {
            let events = st.db.payment_events(&m.msn, &reference).await?;
            let body: Vec<_> = events.iter().map(|e| event_response(&p, e)).collect();
            Json(body).into_response()
        }
        Target::Ecom(p) => Json(on_ecom::events(&p)).into_response(),
    })
}

/// Runs an idempotent merchant operation on `reference` (see the module docs).
async fn modify(
    st: &AppState,
    m: &Merchant,
    h: &HeaderMap,
    reference: &str,
    body: &Body<ApiProblem>,
    op: on_ecom::Op,
    decide: impl Fn(&Stored<Target>, Millis, &str) -> Result<Decision<ApiProblem>>,
) -> Result<Response> {
    let name = match op {
        on_ecom::Op::Capture => "capture",
        on_ecom::Op::Refund => "refund",
        on_ecom::Op::Cancel { .. } => "cancel",
    };
    let path = format!("/epayment/v1/payments/{reference}/{name}");
    let op = Operation {
        msn: &m.msn,
        method: "POST",
        path: &path,
        raw_body: body.raw(),
        id: reference,
        key: idempotency::key::<ApiProblem>(h)?,
    };
    idempotency::run::<EpaymentOrEcom, ApiProblem>(st, op, |cur, now, key| {
        decide(
            cur.ok_or_else(|| ApiProblem::not_found(reference))?,
            now,
            key,
        )
    })
    .await
}

/// Capture and refund share everything but the domain operation: `REFUND`
/// tells which.
pub async fn capture_or_refund<const REFUND: bool>(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
    h: HeaderMap,
    body: Body<ApiProblem>,
) -> Result<Response> {
    let op = if REFUND {
        on_ecom::Op::Refund
    } else {
        on_ecom::Op::Capture
    };
    path_reference(&reference)?;
    let req: wire::ModificationRequest = body.json()?;
    let amount = money(&req.modification_amount, "modificationAmount.currency")?;
    modify(&st, &m, &h, &reference, &body, op, |s, now, key| {
        let p = match &s.payment {
            Target::Ecom(p) => return on_ecom::decide(op, Some(amount), p, s.version, now, key),
            Target::Epayment(p) => p,
        };
        let t = if op == on_ecom::Op::Capture {
            p.capture(amount, key, now)?
        } else {
            p.refund(amount, key, now)?
        };
        Ok(Decision::ok(
            persist(&t, s.version),
            200,
            modification_response(&t.payment),
        ))
    })
    .await
}

pub async fn cancel(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
    h: HeaderMap,
    body: Body<ApiProblem>,
) -> Result<Response> {
    path_reference(&reference)?;
    let req: wire::CancelModificationRequest = body.json_or_default()?;
    let transaction_only = req.cancel_transaction_only.unwrap_or(false);
    let op = on_ecom::Op::Cancel { transaction_only };
    modify(&st, &m, &h, &reference, &body, op, |s, now, key| {
        let p = match &s.payment {
            Target::Ecom(p) => return on_ecom::decide(op, None, p, s.version, now, key),
            Target::Epayment(p) => p,
        };
        Ok(match p.cancel(transaction_only, key, now)? {
            Some(t) => Decision::ok(
                persist(&t, s.version),
                200,
                modification_response(&t.payment),
            ),
            None => Decision::ok(WriteSet::new(), 200, modification_response(p)),
        })
    })
    .await
}

/// Test-only: does exactly what the payer's approval does.
pub async fn force_approve(
    State(st): State<AppState>,
    m: Merchant,
    Path(reference): Path<String>,
    body: Body<ApiProblem>,
) -> Result<Response> {
    path_reference(&reference)?;
    let req: wire::ForceApprove = body.json_or_default()?;
    let customer = req.customer.and_then(|c| c.phone_number);
    if customer.as_deref().is_some_and(|p| !is_msisdn(p)) {
        return Err(ApiProblem::bad_field(
            "Invalid phone number",
            "customer.phoneNumber",
            "phoneNumber must be 10-15 digits with country code",
        ));
    }
    // Decided on the payment as the approval reads it: one read.
    let phone = |p: &vipps_domain::epayment::Payment| {
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
            .unwrap_or_else(|| DEFAULT_PHONE.to_owned()))
    };
    let declined = |why: &str| {
        ApiProblem::new(
            400,
            "Approve failed",
            format!("The payer's card was declined: {why}"),
        )
    };
    match approve(&st, &m.msn, &reference, phone).await {
        Ok(Approved::Yes(_)) => Ok(raw(200, JSON, String::new())),
        Ok(Approved::Declined(_, why)) => Err(declined(why)),
        // A Checkout session nobody paid yet: approve as its shopper.
        Err(missing) if missing.status == 404 => {
            let phone = customer.as_deref().unwrap_or(DEFAULT_PHONE);
            match pay_as_test_shopper(&st, &m.msn, &reference, phone).await? {
                Paid::NoSession => Err(missing),
                Paid::Approved(_) => Ok(raw(200, JSON, String::new())),
                Paid::Declined(_, why) => Err(declined(why)),
            }
        }
        Err(refused) => Err(refused),
    }
}
