//! What the process tests share.

use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_vipps-sandbox");

/// A database of the test's own: a SQLite file in `dir`, or a fresh schema
/// when `DATABASE_URL` points at PostgreSQL.
pub fn database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let ok = Command::new("psql")
                .arg(&url)
                .arg("-qc")
                .arg(format!("CREATE SCHEMA {schema}"))
                .status();
            assert!(
                ok.map(|s| s.success()).unwrap_or(false),
                "psql must be able to create a schema"
            );
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}options=-c%20search_path%3D{schema}")
        }
        _ => format!("sqlite://{}/data/sandbox.db", dir.path().display()),
    }
}
