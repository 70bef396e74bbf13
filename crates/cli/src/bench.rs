//! `vipps-sandbox bench`: drive full ePayment lifecycles against a running
//! server from many concurrent tasks, then Checkout purchases (create
//! session → force approve → get session → capture), then PSP API v3
//! payments (see `bench_psp`), then hammer GET on the payments made, and
//! report throughput and latency per operation.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use futures::future::try_join_all;
use hdrhistogram::Histogram;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::bench_psp::{self, PspPhaseReport, PspSource};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Number of concurrent tasks.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..))]
    concurrency: u64,
    /// Length of each phase, in seconds.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    #[arg(long, env = "VIPPS_CLIENT_ID")]
    client_id: Option<String>,
    #[arg(long, env = "VIPPS_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    #[arg(long, env = "VIPPS_SUBSCRIPTION_KEY", hide_env_values = true)]
    subscription_key: Option<String>,
    #[arg(long, env = "VIPPS_MSN")]
    msn: Option<String>,
    /// JSON credentials (as printed by `merchant add --json`), read for any not given above.
    #[arg(long, default_value = "data/demo-merchant.json")]
    credentials: PathBuf,
    /// Skip the GET-only phase that follows the lifecycle phase.
    #[arg(long)]
    skip_get_phase: bool,
    /// Skip the Checkout phase (sessions bought through ePayment).
    #[arg(long)]
    skip_checkout_phase: bool,
    /// Skip the PSP phase (PSP API v3: init → force approve, with the
    /// makePayment call answered by this process → CAPTURED report → details).
    #[arg(long)]
    skip_psp_phase: bool,
    /// PSP keys (as printed by `psp add --json`) for the PSP phase; defaults
    /// to demo-psp.json beside --credentials.
    #[arg(long)]
    psp_credentials: Option<PathBuf>,
    /// The server's database: the PSP phase then creates its own PSP there,
    /// serving the bench merchant, instead of reading PSP keys.
    #[arg(long)]
    database_url: Option<String>,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
}

/// The merchant credentials file that `serve` and `merchant add --json` write.
#[derive(Deserialize, Default)]
struct Credentials {
    msn: String,
    client_id: String,
    client_secret: String,
    subscription_key: String,
}

/// The operations reported, one table row each; both captures count as
/// `capture` and both GETs of a lifecycle as `get`.
#[derive(Clone, Copy)]
enum Op {
    Create,
    Approve,
    Get,
    Capture,
    Refund,
    Session,
    Poll,
}
const OPS: usize = 7;
const OP_NAMES: [&str; OPS] = [
    "create", "approve", "get", "capture", "refund", "session", "poll",
];

/// What each task of a phase repeats.
#[derive(Clone, Copy)]
enum Flow {
    /// ePayment: create → approve → get → capture ×2 → refund → get.
    Epayment,
    /// Checkout: create session → force approve → get session → capture.
    Checkout,
}

/// Latency (µs, successful requests only) and error count for one operation.
pub(crate) struct OpStats {
    hist: Histogram<u64>,
    pub(crate) count: u64,
    errors: u64,
    /// One failure kept so a broken run says why instead of only how often.
    sample_error: Option<String>,
}

impl Default for OpStats {
    fn default() -> Self {
        Self {
            // Up to 2 minutes with 3 significant digits; longer values saturate.
            hist: Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid histogram bounds"),
            count: 0,
            errors: 0,
            sample_error: None,
        }
    }
}

impl OpStats {
    pub(crate) fn record(&mut self, elapsed: Duration, outcome: Result<(), String>) {
        self.count += 1;
        match outcome {
            Ok(()) => self.hist.saturating_record(elapsed.as_micros() as u64),
            Err(e) => {
                self.errors += 1;
                self.sample_error.get_or_insert(e);
            }
        }
    }

