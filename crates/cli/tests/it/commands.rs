//! The commands scripts and CI use: `merchant add --json`, `merchant list`, `serve`.

use crate::common::BIN;
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use vipps_store::test_support::TestDatabase;

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn merchant_add_json_prints_exactly_one_object_and_list_hides_secrets() {
    let database = TestDatabase::fresh().await;
    let url = database.url();
    let out = run(&[
        "merchant",
        "add",
        "--database-url",
        url,
        "--name",
        "CI Shop",
        "--msn",
        "654321",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("stdout is one JSON object");
    let obj = v.as_object().unwrap();
    let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "client_id",
            "client_secret",
            "msn",
            "name",
            "subscription_key"
        ]
    );
    assert_eq!(v["msn"], "654321");
    assert_eq!(v["name"], "CI Shop");

    let list = run(&["merchant", "list", "--database-url", url]);
    assert!(list.contains("654321") && list.contains("CI Shop"));
    assert!(!list.contains(v["client_secret"].as_str().unwrap()));
    assert!(!list.contains(v["subscription_key"].as_str().unwrap()));

    // The same MSN twice is refused.
    let dup = Command::new(BIN)
        .args([
            "merchant",
            "add",
            "--database-url",
            url,
            "--name",
            "X",
            "--msn",
            "654321",
        ])
        .output()
        .unwrap();
    assert!(!dup.status.success());
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_prints_the_demo_merchant_and_answers_on_the_printed_address() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/sandbox.db", dir.path().display());
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let mut printed = String::new();
    let mut base = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("vipps-sandbox listening on ") {
            base = Some(rest.split(' ').next().unwrap().to_owned());
            break;
        }
    }
    let base = base.expect("a listening line");
    for label in [
        "client_id",
        "client_secret",
        "Ocp-Apim-Subscription-Key",
        "Merchant-Serial-Number",
    ] {
        assert!(printed.contains(label), "{label} missing from:\n{printed}");
    }
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data/demo-merchant.json")).unwrap(),
    )
    .unwrap();
    assert!(printed.contains(saved["client_secret"].as_str().unwrap()));

    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{base}/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let token = client
        .post(format!("{base}/accesstoken/get"))
        .header("client_id", saved["client_id"].as_str().unwrap())
        .header("client_secret", saved["client_secret"].as_str().unwrap())
        .header(
            "Ocp-Apim-Subscription-Key",
            saved["subscription_key"].as_str().unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
}

/// Starts `serve` on `url`; returns the process and everything it printed
/// up to its listening line.
fn start_serving(url: &str) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("vipps-sandbox listening on ") {
            return (server, printed);
        }
    }
    panic!("serve ended without listening:\n{printed}");
}

#[tokio::test]
async fn two_processes_starting_on_an_empty_database_seed_one_demo_merchant() {
    let database = TestDatabase::fresh().await;
    // Migrated first, so that the two processes race on the seeding alone.
    let db = database
        .connect(vipps_store::DbOptions { max_connections: 2 })
        .await;
    let url = database.url().to_owned();
    let (first, second) = tokio::join!(
        tokio::task::spawn_blocking({
            let url = url.clone();
            move || start_serving(&url)
        }),
        tokio::task::spawn_blocking(move || start_serving(&url)),
    );
    let ((_a, printed_a), (_b, printed_b)) = (first.unwrap(), second.unwrap());
    let merchants = db.list_merchants().await.unwrap();
    assert_eq!(merchants.len(), 1, "{printed_a}\n---\n{printed_b}");
    // The demo PSP, serving the demo merchant, comes with it, once.
    let psps = db.list_psps().await.unwrap();
    assert_eq!(psps.len(), 1, "{printed_a}\n---\n{printed_b}");
    assert_eq!(psps[0].psp_id, "C948DFD1546347568874C4DDC93A2E3C");
    assert_eq!(psps[0].msns, [merchants[0].msn.clone()]);
    let created = [&printed_a, &printed_b]
        .iter()
        .filter(|p| p.contains("Created the demo merchant"))
        .count();
    assert_eq!(created, 1, "{printed_a}\n---\n{printed_b}");
}

