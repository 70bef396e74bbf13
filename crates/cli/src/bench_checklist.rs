//! `vipps-sandbox bench-checklist`: how long the checklist verifier takes
//! for a merchant with a large recorded history (by default 100,000 logged
//! API calls and 10,000 deliveries), all four checklists at once.

use std::time::Instant;

use uuid::Uuid;
use vipps_store::{requests::RequestRecord, Db, DbOptions, WriteSet};

#[derive(clap::Args)]
pub struct Args {
    /// Database to use (no env fallback); default: a fresh SQLite file in a
    /// temp dir, removed after.
    #[arg(long)]
    database_url: Option<String>,
    /// Logged API calls of the merchant.
    #[arg(long, default_value_t = 100_000)]
    requests: usize,
    /// Deliveries (webhooks) sent to it, one attempt each.
    #[arg(long, default_value_t = 10_000)]
    deliveries: usize,
    /// Timed verdicts (after one untimed warm-up).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// A merchant's calls as an integration makes them: per payment a create,
/// an approval, two reads, a capture, a refund, and on every 50th a refused
/// capture.
fn calls(msn: &str, n: usize, start: i64) -> Vec<RequestRecord> {
    let steps: [(&str, &str, i64); 6] = [
        ("POST", "", 201),
        ("POST", "/approve", 200),
        ("GET", "", 200),
        ("POST", "/capture", 200),
        ("GET", "", 200),
        ("POST", "/refund", 200),
    ];
    (0..n)
        .map(|i| {
            let payment = i / steps.len();
            let (method, tail, status) = steps[i % steps.len()];
            let path = match (i % steps.len(), tail) {
                (0, _) => "/epayment/v1/payments".to_owned(),
                (1, _) => format!("/epayment/v1/test/payments/bench-{payment}/approve"),
                _ => format!("/epayment/v1/payments/bench-{payment}{tail}"),
            };
            let refused = i % 300 == 3;
            RequestRecord {
                id: 0,
                at: start + i as i64 * 1_000,
                msn: Some(msn.to_owned()),
                method: method.to_owned(),
                path,
                status: if refused { 400 } else { status },
                latency_us: 900,
                system_name: Some("bench-shop".into()),
                system_version: Some("1.0".into()),
                plugin_name: None,
                plugin_version: None,
                idempotency_key: Some(format!("key-{i}")),
                trace_id: None,
                request_headers: None,
                request_body: Some(
                    "{\"modificationAmount\":{\"currency\":\"NOK\",\"value\":1000}}".into(),
                ),
                response_body: None,
                request_id: None,
                body_digest: Some(format!("{:024x}", i)),
                fault: None,
            }
        })
        .collect()
}

async fn seed_deliveries(db: &Db, msn: &str, n: usize, start: i64) -> anyhow::Result<()> {
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut w = WriteSet::new();
        for &i in chunk {
            let id = Uuid::new_v4().to_string();
            let at = start + i as i64 * 1_000;
            w.push(
                "INSERT INTO deliveries (id, msn, kind, target_id, url, event_type, order_key, seq, body, status, \
                 attempts, first_due_at, next_attempt_at, lease_until, last_status, created_at, completed_at) \
                 VALUES ($1, $2, 'webhook', $3, 'http://127.0.0.1:9/hook', 'epayments.payment.authorized.v1', $3, 0, \
                 $4, 'delivered', 1, $5, $5, 0, 200, $5, $5)",
                vec![
                    id.clone().into(),
                    msn.to_owned().into(),
                    format!("bench-{i}").into(),
                    format!("{{\"name\":\"AUTHORIZED\",\"reference\":\"bench-{i}\"}}").into(),
                    at.into(),
                ],
            );
            w.push(
                "INSERT INTO delivery_attempts (delivery_id, at, status_code, error_kind, response, latency_ms, \
                 next_attempt_at) VALUES ($1, $2, 200, NULL, NULL, 3, NULL)",
                vec![id.into(), at.into()],
            );
        }
        db.write(w).await?;
    }
    Ok(())
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("vipps-bench-checklist-{}", Uuid::new_v4()));
    let url = match &a.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&dir)?;
            format!("sqlite://{}", dir.join("bench.db").display())
        }
    };
    let outcome = measure(&url, &a).await;
    if a.database_url.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

async fn measure(url: &str, a: &Args) -> anyhow::Result<()> {
    let db = Db::connect(url, DbOptions::default()).await?;
    let start = crate::now_ms();
    let merchant = db.create_merchant("Checklist bench", None, start).await?;
    let msn = merchant.msn;
    let seeding = Instant::now();
    db.import_requests(&calls(&msn, a.requests, start)).await?;
    seed_deliveries(&db, &msn, a.deliveries, start).await?;
    println!(
        "seeded {} calls and {} deliveries for MSN {msn} in {:.1} s",
        a.requests,
        a.deliveries,
        seeding.elapsed().as_secs_f64()
    );
    db.checklist_reports(&msn, None).await?;
    let mut times = Vec::with_capacity(a.runs);
    for _ in 0..a.runs {
        let started = Instant::now();
        let reports = db.checklist_reports(&msn, None).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(reports.len() == 4, "four reports expected");
    }
    times.sort_by(f64::total_cmp);
    let loading = Instant::now();
    db.traffic(&msn).await?;
    println!(
        "loading the history alone: {:.0} ms",
        loading.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "all four checklists: median {:.0} ms, slowest {:.0} ms over {} runs",
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    );
    Ok(())
}