    pub(crate) fn merge(&mut self, other: OpStats) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.hist.add(&other.hist);
        self.count += other.count;
        self.errors += other.errors;
        self.sample_error = self.sample_error.take().or(other.sample_error);
    }

    pub(crate) fn report(&self, name: &str, elapsed_secs: f64) -> OpReport {
        let ms = |us: u64| (us as f64 / 10.0).round() / 100.0;
        OpReport {
            name: name.to_owned(),
            count: self.count,
            per_sec: self.count as f64 / elapsed_secs,
            errors: self.errors,
            p50_ms: ms(self.hist.value_at_quantile(0.5)),
            p99_ms: ms(self.hist.value_at_quantile(0.99)),
            max_ms: ms(self.hist.max()),
            sample_error: self.sample_error.clone(),
        }
    }
}

/// What one lifecycle task measured; merged across tasks at the end.
#[derive(Default)]
struct TaskStats {
    ops: [OpStats; OPS],
    completed: u64,
    failed: u64,
    references: Vec<String>,
}

/// One authenticated merchant session shared by all tasks.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
    key: String,
    msn: String,
    /// Checkout takes the client credentials instead of the token.
    client_id: String,
    client_secret: String,
}

impl Api {
    /// Sends one request (POST with `body`, else GET) and drains the answer so
    /// the connection goes back to the pool; any status but `expect` is an error.
    async fn call(&self, s: &mut OpStats, path: &str, body: Option<Value>, expect: u16) -> bool {
        let url = format!("{}{path}", self.base);
        let req = match &body {
            Some(b) => self
                .http
                .post(url)
                .header("Idempotency-Key", Uuid::new_v4().to_string())
                .json(b),
            None => self.http.get(url),
        };
        let req = if path.starts_with("/checkout/") {
            req.header("client_id", &self.client_id)
                .header("client_secret", &self.client_secret)
        } else {
            req.bearer_auth(&self.token)
        };
        let req = req
            .header("Ocp-Apim-Subscription-Key", &self.key)
            .header("Merchant-Serial-Number", &self.msn);
        let start = Instant::now();
        let outcome = match req.send().await {
            Ok(resp) => {
                let status = resp.status();
                match resp.text().await {
                    Ok(_) if status.as_u16() == expect => Ok(()),
                    Ok(text) => Err(format!("{path}: HTTP {status}: {text}")),
                    Err(e) => Err(describe(&e)),
                }
            }
            Err(e) => Err(describe(&e)),
        };
        let ok = outcome.is_ok();
        s.record(start.elapsed(), outcome);
        ok
    }
}

/// reqwest's message stops at "error sending request"; the cause is in the chain.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        msg = format!("{msg}: {cause}");
        source = cause.source();
    }
    msg
}

fn nok(value: u64) -> Option<Value> {
    Some(json!({ "modificationAmount": { "currency": "NOK", "value": value } }))
}

/// Runs create → approve → get → capture ×2 → refund → get on a fresh
/// reference, stopping at the first failure; returns the reference on success.
async fn lifecycle(api: &Api, ops: &mut [OpStats; OPS]) -> Option<String> {
    let reference = format!("bench-{}", Uuid::new_v4().simple());
    let path = format!("/epayment/v1/payments/{reference}");
    let create = json!({
        "amount": { "currency": "NOK", "value": 10000 },
        "paymentMethod": { "type": "WALLET" },
        "reference": reference,
        "userFlow": "WEB_REDIRECT",
        "returnUrl": "https://example.com/return",
        "paymentDescription": "bench",
    });
    let approve = format!("/epayment/v1/test/payments/{reference}/approve");
    let (capture, refund) = (format!("{path}/capture"), format!("{path}/refund"));
    let steps = [
        (Op::Create, "/epayment/v1/payments", Some(create)),
        (Op::Approve, &approve, Some(json!({}))),
        (Op::Get, &path, None),
        (Op::Capture, &capture, nok(4000)),
        (Op::Capture, &capture, nok(6000)),
        (Op::Refund, &refund, nok(2500)),
        (Op::Get, &path, None),
    ];
    for (op, path, body) in steps {
        let expect = if matches!(op, Op::Create) { 201 } else { 200 };
        if !api.call(&mut ops[op as usize], path, body, expect).await {
            return None;
        }
    }
    Some(reference)
}

