//! Application state and the router that merges every API.

use std::sync::Arc;

use axum::{
    extract::DefaultBodyLimit,
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    Router,
};
use vipps_delivery::{Deliverer, DeliveryConfig};
use vipps_store::{clock::Clock, Db};

use crate::{
    apis,
    kernel::{admin, request_log, tokens::TokenKeys, upkeep::Sweep},
    listener::ConnectionLimits,
    web,
};

/// Largest request body any API accepts.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Config {
    /// Origin used in the URLs handed out (redirectUrl, QR links, polling).
    pub public_url: String,
    /// Access token lifetime in seconds.
    pub token_ttl_secs: i64,
    pub delivery: DeliveryConfig,
    /// Connection cap and header deadline of the listener.
    pub connections: ConnectionLimits,
    /// When set, the sandbox API (`/sandbox/…`) and the console
    /// (`/console…`) require this token; see [`admin`].
    pub admin_token: Option<String>,
}

/// Written out by hand so that the admin token never appears in a log.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("public_url", &self.public_url)
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("delivery", &self.delivery)
            .field("connections", &self.connections)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            token_ttl_secs: 3600,
            delivery: DeliveryConfig::default(),
            connections: ConnectionLimits::default(),
            admin_token: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub cfg: Arc<Config>,
    pub keys: Arc<TokenKeys>,
    pub deliverer: Deliverer,
    /// The payment families the upkeep loop sweeps for expiries.
    pub expiring: Arc<[Sweep]>,
    /// Calls counted against merchants' rate limits, in this process.
    pub rate_windows: Arc<crate::kernel::api_faults::RateWindows>,
}

impl AppState {
    /// Loads the shared clock and token signing key from the database.
    pub async fn new(db: Db, mut cfg: Config) -> anyhow::Result<AppState> {
        cfg.public_url = cfg.public_url.trim_end_matches('/').to_owned();
        if cfg
            .admin_token
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            anyhow::bail!("the admin token must not be empty");
        }
        let clock = Clock::load(db.clone()).await?;
        let secret = db
            .setting_or_init("jwt_signing_key", vipps_store::random_hex(32))
            .await?;
        let deliverer = Deliverer::new(db.clone(), clock.clone(), cfg.delivery.clone());
        Ok(AppState {
            db,
            clock,
            cfg: Arc::new(cfg),
            keys: Arc::new(TokenKeys::new(&secret)),
            deliverer,
            expiring: apis::expiring().into(),
            rate_windows: Arc::default(),
        })
    }
}

impl AppState {
    /// Commits a write set, then wakes the delivery worker: the write may
    /// have put rows in the outbox, and they go out right after the commit.
    pub async fn commit(
        &self,
        writes: vipps_store::WriteSet,
    ) -> Result<(), vipps_store::WriteError> {
        self.db.write(writes).await?;
        self.deliverer.wake();
        Ok(())
    }
}

pub fn build_router(state: AppState) -> Router {
    let router = Router::new()
        .merge(apis::router())
        .merge(web::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            apis::ERROR_FORMATS,
            crate::kernel::problem::in_api_format,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), apis::ERROR_FORMATS),
            crate::kernel::api_faults::apply,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), apis::API_PREFIXES),
            request_log::record,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::kernel::merchant_time::scope,
        ));
    // Outermost, so that a refused request reaches nothing else.
    let router = match &state.cfg.admin_token {
        Some(token) => router.layer(middleware::from_fn_with_state(
            admin::Gate::new(token, ADMIN_REFUSALS),
            admin::require,
        )),
        None => router,
    };
    router.with_state(state)
}

/// How requests without the admin token are refused: the sandbox API in its
/// (ePayment's) problem format, the console with a page.
const ADMIN_REFUSALS: admin::Refusals = admin::Refusals {
    api: |detail| {
        apis::epayment::problem::ApiProblem::new(401, "Unauthorized", detail).into_response()
    },
    console: console_refusal,
};

fn console_refusal(detail: String) -> Response {
    web::ErrorPage::new(
        StatusCode::UNAUTHORIZED,
        "Admin token required".into(),
        detail,
    )
    .into_response()
}

/// Serves the app on a bound listener until the process ends. Trailing
/// slashes are ignored (`/ecomm/v2/payments/` = `/ecomm/v2/payments`).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> anyhow::Result<()> {
    use tower::Layer;
    let limits = state.cfg.connections.clone();
    let app = tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash()
        .layer(build_router(state));
    crate::listener::serve(listener, app, limits).await;
    Ok(())
}

/// Starts the background work of one server process: the expiry sweep and
/// the delivery worker.
pub fn start_workers(state: &AppState) {
    crate::kernel::upkeep::spawn(state.clone());
    state.deliverer.spawn();
}