#[tokio::test]
async fn a_later_start_says_where_the_demo_keys_are_without_printing_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/sandbox.db", dir.path().display());
    let (first, _) = start_serving(&url);
    drop(first);
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data/demo-merchant.json")).unwrap(),
    )
    .unwrap();
    let psp: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data/demo-psp.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(psp["psp_id"], "C948DFD1546347568874C4DDC93A2E3C");
    assert_eq!(psp["msns"][0], saved["msn"]);
    let (_second, printed) = start_serving(&url);
    assert!(printed.contains("demo-merchant.json"), "{printed}");
    assert!(printed.contains("demo-psp.json"), "{printed}");
    assert!(
        !printed.contains(psp["client_secret"].as_str().unwrap()),
        "{printed}"
    );
    let secret = saved["client_secret"].as_str().unwrap();
    assert!(!printed.contains(secret), "{printed}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode_of = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode_of(&dir.path().join("data")) & 0o777, 0o700);
        // The database, its WAL and shared memory, the demo keys: all the
        // owner's alone.
        for entry in std::fs::read_dir(dir.path().join("data")).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode_of(&path) & 0o077, 0, "{}", path.display());
        }
    }
}

#[tokio::test]
async fn listening_beyond_loopback_warns_that_the_console_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/sandbox.db", dir.path().display());
    let warning_for = |listen: &str| {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", listen, "--database-url", &url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut server = Server(child);
        for line in BufReader::new(stdout).lines() {
            if line.unwrap().starts_with("vipps-sandbox listening on ") {
                break;
            }
        }
        let _ = server.0.kill();
        let _ = server.0.wait();
        std::io::read_to_string(stderr).unwrap()
    };
    assert!(warning_for("0.0.0.0:0").contains("/sandbox/v1"));
    assert!(!warning_for("127.0.0.1:0").contains("warning"));
}

#[tokio::test]
async fn psp_add_json_prints_one_object_list_hides_secrets_and_link_adds_a_merchant() {
    let database = TestDatabase::fresh().await;
    let url = database.url();
    for msn in ["654321", "765432"] {
        run(&[
            "merchant",
            "add",
            "--database-url",
            url,
            "--name",
            "Shop",
            "--msn",
            msn,
        ]);
    }
    let out = run(&[
        "psp",
        "add",
        "--database-url",
        url,
        "--name",
        "CI PSP",
        "--psp-id",
        "ABC123",
        "--msn",
        "654321",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("stdout is one JSON object");
    let mut keys: Vec<_> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "client_id",
            "client_secret",
            "msns",
            "name",
            "psp_id",
            "subscription_key"
        ]
    );
    assert_eq!(v["psp_id"], "ABC123");
    assert_eq!(v["msns"], serde_json::json!(["654321"]));

    run(&[
        "psp",
        "link",
        "--database-url",
        url,
        "--psp-id",
        "ABC123",
        "--msn",
        "765432",
    ]);
    let list = run(&["psp", "list", "--database-url", url]);
    assert!(
        list.contains("ABC123") && list.contains("654321,765432"),
        "{list}"
    );
    assert!(!list.contains(v["client_secret"].as_str().unwrap()));
    assert!(!list.contains(v["subscription_key"].as_str().unwrap()));

    // A taken id, an unknown merchant and an unknown PSP are refused.
    for args in [
        vec![
            "psp",
            "add",
            "--database-url",
            url,
            "--name",
            "X",
            "--psp-id",
            "ABC123",
        ],
        vec![
            "psp",
            "add",
            "--database-url",
            url,
            "--name",
            "X",
            "--msn",
            "111111",
        ],
        vec![
            "psp",
            "link",
            "--database-url",
            url,
            "--psp-id",
            "NOPE",
            "--msn",
            "654321",
        ],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
    }
}
