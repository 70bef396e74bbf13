//! The simulated payer's pages (see docs/compatibility.md#payer-pages): what the real Vipps
//! MobilePay landing page and app do for a payer, as plain server-rendered
//! HTML.
//!
//! - `/` explains the sandbox and lists the seeded test payers;
//! - `/landing?token=T` is where a payment's `redirectUrl` (or an eCom
//!   payment's `url`) points: the payer enters (or confirms) a phone number;
//! - `/app/pay?token=T&phone=P` is "the app": Approve or Reject;
//! - `/app?phone=P` is a phone's inbox, where PUSH_MESSAGE payments wait;
//! - `/console` is the operator's console: merchants, PSPs, the clock,
//!   the request log and deliveries;
//! - `/app/orders?phone=P` is the phone's order history, with the category
//!   and receipt each merchant attached (Order Management);
//! - `/app/consent` lets the payer of an express payment revoke its consent;
//! - `/qr/{token}.svg|png` is the QR code a QR-flow `redirectUrl` points at.
//!
//! The payments of every API share these pages through the
//! [`payer::PayerPayment`] trait; each API implements it in
//! `apis/<api>/payer.rs`. Forms are POST followed by a 303 redirect, so
//! reloading a result page never repeats an approval.

mod checklist;
mod console;
mod console_merchant;
mod orders;
mod pages;
pub mod payer;
mod qr;

use askama::Template;
use axum::{
    extract::rejection::{FormRejection, QueryRejection},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Form, Router,
};
use serde::Deserialize;
use vipps_domain::{ecom, ids::normalise_phone};

use self::payer::Paid;
use crate::{apis::PAYER_FAMILIES, AppState};

/// Where a payment's payer starts: the landing page, or with `isApp` the
/// test environment's deeplink into the app (eCom `url`, PSP
/// `vippsRedirectUrl`).
pub fn payer_entry_url(public_url: &str, token: &str, is_app: bool) -> String {
    if is_app {
        format!("vippsMT://?token={token}")
    } else {
        format!("{public_url}/landing?token={token}")
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/landing", get(pages::landing).post(pages::submit_phone))
        .route("/app", get(pages::inbox))
        .route("/app/pay", get(pages::app))
        .route("/app/approve", post(pages::approve))
        .route("/app/reject", post(pages::reject))
        .route("/app/consent", post(pages::remove_consent))
        .route("/app/3ds", get(pages::three_ds))
        .route("/app/orders", get(orders::orders))
        .route("/console", get(console::overview))
        .route("/console/clock", post(console::advance))
        .route("/console/payments", get(console::payments))
        .route("/console/payments/{token}", get(console::payment))
        .route("/console/payments/{token}/approve", post(console::approve))
        .route("/console/payments/{token}/reject", post(console::reject))
        .route("/console/payments/{token}/expire", post(console::expire))
        .route("/console/payments/{token}/live", get(console::live))
        .route("/console/requests", get(console::requests))
        .route("/console/merchants/{msn}", get(console_merchant::page))
        .route(
            "/console/merchants/{msn}/settings",
            post(console_merchant::settings),
        )
        .route(
            "/console/merchants/{msn}/delivery-faults",
            post(console_merchant::delivery_faults),
        )
        .route(
            "/console/merchants/{msn}/api-faults",
            post(console_merchant::add_rule),
        )
        .route(
            "/console/merchants/{msn}/api-faults/{id}/delete",
            post(console_merchant::delete_rule),
        )
        .route(
            "/console/merchants/{msn}/rate-limits",
            post(console_merchant::rate_limits),
        )
        .route(
            "/console/merchants/{msn}/clock",
            post(console_merchant::advance),
        )
        .route(
            "/console/merchants/{msn}/forget",
            post(console_merchant::forget),
        )
        .route(
            "/console/psps/{psp_id}/settings",
            post(console_merchant::psp_settings),
        )
        .route("/console/checklist", get(checklist::page))
        .route("/console/checklist.md", get(checklist::markdown))
        .route("/console/deliveries", get(console::deliveries))
        .route("/console/deliveries/{id}/retry", post(console::retry))
        .route("/app/images/{msn}/{image_id}", get(orders::image))
        .route("/qr/{file}", get(qr::image))
}

/// Query strings and form bodies of every page: each handler takes what it
/// needs and reports a missing field as a 400 page, never a bare rejection.
#[derive(Debug, Default, Deserialize)]
struct Params {
    token: Option<String>,
    phone: Option<String>,
    size: Option<String>,
    /// The express shipping option the payer picked.
    #[serde(rename = "shippingMethodId")]
    shipping_method_id: Option<String>,
    /// The 3-D Secure operation a payer comes back through, and its result.
    operation: Option<String>,
    responsecode: Option<String>,
}

impl Params {
    fn query(q: Result<axum::extract::Query<Params>, QueryRejection>) -> Result<Params, ErrorPage> {
        q.map(|q| q.0)
            .map_err(|_| ErrorPage::bad_request("The link is malformed"))
    }

    fn form(f: Result<Form<Params>, FormRejection>) -> Result<Params, ErrorPage> {
        f.map(|f| f.0)
            .map_err(|_| ErrorPage::bad_request("The form could not be read"))
    }

    fn token(&self) -> Result<&str, ErrorPage> {
        match self.token.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Ok(t),
            _ => Err(ErrorPage::bad_request(
                "The link has no payment token: open the link the merchant gave you",
            )),
        }
    }

    /// The phone number as an MSISDN (`4791234567`), however it was typed.
    fn phone(&self) -> Result<String, ErrorPage> {
        match self.phone.as_deref().map(str::trim) {
            None | Some("") => Err(ErrorPage::bad_request("A phone number is required")),
            // Eight digits are a Norwegian number even when they start
            // with 00 (the test payer 00000001), as eCom reads them.
            Some(p) => ecom::normalise_mobile(p)
                .map(|m| ecom::msisdn(&m))
                .or_else(|| normalise_phone(p))
                .ok_or_else(|| {
                    ErrorPage::new(
                        StatusCode::BAD_REQUEST,
                        "Invalid phone number".into(),
                        invalid_phone(p),
                    )
                }),
        }
    }
}

