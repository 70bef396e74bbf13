//! PostgreSQL writes with few round trips.
//!
//! Over the extended protocol each statement is a round trip of its own, and
//! on a small machine those round trips and one commit per request — not the
//! database's work — bound the write rate. So [`writer_task`] takes all
//! waiting write sets and sends them as ONE simple-protocol message,
//! `BEGIN; SAVEPOINT s; …set 1…; RELEASE s; …; COMMIT;`, executing
//! statements it prepared once on its connection. A checked statement is
//! wrapped to raise an error when it changes anything but one row; the
//! message stops there, that set is rolled back to its savepoint and the
//! rest resumes in the next message. Callers hear back after the COMMIT.
//!
//! Every statement is prepared, with its parameter types, before it is used
//! (`PREPARE vwN (bigint, text) AS …`), so SQL text never holds a value: a
//! statement that cannot be prepared fails its write set with
//! [`WriteError::Db`]. The simple protocol has no bind parameters, so the
//! values are passed to `EXECUTE` as literals, one per parameter:
//! integers as digits, text as a single-quoted string with `'` doubled —
//! exact under `standard_conforming_strings = on`, which every connection
//! sets — and NUL, which PostgreSQL text cannot hold, refused. A literal is
//! only ever an argument of `EXECUTE`, whose parameter type is fixed by the
//! `PREPARE`, so it cannot become part of the statement.

use std::collections::HashMap;

use futures::{future::BoxFuture, TryStreamExt};
use sqlx::{any::AnyConnectOptions, AnyConnection, Connection, Either, Executor};
use tokio::sync::mpsc;

use crate::writer::{Job, Stmt, Value, WriteError, WriteSet};

fn literal(v: &Value) -> Result<String, WriteError> {
    Ok(match v {
        Value::I64(i) => i.to_string(),
        Value::Text(s) if s.contains('\0') => {
            return Err(WriteError::Db("text values may not contain NUL".into()))
        }
        Value::Text(s) => format!("'{}'", s.replace('\'', "''")),
        Value::NullI64 => "NULL::bigint".into(),
        Value::NullText => "NULL::text".into(),
    })
}

fn finish<'c>(
    conn: &'c mut AnyConnection,
    sql: &'static str,
) -> BoxFuture<'c, Result<(), sqlx::Error>> {
    Box::pin(async move {
        Executor::execute(conn, sqlx::raw_sql(sql))
            .await
            .map(|_| ())
    })
}

/// Most write sets committed in one PostgreSQL transaction. Each set is a
/// subtransaction; past 64 of them a backend's subtransaction cache
/// overflows and every other backend's snapshots get slower.
pub(crate) const MAX_BATCH: usize = 64;

/// Marks a checked statement that changed anything but one row.
const CONFLICT_MARK: &str = "vipps_conflict";

/// A checked statement made to fail when it changes anything but one row, so
/// that the rest of a multi-statement message stops at it.
fn checked(sql: &str) -> String {
    format!(
        "WITH c AS ({sql} RETURNING 1) SELECT CASE WHEN count(*) = 1 THEN 1 \
         ELSE ('{CONFLICT_MARK} ' || count(*))::int END FROM c"
    )
}

/// A checked statement that changed no row, or a transaction PostgreSQL gave
/// up on because of another one (deadlock, serialization failure — possible
/// with several server processes): either way the caller re-reads and
/// decides again.
fn is_conflict(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| {
        d.message().contains(CONFLICT_MARK)
            || matches!(d.code().as_deref(), Some("40P01" | "40001"))
    })
}

/// Row counts of the statements of a script up to its first error, and that error.
fn run<'c>(
    conn: &'c mut AnyConnection,
    script: &'c str,
) -> BoxFuture<'c, (Vec<u64>, Option<sqlx::Error>)> {
    Box::pin(async move {
        let mut counts = Vec::new();
        let mut results = Executor::fetch_many(conn, sqlx::raw_sql(script));
        loop {
            match results.try_next().await {
                Ok(Some(Either::Left(done))) => counts.push(done.rows_affected()),
                Ok(Some(Either::Right(_))) => {}
                Ok(None) => return (counts, None),
                Err(e) => return (counts, Some(e)),
            }
        }
    })
}

