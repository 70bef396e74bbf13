//! How `serve` starts and fails, `vipps-sandbox env`, and the log lines.

use crate::common::BIN;
use std::{
    io::{BufRead, BufReader, Read},
    path::Path,
    process::{Child, ChildStderr, Command, Output, Stdio},
};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `serve` command with no database variables from this environment
/// (the PostgreSQL runs set `DATABASE_URL`).
fn serve_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("VIPPS_SANDBOX_DATABASE_URL")
        .env_remove("VIPPS_SANDBOX_PUBLIC_URL")
        .env_remove("VIPPS_SANDBOX_LOG_FORMAT")
        .env_remove("RUST_LOG");
    cmd
}

/// Starts `cmd`; returns the process, everything it printed up to its
/// listening line, the address on that line and its stderr.
fn start(mut cmd: Command) -> (Server, String, String, ChildStderr) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut server = Server(child);
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("vipps-sandbox listening on ") {
            let base = rest.split(' ').next().unwrap().to_owned();
            return (server, printed, base, stderr);
        }
    }
    let _ = server.0.wait();
    let mut err = String::new();
    let mut stderr = stderr;
    let _ = stderr.read_to_string(&mut err);
    panic!("serve ended without listening:\n{printed}\n{err}");
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}/data/sandbox.db", dir.display())
}

fn failed(out: &Output) -> (String, String) {
    assert!(!out.status.success(), "it succeeded");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_taken_port_fails_at_once_before_the_database_or_keys_are_made() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = serve_command(&["--listen", &addr, "--database-url", &sqlite_url(dir.path())])
        .output()
        .unwrap();
    let (stdout, stderr) = failed(&out);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(!stdout.contains("client_secret"), "{stdout}");
    assert!(!dir.path().join("data/sandbox.db").exists());
    assert!(!dir.path().join("data/demo-merchant.json").exists());
}

#[test]
fn database_errors_name_the_database_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the database's folder should be: no one can create it.
    std::fs::write(dir.path().join("taken"), "").unwrap();
    let url = format!("sqlite://{}/taken/sandbox.db", dir.path().display());
    let out = serve_command(&["--listen", "127.0.0.1:0", "--database-url", &url])
        .output()
        .unwrap();
    let (_, stderr) = failed(&out);
    assert!(stderr.contains("cannot open the database"), "{stderr}");
    assert!(
        stderr.contains(&format!("{}/taken", dir.path().display())),
        "{stderr}"
    );
    assert!(stderr.contains("Not a directory"), "{stderr}");

    // Nothing listens on port 1 of this machine.
    let out = serve_command(&[
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        "postgres://someone:hunter2@127.0.0.1:1/sandbox",
    ])
    .output()
    .unwrap();
    let (_, stderr) = failed(&out);
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(stderr.contains("cannot be reached"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn a_bad_public_url_is_refused_and_a_trailing_slash_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    for bad in [
        "example.com:8080",
        "ftp://example.com",
        "http://example.com/sandbox",
        "http://example.com/?a=b",
    ] {
        let out = serve_command(&[
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &url,
            "--public-url",
            bad,
        ])
        .output()
        .unwrap();
        let (_, stderr) = failed(&out);
        assert!(stderr.contains("--public-url"), "{bad}: {stderr}");
        assert!(!dir.path().join("data").exists(), "{bad}");
    }
    let (_server, printed, _, _) = start(serve_command(&[
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &url,
        "--public-url",
        "http://192.168.1.20:8080/",
    ]));
    assert!(
        printed.contains("(public URL http://192.168.1.20:8080)"),
        "{printed}"
    );
    assert!(
        printed.contains("export VIPPS_BASE_URL=http://192.168.1.20:8080 "),
        "{printed}"
    );
}

#[tokio::test]
async fn localhost_port_is_accepted_and_a_relative_sqlite_path_is_printed_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = serve_command(&[
        "--listen",
        "localhost:0",
        "--database-url",
        "sqlite://data/sandbox.db",
    ]);
    cmd.current_dir(dir.path());
    let (_server, printed, base, _) = start(cmd);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let file = dir.path().join("data/sandbox.db");
    assert!(file.exists());
    assert!(
        printed.contains(&format!("Database: SQLite file {}", file.display())),
        "{printed}"
    );
    let health = reqwest::get(format!("{base}/health")).await.unwrap();
    assert_eq!(health.status(), 200);
}

