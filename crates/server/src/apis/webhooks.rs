//! Webhooks API v1 (https://developer.vippsmobilepay.com/docs/APIs/webhooks-api/), served under
//! `/webhooks/v1/webhooks`. Registrations are per merchant; each has its own
//! secret, shown once, that signs every delivery to it.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{delete, get},
    Json, Router,
};
use base64::Engine;
use vipps_delivery::guard::refused_literal;
use vipps_domain::urls;
use vipps_store::{
    webhooks::{delete_webhook, insert_webhook, Webhook},
    WriteError,
};
use vipps_wire::{epayment::ExtraDetail, webhooks as wire};

use crate::{
    apis::epayment::{
        problem::{ApiProblem, PROBLEM_JSON},
        service::EVENT_TYPES,
    },
    kernel::{
        auth::Merchant,
        body::Body,
        problem::{awaiting_instance, db_error, name_instance, raw, NamesInstance},
    },
    AppState,
};

/// Registrations allowed per event type and merchant.
pub const MAX_PER_EVENT: usize = 5;

/// The Webhooks API's error: a problem whose body names the request path
/// (`instance`), written by [`name_instance`] on this API's routes.
#[derive(Debug)]
pub struct WebhooksProblem(ApiProblem);

impl<E: Into<ApiProblem>> From<E> for WebhooksProblem {
    fn from(e: E) -> Self {
        WebhooksProblem(e.into())
    }
}

impl IntoResponse for WebhooksProblem {
    fn into_response(self) -> Response {
        awaiting_instance(Unnamed(self.0))
    }
}

/// A problem waiting for its `instance`.
#[derive(Clone)]
struct Unnamed(ApiProblem);

impl NamesInstance for Unnamed {
    fn render(self, instance: &str) -> Response {
        body(self.0, instance)
    }

    fn status(&self) -> u16 {
        self.0.status
    }
}

fn body(p: ApiProblem, instance: &str) -> Response {
    let body = wire::ProblemDetails {
        kind: format!(
            "https://developer.vippsmobilepay.com/docs/APIs/webhooks-api/errors/#{}",
            p.status
        ),
        title: p.title.clone(),
        status: p.status,
        detail: p.detail.clone(),
        instance: instance.to_owned(),
        trace_id: uuid::Uuid::new_v4().to_string(),
        extra_details: p.field.map(|name| {
            vec![ExtraDetail {
                name,
                reason: p.detail,
            }]
        }),
    };
    raw(
        body.status,
        PROBLEM_JSON,
        serde_json::to_string(&body).expect("serialises"),
    )
}

/// A refusal made before any handler ran, as a Webhooks problem.
pub fn refused(status: u16, why: String, path: &str) -> Response {
    let title = match status {
        404 => "Not found",
        405 => "Method not allowed",
        _ => "Invalid request",
    };
    body(ApiProblem::new(status, title, why), path)
}

type Result<T> = std::result::Result<T, WebhooksProblem>;

/// HTTPS as the real API demands; plain HTTP only to this machine, so local
/// receivers work. The rule is the domain's, the one the delivery worker
/// sends by ([`urls::check_webhook`]); a private network address only when
/// the operator allows private targets.
pub fn validate_url(s: &str, allow_private: bool) -> std::result::Result<(), ApiProblem> {
    let url =
        urls::check_webhook(s).map_err(|why| ApiProblem::bad_field("Invalid URL", "url", why))?;
    match refused_literal(&url, allow_private) {
        Some(_) => Err(ApiProblem::bad_field(
            "Invalid URL",
            "url",
            urls::PRIVATE_REFUSED,
        )),
        None => Ok(()),
    }
}

fn validate_events(events: &[String]) -> std::result::Result<Vec<String>, ApiProblem> {
    if events.is_empty() {
        return Err(ApiProblem::bad_field(
            "Invalid events",
            "events",
            "At least one event type is required",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for e in events {
        if !EVENT_TYPES.contains(&e.as_str()) {
            return Err(ApiProblem::bad_field(
                "Invalid events",
                "events",
                format!("'{e}' is not a known event type"),
            ));
        }
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    Ok(out)
}

async fn register(
    State(st): State<AppState>,
    m: Merchant,
    body: std::result::Result<Body<ApiProblem>, ApiProblem>,
) -> Result<Response> {
    let req: wire::RegisterRequest = body?.json()?;
    validate_url(&req.url, st.cfg.delivery.allow_private_targets)?;
    let strict = [("url", Some(req.url.as_str()), true)];
    if let Some((field, why)) = crate::kernel::strict_urls::refusal(&st, &m.msn, &strict).await? {
        return Err(ApiProblem::bad_field("Invalid URL", field, why).into());
    }
    let events = validate_events(&req.events)?;
    let existing = st.db.webhooks(&m.msn).await?;
    if let Some(full) = events
        .iter()
        .find(|e| existing.iter().filter(|w| w.events.contains(e)).count() >= MAX_PER_EVENT)
    {
        return Err(WebhooksProblem(ApiProblem::bad_field(
            "Too many webhooks",
            "events",
            format!("At most {MAX_PER_EVENT} webhooks may be registered for '{full}'"),
        )));
    }
    let secret_bytes: Vec<u8> = (0..64).map(|_| rand::random::<u8>()).collect();
    let hook = Webhook {
        id: uuid::Uuid::new_v4().to_string(),
        msn: m.msn.to_string(),
        url: req.url,
        events,
        secret: base64::engine::general_purpose::STANDARD.encode(secret_bytes),
        created_at: st.clock.now(),
    };
    st.db
        .write(insert_webhook(&hook))
        .await
        .map_err(db_error::<ApiProblem>)?;
    let body = wire::RegisterResponse {
        id: hook.id,
        secret: hook.secret,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn list(State(st): State<AppState>, m: Merchant) -> Result<Response> {
    let webhooks = st
        .db
        .webhooks(&m.msn)
        .await?
        .into_iter()
        .map(|w| wire::Webhook {
            id: w.id,
            url: w.url,
            events: w.events,
        })
        .collect();
    Ok(Json(wire::QueryResponse { webhooks }).into_response())
}

async fn remove(
    State(st): State<AppState>,
    m: Merchant,
    Path(id): Path<String>,
) -> Result<Response> {
    let not_found = || {
        WebhooksProblem(ApiProblem::new(
            404,
            "Not found",
            format!("No webhook with id '{id}'"),
        ))
    };
    // Ids are UUIDs: anything else names no webhook, and is never sent to
    // the database (PostgreSQL refuses some text, such as NUL).
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(not_found());
    }
    match st.db.write(delete_webhook(&m.msn, &id)).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        // No row of this merchant has that id: someone else's is not found either.
        Err(WriteError::Conflict) => Err(not_found()),
        Err(e) => Err(WebhooksProblem(db_error(e))),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/v1/webhooks", get(list).post(register))
        .route("/webhooks/v1/webhooks/{id}", delete(remove))
        .route_layer(middleware::from_fn(name_instance::<Unnamed>))
}