/// A statement as prepared: its SQL, whether it is checked, and its
/// parameter types (`b` bigint, `t` text, one per argument).
type Key = (&'static str, bool, String);

/// The writer's own connection, with the statements it has prepared.
struct Session {
    conn: AnyConnection,
    /// The prepared statements, by [`Key`], with their names.
    prepared: HashMap<Key, String>,
    /// How many names were handed out: the next one is `vw{names}`.
    names: usize,
}

impl Session {
    async fn open(opts: &AnyConnectOptions) -> Result<Session, sqlx::Error> {
        let mut conn = AnyConnection::connect_with(opts).await?;
        // Arguments render text literals relying on this.
        finish(&mut conn, "SET standard_conforming_strings = on").await?;
        Ok(Session {
            conn,
            prepared: HashMap::new(),
            names: 0,
        })
    }

    fn key(stmt: &Stmt) -> Key {
        let types = stmt
            .args
            .iter()
            .map(|v| match v {
                Value::I64(_) | Value::NullI64 => 'b',
                Value::Text(_) | Value::NullText => 't',
            })
            .collect();
        (stmt.sql, stmt.must_change_one, types)
    }

    /// Prepares, outside any transaction, the statements not prepared yet.
    /// Returns why each statement that could not be prepared failed; those
    /// are tried again the next time they come.
    async fn prepare(&mut self, jobs: &[Job]) -> HashMap<Key, String> {
        let mut failed = HashMap::new();
        for job in jobs {
            for stmt in &job.writes.0 {
                let key = Self::key(stmt);
                if self.prepared.contains_key(&key) || failed.contains_key(&key) {
                    continue;
                }
                // A name is never reused, even after a failed PREPARE.
                let name = format!("vw{}", self.names);
                self.names += 1;
                let types: Vec<&str> = key
                    .2
                    .chars()
                    .map(|c| if c == 'b' { "bigint" } else { "text" })
                    .collect();
                let types = if types.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", types.join(", "))
                };
                let sql = if stmt.must_change_one {
                    checked(stmt.sql)
                } else {
                    stmt.sql.to_owned()
                };
                match finish_owned(&mut self.conn, format!("PREPARE {name}{types} AS {sql}")).await
                {
                    Ok(()) => {
                        self.prepared.insert(key, name);
                    }
                    Err(e) => {
                        tracing::warn!(sql = stmt.sql, error = %e, "cannot prepare a write statement");
                        failed.insert(key, e.to_string());
                    }
                }
            }
        }
        failed
    }

    /// One set as `SAVEPOINT s; …; RELEASE s;`, with how many results it
    /// yields: each statement an `EXECUTE` of its prepared form.
    fn body(
        &self,
        writes: &WriteSet,
        failed: &HashMap<Key, String>,
    ) -> Result<(String, usize), WriteError> {
        let mut out = String::from("SAVEPOINT s;\n");
        for stmt in &writes.0 {
            let key = Self::key(stmt);
            let Some(name) = self.prepared.get(&key) else {
                let why = failed.get(&key).map_or("not prepared", String::as_str);
                return Err(WriteError::Db(format!("cannot prepare statement: {why}")));
            };
            out.push_str("EXECUTE ");
            out.push_str(name);
            if !stmt.args.is_empty() {
                out.push('(');
                for (i, v) in stmt.args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&literal(v)?);
                }
                out.push(')');
            }
            out.push_str(";\n");
        }
        out.push_str("RELEASE s;\n");
        Ok((out, writes.0.len() + 2))
    }

    /// Commits the sets of `jobs` in one transaction, each in its own
    /// savepoint. Without a failing set this is one round trip; each set
    /// that fails costs one more, which rolls it back and resumes after it.
    /// The second value is false when the connection is no longer usable.
    async fn commit_batch(&mut self, jobs: &[Job]) -> (Vec<Result<(), WriteError>>, bool) {
        let failed = self.prepare(jobs).await;
        // `None`: done inside the transaction, pending its COMMIT.
        let mut results: Vec<Option<Result<(), WriteError>>> = jobs.iter().map(|_| None).collect();
        let mut bodies = Vec::with_capacity(jobs.len());
        for (job, result) in jobs.iter().zip(results.iter_mut()) {
            match self.body(&job.writes, &failed) {
                Ok(body) => bodies.push(Some(body)),
                Err(e) => {
                    *result = Some(Err(e));
                    bodies.push(None);
                }
            }
        }
        let mut prefix: (&str, usize) = ("BEGIN;\n", 1);
        let mut next = 0;
        loop {
            let mut script = String::from(prefix.0);
            let mut included = Vec::new();
            for (j, body) in bodies.iter().enumerate().skip(next) {
                if let Some((body, n)) = body {
                    script.push_str(body);
                    included.push((j, *n));
                }
            }
            script.push_str("COMMIT;");
            let (counts, err) = run(&mut self.conn, &script).await;
            let expected = prefix.1 + included.iter().map(|(_, n)| n).sum::<usize>() + 1;
            let err = match err {
                None if counts.len() == expected => {
                    let results = results.into_iter().map(|r| r.unwrap_or(Ok(()))).collect();
                    return (results, true);
                }
                None => format!("expected {expected} results, got {}", counts.len()),
                Some(err) => {
                    let c = counts.len();
                    let mut at = prefix.1;
                    let mut failed = None;
                    if c >= at {
                        for (j, n) in included {
                            if c >= at + n {
                                at += n;
                                continue;
                            }
                            // Not the SAVEPOINT nor the RELEASE: a statement of the set.
                            if c > at && c < at + n - 1 {
                                failed = Some(j);
                            }
                            break;
                        }
                    }
                    match failed {
                        Some(j) => {
                            results[j] = Some(Err(if is_conflict(&err) {
                                WriteError::Conflict
                            } else {
                                WriteError::Db(err.to_string())
                            }));
                            next = j + 1;
                            prefix = ("ROLLBACK TO s;\nRELEASE s;\n", 2);
                            continue;
                        }
                        None => err.to_string(),
                    }
                }
            };
            // The transaction as a whole failed: nothing of it is committed.
            let healthy = finish(&mut self.conn, "ROLLBACK").await.is_ok();
            let results = results
                .into_iter()
                .map(|r| r.unwrap_or_else(|| Err(WriteError::Db(err.clone()))))
                .collect();
            return (results, healthy);
        }
    }
}

