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
//! batch's COMMIT has returned. On PostgreSQL, which groups concurrent commits
//! itself, each set is simply its own transaction on a pooled connection.

use sqlx::{
    any::AnyArguments, pool::PoolConnection, Any, AnyConnection, AnyPool, Arguments, Executor,
};
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

struct Job {
    writes: WriteSet,
    reply: oneshot::Sender<Result<(), WriteError>>,
}

#[derive(Clone)]
pub(crate) struct Writer {
    inner: WriterKind,
}

#[derive(Clone)]
enum WriterKind {
    Batched(mpsc::UnboundedSender<Job>),
    Direct(AnyPool),
}

/// Most write sets committed in one SQLite transaction.
const MAX_BATCH: usize = 1024;

impl Writer {
    pub(crate) async fn start(backend: Backend, pool: &AnyPool) -> anyhow::Result<Writer> {
        let inner = match backend {
            Backend::Postgres => WriterKind::Direct(pool.clone()),
            Backend::Sqlite => {
                let conn = pool.acquire().await?;
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(batch_loop(conn, rx));
                WriterKind::Batched(tx)
            }
        };
        Ok(Writer { inner })
    }

    pub(crate) async fn submit(&self, writes: WriteSet) -> Result<(), WriteError> {
        match &self.inner {
            WriterKind::Direct(pool) => direct(pool, &writes).await,
            WriterKind::Batched(tx) => {
                let (reply, rx) = oneshot::channel();
                tx.send(Job {
                    writes,
                    reply,
                })
                .map_err(|_| WriteError::Db("writer stopped".into()))?;
                rx.await
                    .map_err(|_| WriteError::Db("writer stopped".into()))?
            }
        }
    }
}

async fn run(conn: &mut AnyConnection, writes: &WriteSet) -> Result<(), WriteError> {
    for stmt in &writes.0 {
        let mut args = AnyArguments::default();
        for v in &stmt.args {
            let r = match v {
                Value::I64(i) => args.add(*i),
                Value::Text(s) => args.add(s.as_str()),
                Value::NullI64 => args.add(Option::<i64>::None),
                Value::NullText => args.add(Option::<String>::None),
            };
            r.map_err(|e| WriteError::Db(e.to_string()))?;
        }
        let done = sqlx::query_with::<Any, _>(stmt.sql, args)
            .execute(&mut *conn)
            .await
            .map_err(|e| WriteError::Db(e.to_string()))?;
        if stmt.must_change_one && done.rows_affected() != 1 {
            return Err(WriteError::Conflict);
        }
    }
    Ok(())
}

async fn direct(pool: &AnyPool, writes: &WriteSet) -> Result<(), WriteError> {
    let db = |e: sqlx::Error| WriteError::Db(e.to_string());
    let mut tx = pool.begin().await.map_err(db)?;
    match run(&mut tx, writes).await {
        Ok(()) => tx.commit().await.map_err(db),
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

async fn batch_loop(mut conn: PoolConnection<Any>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let results = commit_batch(&mut conn, &jobs).await;
        for (job, result) in jobs.drain(..).zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

async fn commit_batch(conn: &mut AnyConnection, jobs: &[Job]) -> Vec<Result<(), WriteError>> {
    let fail_all = |e: &str| {
        jobs.iter()
            .map(|_| Err(WriteError::Db(e.to_owned())))
            .collect()
    };
    if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
        return fail_all(&e.to_string());
    }
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        if let Err(e) = conn.execute("SAVEPOINT ws").await {
            let _ = conn.execute("ROLLBACK").await;
            return fail_all(&e.to_string());
        }
        let result = run(conn, &job.writes).await;
        let end = if result.is_ok() {
            "RELEASE ws"
        } else {
            "ROLLBACK TO ws; RELEASE ws"
        };
        if let Err(e) = conn.execute(end).await {
            let _ = conn.execute("ROLLBACK").await;
            return fail_all(&e.to_string());
        }
        results.push(result);
    }
    match conn.execute("COMMIT").await {
        Ok(_) => results,
        Err(e) => {
            let _ = conn.execute("ROLLBACK").await;
            fail_all(&e.to_string())
        }
    }
}
