//! The database backend behind the store. Every query names these aliases only, uses `$n`
//! placeholders and binds only `i64`, `String` and byte values, so the same SQL text runs on
//! SQLite and PostgreSQL; backend-specific statements live here.

use sqlx::{Pool, Sqlite, SqliteConnection, Transaction};

/// The sqlx database type the store runs on.
pub(super) type Db = Sqlite;
/// A pool of connections to the store.
pub(super) type DbPool = Pool<Db>;
/// One connection, as borrowed from a pool or a transaction.
pub(super) type DbConn = SqliteConnection;
/// A transaction that owns its pooled connection.
pub(super) type DbTx = Transaction<'static, Db>;

/// Begins a transaction that holds the write lock from its first statement.
pub(super) async fn begin_write(pool: &DbPool) -> Result<DbTx, sqlx::Error> {
    // A deferred BEGIN that writes after reading fails at once with SQLITE_BUSY when another
    // process committed in between (its snapshot is stale, so it cannot wait); IMMEDIATE takes
    // the lock up front and waits up to `busy_timeout` for it.
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Whether a database error means another connection held the lock for too long.
pub(super) fn is_busy(error: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i32 = 5;
    const SQLITE_LOCKED: i32 = 6;
    match error {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            // extended result codes keep the primary code in the low byte
            .is_some_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    use super::super::master_key::MASTER_KEY_FILE;
    use super::super::store::Store;
    use super::super::test_support::{open, temp_dir};

    const CHILD_DIR_ENV: &str = "RELAY_STORE_TEST_CHILD_DIR";
    const CHILD_TAG_ENV: &str = "RELAY_STORE_TEST_CHILD_TAG";
    const PER_WRITER: usize = 20;

    async fn write_and_read_back(store: &Store, tag: &str) {
        for i in 0..PER_WRITER {
            let name = format!("{tag}-{i}");
            let value = format!("value of {name}");
            if i % 2 == 0 {
                store
                    .put_secret(&name, value.as_bytes())
                    .await
                    .expect("put secret");
            } else {
                let expires = SystemTime::now() + Duration::from_secs(600);
                store
                    .put_secret_and_token(&name, value.as_bytes(), &name, value.as_bytes(), expires)
                    .await
                    .expect("put both");
            }
            let read = store
                .get_secret(&name)
                .await
                .expect("get")
                .expect("present");
            assert_eq!(read.as_slice(), value.as_bytes());
        }
    }

    async fn assert_written(store: &Store, tag: &str) {
        for i in 0..PER_WRITER {
            let name = format!("{tag}-{i}");
            let read = store
                .get_secret(&name)
                .await
                .expect("get")
                .expect("present");
            assert_eq!(
                read.as_slice(),
                format!("value of {name}").as_bytes(),
                "{name}"
            );
            if i % 2 == 1 {
                assert!(
                    store.get_token(&name).await.expect("get token").is_some(),
                    "{name}"
                );
            }
        }
    }

    #[tokio::test]
    async fn two_handles_open_write_rotate_and_read_concurrently() {
        let dir = temp_dir();
        // Both create the file, the schema and (racing) the master key at the same moment.
        let (a, b) = tokio::join!(open(dir.path()), open(dir.path()));
        let rotate_midway = async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            b.rotate_key().await.expect("rotate while the other writes")
        };
        let (_, _, report) = tokio::join!(
            write_and_read_back(&a, "a"),
            write_and_read_back(&b, "b"),
            rotate_midway
        );
        assert!(report.complete);
        for store in [&a, &b] {
            assert_written(store, "a").await;
            assert_written(store, "b").await;
        }
        let warnings = a.take_warnings().len() + b.take_warnings().len();
        assert!(warnings >= 1, "whoever created the key file warns");
        // A final rotation leaves exactly one data key: nobody wrapped one under another key.
        a.rotate_key().await.expect("rotate");
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_keys")
            .fetch_one(a.inner().pool())
            .await
            .expect("count");
        assert_eq!(keys, 1);
        assert_written(&open(dir.path()).await, "b").await;
    }

    #[tokio::test]
    async fn two_processes_share_one_store_file() {
        let dir = temp_dir();
        let exe = std::env::current_exe().expect("test binary");
        let children: Vec<_> = ["p1", "p2"]
            .into_iter()
            .map(|tag| {
                let (exe, dir) = (exe.clone(), dir.path().to_path_buf());
                tokio::task::spawn_blocking(move || {
                    std::process::Command::new(exe)
                        .args([
                            "--exact",
                            "store::backend::tests::child_process_writer",
                            "--ignored",
                            "--test-threads=1",
                        ])
                        .env(CHILD_DIR_ENV, dir)
                        .env(CHILD_TAG_ENV, tag)
                        .output()
                        .expect("run child")
                })
            })
            .collect();
        let store = open(dir.path()).await;
        write_and_read_back(&store, "parent").await;
        for child in children {
            let output = child.await.expect("join");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "child failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                stdout.contains("1 passed"),
                "the child must really run: {stdout}"
            );
        }
        for tag in ["parent", "p1", "p2"] {
            assert_written(&store, tag).await;
        }
        assert!(dir.path().join(MASTER_KEY_FILE).is_file());
    }

    /// The other process of `two_processes_share_one_store_file`; does nothing on its own.
    #[tokio::test]
    #[ignore = "helper run as a child process by two_processes_share_one_store_file"]
    async fn child_process_writer() {
        let (Some(dir), Some(tag)) = (
            std::env::var_os(CHILD_DIR_ENV),
            std::env::var(CHILD_TAG_ENV).ok(),
        ) else {
            return;
        };
        let store = open(Path::new(&dir)).await;
        write_and_read_back(&store, &tag).await;
        store.close().await;
    }
}
