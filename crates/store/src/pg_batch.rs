//! PostgreSQL write sets in two round trips.
//!
//! Over the extended protocol each statement is a round trip of its own, and
//! on a small machine those round trips — not the database's work — bound
//! the write rate. So a write set is sent as ONE simple-protocol message,
//! `BEGIN; s1; …; sN`, whose per-statement row counts come back together;
//! then `COMMIT`, or `ROLLBACK` when a checked statement changed no row.
//!
//! The simple protocol has no bind parameters, so values are rendered as
//! literals: integers as digits, text as a single-quoted string with `'`
//! doubled — exact under `standard_conforming_strings = on`, which every
//! connection sets — and NUL, which PostgreSQL text cannot hold, refused.

use futures::{future::BoxFuture, TryStreamExt};
use sqlx::{AnyConnection, Either, Executor};

use crate::writer::{Value, WriteError, WriteSet};

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

/// Row counts of every statement of a multi-statement script, in order.
///
/// Boxed with its lifetime spelled out: the compiler cannot otherwise prove
/// the stream's future `Send` for every lifetime, which spawned tasks need.
fn counts<'c>(
    conn: &'c mut AnyConnection,
    script: &'c str,
) -> BoxFuture<'c, Result<Vec<u64>, sqlx::Error>> {
    Box::pin(async move {
        let mut counts = Vec::new();
        let mut results = Executor::fetch_many(conn, sqlx::raw_sql(script));
        while let Some(item) = results.try_next().await? {
            if let Either::Left(done) = item {
                counts.push(done.rows_affected());
            }
        }
        Ok(counts)
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

/// Runs a write set atomically on `conn` in two round trips.
pub(crate) async fn write(conn: &mut AnyConnection, writes: &WriteSet) -> Result<(), WriteError> {
    let db = |e: sqlx::Error| WriteError::Db(e.to_string());
    let mut script = String::from("BEGIN;");
    for stmt in &writes.0 {
        script.push('\n');
        script.push_str(&render(stmt.sql, &stmt.args)?);
        script.push(';');
    }
    let outcome = counts(conn, &script).await;
    let end = match &outcome {
        // The first count is BEGIN's; the rest follow the statements.
        Ok(counts) if counts.len() == writes.0.len() + 1 => {
            let conflict = writes
                .0
                .iter()
                .zip(&counts[1..])
                .any(|(s, n)| s.must_change_one && *n != 1);
            if conflict {
                Err(WriteError::Conflict)
            } else {
                Ok(())
            }
        }
        Ok(counts) => Err(WriteError::Db(format!(
            "expected {} results, got {}",
            writes.0.len() + 1,
            counts.len()
        ))),
        Err(e) => Err(WriteError::Db(e.to_string())),
    };
    let end_sql = if end.is_ok() { "COMMIT" } else { "ROLLBACK" };
    finish(conn, end_sql).await.map_err(db)?;
    end
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
