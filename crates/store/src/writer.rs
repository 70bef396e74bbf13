//! The single path by which anything is written.
//!
//! A request's changes (new payment state with its version check, the events,
//! the idempotency record) are a [`WriteSet`] that commits all-or-nothing.
//!
//! On SQLite every commit waits for an fsync, so one transaction per request
//! caps throughput at the disk's fsync rate. The writer therefore owns the one
//! write connection and commits a whole batch of waiting write sets in one
//! transaction: each set runs inside its own SAVEPOINT, so a set that fails
//! its version check is rolled back alone, and nobody is answered before the
//! batch's COMMIT has returned. The batch runs on a thread of its own over a
//! plain SQLite connection with cached statements: going through an async
//! driver would cost a thread hand-off per statement, which measured as the
//! largest cost of a write. PostgreSQL gets the same scheme from a task of
//! its own (see [`crate::pg_batch::writer_task`]): a whole batch, savepoints
//! included, goes in one simple-protocol message over prepared statements,
//! so a batch costs one round trip and one WAL flush when no set fails.

use tokio::sync::{mpsc, oneshot};

use crate::Backend;

/// A bound parameter. NULLs carry their column type: PostgreSQL refuses a
/// text-typed NULL for a bigint column.
#[derive(Debug, Clone)]
pub enum Value {
    I64(i64),
    Text(String),
    NullI64,
    NullText,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::I64(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::NullI64, Value::I64)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map_or(Value::NullText, Value::Text)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Value::NullText, Into::into)
    }
}

/// One statement; when `must_change_one` is set, anything but exactly one
/// affected row means another writer got there first.
#[derive(Debug, Clone)]
pub struct Stmt {
    pub sql: &'static str,
    pub args: Vec<Value>,
    pub must_change_one: bool,
}

#[derive(Debug, Clone, Default)]
pub struct WriteSet(pub Vec<Stmt>);

impl WriteSet {
    pub fn new() -> Self {
        WriteSet(Vec::new())
    }

    /// A statement whose row count does not matter.
    pub fn push(&mut self, sql: &'static str, args: Vec<Value>) -> &mut Self {
        self.0.push(Stmt {
            sql,
            args,
            must_change_one: false,
        });
        self
    }

    /// A statement that must change exactly one row, or the set is a conflict.
    pub fn push_checked(&mut self, sql: &'static str, args: Vec<Value>) -> &mut Self {
        self.0.push(Stmt {
            sql,
            args,
            must_change_one: true,
        });
        self
    }

    pub fn extend(&mut self, other: WriteSet) -> &mut Self {
        self.0.extend(other.0);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A checked statement changed no row: re-read and decide again.
    #[error("concurrent modification")]
    Conflict,
    #[error("database error: {0}")]
    Db(String),
}

pub(crate) struct Job {
    pub(crate) writes: WriteSet,
    pub(crate) reply: oneshot::Sender<Result<(), WriteError>>,
}

/// Both backends hand write sets to one batching writer: a thread over a
/// direct SQLite connection, or a task over a PostgreSQL connection.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

/// Most write sets committed in one SQLite transaction.
const MAX_BATCH: usize = 1024;

impl Writer {
    /// `sqlite_path` is the database file when the backend is SQLite.
    pub(crate) fn start(
        backend: Backend,
        sqlite_path: Option<&str>,
        connect: &sqlx::any::AnyConnectOptions,
    ) -> anyhow::Result<Writer> {
        let (jobs, rx) = mpsc::unbounded_channel();
        match backend {
            Backend::Sqlite => {
                let path = sqlite_path
                    .ok_or_else(|| anyhow::anyhow!("a SQLite database must be a file"))?;
                let conn = open_sqlite(path)?;
                std::thread::Builder::new()
                    .name("sqlite-writer".into())
                    .spawn(move || batch_thread(conn, rx))?;
            }
            Backend::Postgres => {
                tokio::spawn(crate::pg_batch::writer_task(connect.clone(), rx));
            }
        }
        Ok(Writer { jobs })
    }

    pub(crate) async fn submit(&self, writes: WriteSet) -> Result<(), WriteError> {
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(Job { writes, reply })
            .map_err(|_| WriteError::Db("writer stopped".into()))?;
        rx.await
            .map_err(|_| WriteError::Db("writer stopped".into()))?
    }
}

fn open_sqlite(path: &str) -> anyhow::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

fn batch_thread(conn: rusqlite::Connection, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        metrics::histogram!("vipps_sandbox_writer_batch_size").record(jobs.len() as f64);
        let results = commit_batch(&conn, &jobs);
        for (job, result) in jobs.drain(..).zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

fn sqlite_error(e: rusqlite::Error) -> WriteError {
    WriteError::Db(e.to_string())
}

/// Runs one write set; parameters are bound by their `$n` names, so a
/// statement may use them in any order or more than once.
fn run_sqlite(conn: &rusqlite::Connection, writes: &WriteSet) -> Result<(), WriteError> {
    for stmt in &writes.0 {
        let mut s = conn.prepare_cached(stmt.sql).map_err(sqlite_error)?;
        for i in 1..=s.parameter_count() {
            let n: usize = s
                .parameter_name(i)
                .and_then(|name| name.strip_prefix('$'))
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| WriteError::Db(format!("unsupported parameter in {}", stmt.sql)))?;
            let value = stmt
                .args
                .get(n - 1)
                .ok_or_else(|| WriteError::Db(format!("missing ${n} in {}", stmt.sql)))?;
            match value {
                Value::I64(v) => s.raw_bind_parameter(i, v),
                Value::Text(v) => s.raw_bind_parameter(i, v.as_str()),
                Value::NullI64 | Value::NullText => s.raw_bind_parameter(i, rusqlite::types::Null),
            }
            .map_err(sqlite_error)?;
        }
        let changed = s.raw_execute().map_err(sqlite_error)?;
        if stmt.must_change_one && changed != 1 {
            return Err(WriteError::Conflict);
        }
    }
    Ok(())
}

fn exec_cached(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute([])
}

fn commit_batch(conn: &rusqlite::Connection, jobs: &[Job]) -> Vec<Result<(), WriteError>> {
    let fail_all = |e: &str| {
        jobs.iter()
            .map(|_| Err(WriteError::Db(e.to_owned())))
            .collect()
    };
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        return fail_all(&e.to_string());
    }
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        if let Err(e) = exec_cached(conn, "SAVEPOINT ws") {
            let _ = conn.execute_batch("ROLLBACK");
            return fail_all(&e.to_string());
        }
        let result = run_sqlite(conn, &job.writes);
        let end = if result.is_ok() {
            exec_cached(conn, "RELEASE ws")
        } else {
            exec_cached(conn, "ROLLBACK TO ws").and_then(|_| exec_cached(conn, "RELEASE ws"))
        };
        if let Err(e) = end {
            let _ = conn.execute_batch("ROLLBACK");
            return fail_all(&e.to_string());
        }
        results.push(result);
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => results,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            fail_all(&e.to_string())
        }
    }
}
