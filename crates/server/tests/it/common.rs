//! The test application: a server on 127.0.0.1:0 over its own database (a
//! temporary SQLite file, or a fresh PostgreSQL schema when `DATABASE_URL`
//! is set), with helpers for the calls tests make again and again.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, Response};
use serde_json::{json, Value};
use vipps_server::{AppState, Config};
use vipps_store::{merchants::NewCredentials, test_support::TestDatabase, Db, DbOptions};

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub db: Db,
    pub state: AppState,
    pub merchant: NewCredentials,
    _database: TestDatabase,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Config::default()).await
    }

    /// A test app with its own settings (public URL is filled in).
    pub async fn spawn_with(cfg: Config) -> TestApp {
        let database = TestDatabase::fresh().await;
        let db = database.connect(DbOptions { max_connections: 5 }).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(
            db.clone(),
            Config {
                public_url: base.clone(),
                ..cfg
            },
        )
        .await
        .unwrap();
        let merchant = db
            .create_merchant("Test Shop", None, state.clock.now())
            .await
            .unwrap();
        vipps_server::app::start_workers(&state);
        tokio::spawn(vipps_server::app::serve(listener, state.clone()));
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base,
            client,
            db,
            state,
            merchant,
            _database: database,
        }
    }

    /// A second server on the same database, with its own connections, as
    /// another process would be; answers its base URL.
    pub async fn second_server(&self) -> String {
        let db = self
            ._database
            .connect(DbOptions { max_connections: 5 })
            .await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(
            db,
            Config {
                public_url: base.clone(),
                ..Config::default()
            },
        )
        .await
        .unwrap();
        tokio::spawn(vipps_server::app::serve(listener, state));
        base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn new_merchant(&self, name: &str) -> NewCredentials {
        self.db
            .create_merchant(name, None, self.state.clock.now())
            .await
            .unwrap()
    }

    pub async fn token_for(&self, m: &NewCredentials) -> String {
        let r = self
            .client
            .post(self.url("/accesstoken/get"))
            .header("client_id", &m.client_id)
            .header("client_secret", &m.client_secret)
            .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// An authenticated ePayment request as merchant `m`.
    pub async fn as_merchant(
        &self,
        m: &NewCredentials,
        method: reqwest::Method,
        path: &str,
    ) -> RequestBuilder {
        let token = self.token_for(m).await;
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("Ocp-Apim-Subscription-Key", &m.subscription_key)
            .header("Merchant-Serial-Number", &m.msn)
    }

    pub async fn api(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.as_merchant(&self.merchant, method, path).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Response {
        self.api(reqwest::Method::POST, path)
            .await
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.api(reqwest::Method::GET, path)
            .await
            .send()
            .await
            .unwrap()
    }

    pub async fn create(&self, reference: &str, value: i64) -> Value {
        let r = self
            .post(
                "/epayment/v1/payments",
                &format!("create-{reference}"),
                create_body(reference, value),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    pub async fn approve(&self, reference: &str) {
        let r = self
            .post(
                &format!("/epayment/v1/test/payments/{reference}/approve"),
                "-",
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    pub async fn payment(&self, reference: &str) -> Value {
        let r = self
            .get(&format!("/epayment/v1/payments/{reference}"))
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn events(&self, reference: &str) -> Vec<Value> {
        let r = self
            .get(&format!("/epayment/v1/payments/{reference}/events"))
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn modify(&self, reference: &str, op: &str, key: &str, value: i64) -> Response {
        let body = json!({"modificationAmount": {"currency": "NOK", "value": value}});
        self.post(
            &format!("/epayment/v1/payments/{reference}/{op}"),
            key,
            body,
        )
        .await
    }

    pub async fn advance_clock(&self, seconds: i64) {
        let r = self
            .client
            .post(self.url("/sandbox/v1/clock/advance"))
            .json(&json!({"seconds": seconds}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

pub fn create_body(reference: &str, value: i64) -> Value {
    json!({
        "amount": {"currency": "NOK", "value": value},
        "paymentMethod": {"type": "WALLET"},
        "reference": reference,
        "userFlow": "WEB_REDIRECT",
        "returnUrl": "https://shop.example/return?order=1",
        "paymentDescription": "One pair of socks"
    })
}

/// Polls `probe` until it yields a value or the deadline passes.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().unwrap().starts_with("https://"));
    assert!(body["traceId"].is_string());
    body
}