/// Runs create session → force approve (as the shopper, default shipping) →
/// get session → capture of goods + shipping on a fresh reference.
async fn checkout_purchase(api: &Api, ops: &mut [OpStats; OPS]) -> Option<String> {
    let reference = format!("bench-co-{}", Uuid::new_v4().simple());
    let session = json!({
        "merchantInfo": {
            "callbackUrl": "https://example.com/checkout-callback",
            "returnUrl": "https://example.com/return",
            "callbackAuthorizationToken": "bench-token",
        },
        "transaction": {
            "amount": { "currency": "NOK", "value": 10000 },
            "reference": reference,
            "paymentDescription": "bench",
        },
        "logistics": { "fixedOptions": [{
            "brand": "POSTEN", "type": "MAILBOX", "id": "mailbox", "priority": 0,
            "isDefault": true, "amount": { "currency": "NOK", "value": 4900 },
        }]},
    });
    let approve = format!("/epayment/v1/test/payments/{reference}/approve");
    let poll = format!("/checkout/v3/session/{reference}");
    let capture = format!("/epayment/v1/payments/{reference}/capture");
    let steps = [
        (Op::Session, "/checkout/v3/session", Some(session)),
        (Op::Approve, &approve, Some(json!({}))),
        (Op::Poll, &poll, None),
        (Op::Capture, &capture, nok(14900)),
    ];
    for (op, path, body) in steps {
        if !api.call(&mut ops[op as usize], path, body, 200).await {
            return None;
        }
    }
    Some(reference)
}

async fn lifecycle_task(api: Arc<Api>, flow: Flow, deadline: Instant) -> TaskStats {
    let mut s = TaskStats::default();
    while Instant::now() < deadline {
        let done = match flow {
            Flow::Epayment => lifecycle(&api, &mut s.ops).await,
            Flow::Checkout => checkout_purchase(&api, &mut s.ops).await,
        };
        match done {
            Some(reference) => {
                s.completed += 1;
                s.references.push(reference);
            }
            None => s.failed += 1,
        }
    }
    s
}

/// GET-only load: task `i` walks the references `i, i+C, i+2C, …`, wrapping.
async fn get_task(
    api: Arc<Api>,
    refs: Arc<Vec<String>>,
    start: usize,
    step: usize,
    deadline: Instant,
) -> OpStats {
    let mut stats = OpStats::default();
    let mut i = start % refs.len();
    while Instant::now() < deadline {
        let path = format!("/epayment/v1/payments/{}", refs[i]);
        api.call(&mut stats, &path, None, 200).await;
        i = (i + step) % refs.len();
    }
    stats
}

#[derive(Serialize)]
pub(crate) struct OpReport {
    name: String,
    count: u64,
    per_sec: f64,
    errors: u64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_error: Option<String>,
}

#[derive(Serialize)]
struct Report {
    base_url: String,
    concurrency: u64,
    duration_secs: u64,
    elapsed_secs: f64,
    lifecycles_completed: u64,
    lifecycles_failed: u64,
    lifecycles_per_sec: f64,
    requests_per_sec: f64,
    operations: Vec<OpReport>,
    checkout_phase: Option<PhaseReport>,
    psp_phase: Option<PspPhaseReport>,
    get_phase: Option<OpReport>,
}

/// A phase of whole flows (Checkout purchases, PSP payments).
#[derive(Serialize)]
pub(crate) struct PhaseReport {
    pub(crate) completed: u64,
    pub(crate) failed: u64,
    pub(crate) per_sec: f64,
    pub(crate) operations: Vec<OpReport>,
}

/// The reports of the operations a phase made.
fn op_reports(stats: &TaskStats, elapsed: f64) -> Vec<OpReport> {
    stats
        .ops
        .iter()
        .zip(OP_NAMES)
        .filter(|(o, _)| o.count > 0)
        .map(|(o, n)| o.report(n, elapsed))
        .collect()
}

