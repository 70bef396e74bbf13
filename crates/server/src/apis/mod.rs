//! One folder (or, for a small API, one file) per API. A folder has the same
//! files for the same roles: `router` (paths), `handlers` (read the request,
//! answer), `request` (wire → domain), `service` (read → settle → decide →
//! commit), `render` (domain → wire), `problem` (the API's error body) and
//! `payer` (its payments on the payer pages).

pub mod accesstoken;
pub mod checkout;
pub mod ecom;
pub mod epayment;
pub mod health;
pub mod order_management;
pub mod psp;
pub mod sandbox;
pub mod webhooks;

use std::marker::PhantomData;

use axum::Router;

use crate::{
    kernel::{
        problem::Formats,
        upkeep::{sweep_of, Sweep},
    },
    web::payer::{Pages, PayerFamily},
    AppState,
};

/// The paths of API calls, which the request log records (pages, health
/// and the sandbox console are not logged).
pub const API_PREFIXES: &[&str] = &[
    "/accesstoken/",
    "/accessToken/",
    "/epayment/",
    "/ecomm/",
    "/checkout/",
    "/psp/",
    "/webhooks/",
    "/order-management/",
];

/// Each API's error format by path prefix, for the refusals axum makes
/// before a handler runs (see [`crate::kernel::problem::in_api_format`]).
pub const ERROR_FORMATS: Formats = &[
    ("/accesstoken/", accesstoken::refused),
    ("/accessToken/", accesstoken::refused),
    ("/epayment/", epayment::problem::refused),
    ("/ecomm/", ecom::problem::refused),
    ("/checkout/", checkout::problem::refused),
    ("/psp/", psp::problem::refused),
    ("/order-management/", order_management::problem::refused),
    ("/webhooks/", webhooks::refused),
    ("/sandbox/", epayment::problem::refused),
];

/// Every API's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(accesstoken::router())
        .merge(epayment::router())
        .merge(ecom::router())
        .merge(checkout::router())
        .merge(psp::router())
        .merge(order_management::router())
        .merge(webhooks::router())
        .merge(sandbox::router())
}

/// The payment families whose payers can run out of time.
pub fn expiring() -> Vec<Sweep> {
    vec![
        sweep_of::<epayment::service::Epayment>(),
        sweep_of::<ecom::service::Ecom>(),
        sweep_of::<checkout::service::Checkout>(),
        sweep_of::<psp::service::Psp>(),
    ]
}

/// The payment families the payer pages show.
pub const PAYER_FAMILIES: &[&dyn PayerFamily] = &[
    &Pages::<epayment::service::Epayment>(PhantomData),
    &Pages::<ecom::service::Ecom>(PhantomData),
    &Pages::<psp::service::Psp>(PhantomData),
];