#[test]
fn database_url_is_used_only_with_a_warning_and_the_sandbox_variable_wins() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = format!("sqlite://{}/legacy/sandbox.db", dir.path().display());
    let mine = format!("sqlite://{}/mine/sandbox.db", dir.path().display());

    let mut cmd = serve_command(&["--listen", "127.0.0.1:0"]);
    cmd.env("DATABASE_URL", &legacy);
    let (server, printed, _, stderr) = start(cmd);
    drop(server);
    let warnings = std::io::read_to_string(stderr).unwrap();
    assert!(warnings.contains("DATABASE_URL"), "{warnings}");
    assert!(warnings.contains("deprecated"), "{warnings}");
    assert!(printed.contains("/legacy/sandbox.db"), "{printed}");

    let mut cmd = serve_command(&["--listen", "127.0.0.1:0"]);
    cmd.env("DATABASE_URL", &legacy)
        .env("VIPPS_SANDBOX_DATABASE_URL", &mine);
    let (server, printed, _, stderr) = start(cmd);
    drop(server);
    let warnings = std::io::read_to_string(stderr).unwrap();
    assert!(!warnings.contains("DATABASE_URL"), "{warnings}");
    assert!(printed.contains("/mine/sandbox.db"), "{printed}");
}

/// The `export` lines of a printout.
fn export_lines(printed: &str) -> Vec<String> {
    printed
        .lines()
        .filter(|l| l.starts_with("export "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn serve_prints_an_export_block_and_env_prints_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let (server, printed, base, _) = start(serve_command(&[
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &url,
    ]));
    drop(server);
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data/demo-merchant.json")).unwrap(),
    )
    .unwrap();
    let psp: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data/demo-psp.json")).unwrap(),
    )
    .unwrap();
    let s = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap().to_owned();
    let merchant_line = format!(
        "export VIPPS_BASE_URL={base} VIPPS_CLIENT_ID={} VIPPS_CLIENT_SECRET={} \
         VIPPS_SUBSCRIPTION_KEY={} VIPPS_MSN={}",
        s(&saved, "client_id"),
        s(&saved, "client_secret"),
        s(&saved, "subscription_key"),
        s(&saved, "msn"),
    );
    let psp_line = format!(
        "export VIPPS_PSP_ID={} VIPPS_PSP_CLIENT_ID={} VIPPS_PSP_CLIENT_SECRET={} \
         VIPPS_PSP_SUBSCRIPTION_KEY={}",
        s(&psp, "psp_id"),
        s(&psp, "client_id"),
        s(&psp, "client_secret"),
        s(&psp, "subscription_key"),
    );
    assert_eq!(
        export_lines(&printed),
        [merchant_line.clone(), psp_line.clone()],
        "{printed}"
    );

    let env = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("env")
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("VIPPS_SANDBOX_DATABASE_URL")
            .env_remove("VIPPS_SANDBOX_PUBLIC_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let again = env(&["--database-url", &url, "--base-url", &base]);
    assert_eq!(
        export_lines(&again),
        [merchant_line.clone(), psp_line.clone()]
    );
    // By folder, with the default base URL.
    let data = dir.path().join("data");
    let again = env(&["--data-dir", data.to_str().unwrap()]);
    assert_eq!(
        export_lines(&again)[0],
        merchant_line.replace(&base, "http://127.0.0.1:8080")
    );
    // Without the PSP's file, only the merchant's line.
    std::fs::remove_file(data.join("demo-psp.json")).unwrap();
    let again = env(&["--data-dir", data.to_str().unwrap(), "--base-url", &base]);
    assert_eq!(export_lines(&again), [merchant_line]);

    // No saved keys: a clear error.
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["env", "--data-dir", empty.path().to_str().unwrap()])
        .output()
        .unwrap();
    let (_, stderr) = failed(&out);
    assert!(stderr.contains("demo-merchant.json"), "{stderr}");
}

