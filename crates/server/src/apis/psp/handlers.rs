//! The PSP API's handlers: who calls (a PSP acting for a merchant it
//! serves), read the request, let the service and the domain decide,
//! answer in the API's shapes.

use axum::{
    extract::{FromRequestParts, Path, State},
    http::{request::Parts, HeaderMap},
    response::{IntoResponse, Response},
};
use vipps_delivery::guard::refused_literal;
use vipps_domain::{
    psp::{self, initiate::is_transaction_id, Phase, PspError},
    urls, Millis,
};
use vipps_store::{psp::StoredPsp, random_hex, WriteError};
use vipps_wire::psp as wire;

use super::{
    problem::{PspProblem, JSON_UTF8},
    render,
    request::{new_payment, status_report},
    service::{approve_psp, persist_new, report_status, Psp},
};
use crate::{
    kernel::{
        auth::{header, record_msn, PspToken},
        body::Body,
        problem::{db_error, raw, ApiError},
        versioned,
    },
    web::payer_entry_url,
    AppState,
};

type Result<T> = std::result::Result<T, PspProblem>;

fn json_ok<T: serde::Serialize>(body: &T) -> Response {
    raw(
        200,
        JSON_UTF8,
        serde_json::to_string(body).expect("serialises"),
    )
}

/// A PSP acting for a merchant: its token, its `Psp-Id` and a
/// `Merchant-Serial-Number` it serves.
pub struct Caller {
    pub psp_id: String,
    pub msn: String,
    /// How long its status reports wait before they take effect.
    pub status_delay: Millis,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        st: &AppState,
    ) -> std::result::Result<Self, Response> {
        let token = PspToken::from_request_parts(parts, st).await?;
        let (psp_id, msn) =
            psp_and_merchant(&parts.headers, &token).map_err(|e| PspProblem(e).into_response())?;
        let served = st
            .db
            .psp_serves(&psp_id, &msn)
            .await
            .map_err(|e| PspProblem::from(e).into_response())?;
        let Some(status_delay) = served else {
            return Err(PspProblem(PspError::invalid_msn(&msn)).into_response());
        };
        record_msn(&parts.extensions, &msn);
        Ok(Caller {
            psp_id: token.psp_id,
            msn,
            status_delay,
        })
    }
}

/// The `Psp-Id` (the token's PSP) and `Merchant-Serial-Number` of a call.
fn psp_and_merchant(
    h: &HeaderMap,
    token: &PspToken,
) -> std::result::Result<(String, String), PspError> {
    let single = |name| {
        header(h, name)
            .map_err(|r| PspError::invalid_request(format!("The {} header must be sent once", r.0)))
    };
    let psp_id = single("psp-id")?
        .ok_or_else(|| PspError::invalid_request("The Psp-Id header is required"))?;
    if psp_id != token.psp_id {
        return Err(PspError::invalid_request(
            "The Psp-Id header does not match the PSP the access token was issued to",
        ));
    }
    let msn = single("merchant-serial-number")?
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            PspError::invalid_request("The Merchant-Serial-Number header is required")
        })?;
    Ok((psp_id.to_owned(), msn.to_owned()))
}

