//! `vipps-sandbox bench-deliveries`: measure the webhook outbox in-process,
//! against a receiver on 127.0.0.1. Two questions: how fast does a backlog
//! drain (throughput), and how soon after a commit does a single event reach
//! its receiver when the worker is idle (latency)?

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use axum::{body::Bytes, extract::State, http::StatusCode, routing::post, Router};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use tokio::sync::watch;
use uuid::Uuid;
use vipps_delivery::{Deliverer, DeliveryConfig};
use vipps_domain::time_fmt::rfc3339;
use vipps_store::{
    clock::Clock,
    deliveries::enqueue_webhooks,
    webhooks::{insert_webhook, Webhook},
    Db, DbOptions, WriteSet,
};

const EVENT: &str = "epayments.payment.created.v1";
/// Rows per write set in the burst, so filling the outbox takes a handful of
/// commits and the burst measures the worker rather than the inserts.
const BATCH: u64 = 500;
/// Upper bound on the whole burst phase; exceeding it is reported as failure.
const BURST_TIMEOUT: Duration = Duration::from_secs(300);
/// Upper bound on one latency sample (the worker's idle poll is far shorter).
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(clap::Args)]
pub struct Args {
    /// Database to use (no env fallback, so a real database is never picked up
    /// by accident); default: a fresh SQLite file in a temp dir, removed after.
    #[arg(long)]
    database_url: Option<String>,
    /// Outbox rows committed before the worker starts.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    count: u64,
    /// Single commits timed from commit to arrival, one after another.
    #[arg(long, default_value_t = 200)]
    latency_samples: u64,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
}

/// The webhook endpoint: keeps the first arrival time per payment reference
/// and bumps a counter that waiters watch, so nobody has to poll it.
struct Receiver {
    arrivals: Mutex<HashMap<String, Instant>>,
    seen: watch::Sender<u64>,
}

async fn hook(State(r): State<Arc<Receiver>>, body: Bytes) -> StatusCode {
    let at = Instant::now();
    let reference = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["reference"].as_str().map(str::to_owned))
        .unwrap_or_default();
    r.arrivals.lock().unwrap().entry(reference).or_insert(at);
    r.seen.send_modify(|n| *n += 1);
    StatusCode::NO_CONTENT
}

impl Receiver {
    fn arrival(&self, reference: &str) -> Option<Instant> {
        self.arrivals.lock().unwrap().get(reference).copied()
    }

    fn first(&self) -> Option<Instant> {
        self.arrivals.lock().unwrap().values().min().copied()
    }
}