fn finish_owned(conn: &mut AnyConnection, sql: String) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        Executor::execute(conn, sqlx::raw_sql(&sql))
            .await
            .map(|_| ())
    })
}

/// The PostgreSQL writer: takes every waiting write set (up to
/// [`MAX_BATCH`]) and commits them in one transaction on its own connection,
/// answering each only after that COMMIT has returned.
pub(crate) async fn writer_task(opts: AnyConnectOptions, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut session: Option<Session> = None;
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        metrics::histogram!("vipps_sandbox_writer_batch_size").record(jobs.len() as f64);
        if session.is_none() {
            match Session::open(&opts).await {
                Ok(s) => session = Some(s),
                Err(e) => {
                    for job in jobs.drain(..) {
                        let _ = job.reply.send(Err(WriteError::Db(e.to_string())));
                    }
                    continue;
                }
            }
        }
        let Some(s) = session.as_mut() else { continue };
        let (results, healthy) = s.commit_batch(&jobs).await;
        if !healthy {
            session = None;
        }
        for (job, result) in jobs.drain(..).zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_exact_and_typed() {
        assert_eq!(literal(&Value::I64(-42)).unwrap(), "-42");
        assert_eq!(
            literal(&Value::I64(i64::MIN)).unwrap(),
            "-9223372036854775808"
        );
        assert_eq!(
            literal(&Value::Text("O'Brien".into())).unwrap(),
            "'O''Brien'"
        );
        assert_eq!(literal(&Value::NullI64).unwrap(), "NULL::bigint");
        assert_eq!(literal(&Value::NullText).unwrap(), "NULL::text");
    }

    #[test]
    fn quotes_cannot_escape_the_literal_and_nul_is_refused() {
        let evil = Value::Text("x'); DROP TABLE payments; --".into());
        assert_eq!(literal(&evil).unwrap(), "'x''); DROP TABLE payments; --'");
        assert!(literal(&Value::Text("a\0b".into())).is_err());
    }
}
