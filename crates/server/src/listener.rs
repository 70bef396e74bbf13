//! Accepting connections with bounds: a connection cap, a deadline for each
//! request's headers (which also closes idle keep-alive connections), and a
//! small overflow lane that keeps `GET /health` answering when the cap is
//! reached (docs/reliability.md#bounded-connections).
//!
//! `axum::serve` holds every accepted connection for as long as the client
//! likes, so a few hundred idle or slow-header sockets could exhaust the
//! process's file descriptors and stop it answering anyone.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
    service::TowerToHyperService,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::Semaphore,
};
use tower::{Service, ServiceExt};

use crate::kernel::{api_faults::CloseConnection, auth::gateway};

/// How many connections the server holds and for how long.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections served at once; more are answered by the overflow lane.
    pub max_connections: usize,
    /// How long a connection may take to send a complete request header,
    /// counted from the end of the previous response on a kept-alive
    /// connection: slow senders and idle connections are closed after it.
    pub header_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 512,
            header_timeout: Duration::from_secs(30),
        }
    }
}

/// Connections beyond the cap that are still read, one request each, so that
/// `/health` answers (and everything else gets a 503) instead of hanging.
const OVERFLOW_CONNECTIONS: usize = 32;
/// The overflow lane's deadline for a request header.
const OVERFLOW_HEADER_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause after a failed accept (e.g. out of file descriptors) so the loop
/// doesn't spin while the cause persists.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until the process ends.
pub async fn serve<S>(listener: TcpListener, app: S, limits: ConnectionLimits)
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    let regular = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let overflow = Arc::new(Semaphore::new(OVERFLOW_CONNECTIONS));
    let full = builder(limits.header_timeout, true);
    let short = builder(OVERFLOW_HEADER_TIMEOUT, false);
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        if let Ok(permit) = regular.clone().try_acquire_owned() {
            let service = hyper_service(app.clone());
            let builder = full.clone();
            let deadline = limits.header_timeout;
            tokio::spawn(async move {
                if first_byte_within(&stream, deadline).await {
                    let io = TokioIo::new(stream);
                    let _ = builder.serve_connection_with_upgrades(io, service).await;
                }
                drop(permit);
            });
        } else if let Ok(permit) = overflow.clone().try_acquire_owned() {
            let service = hyper_service(HealthOnly { app: app.clone() });
            let builder = short.clone();
            tokio::spawn(async move {
                if first_byte_within(&stream, OVERFLOW_HEADER_TIMEOUT).await {
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
                drop(permit);
            });
        }
        // Else: both lanes are full; dropping the stream closes it at once.
    }
}

/// Whether the client sends something within `deadline`. hyper's header
/// deadline starts once it knows the protocol, which it learns from the
/// first bytes, so a connection that never sends would otherwise be held.
async fn first_byte_within(stream: &TcpStream, deadline: Duration) -> bool {
    let mut first = [0u8; 1];
    matches!(
        tokio::time::timeout(deadline, stream.peek(&mut first)).await,
        Ok(Ok(n)) if n > 0
    )
}

fn builder(header_timeout: Duration, keep_alive: bool) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(keep_alive);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(header_timeout))
        .keep_alive_timeout(header_timeout);
    builder
}

type HyperRequest = hyper::Request<hyper::body::Incoming>;
/// A tower service over axum requests, as hyper calls it.
type ForHyper<S> =
    TowerToHyperService<CloseOnMark<tower::util::MapRequest<S, fn(HyperRequest) -> Request>>>;

/// Adapts a tower service over axum requests to what hyper calls.
fn hyper_service<S>(service: S) -> ForHyper<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone,
{
    let to_axum: fn(HyperRequest) -> Request = |req| req.map(Body::new);
    TowerToHyperService::new(CloseOnMark(service.map_request(to_axum)))
}

/// A response the app marked [`CloseConnection`] is not sent: the service
/// fails instead, and hyper closes the connection without an answer.
#[derive(Clone)]
struct CloseOnMark<S>(S);

#[derive(Debug)]
struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed without an answer (fault injection)")
    }
}

impl std::error::Error for Closed {}

impl<S, R> Service<R> for CloseOnMark<S>
where
    S: Service<R, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Closed;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Closed>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Closed>> {
        self.0.poll_ready(cx).map(|r| r.map_err(|e| match e {}))
    }

    fn call(&mut self, req: R) -> Self::Future {
        let answer = self.0.call(req);
        Box::pin(async move {
            let response = answer.await.map_err(|e| match e {})?;
            if response.extensions().get::<CloseConnection>().is_some() {
                return Err(Closed);
            }
            Ok(response)
        })
    }
}

/// The overflow lane's service: `/health` from the app, 503 for the rest.
#[derive(Clone)]
struct HealthOnly<S> {
    app: S,
}

impl<S> Service<Request> for HealthOnly<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let app = self.app.clone();
        Box::pin(async move {
            if req.uri().path() == "/health" {
                return app.oneshot(req).await;
            }
            let mut refused = gateway(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many open connections; try again shortly",
            );
            refused
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Ok(refused.into_response())
        })
    }
}
