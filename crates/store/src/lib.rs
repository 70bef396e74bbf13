//! Persistence for the sandbox, on SQLite and PostgreSQL with the same code.
//!
//! Queries are plain runtime-checked SQL through sqlx's `Any` driver, written
//! in the dialect both backends accept (`$n` placeholders, `ON CONFLICT`).
//! Reads use a pool; every write goes through the [`writer`] as a
//! [`WriteSet`](writer::WriteSet): a list of statements that commits
//! all-or-nothing, with optimistic version checks reported as
//! [`WriteError::Conflict`](writer::WriteError::Conflict).

pub mod api_faults;
pub mod checklist;
pub mod checkout;
pub mod clock;
pub mod deliveries;
pub mod ecom;
pub mod epayment;
mod fast_read;
pub mod idempotency;
pub mod merchants;
pub mod order_management;
mod pg_batch;
pub mod psp;
pub mod psps;
pub mod requests;
pub mod settings;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod webhooks;
pub mod writer;

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyPool, ConnectOptions, Executor,
};

pub use writer::{Stmt, Value, WriteError, WriteSet};

/// A payment of any family as read, with the version a write must quote
/// (`UPDATE … WHERE version = $n`).
#[derive(Debug, Clone)]
pub struct Stored<P> {
    pub payment: P,
    pub version: i64,
}

/// Where a sweep over due payments stopped: the last row's expiry and key.
/// The next page starts strictly after it, so a row that keeps failing is
/// passed over instead of being read again forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCursor {
    pub expires_at: i64,
    pub msn: String,
    pub id: String,
}

/// A row of `(body, version)` as a [`Stored`] payment.
fn stored<P: serde::de::DeserializeOwned>(r: &sqlx::any::AnyRow) -> anyhow::Result<Stored<P>> {
    use sqlx::Row;
    let body: String = r.get(0);
    Ok(Stored {
        payment: serde_json::from_str(&body)?,
        version: r.get(1),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a read pool and the writer that serialises commits.
#[derive(Clone)]
pub struct Db {
    pub backend: Backend,
    pool: AnyPool,
    writer: writer::Writer,
    request_log: tokio::sync::mpsc::Sender<requests::RequestRecord>,
    /// The database file, on SQLite: hot reads go to it directly.
    sqlite_file: Option<std::sync::Arc<str>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Settings a SQLite connection needs: WAL so readers never block the writer,
/// `synchronous=FULL` so an acknowledged commit survives a power cut.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
     PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";

/// Options for [`Db::connect`].
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 16,
        }
    }
}

impl Db {
    /// Connects to `sqlite://…` or `postgres://…`, creating a SQLite file and
    /// its folder if needed, and applies the backend's migrations.
    pub async fn connect(url: &str, opts: DbOptions) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("unsupported database URL (expected sqlite:// or postgres://)");
        };
        let url = if backend == Backend::Sqlite {
            prepare_sqlite_url(url)?
        } else {
            url.to_owned()
        };
        let connect = AnyConnectOptions::from_str(&url)
            .context("invalid database URL")?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(opts.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => conn.execute(SQLITE_PRAGMAS).await?,
                        // Write sets render text literals relying on this (see pg_batch).
                        Backend::Postgres => {
                            conn.execute("SET standard_conforming_strings = on").await?
                        }
                    };
                    Ok(())
                })
            })
            .connect_with(connect.clone())
            .await
            .context("cannot connect to the database")?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await,
        }
        .context("cannot apply migrations")?;
        let sqlite_file = sqlite_path(&url).map(std::sync::Arc::from);
        let writer = writer::Writer::start(backend, sqlite_file.as_deref(), &connect)?;
        let (request_log, log_rx) = tokio::sync::mpsc::channel(requests::BACKLOG);
        let db = Db {
            backend,
            pool,
            writer,
            request_log,
            sqlite_file,
        };
        tokio::spawn(requests::flush_loop(db.clone(), log_rx));
        Ok(db)
    }

    /// On SQLite, runs a read directly on this thread (see [`fast_read`]);
    /// `None` on PostgreSQL.
    pub(crate) fn fast_read<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Option<anyhow::Result<T>> {
        self.sqlite_file
            .as_deref()
            .map(|path| fast_read::read(path, f))
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Commits a write set atomically; see [`writer`].
    pub async fn write(&self, writes: WriteSet) -> Result<(), WriteError> {
        self.writer.submit(writes).await
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// One page of a payment table's rows in `open_state` whose `expires_at`
    /// is at or before `now` on their merchant's clock (`now` plus the
    /// merchant's own offset), ordered by (expires_at, msn, id) and starting
    /// strictly after `after`. `table`, `id_column` and `open_state` are
    /// this crate's own constants, never input. A row that cannot be read
    /// is its own error, so it cannot hide the others.
    async fn due_to_expire<P: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        id_column: &'static str,
        open_state: &'static str,
        now: i64,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<Stored<P>>)>> {
        use sqlx::Row;
        let sql = format!(
            "SELECT body, version, expires_at, msn, {id_column} FROM {table} \
             WHERE state = '{open_state}' AND expires_at <= $1 + COALESCE((SELECT offset_ms \
             FROM merchant_clocks mc WHERE mc.msn = {table}.msn), 0) \
             AND (expires_at, msn, {id_column}) > ($2, $3, $4) \
             ORDER BY expires_at, msn, {id_column} LIMIT $5"
        );
        let start = after.cloned().unwrap_or(DueCursor {
            expires_at: i64::MIN,
            msn: String::new(),
            id: String::new(),
        });
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(start.expires_at)
            .bind(start.msn)
            .bind(start.id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let cursor = DueCursor {
                    expires_at: r.get(2),
                    msn: r.get(3),
                    id: r.get(4),
                };
                (cursor, stored(r))
            })
            .collect())
    }
}

/// The file behind a `sqlite://path?…` URL.
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://")?;
    Some(rest.split('?').next().unwrap_or(rest).to_owned())
}

/// Makes sure the folder of a SQLite file exists and that the file is created.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    // The writer, the pool and the fast readers each open the file: an
    // in-memory database would be a different one for each.
    anyhow::ensure!(
        !path.is_empty() && !path.contains(":memory:"),
        "a SQLite database must be a file (sqlite://path/to/file.db)"
    );
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            private_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    private_file(std::path::Path::new(path)).with_context(|| format!("cannot create {path}"))?;
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// The database holds the token signing key, webhook secrets and merchants'
/// auth tokens: folders it creates are the owner's alone (0700).
fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The database file is the owner's alone (0600), created so if it is new;
/// SQLite gives its WAL and shared-memory files the same mode.
fn private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// A fresh random token of `n` bytes, hex-encoded (ids, secrets, keys).
pub fn random_hex(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    hex::encode(bytes)
}

/// Secrets are stored as their SHA-256: they are long random strings, so a
/// fast hash is enough to make a stolen database useless for calling the API.
pub fn hash_secret(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}
