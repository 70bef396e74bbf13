//! The outbox worker. It claims due rows with a lease, sends each with a
//! timeout and a cap on the response it reads, records the attempt and
//! schedules the next one; success is a 2xx and nothing else (redirects are
//! not followed). Sends run concurrently up to a bound, so a receiver that
//! hangs or answers slowly only ties up its own slots until the timeout.
//!
//! The worker sleeps until the next row is due or until [`Deliverer::wake`]
//! is called after a commit, so an idle system delivers at once without
//! busy-polling; a periodic poll picks up rows other processes wrote.

use std::{
    collections::{HashMap, HashSet},
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::{Notify, Semaphore};
use vipps_domain::{urls, Millis};
use vipps_store::{
    clock::Clock,
    deliveries::{
        record_attempt, record_call, AttemptRecord, Claimed, Delivery, Faults, FinishedCall,
        KIND_CHECKOUT_CALLBACK, KIND_ECOM_CALLBACK, KIND_PSP_MAKE_PAYMENT, KIND_WEBHOOK,
    },
    Db, WriteSet,
};

use crate::{guard, http, schedule, signing};

/// Most bytes of an answer a synchronous call reads.
const SYNC_RESPONSE_CAP: usize = 1024 * 1024;

/// A call made while the payer waits (see [`Deliverer::call_now`]).
#[derive(Debug, Clone)]
pub struct Call {
    pub kind: &'static str,
    pub msn: String,
    pub method: reqwest::Method,
    pub url: String,
    pub body: Option<String>,
    pub auth_header: Option<String>,
    pub timeout: Duration,
    /// What it is about, shown in the inspection API (e.g. the order id).
    pub event_type: String,
    pub order_key: String,
}

/// Pause between a wake-up and the poll it triggers.
const WAKE_DEBOUNCE: Duration = Duration::from_millis(5);

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Offsets from the first attempt of every webhook attempt.
    pub webhook_offsets: Vec<Millis>,
    /// Webhook request timeout.
    pub timeout: Duration,
    /// eCom callback timeout; callbacks get one attempt.
    pub callback_timeout: Duration,
    /// Most sends in flight at once.
    pub concurrency: usize,
    /// How long a claimed row is ours before another worker may take it.
    pub lease_ms: Millis,
    /// Bytes of a response body that are read and kept.
    pub response_cap: usize,
    /// Longest sleep while idle, to notice rows other processes wrote.
    pub poll_interval: Duration,
    /// Whether requests may go to private network addresses (10/8, …);
    /// link-local and metadata addresses are never called.
    pub allow_private_targets: bool,
    /// Names answered from here instead of the system's resolver (like
    /// curl's `--resolve`); their addresses are judged like any other.
    pub host_overrides: Vec<(String, IpAddr)>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            webhook_offsets: schedule::webhook_offsets(),
            timeout: Duration::from_secs(10),
            callback_timeout: Duration::from_secs(3),
            concurrency: 64,
            lease_ms: 60_000,
            response_cap: 20 * 1024,
            poll_interval: Duration::from_secs(1),
            allow_private_targets: false,
            host_overrides: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct Deliverer {
    db: Db,
    clock: Clock,
    cfg: Arc<DeliveryConfig>,
    client: reqwest::Client,
    wake: Arc<Notify>,
    slots: Arc<Semaphore>,
    /// Rows this process is sending now; never claimed twice from here.
    in_flight: Arc<Mutex<HashSet<String>>>,
}

impl Deliverer {
    pub fn new(db: Db, clock: Clock, cfg: DeliveryConfig) -> Deliverer {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(cfg.timeout)
            .user_agent("vipps-sandbox-webhooks/1")
            .dns_resolver(Arc::new(guard::GuardedResolver::new(
                cfg.allow_private_targets,
                &cfg.host_overrides,
            )))
            .build()
            .expect("an HTTP client");
        Deliverer {
            db,
            clock,
            slots: Arc::new(Semaphore::new(cfg.concurrency)),
            cfg: Arc::new(cfg),
            client,
            wake: Arc::new(Notify::new()),
            in_flight: Arc::default(),
        }
    }

    /// Tells the worker that rows may have become due (after a commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move { me.run().await })
    }

    async fn run(self) {
        loop {
            match self.dispatch_due().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "delivery dispatch failed"),
            }
            let sleep = match self.db.next_due_at().await {
                Ok(Some(at)) => {
                    Duration::from_millis((at - self.clock.now()).clamp(0, i64::MAX) as u64)
                }
                _ => self.cfg.poll_interval,
            }
            .min(self.cfg.poll_interval);
            tokio::select! {
                _ = self.wake.notified() => {
                    // Under load commits come in bursts: let a few more land
                    // so one poll picks them all up. Idle, go at once.
                    if !self.in_flight.lock().unwrap().is_empty() {
                        tokio::time::sleep(WAKE_DEBOUNCE).await;
                    }
                }
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Claims what is due and starts sending it; returns how many started.
    pub async fn dispatch_due(&self) -> anyhow::Result<usize> {
        let free = self.slots.available_permits();
        if free == 0 {
            // Every slot is busy; wait for one rather than spin.
            drop(self.slots.acquire().await?);
            return Ok(0);
        }
        let now = self.clock.now();
        let claimed = self
            .db
            .claim_due(now, free.min(512) as i64, self.cfg.lease_ms)
            .await?;
        let mut faults: HashMap<String, Faults> = HashMap::new();
        let mut started = 0;
        for c in claimed {
            // Its lease ran out (the clock jumped) while this process still
            // sends it: the running attempt will record the outcome.
            if !self.in_flight.lock().unwrap().insert(c.delivery.id.clone()) {
                continue;
            }
            let f = match faults.get(&c.delivery.msn) {
                Some(f) => f.clone(),
                None => {
                    let f = self.db.faults(&c.delivery.msn).await.unwrap_or_default();
                    faults.insert(c.delivery.msn.clone(), f.clone());
                    f
                }
            };
            let permit = self.slots.clone().acquire_owned().await?;
            let me = self.clone();
            started += 1;
            tokio::spawn(async move {
                let id = c.delivery.id.clone();
                if let Err(e) = me.attempt(c, f).await {
                    tracing::warn!(error = %e, delivery = %id, "delivery attempt not recorded");
                }
                me.in_flight.lock().unwrap().remove(&id);
                drop(permit);
                // A success may free the next event of the same payment.
                me.wake();
            });
        }
        Ok(started)
    }

    async fn attempt(&self, c: Claimed, faults: Faults) -> anyhow::Result<()> {
        let d = &c.delivery;
        if chance(faults.drop) {
            // Counted as delivered: the receiver simply never hears of it.
            let rec = self.finish(
                d,
                Outcome {
                    delivered: true,
                    ..Outcome::not_sent("dropped by fault injection")
                },
            );
            log_attempt(d, &rec);
            return Ok(self.db.write(record_attempt(&d.id, &rec)).await?);
        }
        if chance(faults.delay) && faults.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.delay_ms.min(60_000))).await;
        }
        if d.kind == KIND_WEBHOOK && c.secret.is_none() {
            let rec = self.finish(d, Outcome::not_sent("webhook deleted"));
            let rec = AttemptRecord {
                next_attempt_at: None,
                ..rec
            };
            log_attempt(d, &rec);
            return Ok(self.db.write(record_attempt(&d.id, &rec)).await?);
        }
        let sends = if chance(faults.duplicate) { 2 } else { 1 };
        for i in 0..sends {
            let rec = self.send(&c).await;
            log_attempt(d, &rec);
            if i + 1 < sends {
                // A duplicate's first copy is logged but leaves the row pending.
                self.db.write(log_only(&d.id, &rec)).await?;
            } else {
                self.db.write(record_attempt(&d.id, &rec)).await?;
            }
        }
        Ok(())
    }

    /// The `Authorization` of a callback: the merchant's authToken, read
    /// from its payment when sending so that it is never copied into
    /// delivery rows (rows written before carry it themselves).
    async fn callback_token(&self, c: &Claimed) -> Option<String> {
        if let Some(header) = &c.auth_header {
            return Some(header.clone());
        }
        let d = &c.delivery;
        let id = d.target_id.as_deref()?;
        let token = match d.kind.as_str() {
            KIND_ECOM_CALLBACK => self
                .db
                .ecom_payment(&d.msn, id)
                .await
                .map(|found| found.and_then(|s| s.payment.auth_token)),
            KIND_CHECKOUT_CALLBACK => self.db.payment(&d.msn, id).await.map(|found| {
                found
                    .and_then(|s| s.payment.checkout)
                    .map(|session| session.merchant.callback_authorization_token)
            }),
            KIND_PSP_MAKE_PAYMENT => self
                .db
                .psp_payment(&d.msn, id)
                .await
                .map(|found| found.and_then(|s| s.payment.make_payment_token)),
            _ => return None,
        };
        token.unwrap_or_else(|e| {
            tracing::warn!(error = %e, id = %d.id, "reading a callback's token failed");
            None
        })
    }

    /// One HTTP attempt of a claimed row (see [`crate::http`]).
    async fn send(&self, c: &Claimed) -> AttemptRecord {
        let d = &c.delivery;
        // The rule every API checked the URL with when it was registered.
        let Some(url) = urls::parse_target(&d.url) else {
            return self.finish(d, Outcome::not_sent("invalid url"));
        };
        if let Some(why) = guard::refused_literal(&url, self.cfg.allow_private_targets) {
            return self.finish(d, Outcome::not_sent(why));
        }
        let mut req = self
            .client
            .post(url.clone())
            .header("Content-Type", "application/json");
        if let Some(secret) = c.secret.as_deref().filter(|_| d.kind == KIND_WEBHOOK) {
            let date = signing::http_date(self.clock.now());
            let h = signing::sign(secret, &url, &date, d.body.as_bytes());
            req = req
                .header("x-ms-date", h.date)
                .header("x-ms-content-sha256", h.content_sha256)
                .header("Authorization", h.authorization);
        } else if let Some(token) = self.callback_token(c).await {
            req = req.header("Authorization", token);
        }
        let x = http::exchange(
            req.body(d.body.clone()),
            self.timeout(d),
            self.cfg.response_cap,
        )
        .await;
        let response = if x.status == 0 {
            x.error.clone()
        } else {
            Some(x.body_text())
        };
        self.finish(
            d,
            Outcome {
                status_code: x.status as i64,
                error_kind: x.error_kind.map(str::to_owned),
                response,
                latency_ms: x.latency_ms,
                delivered: x.ok(),
            },
        )
    }

    /// Makes a call someone is waiting for (express shipping details,
    /// consent removal, …) now, with `timeout`, and records it as a finished
    /// delivery with its one attempt, so it is inspected like every other
    /// outgoing call. Up to 1 MiB of the answer is returned.
    pub async fn call_now(&self, call: Call) -> http::Exchange {
        let (x, record) = self.call_unrecorded(call).await;
        if let Err(e) = self.db.write(record).await {
            tracing::warn!(error = %e, "call not recorded");
        }
        x
    }

    /// [`Deliverer::call_now`] without writing the record: the caller
    /// commits it with whatever the answer changes, in one write.
    pub async fn call_unrecorded(&self, call: Call) -> (http::Exchange, WriteSet) {
        let target = urls::parse_target(&call.url).ok_or("invalid url");
        let target = target.and_then(|url| {
            match guard::refused_literal(&url, self.cfg.allow_private_targets) {
                Some(why) => Err(why),
                None => Ok(url),
            }
        });
        let x = match target {
            Ok(url) => {
                let mut req = self.client.request(call.method.clone(), url);
                if let Some(body) = &call.body {
                    req = req
                        .header("Content-Type", "application/json; charset=utf-8")
                        .body(body.clone());
                }
                if let Some(token) = &call.auth_header {
                    req = req.header("Authorization", token);
                }
                http::exchange(req, call.timeout, SYNC_RESPONSE_CAP).await
            }
            // Not sent, as in `send`.
            Err(why) => http::Exchange {
                status: 0,
                error_kind: Some(why),
                error: None,
                body: Vec::new(),
                latency_ms: 0,
            },
        };
        metrics::counter!(
            "vipps_sandbox_delivery_attempts_total",
            "kind" => call.kind,
            "outcome" => outcome_label(x.ok(), x.status.into(), x.error_kind),
        )
        .increment(1);
        let now = self.clock.now();
        let mut kept = x.body_text();
        kept.truncate(kept.floor_char_boundary(self.cfg.response_cap));
        let rec = AttemptRecord {
            at: now,
            status_code: x.status as i64,
            error_kind: x.error_kind.map(str::to_owned),
            response: if x.status == 0 {
                x.error.clone()
            } else {
                Some(kept)
            },
            latency_ms: x.latency_ms,
            next_attempt_at: None,
            delivered: x.ok(),
        };
        let row = FinishedCall {
            msn: &call.msn,
            kind: call.kind,
            url: &call.url,
            event_type: &call.event_type,
            order_key: &call.order_key,
            body: call.body.as_deref().unwrap_or_default(),
        };
        let record = record_call(&row, &rec);
        (x, record)
    }

    /// How long one attempt of this kind of row may take.
    fn timeout(&self, d: &Delivery) -> Duration {
        if d.kind == KIND_WEBHOOK || d.kind == KIND_CHECKOUT_CALLBACK {
            self.cfg.timeout
        } else {
            self.cfg.callback_timeout
        }
    }

    /// The attempt record of `d` for what an attempt came to now, with when
    /// the next attempt is due if there is to be one.
    fn finish(&self, d: &Delivery, outcome: Outcome) -> AttemptRecord {
        let Outcome {
            status_code,
            error_kind,
            response,
            latency_ms,
            delivered,
        } = outcome;
        metrics::counter!(
            "vipps_sandbox_delivery_attempts_total",
            "kind" => d.kind.clone(),
            "outcome" => outcome_label(delivered, status_code, error_kind.as_deref()),
        )
        .increment(1);
        let now = self.clock.now();
        // Webhooks and Checkout callbacks are retried on their schedules;
        // eCom callbacks, like the real platform's, get exactly one attempt.
        let checkout_offsets;
        let offsets: &[Millis] = match d.kind.as_str() {
            KIND_WEBHOOK => &self.cfg.webhook_offsets,
            KIND_CHECKOUT_CALLBACK => {
                checkout_offsets = schedule::checkout_callback_offsets();
                &checkout_offsets
            }
            _ => &[],
        };
        let next = if delivered {
            None
        } else {
            schedule::next_attempt(offsets, d.first_due_at, d.attempts as usize + 1)
                .map(|t| t.max(now))
        };
        AttemptRecord {
            at: now,
            status_code,
            error_kind,
            response,
            latency_ms,
            next_attempt_at: next,
            delivered,
        }
    }
}

