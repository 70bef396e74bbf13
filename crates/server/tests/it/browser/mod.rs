//! Pages in a real headless Chromium, driven over WebDriver (chromedriver +
//! fantoccini). Each test runs at a phone width (390 px) and a desktop width
//! (1280 px), checks that nothing scrolls sideways, and saves a screenshot of
//! every page it visits under `target/screenshots/` for people to look at.
//!
//! Browser tests need Debian's `chromium` and `chromium-driver`. Without
//! `chromedriver` on the PATH they are skipped with a notice, unless
//! `VIPPS_SANDBOX_BROWSER_TESTS=required` (as `.ci/run` sets it).

mod checklist;
mod checkout;
mod console;
mod console_merchant;
mod orders;
mod payer;
mod psp;

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// The widths every page is checked at.
pub const WIDTHS: [(u32, u32); 2] = [(390, 844), (1280, 900)];

const CHROMIUM: &str = "/usr/bin/chromium";

/// One browser session on its own chromedriver, at one width.
pub struct Browser {
    pub client: Client,
    driver: Child,
    test: String,
    width: u32,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn chromedriver() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A headless Chromium for `test` at `width`×`height`; `None` (after a
/// notice) when the browser is not installed and not required.
pub async fn open(test: &str, (width, height): (u32, u32)) -> Option<Browser> {
    let Some(driver_path) = chromedriver() else {
        let required = std::env::var("VIPPS_SANDBOX_BROWSER_TESTS").is_ok_and(|v| v == "required");
        assert!(
            !required,
            "chromedriver is not installed: apt-get install chromium chromium-driver"
        );
        eprintln!("skipping browser test {test}: chromedriver is not installed");
        return None;
    };
    let port = free_port();
    let driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let mut caps = serde_json::Map::new();
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-gpu".to_owned(),
        "--hide-scrollbars".to_owned(),
        format!("--window-size={width},{height}"),
    ];
    if width < 600 {
        // A phone: the page sees a 390 px wide viewport.
        args.push("--force-device-scale-factor=1".to_owned());
    }
    let mut chrome = json!({"args": args});
    if std::path::Path::new(CHROMIUM).exists() {
        chrome["binary"] = json!(CHROMIUM);
    }
    caps.insert("goog:chromeOptions".into(), chrome);
    let url = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let client = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "chromedriver did not start a session: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    client.set_window_size(width, height).await.unwrap();
    Some(Browser {
        client,
        driver,
        test: test.to_owned(),
        width,
    })
}

/// A short pause before trying a stale element again.
async fn retry_pause(_why: &fantoccini::error::CmdError) {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The element `css`, waiting for it to appear (pages load after a submit).
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    /// Types `text` into the field `css`, replacing what is there.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// The text of `css`; found again when the page was replaced between
    /// finding and reading it (a form posting back to the same address).
    pub async fn text(&self, css: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(e) if tokio::time::Instant::now() < deadline => {
                    retry_pause(&e).await;
                }
                Err(e) => panic!("{css} could not be read: {e}"),
            }
        }
    }

    /// Waits until `css` shows `expected` (after a form posts back to the
    /// same address, the old page may still be there, or be replaced while
    /// read).
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let seen = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if seen == expected {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{css} shows {seen:?}, not {expected:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// Waits until the browser is at a URL starting with `prefix`.
    pub async fn wait_for_url(&self, prefix: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await;
            if url.starts_with(prefix) {
                return url;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the browser stayed at {url}, not {prefix}…"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Checks the page fits its width, and saves a screenshot as
    /// `target/screenshots/<test>-<page>-<width>.png`.
    pub async fn check_page(&self, page: &str) {
        let overflow = self
            .client
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap_or(0) <= 0,
            "{page} scrolls sideways by {overflow} px at {} px",
            self.width
        );
        let png = self.client.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("{}-{page}-{}.png", self.test, self.width)),
            png,
        )
        .unwrap();
    }

    pub async fn close(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        let _ = self.driver.kill();
    }
}