/// Flags and env vars win; the file is read only if one of them is missing.
fn credentials(a: &Args) -> anyhow::Result<Credentials> {
    let flags = [&a.msn, &a.client_id, &a.client_secret, &a.subscription_key];
    let file = if flags.iter().all(|f| f.is_some()) {
        Credentials::default()
    } else {
        let path = a.credentials.display();
        let text = std::fs::read_to_string(&a.credentials)
            .with_context(|| format!("no credentials given and cannot read {path}"))?;
        serde_json::from_str(&text).with_context(|| format!("parsing credentials in {path}"))?
    };
    Ok(Credentials {
        msn: a.msn.clone().unwrap_or(file.msn),
        client_id: a.client_id.clone().unwrap_or(file.client_id),
        client_secret: a.client_secret.clone().unwrap_or(file.client_secret),
        subscription_key: a.subscription_key.clone().unwrap_or(file.subscription_key),
    })
}

/// A token from `/accesstoken/get` for these keys (a merchant's, with its
/// MSN, or a PSP's, without).
pub(crate) async fn access_token(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
    client_secret: &str,
    subscription_key: &str,
    msn: Option<&str>,
) -> anyhow::Result<String> {
    let mut req = http
        .post(format!("{base}/accesstoken/get"))
        .header("client_id", client_id)
        .header("client_secret", client_secret)
        .header("Ocp-Apim-Subscription-Key", subscription_key);
    if let Some(msn) = msn {
        req = req.header("Merchant-Serial-Number", msn);
    }
    let resp = req
        .send()
        .await
        .with_context(|| format!("cannot reach {base}"))?;
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .context("access token answer is not JSON")?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "access token request failed: HTTP {status}: {body}"
    );
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("no access_token in the answer")
}

/// Phase 1: `c` tasks run lifecycles until the deadline; returns the merged
/// stats and the wall time, which includes lifecycles still finishing.
async fn lifecycle_phase(
    api: &Arc<Api>,
    flow: Flow,
    c: usize,
    d: Duration,
) -> anyhow::Result<(TaskStats, f64)> {
    let (started, deadline) = (Instant::now(), Instant::now() + d);
    let tasks = (0..c).map(|_| tokio::spawn(lifecycle_task(api.clone(), flow, deadline)));
    let tasks = try_join_all(tasks).await.context("a bench task panicked")?;
    let mut total = TaskStats::default();
    for t in tasks {
        for (sum, op) in total.ops.iter_mut().zip(t.ops) {
            sum.merge(op);
        }
        total.completed += t.completed;
        total.failed += t.failed;
        total.references.extend(t.references);
    }
    Ok((total, started.elapsed().as_secs_f64()))
}