#[tokio::test]
async fn json_logs_have_one_line_per_request_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let (server, _, base, stderr) = start(serve_command(&[
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &url,
        "--log-format",
        "json",
    ]));
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data/demo-merchant.json")).unwrap(),
    )
    .unwrap();
    let key = |k: &str| saved[k].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{base}/accesstoken/get"))
        .header("client_id", key("client_id"))
        .header("client_secret", key("client_secret"))
        .header("Ocp-Apim-Subscription-Key", key("subscription_key"))
        .header("Merchant-Serial-Number", key("msn"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let missing = client
        .get(format!("{base}/epayment/v1/payments/no-such-order"))
        .bearer_auth(&token)
        .header("Ocp-Apim-Subscription-Key", key("subscription_key"))
        .header("Merchant-Serial-Number", key("msn"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let problem: serde_json::Value = missing.json().await.unwrap();
    drop(server);
    let log = std::io::read_to_string(stderr).unwrap();

    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let line_for = |path: &str| {
        lines
            .iter()
            .find(|l| l["path"] == path)
            .unwrap_or_else(|| panic!("no line for {path}:\n{log}"))
    };
    let token_line = line_for("/accesstoken/get");
    assert_eq!(token_line["method"], "POST");
    assert_eq!(token_line["status"], 200);
    assert!(token_line["latency_ms"].is_number(), "{token_line}");
    let get_line = line_for("/epayment/v1/payments/no-such-order");
    assert_eq!(get_line["status"], 404);
    assert_eq!(get_line["msn"], key("msn").as_str());
    assert_eq!(get_line["trace_id"], problem["traceId"]);
    for secret in [key("client_secret"), key("subscription_key"), token] {
        assert!(!log.contains(&secret), "a secret in the log:\n{log}");
    }
}

#[tokio::test]
async fn admin_token_guards_the_sandbox_api_and_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let token = "x-team-token-4711";
    let (server, printed, base, stderr) = start(serve_command(&[
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &url,
        "--admin-token",
        token,
    ]));
    let client = reqwest::Client::new();
    let clock = format!("{base}/sandbox/v1/clock");
    let refused = client.get(&clock).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let wrong = client.get(&clock).bearer_auth("x").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let allowed = client.get(&clock).bearer_auth(token).send().await.unwrap();
    assert_eq!(allowed.status(), 200);
    let allowed = client
        .get(&clock)
        .header("X-Admin-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    drop(server);
    let log = std::io::read_to_string(stderr).unwrap();
    assert!(!printed.contains(token), "{printed}");
    assert!(!log.contains(token), "{log}");
}

#[test]
fn an_empty_admin_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = serve_command(&[
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &sqlite_url(dir.path()),
        "--admin-token",
        " ",
    ])
    .output()
    .unwrap();
    let (_, stderr) = failed(&out);
    assert!(stderr.contains("must not be empty"), "{stderr}");
}

#[tokio::test]
async fn a_delivery_attempt_line_names_the_url_without_query_and_a_readable_next_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let (server, _, base, stderr) = start(serve_command(&[
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &url,
        "--log-format",
        "json",
    ]));
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data/demo-merchant.json")).unwrap(),
    )
    .unwrap();
    let key = |k: &str| saved[k].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{base}/accesstoken/get"))
        .header("client_id", key("client_id"))
        .header("client_secret", key("client_secret"))
        .header("Ocp-Apim-Subscription-Key", key("subscription_key"))
        .header("Merchant-Serial-Number", key("msn"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let call = |path: &str| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .header("Ocp-Apim-Subscription-Key", key("subscription_key"))
            .header("Merchant-Serial-Number", key("msn"))
    };
    // Port 1 refuses at once, so the first attempt fails and a retry is due.
    let r = call("/webhooks/v1/webhooks")
        .json(&serde_json::json!({
            "url": "http://127.0.0.1:1/hook?token=hook-secret",
            "events": ["epayments.payment.created.v1"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = call("/epayment/v1/payments")
        .header("Idempotency-Key", "log-line-1")
        .json(&serde_json::json!({
            "amount": {"currency": "NOK", "value": 1000},
            "paymentMethod": {"type": "WALLET"},
            "reference": "log-line-1",
            "userFlow": "WEB_REDIRECT",
            "returnUrl": "https://shop.example/return"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("delivery attempt") {
                let _ = tx.send(line);
                return;
            }
        }
    });
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("no delivery attempt logged");
    drop(server);
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["url"], "http://127.0.0.1:1/hook", "{line}");
    assert!(!line.contains("hook-secret"), "{line}");
    let next = v["next_attempt_at"].as_str().unwrap_or_default();
    let b = next.as_bytes();
    assert!(
        b.len() >= 20 && b[4] == b'-' && b[10] == b'T' && next.ends_with('Z'),
        "next attempt is not an RFC 3339 UTC time: {line}"
    );
}