/// What one attempt of a row came to, before the worker decides whether
/// and when there is another.
#[derive(Debug)]
struct Outcome {
    /// The answer's HTTP status; 0 when there was no answer.
    status_code: i64,
    /// Why there was no usable answer (timeout, connection refused, …).
    error_kind: Option<String>,
    /// What is kept of the answer's body, or the error when there was none.
    response: Option<String>,
    latency_ms: i64,
    /// The attempt succeeded (a 2xx), or counts as if it had: the row is
    /// delivered and never retried.
    delivered: bool,
}

impl Outcome {
    /// Nothing was sent, for `why`; the row is not delivered.
    fn not_sent(why: &str) -> Outcome {
        Outcome {
            status_code: 0,
            error_kind: Some(why.to_owned()),
            response: None,
            latency_ms: 0,
            delivered: false,
        }
    }
}

/// The `outcome` label of an attempt in `/metrics`: one of a few fixed
/// words, never the error text.
fn outcome_label(delivered: bool, status_code: i64, error_kind: Option<&str>) -> &'static str {
    match (delivered, status_code, error_kind) {
        // Fault injection's drop: counted as delivered, never sent.
        (true, 0, _) => "dropped",
        (true, _, _) => "delivered",
        (false, _, Some("timeout")) => "timeout",
        (false, _, Some("connect")) => "connect",
        (false, _, Some("request")) => "request",
        (false, _, Some("redirect")) => "redirect",
        // Invalid URL, refused address, deleted webhook.
        (false, 0, _) => "not_sent",
        (false, _, _) => "failed_status",
    }
}