fn invalid_phone(typed: &str) -> String {
    format!(
        "\"{typed}\" is not a valid phone number. Use 8 digits for a Norwegian number, \
         or the country code and number, e.g. 4791234567."
    )
}

/// Renders a page; a template that fails to render is our bug, logged.
pub(crate) fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                // Pages show live payment state; a cached one would mislead.
                (header::CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "page failed to render").into_response()
        }
    }
}

/// A 303 to `url`, or `None` if it cannot be a `Location` header.
pub(crate) fn see_other(url: &str) -> Option<Response> {
    let location = HeaderValue::from_str(url).ok()?;
    Some((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// `url` if it is safe to put in an `href`: return URLs may use any scheme
/// (`myapp://`), but a script URL in a link would run on our page.
pub(crate) fn link(url: Option<&str>) -> Option<String> {
    let url = url?;
    let scheme = url.split_once(':')?.0.trim().to_ascii_lowercase();
    (!matches!(scheme.as_str(), "javascript" | "data" | "vbscript")).then(|| url.to_owned())
}

/// A page that says what went wrong, with a way back to the merchant when
/// there is one.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    status: StatusCode,
    title: String,
    detail: String,
    return_url: Option<String>,
}

impl ErrorPage {
    pub fn new(status: StatusCode, title: String, detail: String) -> Self {
        ErrorPage {
            status,
            title,
            detail,
            return_url: None,
        }
    }

    pub fn bad_request(detail: &str) -> Self {
        ErrorPage {
            status: StatusCode::BAD_REQUEST,
            title: "Bad request".into(),
            detail: detail.into(),
            return_url: None,
        }
    }

    fn not_found() -> Self {
        ErrorPage {
            status: StatusCode::NOT_FOUND,
            title: "Payment not found".into(),
            detail:
                "There is no payment for this link. It may be mistyped, or from another sandbox."
                    .into(),
            return_url: None,
        }
    }

    /// The same error, with a link back to `url` when there is one.
    pub fn back_to_url(mut self, url: Option<String>) -> Self {
        self.return_url = url;
        self
    }

    /// The same error, with a way back to the merchant.
    fn back_to(mut self, p: &dyn payer::PayerPayment) -> Self {
        self.return_url = link(p.return_url());
        self
    }
}

impl From<anyhow::Error> for ErrorPage {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        ErrorPage::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error".into(),
            "The request could not be completed; it is safe to retry".into(),
        )
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        render(self.status, &self)
    }
}

/// The payment behind a token, as stored, of whichever API made it.
async fn by_token(st: &AppState, token: &str) -> Result<Paid, ErrorPage> {
    // Tokens are short hex strings; anything else is no token of ours and
    // is not looked up (PostgreSQL refuses some text, such as NUL).
    if token.len() > 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ErrorPage::not_found());
    }
    for family in PAYER_FAMILIES {
        if let Some(p) = family.by_token(st, token).await? {
            return Ok(p);
        }
    }
    Err(ErrorPage::not_found())
}

/// The payment behind a token as of now: a due expiry is persisted first, so
/// the page shows the state the API would report.
async fn current(st: &AppState, token: &str) -> Result<Paid, ErrorPage> {
    by_token(st, token)
        .await?
        .settle(st)
        .await?
        .ok_or_else(ErrorPage::not_found)
}

/// The name payers see: the merchant's, or its MSN if it has none.
pub(crate) async fn merchant_name(st: &AppState, msn: &str) -> Result<String, ErrorPage> {
    Ok(st
        .db
        .merchant_by_msn(msn)
        .await?
        .map(|m| m.name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| msn.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::link;

    #[test]
    fn script_urls_never_become_links() {
        assert_eq!(
            link(Some("https://shop.example/r?x=1")).as_deref(),
            Some("https://shop.example/r?x=1")
        );
        assert_eq!(link(Some("myapp://done")).as_deref(), Some("myapp://done"));
        assert_eq!(link(Some("JavaScript://%0aalert(1)")), None);
        assert_eq!(link(Some(" data://text/html,x")), None);
        assert_eq!(link(None), None);
    }
}
