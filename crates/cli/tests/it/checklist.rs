//! `vipps-sandbox checklist`: the report straight from the database, as
//! text, JSON or Markdown, with an exit code a CI step can gate on.

use std::process::{Command, Output};

use vipps_store::{requests::RequestRecord, test_support::TestDatabase, DbOptions};

use crate::common::BIN;

fn checklist(url: &str, msn: &str, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(["checklist", "--database-url", url, "--msn", msn])
        .args(extra)
        .output()
        .unwrap()
}

fn call(msn: &str, at: i64, method: &str, path: &str, status: i64, digest: &str) -> RequestRecord {
    RequestRecord {
        id: 0,
        at,
        msn: Some(msn.to_owned()),
        method: method.to_owned(),
        path: path.to_owned(),
        status,
        latency_us: 1_000,
        system_name: Some("acme".into()),
        system_version: Some("1.0".into()),
        plugin_name: None,
        plugin_version: None,
        idempotency_key: None,
        trace_id: None,
        request_headers: None,
        request_body: None,
        response_body: None,
        request_id: None,
        body_digest: Some(digest.to_owned()),
        fault: None,
    }
}

#[tokio::test]
async fn a_merchant_with_work_left_gets_exit_code_1_and_every_format() {
    let database = TestDatabase::fresh().await;
    let db = database.connect(DbOptions { max_connections: 2 }).await;
    let m = db
        .create_merchant("CI Shop", Some("765432"), 0)
        .await
        .unwrap();

    let out = checklist(database.url(), &m.msn, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed or not yet done"));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["checklist"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ecom", "checkout", "psp", "order-management"]);
    let first = &all[0]["items"][0];
    for key in ["id", "title", "verdict", "reason", "evidence"] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
    assert_eq!(all[0]["msn"], "765432");

    let one = checklist(database.url(), &m.msn, &["--checklist", "psp", "--json"]);
    let one: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(one["checklist"], "psp");

    let md = checklist(
        database.url(),
        &m.msn,
        &["--checklist", "ecom", "--markdown"],
    );
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("| Item | Status | Your comments |"), "{md}");
    assert!(md.contains("### Test IDs"), "{md}");

    let text = checklist(database.url(), &m.msn, &["--checklist", "ecom"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("[NOT YET] Initiate payment POST:/ecomm/v2/payments"),
        "{text}"
    );

    let bad = checklist(database.url(), &m.msn, &["--checklist", "recurring"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = checklist(database.url(), "12", &[]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("5 or 6 digits"));
}

#[tokio::test]
async fn a_complete_checklist_exits_0() {
    let database = TestDatabase::fresh().await;
    let db = database.connect(DbOptions { max_connections: 2 }).await;
    let m = db.create_merchant("OM Shop", None, 0).await.unwrap();
    let msn = m.msn.as_str();
    db.import_requests(&[
        call(msn, 1_000, "POST", "/accesstoken/get", 200, "a"),
        call(msn, 2_000, "POST", "/order-management/v1/images", 201, "b"),
        call(
            msn,
            3_000,
            "PUT",
            "/order-management/v2/ecom/categories/o-1",
            400,
            "c",
        ),
        call(
            msn,
            4_000,
            "PUT",
            "/order-management/v2/ecom/categories/o-1",
            204,
            "d",
        ),
        call(
            msn,
            5_000,
            "POST",
            "/order-management/v2/ecom/receipts/o-1",
            201,
            "e",
        ),
        call(msn, 6_000, "GET", "/order-management/v2/ecom/o-1", 200, "f"),
    ])
    .await
    .unwrap();
    let out = checklist(database.url(), msn, &["--checklist", "order-management"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("6 passed, 0 failed or not yet, 2 to check by hand"),
        "{text}"
    );
}
