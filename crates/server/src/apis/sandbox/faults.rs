//! `/sandbox/v1/merchants/{msn}/api-faults` and `/rate-limits`: the
//! merchant's faults on its own incoming calls (applied by
//! `kernel::api_faults`; docs/compatibility.md#api-faults).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};
use vipps_domain::api_faults::{parse_rate_limit, parse_rule, Invalid};

use super::handlers::known_merchant;
use crate::{
    apis::epayment::problem::ApiProblem,
    kernel::{body::Body, problem::db_error},
    AppState,
};

fn refused(e: Invalid) -> ApiProblem {
    ApiProblem::bad_field("Invalid request", e.field, e.why)
}

/// `POST …/api-faults`: adds a rule; 201 `{"id": …}`.
pub async fn add(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    body: Body<ApiProblem>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    let sent: Value = body.json()?;
    let id = vipps_store::random_hex(8);
    let rule = parse_rule(&sent, id.clone(), st.clock.now()).map_err(refused)?;
    st.db
        .add_api_fault(&msn, &rule, st.clock.now())
        .await
        .map_err(db_error::<ApiProblem>)?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

/// `GET …/api-faults`: the rules, oldest first, with how often each
/// matched and fired (`times` is what is left).
pub async fn list(
    State(st): State<AppState>,
    Path(msn): Path<String>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    let faults = st.db.api_faults(&msn).await?;
    let rules: Vec<Value> = faults
        .rules
        .into_iter()
        .map(|r| {
            let mut v = json!(r.rule);
            v["matched"] = json!(r.matched);
            v["fired"] = json!(r.fired);
            v
        })
        .collect();
    Ok(Json(json!({"rules": rules})).into_response())
}

/// `DELETE …/api-faults/{id}`: 204, or 404 for an unknown rule.
pub async fn remove(
    State(st): State<AppState>,
    Path((msn, id)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    if !st.db.delete_api_fault(&msn, &id).await? {
        return Err(ApiProblem::new(
            404,
            "Not found",
            format!("No fault rule '{id}' for MSN {msn}"),
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE …/api-faults`: removes every rule; 204.
pub async fn remove_all(
    State(st): State<AppState>,
    Path(msn): Path<String>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    st.db
        .delete_api_faults(&msn)
        .await
        .map_err(db_error::<ApiProblem>)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST …/rate-limits` `{"limits": [{"match", "requests", "perSeconds"}]}`:
/// replaces the merchant's rate limits (an empty list turns them off).
pub async fn set_rate_limits(
    State(st): State<AppState>,
    Path(msn): Path<String>,
    body: Body<ApiProblem>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    let sent: Value = body.json()?;
    let Some(list) = sent.get("limits").and_then(Value::as_array) else {
        return Err(ApiProblem::bad_field(
            "Invalid request",
            "limits",
            "limits must be an array",
        ));
    };
    let limits = list
        .iter()
        .map(|l| parse_rate_limit(l, vipps_store::random_hex(8)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(refused)?;
    st.db
        .set_rate_limits(&msn, &limits, st.clock.now())
        .await
        .map_err(db_error::<ApiProblem>)?;
    Ok(Json(json!({"limits": limits})).into_response())
}

/// `GET …/rate-limits`.
pub async fn rate_limits(
    State(st): State<AppState>,
    Path(msn): Path<String>,
) -> Result<Response, ApiProblem> {
    known_merchant(&st, &msn).await?;
    let faults = st.db.api_faults(&msn).await?;
    Ok(Json(json!({"limits": faults.rate_limits})).into_response())
}
