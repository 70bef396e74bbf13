//! The PSP phase of `vipps-sandbox bench`: PSP API v3 payments (init →
//! force approve, during which the server calls the PSP's makePayment →
//! a CAPTURED status report of the full amount → details), with the PSP's
//! makePayment endpoint served from this process on loopback.

use std::{
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant, SystemTime},
};

use anyhow::Context;
use futures::future::try_join_all;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;
use vipps_store::{Db, DbOptions};

use crate::bench::{describe, OpStats, PhaseReport};

/// What every payment reserves and then captures, in øre.
const AMOUNT: i64 = 10_000;

/// The PSP's keys, as `psp add --json` prints them and `serve` saves them.
#[derive(Deserialize)]
struct PspCredentials {
    psp_id: String,
    client_id: String,
    client_secret: String,
    subscription_key: String,
    #[serde(default)]
    msns: Vec<String>,
}

/// Where the PSP phase gets its PSP.
pub struct PspSource<'a> {
    /// The server's database: a fresh PSP serving the bench merchant is made there.
    pub database_url: Option<&'a str>,
    /// Otherwise the keys are read from this file.
    pub credentials: &'a Path,
}

/// The rows reported: each call, all calls together, and whole payments.
#[derive(Clone, Copy)]
enum Op {
    Init,
    Approve,
    Update,
    Details,
    All,
    Payment,
}
const OPS: usize = 6;
const OP_NAMES: [&str; OPS] = ["init", "approve", "update", "details", "all", "payment"];

/// The PSP phase as reported; the makePayment count shows the server
/// really reached the PSP once per approved payment.
#[derive(Serialize)]
pub struct PspPhaseReport {
    #[serde(flatten)]
    pub phase: PhaseReport,
    pub make_payment_calls: u64,
}

/// One authenticated PSP session, acting for one merchant, shared by all tasks.
struct PspApi {
    http: reqwest::Client,
    base: String,
    token: String,
    key: String,
    psp_id: String,
    msn: String,
    make_payment_url: String,
}

impl PspApi {
    /// Sends one PSP call (POST with `body`, else GET); any status but 200 is an error.
    async fn send(&self, path: &str, body: Option<&Value>) -> (Duration, Result<String, String>) {
        let url = format!("{}{path}", self.base);
        let req = match body {
            Some(b) => self.http.post(url).json(b),
            None => self.http.get(url),
        };
        let req = req
            .bearer_auth(&self.token)
            .header("Ocp-Apim-Subscription-Key", &self.key)
            .header("Psp-Id", &self.psp_id)
            .header("Merchant-Serial-Number", &self.msn);
        let start = Instant::now();
        let outcome = match req.send().await {
            Ok(resp) => {
                let status = resp.status();
                match resp.text().await {
                    Ok(text) if status == StatusCode::OK => Ok(text),
                    Ok(text) => Err(format!("{path}: HTTP {status}: {text}")),
                    Err(e) => Err(describe(&e)),
                }
            }
            Err(e) => Err(describe(&e)),
        };
        (start.elapsed(), outcome)
    }

    /// One call whose answer `check` must accept; the time counts for the
    /// call and for all calls, the outcome too (a rejected answer is an error).
    async fn step<T>(
        &self,
        ops: &mut [OpStats; OPS],
        op: Op,
        path: &str,
        body: Option<&Value>,
        check: impl FnOnce(String) -> Result<T, String>,
    ) -> Option<T> {
        let (elapsed, outcome) = self.send(path, body).await;
        let checked = outcome.and_then(check);
        let summary = checked.as_ref().map(|_| ()).map_err(Clone::clone);
        ops[Op::All as usize].record(elapsed, summary.clone());
        ops[op as usize].record(elapsed, summary);
        checked.ok()
    }
}

fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("answer is not JSON ({e}): {text}"))
}

/// The token in the init answer's `vippsRedirectUrl` (`…/landing?token=T`).
fn landing_token(text: String) -> Result<String, String> {
    let body = parse(&text)?;
    let url = body["vippsRedirectUrl"].as_str().unwrap_or_default();
    url.split_once("token=")
        .map(|(_, rest)| rest.split('&').next().unwrap_or(rest).to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("init: no token in vippsRedirectUrl: {text}"))
}

