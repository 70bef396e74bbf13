//! The writer's promise on both backends: many write sets committed
//! together, each all-or-nothing — a set that conflicts or fails is rolled
//! back alone and the others commit.

use sqlx::{Connection, Executor, Row};
use vipps_store::{Db, DbOptions, WriteError, WriteSet};

async fn database(dir: &tempfile::TempDir) -> Db {
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            sqlx::any::install_default_drivers();
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
            conn.execute(format!("CREATE SCHEMA {schema}").as_str())
                .await
                .unwrap();
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}options=-c%20search_path%3D{schema}")
        }
        _ => format!("sqlite://{}/writer.db", dir.path().display()),
    };
    Db::connect(&url, DbOptions { max_connections: 2 })
        .await
        .unwrap()
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
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;

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