/// Serves `POST /hook` on an ephemeral local port; returns its URL.
async fn start_receiver() -> anyhow::Result<(Arc<Receiver>, String)> {
    let r = Arc::new(Receiver {
        arrivals: Mutex::default(),
        seen: watch::channel(0).0,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(r.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((r, url))
}

/// Removes the default SQLite database (and its WAL files) however `run` ends.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Bench {
    db: Db,
    clock: Clock,
    msn: String,
    receiver: Arc<Receiver>,
}

impl Bench {
    /// Creates a merchant with one webhook registration pointing at `url`.
    async fn new(
        db: Db,
        clock: Clock,
        receiver: Arc<Receiver>,
        url: String,
    ) -> anyhow::Result<Bench> {
        let pending: i64 = sqlx::query("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'")
            .fetch_one(db.pool())
            .await?
            .try_get(0)?;
        // The worker sends whatever is pending, and other rows may point off this host.
        anyhow::ensure!(
            pending == 0,
            "the database has {pending} pending deliveries"
        );
        let msn = db
            .create_merchant("Delivery bench", None, clock.now())
            .await?
            .msn;
        let hook = Webhook {
            id: Uuid::new_v4().to_string(),
            msn: msn.clone(),
            url,
            events: vec![EVENT.to_owned()],
            secret: vipps_store::random_hex(32),
            created_at: clock.now(),
        };
        db.write(insert_webhook(&hook)).await?;
        Ok(Bench {
            db,
            clock,
            msn,
            receiver,
        })
    }

    /// Appends one outbox row shaped like a real ePayment CREATED webhook.
    fn enqueue(&self, w: &mut WriteSet, reference: &str) {
        let now = self.clock.now();
        let body = json!({
            "msn": self.msn, "reference": reference,
            "pspReference": Uuid::new_v4().simple().to_string(), "name": "CREATED",
            "amount": { "currency": "NOK", "value": 1000 }, "timestamp": rfc3339(now),
            "idempotencyKey": null, "success": true,
        });
        let (id, body) = (Uuid::new_v4().to_string(), body.to_string());
        enqueue_webhooks(w, &id, &self.msn, reference, EVENT, 16, &body, now);
    }

    async fn count(&self, status: &str) -> anyhow::Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM deliveries WHERE status = $1 AND msn = $2")
            .bind(status)
            .bind(&self.msn)
            .fetch_one(self.db.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Waits until `done` holds for the receiver's count, or until `deadline`;
    /// callers check the outcome themselves.
    async fn wait_receiver(&self, deadline: Instant, done: impl Fn(u64) -> bool) {
        let mut rx = self.receiver.seen.subscribe();
        let wait = rx.wait_for(|n| done(*n));
        let _ = tokio::time::timeout_at(deadline.into(), wait).await;
    }

    /// Polls until `n` of our rows are marked delivered; the receiver sees a
    /// request before the worker records it, so this trails the arrivals.
    async fn wait_delivered(&self, n: u64, deadline: Instant) -> anyhow::Result<()> {
        while self.count("delivered").await? < n as i64 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "not all {n} rows marked delivered in time"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(())
    }

    /// Commits `n` rows in batches while no worker runs.
    async fn fill_outbox(&self, n: u64) -> anyhow::Result<()> {
        for start in (0..n).step_by(BATCH as usize) {
            let mut w = WriteSet::new();
            for i in start..(start + BATCH).min(n) {
                self.enqueue(&mut w, &format!("burst-{i}-{}", Uuid::new_v4().simple()));
            }
            self.db.write(w).await?;
        }
        Ok(())
    }

    /// Starts the worker on the full outbox and times until every row has
    /// reached the receiver and is marked delivered in the database.
    async fn burst(&self, deliverer: &Deliverer, n: u64) -> anyhow::Result<Burst> {
        let start = Instant::now();
        let deadline = start + BURST_TIMEOUT;
        deliverer.spawn();
        self.wait_receiver(deadline, |seen| seen >= n).await;
        let seen = *self.receiver.seen.borrow();
        anyhow::ensure!(
            seen >= n,
            "receiver saw {seen} of {n} within {BURST_TIMEOUT:?}"
        );
        let all_received = start.elapsed();
        self.wait_delivered(n, deadline).await?;
        let all_delivered = start.elapsed();
        let first = self.receiver.first().context("no arrival recorded")? - start;
        Ok(Burst {
            all_received,
            all_delivered,
            first,
        })
    }

    /// One commit at a time on an idle worker, woken as the server wakes it.
    async fn latency(&self, deliverer: &Deliverer, samples: u64) -> anyhow::Result<Histogram<u64>> {
        let mut hist = Histogram::new_with_bounds(1, 60_000_000, 3)?;
        for i in 0..samples {
            let reference = format!("latency-{i}-{}", Uuid::new_v4().simple());
            let mut w = WriteSet::new();
            self.enqueue(&mut w, &reference);
            self.db.write(w).await?;
            let committed = Instant::now();
            deliverer.wake();
            let arrived = |_| self.receiver.arrival(&reference).is_some();
            self.wait_receiver(committed + SAMPLE_TIMEOUT, arrived)
                .await;
            let at = self.receiver.arrival(&reference);
            let at =
                at.with_context(|| format!("sample {i} not delivered in {SAMPLE_TIMEOUT:?}"))?;
            hist.saturating_record(at.saturating_duration_since(committed).as_micros() as u64);
        }
        Ok(hist)
    }
}

struct Burst {
    all_received: Duration,
    all_delivered: Duration,
    first: Duration,
}

#[derive(Serialize)]
struct Report {
    backend: String,
    count: u64,
    deliveries_per_sec: f64,
    all_received_secs: f64,
    all_delivered_secs: f64,
    first_delivery_ms: f64,
    latency_samples: u64,
    latency_p50_ms: f64,
    latency_p99_ms: f64,
    latency_max_ms: f64,
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    let dir = TempDir(std::env::temp_dir().join(format!("vipps-bench-{}", Uuid::new_v4())));
    let url = match &a.database_url {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", dir.0.join("bench.db").display()),
    };
    let db = Db::connect(&url, DbOptions::default()).await?;
    let clock = Clock::load(db.clone()).await?;
    let (receiver, hook_url) = start_receiver().await?;
    let bench = Bench::new(db.clone(), clock.clone(), receiver, hook_url).await?;
    bench.fill_outbox(a.count).await?;
    let deliverer = Deliverer::new(db.clone(), clock, DeliveryConfig::default());
    let burst = bench.burst(&deliverer, a.count).await?;
    let lat = bench.latency(&deliverer, a.latency_samples).await?;
    // Leave nothing pending, so the database can be benchmarked again.
    let total = a.count + a.latency_samples;
    bench
        .wait_delivered(total, Instant::now() + SAMPLE_TIMEOUT)
        .await?;

    let report = report(&a, &db, &burst, &lat);
    if a.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

fn report(a: &Args, db: &Db, burst: &Burst, lat: &Histogram<u64>) -> Report {
    let ms = |us: u64| us as f64 / 1000.0;
    Report {
        backend: format!("{:?}", db.backend).to_lowercase(),
        count: a.count,
        deliveries_per_sec: a.count as f64 / burst.all_delivered.as_secs_f64(),
        all_received_secs: burst.all_received.as_secs_f64(),
        all_delivered_secs: burst.all_delivered.as_secs_f64(),
        first_delivery_ms: burst.first.as_secs_f64() * 1000.0,
        latency_samples: a.latency_samples,
        latency_p50_ms: ms(lat.value_at_quantile(0.5)),
        latency_p99_ms: ms(lat.value_at_quantile(0.99)),
        latency_max_ms: ms(lat.max()),
    }
}

fn print_text(r: &Report) {
    println!("backend:            {}", r.backend);
    println!("burst rows:         {}", r.count);
    println!("deliveries/s:       {:.1}", r.deliveries_per_sec);
    println!("all received:       {:.3} s", r.all_received_secs);
    println!("all delivered (db): {:.3} s", r.all_delivered_secs);
    println!("first delivery:     {:.1} ms", r.first_delivery_ms);
    println!(
        "latency ({} samples): p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        r.latency_samples, r.latency_p50_ms, r.latency_p99_ms, r.latency_max_ms
    );
}
