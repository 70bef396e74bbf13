//! The writer's promise on both backends: many write sets committed
//! together, each all-or-nothing — a set that conflicts or fails is rolled
//! back alone and the others commit.

use sqlx::Row;
use vipps_store::{test_support::TestDatabase, Backend, Db, DbOptions, WriteError, WriteSet};

/// A database of the test's own, kept alive by the returned [`TestDatabase`].
async fn database() -> (TestDatabase, Db) {
    let t = TestDatabase::fresh().await;
    let db = t.connect(DbOptions { max_connections: 2 }).await;
    (t, db)
}

fn insert(key: &str) -> WriteSet {
    let mut w = WriteSet::new();
    w.push(
        "INSERT INTO settings (key, value) VALUES ($1, $2)",
        vec![key.into(), "v".into()],
    );
    w
}

async fn exists(db: &Db, key: &str) -> bool {
    sqlx::query("SELECT count(*) FROM settings WHERE key = $1")
        .bind(key)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
        == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_or_failing_set_is_rolled_back_alone() {
    let (_t, db) = database().await;

    let mut conflict = insert("conflict-first-half");
    conflict.push_checked(
        "UPDATE settings SET value = 'x' WHERE key = $1",
        vec!["no-such-key".into()],
    );
    let mut failing = insert("failing-first-half");
    // NOT NULL violation: a real database error in the middle of a set.
    failing.push(
        "INSERT INTO settings (key, value) VALUES ($1, NULL)",
        vec!["null-value".into()],
    );

    let mut sets: Vec<WriteSet> = (0..10).map(|i| insert(&format!("good-{i}"))).collect();
    sets.insert(3, conflict);
    sets.insert(7, failing);
    // Submitted together, so they share batches.
    let results = futures::future::join_all(sets.into_iter().map(|w| db.write(w))).await;

    assert!(
        matches!(results[3], Err(WriteError::Conflict)),
        "{:?}",
        results[3]
    );
    assert!(
        matches!(results[7], Err(WriteError::Db(_))),
        "{:?}",
        results[7]
    );
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 10);
    for i in 0..10 {
        assert!(exists(&db, &format!("good-{i}")).await, "good-{i}");
    }
    assert!(!exists(&db, "conflict-first-half").await);
    assert!(!exists(&db, "failing-first-half").await);

    // The writer goes on working after both.
    db.write(insert("afterwards")).await.unwrap();
    assert!(exists(&db, "afterwards").await);
}

/// Every `key → value` row of the settings table.
async fn settings(db: &Db) -> Vec<(String, String)> {
    sqlx::query("SELECT key, value FROM settings ORDER BY key")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

async fn tables(db: &Db) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY 1"
        }
    };
    sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Values that would change a statement if they were ever spliced into its
/// text instead of being passed as values.
const HOSTILE: &[&str] = &[
    "'",
    "''",
    "it's",
    "x'); DELETE FROM settings; --",
    "'; DROP TABLE settings; SELECT '",
    "\\",
    "\\'",
    "abc\\",
    "\\'; DROP TABLE settings; --",
    "$$",
    "$$; DROP TABLE settings; $$",
    "$tag$ x $tag$",
    "$1",
    "$2 $1",
    "E'\\x41'",
    "E'\\''; DROP TABLE settings; --",
    "-- a comment",
    "/* open",
    "*/",
    "/* c */ '",
    "; DROP TABLE settings",
    "a; DELETE FROM settings WHERE true; --",
    "\"quoted\"",
    "%_",
    "vipps_conflict 2",
    "line\nbreak\r\ttab",
    "ø æ å \u{feff} 😀",
    "",
];

