//! Application state and the router that merges every API.

use std::sync::Arc;

use axum::{extract::DefaultBodyLimit, middleware, Router};
use vipps_delivery::{Deliverer, DeliveryConfig};
use vipps_store::{clock::Clock, Db};

use crate::{
    apis,
    kernel::{request_log, tokens::TokenKeys, upkeep::Sweep},
    listener::ConnectionLimits,
    web,
};

/// Largest request body any API accepts.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Config {
    /// Origin used in the URLs handed out (redirectUrl, QR links, polling).
    pub public_url: String,
    /// Access token lifetime in seconds.
    pub token_ttl_secs: i64,
    pub delivery: DeliveryConfig,
    /// Connection cap and header deadline of the listener.
    pub connections: ConnectionLimits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            token_ttl_secs: 3600,
            delivery: DeliveryConfig::default(),
            connections: ConnectionLimits::default(),
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
}

impl AppState {
    /// Loads the shared clock and token signing key from the database.
    pub async fn new(db: Db, mut cfg: Config) -> anyhow::Result<AppState> {
        cfg.public_url = cfg.public_url.trim_end_matches('/').to_owned();
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
    Router::new()
        .merge(apis::router())
        .merge(web::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            apis::ERROR_FORMATS,
            crate::kernel::problem::in_api_format,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), apis::API_PREFIXES),
            request_log::record,
        ))
        .with_state(state)
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
