//! Opening the SQLite file in the state directory: directory creation, connection settings,
//! WAL mode.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteSynchronous};

use super::backend::{DbPool, is_busy};
use super::error::{StoreError, io_reason};

/// The database file name inside the state directory.
pub const DATABASE_FILE: &str = "state.db";

/// How long a statement waits for another process's write lock. Write transactions never span
/// network calls, so waiting this long means something is stuck.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections per process; SQLite serialises writers anyway, so more only help parallel reads.
const MAX_CONNECTIONS: u32 = 4;

/// Creates the state directory if needed and opens (creating) `state.db` in WAL mode.
pub(super) async fn open_pool(state_dir: &Path) -> Result<(DbPool, PathBuf), StoreError> {
    create_state_dir(state_dir)?;
    let path = state_dir.join(DATABASE_FILE);
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        // FULL: in WAL mode every commit fsyncs the WAL, so a write is durable when the call
        // returns. NORMAL may lose the last commits on power loss, which for a rotated refresh
        // token means losing the only valid one. The store writes rarely; the fsync is cheap.
        .synchronous(SqliteSynchronous::Full)
        // Freed pages are zeroed, so a rotated-away ciphertext does not linger in the file.
        .pragma("secure_delete", "ON");
    let pool = SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(BUSY_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|error| open_error(&path, error))?;
    enable_wal(&pool, &path).await?;
    Ok((pool, path))
}

fn create_state_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        // Only the owner needs the state directory; it holds the master key file.
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|error| StoreError::CreateStateDir {
            dir: dir.to_path_buf(),
            reason: io_reason(&error),
        })
}

/// WAL lets readers run beside the one writer, so concurrent `relay` processes do not block
/// each other. It is a property of the file, set once; switching needs an exclusive lock that
/// `busy_timeout` does not wait for, so two processes creating the file together retry here.
async fn enable_wal(pool: &DbPool, path: &Path) -> Result<(), StoreError> {
    let started = Instant::now();
    loop {
        match sqlx::query_scalar::<_, String>("PRAGMA journal_mode = WAL")
            .fetch_one(pool)
            .await
        {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(StoreError::Open {
                    path: path.to_path_buf(),
                    reason: format!(
                        "its file system does not support SQLite's WAL mode (it stays in `{mode}` mode); use a local directory"
                    ),
                });
            }
            Err(error) if is_busy(&error) && started.elapsed() < BUSY_TIMEOUT => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => return Err(StoreError::db(path, "switching to WAL mode", error)),
        }
    }
}

fn open_error(path: &Path, error: sqlx::Error) -> StoreError {
    let reason = match &error {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io_reason(io),
        other => other.to_string(),
    };
    StoreError::Open {
        path: path.to_path_buf(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn creates_directory_and_file_with_durable_settings() {
        let temp = tempfile::tempdir().expect("tempdir");
        let dir = temp.path().join("nested").join(".relay");
        let (pool, path) = open_pool(&dir).await.expect("open");
        assert_eq!(path, dir.join(DATABASE_FILE));
        assert!(path.is_file());
        let mut conn = pool.acquire().await.expect("conn");
        let pragma = |name: &'static str| sqlx::query_scalar::<_, String>(name);
        assert_eq!(
            pragma("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await
                .expect("q"),
            "wal"
        );
        let number = |name: &'static str| sqlx::query_scalar::<_, i64>(name);
        assert_eq!(
            number("PRAGMA synchronous")
                .fetch_one(&mut *conn)
                .await
                .expect("q"),
            2
        ); // FULL
        assert_eq!(
            number("PRAGMA foreign_keys")
                .fetch_one(&mut *conn)
                .await
                .expect("q"),
            1
        );
        assert_eq!(
            number("PRAGMA busy_timeout")
                .fetch_one(&mut *conn)
                .await
                .expect("q"),
            30_000
        );
        assert_eq!(
            number("PRAGMA secure_delete")
                .fetch_one(&mut *conn)
                .await
                .expect("q"),
            1
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).expect("dir").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
    }

    #[tokio::test]
    async fn uncreatable_directory_says_to_set_state() {
        let temp = tempfile::tempdir().expect("tempdir");
        let file = temp.path().join("a-file");
        std::fs::write(&file, b"x").expect("write");
        let dir = file.join(".relay");
        let error = open_pool(&dir).await.expect_err("must fail");
        assert!(matches!(error, StoreError::CreateStateDir { .. }));
        assert_eq!(
            error.to_string(),
            format!(
                "cannot create the state directory `{}`: a path component is a file, not a directory; set `state:` in relay.yaml to a writable directory",
                dir.display()
            )
        );
    }

    #[tokio::test]
    async fn database_path_that_is_a_directory_is_an_open_error() {
        let temp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(temp.path().join(DATABASE_FILE)).expect("mkdir");
        let error = open_pool(temp.path()).await.expect_err("must fail");
        assert!(matches!(error, StoreError::Open { .. }), "{error}");
        assert!(error.to_string().contains("set `state:` in relay.yaml"));
    }
}
