//! A database of its own for each test, shared by the tests of every crate
//! of the workspace (cargo feature `test-support`).
//!
//! Without `DATABASE_URL`, or when it is not a PostgreSQL URL, a test gets a
//! SQLite file in a temporary folder. With `DATABASE_URL=postgres://…` it
//! gets a fresh schema, named `t_…`, in that database, and the URL it hands
//! out puts that schema first on the `search_path`. Schemas are not dropped
//! here: connections may outlive the value, and CI drops every `t_…` schema
//! after its run.

use std::path::Path;

use anyhow::Context;
use sqlx::{Connection, Executor};

use crate::{Db, DbOptions};

/// A fresh, empty database; its folder lives as long as this value does.
pub struct TestDatabase {
    url: String,
    dir: tempfile::TempDir,
}

impl TestDatabase {
    /// A new database of this test's own (see the module documentation).
    /// Panics when it cannot be made: a test cannot go on without one.
    pub async fn fresh() -> TestDatabase {
        Self::try_fresh().await.expect("a test database")
    }

    async fn try_fresh() -> anyhow::Result<TestDatabase> {
        let dir = tempfile::tempdir().context("a temporary folder")?;
        let url = match std::env::var("DATABASE_URL") {
            Ok(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
                sqlx::any::install_default_drivers();
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::AnyConnection::connect(&url)
                    .await
                    .context("cannot connect to DATABASE_URL")?;
                conn.execute(format!("CREATE SCHEMA {schema}").as_str())
                    .await
                    .with_context(|| format!("cannot create schema {schema}"))?;
                conn.close().await?;
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}options=-c%20search_path%3D{schema}")
            }
            _ => format!("sqlite://{}/data/sandbox.db", dir.path().display()),
        };
        Ok(TestDatabase { url, dir })
    }

    /// The database's URL, for [`Db::connect`] or a `--database-url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A temporary folder that lives as long as this value (on SQLite, the
    /// database file is in its `data/` folder).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Connects to the database, applying the migrations.
    pub async fn connect(&self, opts: DbOptions) -> Db {
        Db::connect(&self.url, opts)
            .await
            .expect("connect to the test database")
    }
}
