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
//! The simple protocol has no bind parameters, so values are rendered as
//! literals: integers as digits, text as a single-quoted string with `'`
//! doubled — exact under `standard_conforming_strings = on`, which every
//! connection sets — and NUL, which PostgreSQL text cannot hold, refused.

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

/// Replaces each `$n` outside string literals with the n-th value.
pub(crate) fn render(sql: &str, args: &[Value]) -> Result<String, WriteError> {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut chars = sql.char_indices().peekable();
    let mut in_string = false;
    while let Some((_, c)) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\'' {
                in_string = false;
            }
            continue;
        }
        match c {
            '\'' => {
                in_string = true;
                out.push(c);
            }
            '$' if chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) => {
                let mut n = 0usize;
                while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
                    n = n * 10 + d.to_digit(10).unwrap_or(0) as usize;
                    chars.next();
                }
                let v = args
                    .get(n.wrapping_sub(1))
                    .ok_or_else(|| WriteError::Db(format!("missing ${n}")))?;
                out.push_str(&literal(v)?);
            }
            _ => out.push(c),
        }
    }
    Ok(out)
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

/// The writer's own connection, with the statements it has prepared.
struct Session {
    conn: AnyConnection,
    /// By SQL, checked or not, and parameter types: the prepared name, or
    /// `None` when preparing failed and the statement is sent with literals.
    prepared: HashMap<(&'static str, bool, String), Option<String>>,
}

impl Session {
    async fn open(opts: &AnyConnectOptions) -> Result<Session, sqlx::Error> {
        let mut conn = AnyConnection::connect_with(opts).await?;
        // Arguments render text literals relying on this.
        finish(&mut conn, "SET standard_conforming_strings = on").await?;
        Ok(Session {
            conn,
            prepared: HashMap::new(),
        })
    }

    fn key(stmt: &Stmt) -> (&'static str, bool, String) {
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

    /// Prepares, outside any transaction, the statements not seen before.
    async fn prepare(&mut self, jobs: &[Job]) {
        for job in jobs {
            for stmt in &job.writes.0 {
                let key = Self::key(stmt);
                if self.prepared.contains_key(&key) {
                    continue;
                }
                let name = format!("vw{}", self.prepared.len());
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
                let ok = finish_owned(&mut self.conn, format!("PREPARE {name}{types} AS {sql}"))
                    .await
                    .is_ok();
                self.prepared.insert(key, ok.then_some(name));
            }
        }
    }

    /// One set as `SAVEPOINT s; …; RELEASE s;`, with how many results it yields.
    fn body(&self, writes: &WriteSet) -> Result<(String, usize), WriteError> {
        let mut out = String::from("SAVEPOINT s;\n");
        for stmt in &writes.0 {
            match self
                .prepared
                .get(&Self::key(stmt))
                .and_then(|n| n.as_deref())
            {
                Some(name) => {
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
                }
                None if stmt.must_change_one => {
                    out.push_str(&render(&checked(stmt.sql), &stmt.args)?)
                }
                None => out.push_str(&render(stmt.sql, &stmt.args)?),
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
        self.prepare(jobs).await;
        // `None`: done inside the transaction, pending its COMMIT.
        let mut results: Vec<Option<Result<(), WriteError>>> = jobs.iter().map(|_| None).collect();
        let mut bodies = Vec::with_capacity(jobs.len());
        for (job, result) in jobs.iter().zip(results.iter_mut()) {
            match self.body(&job.writes) {
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
    fn renders_literals_and_leaves_string_literals_alone() {
        let sql = "INSERT INTO t VALUES ($1, $2, '$1', $10, $2)";
        let args: Vec<Value> = (1..=10)
            .map(|i| {
                if i == 2 {
                    Value::Text("O'Brien".into())
                } else {
                    Value::I64(i)
                }
            })
            .collect();
        assert_eq!(
            render(sql, &args).unwrap(),
            "INSERT INTO t VALUES (1, 'O''Brien', '$1', 10, 'O''Brien')"
        );
    }

    #[test]
    fn nulls_carry_their_type_and_nul_is_refused() {
        assert_eq!(
            render("$1 $2", &[Value::NullI64, Value::NullText]).unwrap(),
            "NULL::bigint NULL::text"
        );
        assert!(render("$1", &[Value::Text("a\0b".into())]).is_err());
        assert!(render("$2", &[Value::I64(1)]).is_err());
    }

    #[test]
    fn quotes_cannot_escape_the_literal() {
        let evil = Value::Text("x'); DROP TABLE payments; --".into());
        assert_eq!(
            render("SELECT $1", &[evil]).unwrap(),
            "SELECT 'x''); DROP TABLE payments; --'"
        );
    }
}