fn chance(p: f64) -> bool {
    p > 0.0 && rand::random::<f64>() < p
}

/// Logs an attempt without moving the row (the first copy of a duplicate).
fn log_only(id: &str, a: &AttemptRecord) -> vipps_store::WriteSet {
    let mut w = record_attempt(id, a);
    w.0.truncate(1);
    w
}

/// The fault settings a merchant may set, validated.
pub fn validate_faults(f: &Faults) -> Result<(), &'static str> {
    let p = [f.drop, f.delay, f.duplicate];
    if p.iter().any(|x| !(0.0..=1.0).contains(x) || x.is_nan()) {
        return Err("probabilities must be between 0 and 1");
    }
    if f.delay_ms > 60_000 {
        return Err("delayMs must be at most 60000");
    }
    Ok(())
}

/// One log line per attempt. The URL loses its userinfo (a receiver's
/// password), query and fragment; the next attempt is a readable UTC time.
fn log_attempt(d: &Delivery, rec: &AttemptRecord) {
    tracing::info!(
        target: "vipps_sandbox::delivery",
        delivery = %d.id,
        kind = %d.kind,
        url = %loggable_url(&d.url),
        status = rec.status_code,
        error = rec.error_kind.as_deref().unwrap_or("-"),
        next_attempt_at = rec
            .next_attempt_at
            .map_or("none".to_owned(), vipps_domain::time_fmt::rfc3339),
        "delivery attempt"
    );
}

/// The URL as it may appear in a log: scheme, host, port and path only.
fn loggable_url(raw: &str) -> String {
    match urls::Url::parse(raw) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        // Unparsable: keep only what precedes any query and any userinfo.
        Err(_) => {
            let head = raw.split(['?', '#']).next().unwrap_or_default();
            match (head.find("://"), head.rfind('@')) {
                (Some(s), Some(at)) if at > s => format!("{}{}", &head[..s + 3], &head[at + 1..]),
                _ => head.to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_url;

    #[test]
    fn a_logged_url_has_no_userinfo_query_or_fragment() {
        assert_eq!(
            loggable_url("https://user:pass@shop.example:8443/cb/v2/payments/o1?token=s#f"),
            "https://shop.example:8443/cb/v2/payments/o1"
        );
        assert_eq!(loggable_url("http://u@h/p"), "http://h/p");
        assert_eq!(loggable_url("not a url://a:b@c/d?e"), "not a url://c/d");
    }

    #[test]
    fn the_next_attempt_is_an_rfc3339_time() {
        assert_eq!(
            vipps_domain::time_fmt::rfc3339(1_700_000_000_000),
            "2023-11-14T22:13:20Z"
        );
    }
}