/// Hostile values round-trip byte for byte, wherever a statement uses them,
/// and touch no other row or table; NUL is stored exactly or refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_values_cannot_change_a_statement() {
    let (_t, db) = database().await;
    let mut canary = WriteSet::new();
    canary.push(
        "INSERT INTO settings (key, value) VALUES ($1, $2)",
        vec!["canary".into(), "untouched".into()],
    );
    db.write(canary).await.unwrap();
    let tables_before = tables(&db).await;

    // All in one batch, each value as key and as value.
    let sets = HOSTILE.iter().enumerate().map(|(i, v)| {
        let mut w = WriteSet::new();
        w.push(
            "INSERT INTO settings (key, value) VALUES ($1, $2)",
            vec![format!("h{i:02}:{v}").into(), (*v).into()],
        );
        // The value in a WHERE clause and an expression, once more: exactly
        // one row changes, or the set is a conflict.
        w.push_checked(
            "UPDATE settings SET value = value || $1 WHERE key = $2",
            vec![(*v).into(), format!("h{i:02}:{v}").into()],
        );
        w
    });
    let results = futures::future::join_all(sets.map(|w| db.write(w))).await;
    for (v, r) in HOSTILE.iter().zip(&results) {
        assert!(r.is_ok(), "{v:?}: {r:?}");
    }

    // Negative numbers next to a minus sign are numbers, not a `--` comment.
    let mut minus = WriteSet::new();
    minus.push(
        "INSERT INTO settings (key, value) VALUES ($1, CAST($2 - $3 AS TEXT))",
        vec!["minus".into(), 1i64.into(), (-5i64).into()],
    );
    // The extremes of i64 survive as they are.
    for (key, n) in [("min", i64::MIN), ("max", i64::MAX)] {
        minus.push(
            "INSERT INTO settings (key, value) VALUES ($1, CAST($2 AS TEXT))",
            vec![key.into(), n.into()],
        );
    }
    db.write(minus).await.unwrap();

    let mut expected: Vec<(String, String)> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("h{i:02}:{v}"), format!("{v}{v}")))
        .collect();
    expected.push(("canary".into(), "untouched".into()));
    expected.push(("minus".into(), "6".into()));
    expected.push(("min".into(), i64::MIN.to_string()));
    expected.push(("max".into(), i64::MAX.to_string()));
    expected.sort();
    assert_eq!(settings(&db).await, expected);
    assert_eq!(tables(&db).await, tables_before);

    // NUL: PostgreSQL text cannot hold it, so it is refused there; wherever
    // it is accepted it must come back exactly.
    let mut nul = WriteSet::new();
    nul.push(
        "INSERT INTO settings (key, value) VALUES ($1, $2)",
        vec!["nul".into(), "a\0b'; DROP TABLE settings; --".into()],
    );
    match db.write(nul).await {
        Ok(()) => {
            assert_eq!(db.backend, Backend::Sqlite, "PostgreSQL accepted NUL");
            let got: String = sqlx::query("SELECT value FROM settings WHERE key = 'nul'")
                .fetch_one(db.pool())
                .await
                .unwrap()
                .get(0);
            assert_eq!(got, "a\0b'; DROP TABLE settings; --");
            expected.push(("nul".into(), got));
            expected.sort();
        }
        Err(e) => assert!(matches!(e, WriteError::Db(_)), "{e:?}"),
    }
    assert_eq!(settings(&db).await, expected);
    assert_eq!(tables(&db).await, tables_before);
}

/// A statement the database cannot prepare fails its own set with an error;
/// the sets around it commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_that_cannot_be_prepared_fails_its_set_alone() {
    let (_t, db) = database().await;
    let mut broken = insert("broken-first-half");
    broken.push(
        "INSERT INTO no_such_table (key) VALUES ($1)",
        vec!["x".into()],
    );
    let sets = vec![insert("before"), broken, insert("after")];
    let results = futures::future::join_all(sets.into_iter().map(|w| db.write(w))).await;
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(
        matches!(results[1], Err(WriteError::Db(_))),
        "{:?}",
        results[1]
    );
    assert!(results[2].is_ok(), "{:?}", results[2]);
    assert!(exists(&db, "before").await);
    assert!(!exists(&db, "broken-first-half").await);
    assert!(exists(&db, "after").await);
}
