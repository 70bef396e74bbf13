//! Direct SQLite reads for the hottest queries.
//!
//! sqlx runs every SQLite connection on a thread of its own and each query
//! is a round trip to it; under load those hand-offs cost more than the
//! reads. For the few queries on every API call, a SQLite database is read
//! instead through a connection owned by the calling thread, in place: a WAL
//! read of a hot page takes microseconds, and WAL readers never wait for the
//! writer. PostgreSQL has no such path and goes through the pool.

use std::{cell::RefCell, collections::HashMap};

thread_local! {
    /// One read connection per database file, per thread.
    static READERS: RefCell<HashMap<String, rusqlite::Connection>> = RefCell::new(HashMap::new());
}

fn open(path: &str) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// Runs `f` on this thread's read connection to the database at `path`.
pub(crate) fn read<T>(
    path: &str,
    f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> anyhow::Result<T> {
    READERS.with(|readers| {
        let mut readers = readers.borrow_mut();
        if !readers.contains_key(path) {
            readers.insert(path.to_owned(), open(path)?);
        }
        let conn = readers.get(path).expect("just inserted");
        Ok(f(conn)?)
    })
}
