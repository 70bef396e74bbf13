//! `GET /metrics`: the Prometheus text format, fed by API calls, deliveries
//! and the writer. The recorder is shared by every test of this binary, so
//! counts are checked as lower bounds.

use std::collections::BTreeMap;

use crate::{
    common::{eventually, TestApp},
    receiver::Receiver,
};

/// One sample line: name, labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text format (comments, `name value` and
/// `name{k="v",…} value` lines), failing on anything else.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.split_whitespace().collect();
            if words.first() == Some(&"TYPE") {
                assert_eq!(words.len(), 3, "{line}");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&words[2]),
                    "{line}"
                );
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value of {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                let labels = body
                    .split(',')
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').unwrap_or_else(|| panic!("{line}"));
                        let v = v
                            .strip_prefix('"')
                            .and_then(|v| v.strip_suffix('"'))
                            .unwrap_or_else(|| panic!("{line}"));
                        (k.to_owned(), v.to_owned())
                    })
                    .collect();
                (name, labels)
            }
        };
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

/// The value of the sample `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

async fn scrape(app: &TestApp) -> (String, Vec<Sample>) {
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = r.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

#[tokio::test]
async fn metrics_count_requests_deliveries_and_batches() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    app.webhook(&rx.url, &["epayments.payment.created.v1"])
        .await;
    app.create("metrics-0001", 1_000).await;
    let r = app.get("/epayment/v1/payments/metrics-no-such").await;
    assert_eq!(r.status(), 404);
    let r = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    rx.wait_for(1).await;

    // The attempt is counted once the worker has its answer.
    let (text, samples) = eventually("a delivered webhook in /metrics", || async {
        let (text, samples) = scrape(&app).await;
        let delivered = value(
            &samples,
            "vipps_sandbox_delivery_attempts_total",
            &[("kind", "webhook"), ("outcome", "delivered")],
        );
        (delivered >= Some(1.0)).then_some((text, samples))
    })
    .await;

    let requests = "vipps_sandbox_http_requests_total";
    let created = value(
        &samples,
        requests,
        &[("api", "epayment"), ("status", "201")],
    );
    assert!(created >= Some(1.0), "{text}");
    assert!(
        text.contains(r#"vipps_sandbox_http_requests_total{api="epayment",status="201"} "#),
        "{text}"
    );
    let missing = value(
        &samples,
        requests,
        &[("api", "epayment"), ("status", "404")],
    );
    assert!(missing >= Some(1.0), "{text}");
    let tokens = value(&samples, requests, &[("api", "accesstoken")]);
    assert!(tokens >= Some(1.0), "{text}");

    // The duration histogram has buckets, by API only.
    let bucket = value(
        &samples,
        "vipps_sandbox_http_request_duration_seconds_bucket",
        &[("api", "epayment"), ("le", "+Inf")],
    );
    assert!(bucket >= Some(2.0), "{text}");
    assert!(samples
        .iter()
        .filter(|s| s.name.starts_with("vipps_sandbox_http_"))
        .all(|s| !s.labels.contains_key("path")
            && s.labels.get("api").is_some_and(|a| !a.contains('/'))));
    // Neither /metrics nor /health is an API call.
    assert!(
        !samples.iter().any(|s| s
            .labels
            .get("api")
            .is_some_and(|a| a == "metrics" || a == "health")),
        "{text}"
    );

    let backlog = value(&samples, "vipps_sandbox_outbox_backlog", &[]);
    assert!(backlog >= Some(0.0), "{text}");

    let batches = value(&samples, "vipps_sandbox_writer_batch_size_count", &[]);
    assert!(batches.is_some(), "{text}");
    assert!(
        text.contains("vipps_sandbox_writer_batch_size_bucket{le=\"1\"}"),
        "{text}"
    );
    assert!(batches >= Some(1.0), "{text}");
}

#[tokio::test]
async fn metrics_count_the_outbox_backlog() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    // Every attempt fails, so the row stays pending for its next attempt.
    rx.answer(500);
    app.webhook(&rx.url, &["epayments.payment.created.v1"])
        .await;
    app.create("metrics-backlog-0001", 1_000).await;
    rx.wait_for(1).await;
    // The gauge is set from this server's database when it is scraped;
    // another test's scrape may set it meanwhile, hence the retries.
    eventually("a failed webhook pending in /metrics", || async {
        let (_, samples) = scrape(&app).await;
        let failed = value(
            &samples,
            "vipps_sandbox_delivery_attempts_total",
            &[("kind", "webhook"), ("outcome", "failed_status")],
        );
        let backlog = value(&samples, "vipps_sandbox_outbox_backlog", &[]);
        (failed >= Some(1.0) && backlog >= Some(1.0)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn metrics_need_no_admin_token() {
    let app = TestApp::spawn_with(vipps_server::Config {
        admin_token: Some("metrics-admin-token".into()),
        ..Default::default()
    })
    .await;
    let r = app
        .client
        .get(app.url("/sandbox/v1/clock"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (_, samples) = scrape(&app).await;
    assert!(value(&samples, "vipps_sandbox_outbox_backlog", &[]).is_some());
}
