//! The Checkout API's routes: the spec's `/session` served under
//! `/checkout/v3`. Problems name the request path (`instance`).

use axum::{
    middleware,
    routing::{get, post},
    Router,
};

use super::{
    handlers::{create_session, get_session},
    problem::CheckoutProblem,
};
use crate::{kernel::problem::name_instance, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkout/v3/session", post(create_session))
        .route("/checkout/v3/session/{reference}", get(get_session))
        .route_layer(middleware::from_fn(name_instance::<CheckoutProblem>))
}