/// Phase 2: GET only, so read throughput is seen without writes competing.
async fn get_phase(
    api: &Arc<Api>,
    refs: Vec<String>,
    c: usize,
    d: Duration,
) -> anyhow::Result<OpReport> {
    let refs = Arc::new(refs);
    let (started, deadline) = (Instant::now(), Instant::now() + d);
    let tasks = (0..c).map(|i| tokio::spawn(get_task(api.clone(), refs.clone(), i, c, deadline)));
    let mut gets = OpStats::default();
    for part in try_join_all(tasks).await.context("a bench task panicked")? {
        gets.merge(part);
    }
    Ok(gets.report("get", started.elapsed().as_secs_f64()))
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    let creds = credentials(&a)?;
    let base = a.base_url.trim_end_matches('/').to_owned();
    let c = a.concurrency as usize;
    let http = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(c)
        .timeout(Duration::from_secs(30))
        .build()?;
    let token = access_token(
        &http,
        &base,
        &creds.client_id,
        &creds.client_secret,
        &creds.subscription_key,
        Some(&creds.msn),
    )
    .await?;
    let api = Arc::new(Api {
        http,
        base: base.clone(),
        token,
        key: creds.subscription_key,
        msn: creds.msn,
        client_id: creds.client_id,
        client_secret: creds.client_secret,
    });
    let duration = Duration::from_secs(a.duration);

    let (mut total, elapsed) = lifecycle_phase(&api, Flow::Epayment, c, duration).await?;
    let requests: u64 = total.ops.iter().map(|o| o.count).sum();
    let checkout_phase = if a.skip_checkout_phase {
        None
    } else {
        let (co, co_elapsed) = lifecycle_phase(&api, Flow::Checkout, c, duration).await?;
        Some(PhaseReport {
            completed: co.completed,
            failed: co.failed,
            per_sec: co.completed as f64 / co_elapsed,
            operations: op_reports(&co, co_elapsed),
        })
    };
    let psp_phase = if a.skip_psp_phase {
        None
    } else {
        let default_file = a.credentials.with_file_name("demo-psp.json");
        let source = PspSource {
            database_url: a.database_url.as_deref(),
            credentials: a.psp_credentials.as_deref().unwrap_or(&default_file),
        };
        Some(bench_psp::phase(&api.http, &base, &source, &api.msn, c, duration).await?)
    };
    let refs = std::mem::take(&mut total.references);
    let get_phase = if a.skip_get_phase || refs.is_empty() {
        None
    } else {
        Some(get_phase(&api, refs, c, duration).await?)
    };

    let report = Report {
        base_url: base,
        concurrency: a.concurrency,
        duration_secs: a.duration,
        elapsed_secs: elapsed,
        lifecycles_completed: total.completed,
        lifecycles_failed: total.failed,
        lifecycles_per_sec: total.completed as f64 / elapsed,
        requests_per_sec: requests as f64 / elapsed,
        operations: op_reports(&total, elapsed),
        checkout_phase,
        psp_phase,
        get_phase,
    };
    if a.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_text(&report);
    }
    let started = total.completed + total.failed;
    anyhow::ensure!(
        started > 0 && total.failed * 100 <= started,
        "{} of {started} lifecycles failed (more than 1%)",
        total.failed
    );
    if let Some(p) = &report.psp_phase {
        let (failed, started) = (p.phase.failed, p.phase.completed + p.phase.failed);
        anyhow::ensure!(
            started > 0 && failed * 100 <= started,
            "{failed} of {started} PSP payments failed (more than 1%)"
        );
    }
    Ok(())
}

fn print_text(r: &Report) {
    println!("target:               {}", r.base_url);
    println!("concurrency:          {}", r.concurrency);
    println!(
        "duration:             {} s (measured {:.2} s)",
        r.duration_secs, r.elapsed_secs
    );
    println!("lifecycles completed: {}", r.lifecycles_completed);
    println!("lifecycles failed:    {}", r.lifecycles_failed);
    println!("lifecycles/s:         {:.1}", r.lifecycles_per_sec);
    println!("requests/s:           {:.1}\n", r.requests_per_sec);
    println!("operation      count  errors     req/s    p50 ms    p99 ms    max ms");
    r.operations.iter().for_each(print_row);
    if let Some(co) = &r.checkout_phase {
        println!(
            "\nCheckout phase ({} s): {} purchases ({} failed), {:.1} purchases/s",
            r.duration_secs, co.completed, co.failed, co.per_sec
        );
        co.operations.iter().for_each(print_row);
    }
    if let Some(p) = &r.psp_phase {
        let (done, failed, per_sec) = (p.phase.completed, p.phase.failed, p.phase.per_sec);
        println!(
            "\nPSP phase ({} s):      {done} payments ({failed} failed), {per_sec:.1} payments/s, \
             {} makePayment calls answered",
            r.duration_secs, p.make_payment_calls
        );
        p.phase.operations.iter().for_each(print_row);
    }
    match &r.get_phase {
        None => println!("\nGET phase:            skipped"),
        Some(g) => {
            println!(
                "\nGET phase ({} s):     {:.1} GETs/s",
                r.duration_secs, g.per_sec
            );
            print_row(g);
        }
    }
}

fn print_row(o: &OpReport) {
    let (name, count, errors, per_sec) = (&o.name, o.count, o.errors, o.per_sec);
    let (p50, p99, max) = (o.p50_ms, o.p99_ms, o.max_ms);
    println!("{name:<10} {count:>9} {errors:>7} {per_sec:>9.1} {p50:>9.2} {p99:>9.2} {max:>9.2}");
    if let Some(e) = &o.sample_error {
        println!("  first {name} error: {e}");
    }
}