/// init → force approve → CAPTURED report → details on a fresh transaction
/// id, stopping at the first failure.
async fn payment(api: &PspApi, ops: &mut [OpStats; OPS]) -> Option<()> {
    let id = Uuid::new_v4().simple().to_string();
    let init = json!({
        "pspTransactionId": id,
        "merchantOrderId": format!("bench-{id}"),
        "amount": AMOUNT,
        "currency": "NOK",
        "pspRedirectUrl": "https://psp.example/return",
        "makePaymentUrl": api.make_payment_url,
        "makePaymentToken": "t",
        "paymentText": "bench",
    });
    let init_path = "/psp/v3/psppayments/init";
    let token = api
        .step(ops, Op::Init, init_path, Some(&init), landing_token)
        .await?;
    let approve = format!("/psp/v3/integration-test/psppayments/{id}/approve");
    let approve_body = json!({ "customerPhoneNumber": "12345678", "token": token });
    api.step(ops, Op::Approve, &approve, Some(&approve_body), Ok)
        .await?;
    let report = json!({ "transactions": [{
        "pspTransactionId": id, "status": "CAPTURED", "amount": AMOUNT,
        "currency": "NOK", "operationStatus": "SUCCESS",
    }]});
    let update = "/psp/v3/psppayments/updatestatus";
    api.step(ops, Op::Update, update, Some(&report), Ok).await?;
    let details = format!("/psp/v3/psppayments/{id}/details");
    api.step(ops, Op::Details, &details, None, |text| {
        let captured = &parse(&text)?["transactionSummary"]["capturedAmount"];
        match captured.as_i64() {
            Some(AMOUNT) => Ok(()),
            _ => Err(format!(
                "details of {id}: capturedAmount {captured} instead of {AMOUNT}"
            )),
        }
    })
    .await
}

/// What one task measured; merged across tasks at the end.
#[derive(Default)]
struct TaskStats {
    ops: [OpStats; OPS],
    completed: u64,
    failed: u64,
}

async fn task(api: Arc<PspApi>, deadline: Instant) -> TaskStats {
    let mut s = TaskStats::default();
    while Instant::now() < deadline {
        let start = Instant::now();
        let ok = payment(&api, &mut s.ops).await.is_some();
        let outcome = if ok {
            s.completed += 1;
            Ok(())
        } else {
            s.failed += 1;
            Err("a call of the payment failed (see its row)".to_owned())
        };
        s.ops[Op::Payment as usize].record(start.elapsed(), outcome);
    }
    s
}

/// The PSP's makePayment endpoint: every request is answered OK at once.
async fn start_endpoint(
    calls: Arc<AtomicU64>,
) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen for makePayment on 127.0.0.1")?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().fallback(move || {
        calls.fetch_add(1, Ordering::Relaxed);
        async { axum::Json(json!({ "paymentInfo": { "status": "OK" } })) }
    });
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("bench makePayment endpoint stopped: {e}");
        }
    });
    Ok((format!("http://{addr}/makepayment"), server))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The PSP and the merchant it acts for: a fresh PSP for `msn` when a
/// database is given, else the keys in the file (acting for `msn` if the
/// PSP serves it, else for the first merchant it serves).
async fn psp(source: &PspSource<'_>, msn: &str) -> anyhow::Result<(PspCredentials, String)> {
    if let Some(url) = source.database_url {
        let db = Db::connect(url, DbOptions { max_connections: 1 }).await?;
        let msns = [msn.to_owned()];
        let p = db
            .create_psp("Bench PSP", None, &msns, now_ms())
            .await
            .with_context(|| format!("cannot create a PSP serving merchant {msn}"))?;
        let creds = PspCredentials {
            psp_id: p.psp_id,
            client_id: p.client_id,
            client_secret: p.client_secret,
            subscription_key: p.subscription_key,
            msns: p.msns,
        };
        return Ok((creds, msn.to_owned()));
    }
    let path = source.credentials.display();
    let text = std::fs::read_to_string(source.credentials).with_context(|| {
        format!(
            "cannot read PSP keys in {path}: give --psp-credentials (from `psp add --json`), \
             --database-url to create a PSP, or --skip-psp-phase"
        )
    })?;
    let creds: PspCredentials =
        serde_json::from_str(&text).with_context(|| format!("parsing PSP keys in {path}"))?;
    let serves = if creds.msns.is_empty() || creds.msns.iter().any(|m| m == msn) {
        msn.to_owned()
    } else {
        creds.msns[0].clone()
    };
    Ok((creds, serves))
}