/// `POST /psp/v3/psppayments/init`.
pub async fn initiate(
    State(st): State<AppState>,
    c: Caller,
    body: Body<PspProblem>,
) -> Result<Response> {
    let req: wire::InitiatePaymentRequest = body.json()?;
    let p = new_payment(req).initiate(&c.psp_id, &c.msn, random_hex(16), st.clock.now())?;
    // The sandbox calls makePaymentUrl: private addresses only when allowed
    // (docs/compatibility.md#outgoing-requests).
    let private = urls::parse_target(&p.make_payment_url)
        .is_some_and(|u| refused_literal(&u, st.cfg.delivery.allow_private_targets).is_some());
    if private {
        return Err(PspError::field("makePaymentUrl", urls::PRIVATE_REFUSED).into());
    }
    let strict = [
        ("makePaymentUrl", Some(p.make_payment_url.as_str()), true),
        ("pspRedirectUrl", Some(p.psp_redirect_url.as_str()), false),
    ];
    if let Some((field, why)) = crate::kernel::strict_urls::refusal(&st, &c.msn, &strict).await? {
        return Err(PspError::field(field, why).into());
    }
    let taken = |(tx, order): (bool, bool)| -> Result<()> {
        if tx {
            return Err(PspError::transaction_exists(&p.psp_transaction_id).into());
        }
        if order {
            return Err(PspError::order_exists(&p.merchant_order_id).into());
        }
        Ok(())
    };
    let ids = (
        &p.psp_id,
        &p.psp_transaction_id,
        &p.msn,
        &p.merchant_order_id,
    );
    taken(st.db.psp_ids_taken(ids.0, ids.1, ids.2, ids.3).await?)?;
    match st.commit(persist_new(&p)).await {
        Ok(()) => {}
        // Someone took one of the ids meanwhile.
        Err(WriteError::Conflict) => {
            taken(st.db.psp_ids_taken(ids.0, ids.1, ids.2, ids.3).await?)?;
            return Err(PspProblem::busy());
        }
        Err(e) => return Err(db_error(e)),
    }
    Ok(json_ok(&wire::PaymentInitiationRepresentation {
        psp_transaction_id: p.psp_transaction_id.clone(),
        merchant_order_id: p.merchant_order_id.clone(),
        vipps_redirect_url: payer_entry_url(&st.cfg.public_url, &p.token, p.is_app),
    }))
}

/// The settled payment `id` of this PSP and merchant.
async fn load(st: &AppState, c: &Caller, id: &str) -> Result<StoredPsp> {
    if !is_transaction_id(id) {
        return Err(PspError::unknown_transaction(id).into());
    }
    versioned::settled::<Psp, PspProblem>(st, &c.msn, &psp::key(&c.psp_id, id), st.clock.now())
        .await?
        .ok_or_else(|| PspError::unknown_transaction(id).into())
}

/// `GET /psp/v3/psppayments/{pspTransactionId}/details`.
pub async fn details(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let s = load(&st, &c, &id).await?;
    Ok(json_ok(&render::details(&s.payment)))
}

/// `POST /psp/v3/psppayments/updatestatus`: every report of a well-formed
/// body is accepted (docs/compatibility.md#psp-v3-updatestatus).
pub async fn update_status(
    State(st): State<AppState>,
    c: Caller,
    body: Body<PspProblem>,
) -> Result<Response> {
    let req: wire::PaymentStatus = body.json()?;
    let transactions = req
        .transactions
        .ok_or_else(|| PspError::invalid_request("transactions is required"))?;
    let now = st.clock.now();
    let reports = transactions
        .iter()
        .enumerate()
        .map(|(i, t)| status_report(i, t, now, c.status_delay))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    for (id, report) in reports {
        report_status(&st, &c.psp_id, &c.msn, &id, report).await?;
    }
    Ok(json_ok(&wire::Response {
        response_info: wire::ResponseInfo {
            response_code: "9000".into(),
            response_message: "SUCCESS".into(),
        },
    }))
}

/// `POST /psp/v3/integration-test/psppayments/{id}/approve`: exactly what
/// the payer's approval does, makePayment included. A soft decline leaves
/// the payment waiting for 3-D Secure (docs/compatibility.md#psp-v3-force-approve).
pub async fn force_approve(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    body: Body<PspProblem>,
) -> Result<Response> {
    let req: wire::ForceApproveRequest = body.json()?;
    let phone = req
        .customer_phone_number
        .filter(|n| n.len() == 8 && n.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| PspError::invalid_request("customerPhoneNumber must be 8 digits"))?;
    let s = load(&st, &c, &id).await?;
    if req.token.as_deref() != Some(s.payment.token.as_str()) {
        return Err(PspError::invalid_request(
            "token must be the token of this payment's vippsRedirectUrl",
        )
        .into());
    }
    let p = approve_psp(&st, &c.msn, &s.payment.key(), &format!("47{phone}")).await?;
    match &p.phase {
        Phase::Reserved | Phase::AwaitingThreeDs { .. } => Ok(raw(200, JSON_UTF8, String::new())),
        Phase::Failed { reason } | Phase::Cancelled { reason } => Err(PspError::invalid_request(
            format!("The payer approved, but the payment failed: {reason}"),
        )
        .into()),
        other => Err(PspError::invalid_request(format!(
            "The payment is {} after the approval",
            other.label()
        ))
        .into()),
    }
}
