//! The SQLite files hold the token signing key, webhook secrets and
//! merchants' auth tokens: only their owner may read them.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;

use vipps_store::{Db, DbOptions};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_data_folder_and_database_files_are_the_owners_alone() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let file = data.join("sandbox.db");
    let db = Db::connect(
        &format!("sqlite://{}", file.display()),
        DbOptions { max_connections: 2 },
    )
    .await
    .unwrap();
    // A write makes SQLite create its WAL and shared-memory files.
    db.set_setting("probe", "1".into()).await.unwrap();
    assert_eq!(mode(&data), 0o700);
    for name in ["sandbox.db", "sandbox.db-wal", "sandbox.db-shm"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
}

#[tokio::test]
async fn an_existing_database_file_is_made_private() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("old.db");
    std::fs::write(&file, b"").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    Db::connect(
        &format!("sqlite://{}", file.display()),
        DbOptions { max_connections: 2 },
    )
    .await
    .unwrap();
    assert_eq!(mode(&file), 0o600);
}