/// `c` tasks run PSP payments until `d` has passed; the wall time includes
/// payments still finishing.
pub async fn phase(
    http: &reqwest::Client,
    base: &str,
    source: &PspSource<'_>,
    msn: &str,
    c: usize,
    d: Duration,
) -> anyhow::Result<PspPhaseReport> {
    let (creds, msn) = psp(source, msn).await?;
    let token = crate::bench::access_token(
        http,
        base,
        &creds.client_id,
        &creds.client_secret,
        &creds.subscription_key,
        None,
    )
    .await?;
    let calls = Arc::new(AtomicU64::new(0));
    let (make_payment_url, endpoint) = start_endpoint(calls.clone()).await?;
    let api = Arc::new(PspApi {
        http: http.clone(),
        base: base.to_owned(),
        token,
        key: creds.subscription_key,
        psp_id: creds.psp_id,
        msn,
        make_payment_url,
    });
    let (started, deadline) = (Instant::now(), Instant::now() + d);
    let tasks = (0..c).map(|_| tokio::spawn(task(api.clone(), deadline)));
    let tasks = try_join_all(tasks).await;
    let elapsed = started.elapsed().as_secs_f64();
    endpoint.abort();
    let mut total = TaskStats::default();
    for t in tasks.context("a bench task panicked")? {
        for (sum, op) in total.ops.iter_mut().zip(t.ops) {
            sum.merge(op);
        }
        total.completed += t.completed;
        total.failed += t.failed;
    }
    let operations = total
        .ops
        .iter()
        .zip(OP_NAMES)
        .filter(|(o, _)| o.count > 0)
        .map(|(o, n)| o.report(n, elapsed))
        .collect();
    Ok(PspPhaseReport {
        phase: PhaseReport {
            completed: total.completed,
            failed: total.failed,
            per_sec: total.completed as f64 / elapsed,
            operations,
        },
        make_payment_calls: calls.load(Ordering::Relaxed),
    })
}

#[cfg(test)]
mod tests {
    use vipps_server::{AppState, Config};
    use vipps_store::test_support::TestDatabase;

    use super::*;

    #[test]
    fn the_landing_token_is_read_from_the_redirect_url() {
        let answer = r#"{"vippsRedirectUrl":"http://h/landing?token=abc-1&x=y"}"#;
        assert_eq!(landing_token(answer.into()), Ok("abc-1".to_owned()));
        assert!(landing_token(r#"{"vippsRedirectUrl":"http://h/landing"}"#.into()).is_err());
        assert!(landing_token("not json".into()).is_err());
    }

    #[tokio::test]
    async fn the_phase_runs_whole_psp_payments_against_a_server() {
        let database = TestDatabase::fresh().await;
        let db = database.connect(DbOptions { max_connections: 5 }).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let cfg = Config {
            public_url: base.clone(),
            ..Config::default()
        };
        let state = AppState::new(db.clone(), cfg).await.unwrap();
        let now = state.clock.now();
        let merchant = db.create_merchant("Bench Shop", None, now).await.unwrap();
        let msns = std::slice::from_ref(&merchant.msn);
        let keys = db.create_psp("Bench PSP", None, msns, now).await.unwrap();
        tokio::spawn(vipps_server::app::serve(listener, state));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("psp.json");
        std::fs::write(&file, serde_json::to_string(&keys).unwrap()).unwrap();
        let source = PspSource {
            database_url: None,
            credentials: &file,
        };

        let http = reqwest::Client::new();
        let d = Duration::from_millis(400);
        let r = phase(&http, &base, &source, &merchant.msn, 4, d)
            .await
            .unwrap();
        let r = serde_json::to_value(&r).unwrap();
        let completed = r["completed"].as_u64().unwrap();
        assert!(completed > 0, "{r}");
        assert_eq!(r["failed"], 0, "{r}");
        assert_eq!(r["make_payment_calls"], completed);
        let ops = r["operations"].as_array().unwrap();
        let names: Vec<&str> = ops.iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(names, OP_NAMES);
        let all = &ops[Op::All as usize];
        assert_eq!(all["count"], 4 * completed);
        assert_eq!(all["errors"], 0);
    }
}
