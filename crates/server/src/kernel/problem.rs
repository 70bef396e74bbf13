//! What the kernel needs to know of an API's error format. Each API has its
//! own body (ePayment's RFC 7807 problem, eCom's error array, …); the shared
//! loops build errors and answers through this trait and never see the body.

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use vipps_store::WriteError;

/// An API's error, as the kernel's loops and extractors create it.
pub trait ApiError: From<anyhow::Error> + IntoResponse + Send + Sized {
    /// The HTTP status it is answered with.
    fn status(&self) -> u16;

    /// The serialised body, with a fresh trace/context id.
    fn body(&self) -> String;

    /// The content type of this API's answers with `status`, error or not.
    fn content_type(status: u16) -> &'static str;

    /// A failure of ours; the client may retry.
    fn internal() -> Self;

    /// Too many lost races on one payment in a row; the client may retry.
    fn busy() -> Self;

    /// The body could not be read: `status` is 413 when it is over the
    /// limit, else 400; `why` is what went wrong.
    fn unreadable_body(status: u16, why: String) -> Self;

    /// A body was required and none was sent.
    fn missing_body() -> Self;

    /// The body is not the JSON this operation takes: `path` is where the
    /// parser stopped (`None` at the top level), `broken` whether the
    /// document is not JSON at all rather than JSON of the wrong shape.
    fn invalid_body(path: Option<String>, broken: bool, message: String) -> Self;

    /// Whether bodies may carry trailing commas (see
    /// [`super::body::without_trailing_commas`]).
    const TOLERATES_TRAILING_COMMAS: bool = false;
}

/// A stored or fresh answer: status and exact body bytes.
pub fn raw(status: u16, content_type: &'static str, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A write that failed for a reason other than a lost race: logged, and
/// answered as the API's internal error.
pub fn db_error<P: ApiError>(e: WriteError) -> P {
    tracing::error!(error = %e, "write failed");
    P::internal()
}

/// Writes an API's error body for a refusal: status, what went wrong, and
/// the request path.
pub type Render = fn(u16, String, &str) -> Response;

/// The error format of the APIs under each path prefix.
pub type Formats = &'static [(&'static str, Render)];

/// Answers axum's own refusals under an API's prefix in that API's format:
/// an unknown path or method, a path or query that cannot be decoded, a
/// header that cannot be read — the plain-text or empty 4xx produced before
/// any handler runs. Answers the APIs wrote themselves (JSON) pass as they are.
pub async fn in_api_format(
    axum::extract::State(formats): axum::extract::State<Formats>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let Some(&(_, render)) = formats.iter().find(|(prefix, _)| path.starts_with(prefix)) else {
        return next.run(req).await;
    };
    let r = next.run(req).await;
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    if !r.status().is_client_error() || is_json {
        return r;
    }
    let status = r.status();
    let allow = r.headers().get(header::ALLOW).cloned();
    let text = axum::body::to_bytes(r.into_body(), 4096)
        .await
        .unwrap_or_default();
    let why = match String::from_utf8_lossy(&text).trim() {
        "" => status.canonical_reason().unwrap_or("Refused").to_owned(),
        text => text.to_owned(),
    };
    let mut out = render(status.as_u16(), why, &path);
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// An error whose body names the request path (`instance`), as the Webhooks
/// and Checkout APIs write them. A handler cannot know its path inside `?`,
/// so the error travels in the response's extensions (see
/// [`awaiting_instance`]) and [`name_instance`], layered on the API's
/// routes, writes the body.
pub trait NamesInstance: Clone + Send + Sync + 'static {
    /// The full answer for this error at `instance`.
    fn render(self, instance: &str) -> Response;

    /// The HTTP status it is answered with.
    fn status(&self) -> u16;
}

/// A response that [`name_instance`] turns into `error`'s body.
pub fn awaiting_instance<T: NamesInstance>(error: T) -> Response {
    let mut r = StatusCode::from_u16(error.status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response();
    r.extensions_mut().insert(Unnamed(error));
    r
}

/// An error waiting for its `instance`.
#[derive(Clone)]
struct Unnamed<T>(T);

/// Writes the body of an error of type `T` left by [`awaiting_instance`],
/// naming the request path.
pub async fn name_instance<T: NamesInstance>(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let instance = req.uri().path().to_owned();
    let mut r = next.run(req).await;
    match r.extensions_mut().remove::<Unnamed<T>>() {
        Some(Unnamed(error)) => error.render(&instance),
        None => r,
    }
}
