//! The schema: embedded SQL scripts applied in order, each in its own write transaction, and
//! recorded in `schema_migrations(version, applied_at)`.

use std::path::Path;

use super::backend::{DbConn, DbPool, begin_write};
use super::clock::now_millis;
use super::error::StoreError;

/// One schema step.
pub(super) struct Migration {
    /// Its position; versions start at 1 and have no gaps.
    pub version: i64,
    /// A short name for error messages.
    pub name: &'static str,
    /// The SQL script.
    pub sql: &'static str,
}

/// Every migration, oldest first. A later issue adds its tables by appending a script here.
pub(super) const SQLITE_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "encrypted store",
        sql: include_str!("migrations/sqlite/0001_encrypted_store.sql"),
    },
    Migration {
        version: 2,
        name: "run history and schedule ledger",
        sql: include_str!("migrations/sqlite/0002_history.sql"),
    },
    Migration {
        version: 3,
        name: "deduplicate state",
        sql: include_str!("migrations/sqlite/0003_dedup.sql"),
    },
    Migration {
        version: 4,
        name: "run holder",
        sql: include_str!("migrations/sqlite/0004_run_holder.sql"),
    },
];

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at INTEGER NOT NULL
)";

/// Brings the schema up to date. Safe when several processes open the store at once: each step
/// re-reads the version under the write lock, so a step applied by another process is skipped.
pub(super) async fn migrate(
    pool: &DbPool,
    path: &Path,
    migrations: &[Migration],
) -> Result<(), StoreError> {
    let known = migrations.last().map_or(0, |m| m.version);
    // Fast path without the write lock: processes opening an up-to-date store never queue.
    // An error (such as no ledger yet on a new file) just takes the locked path below.
    if let Ok(current) = current_version(&mut *acquire(pool, path).await?).await
        && current >= known
    {
        return check_not_newer(path, current, known);
    }
    loop {
        let mut tx = begin_write(pool)
            .await
            .map_err(|e| StoreError::db(path, "locking the state store to upgrade it", e))?;
        sqlx::query(CREATE_LEDGER)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::db(path, "creating the schema ledger", e))?;
        let current = current_version(&mut tx)
            .await
            .map_err(|e| StoreError::db(path, "reading the schema version", e))?;
        check_not_newer(path, current, known)?;
        let Some(next) = migrations.iter().find(|m| m.version > current) else {
            tx.commit()
                .await
                .map_err(|e| StoreError::db(path, "reading the schema version", e))?;
            return Ok(());
        };
        let failed = |error: sqlx::Error| StoreError::Migration {
            path: path.to_path_buf(),
            version: next.version,
            name: next.name,
            message: error.to_string(),
        };
        sqlx::raw_sql(next.sql)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(next.version)
            .bind(now_millis())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
    }
}

async fn acquire(
    pool: &DbPool,
    path: &Path,
) -> Result<sqlx::pool::PoolConnection<super::backend::Db>, StoreError> {
    pool.acquire()
        .await
        .map_err(|e| StoreError::db(path, "connecting", e))
}

async fn current_version(conn: &mut DbConn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(conn)
        .await
        .map(|version| version.unwrap_or(0))
}

fn check_not_newer(path: &Path, found: i64, known: i64) -> Result<(), StoreError> {
    if found > known {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::open_sqlite::open_pool;
    use super::*;

    async fn versions(pool: &DbPool) -> Vec<i64> {
        sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .expect("versions")
    }

    #[tokio::test]
    async fn applies_each_script_once_and_creates_the_tables() {
        let temp = tempfile::tempdir().expect("tempdir");
        let (pool, path) = open_pool(temp.path()).await.expect("open");
        migrate(&pool, &path, SQLITE_MIGRATIONS)
            .await
            .expect("first");
        migrate(&pool, &path, SQLITE_MIGRATIONS)
            .await
            .expect("second");
        assert_eq!(versions(&pool).await, vec![1, 2, 3, 4]);
        for table in [
            "data_keys",
            "secrets",
            "token_cache",
            "runs",
            "action_executions",
            "schedule_fires",
            "dedup_seen",
        ] {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(table)
            .fetch_one(&pool)
            .await
            .expect("count");
            assert_eq!(count, 1, "{table}");
        }
    }

    #[tokio::test]
    async fn later_scripts_apply_on_top_and_a_failing_one_rolls_back() {
        let temp = tempfile::tempdir().expect("tempdir");
        let (pool, path) = open_pool(temp.path()).await.expect("open");
        migrate(&pool, &path, &SQLITE_MIGRATIONS[..1])
            .await
            .expect("v1");
        let broken = [
            Migration {
                version: 1,
                name: "encrypted store",
                sql: SQLITE_MIGRATIONS[0].sql,
            },
            Migration {
                version: 2,
                name: "half",
                sql: "CREATE TABLE runs (id TEXT); CREATE TABLE nonsense (",
            },
        ];
        let error = migrate(&pool, &path, &broken).await.expect_err("fails");
        assert!(
            matches!(error, StoreError::Migration { version: 2, .. }),
            "{error}"
        );
        let runs: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'runs'")
                .fetch_one(&pool)
                .await
                .expect("count");
        assert_eq!(
            runs, 0,
            "the failed script's first statement must be rolled back"
        );
        assert_eq!(versions(&pool).await, vec![1]);

        let fixed = [
            Migration {
                version: 1,
                name: "encrypted store",
                sql: SQLITE_MIGRATIONS[0].sql,
            },
            Migration {
                version: 2,
                name: "runs",
                sql: "CREATE TABLE runs (id TEXT PRIMARY KEY)",
            },
        ];
        migrate(&pool, &path, &fixed).await.expect("v2");
        assert_eq!(versions(&pool).await, vec![1, 2]);
    }

    #[tokio::test]
    async fn a_store_from_a_newer_relay_is_refused() {
        let temp = tempfile::tempdir().expect("tempdir");
        let (pool, path) = open_pool(temp.path()).await.expect("open");
        migrate(&pool, &path, SQLITE_MIGRATIONS).await.expect("v1");
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
            .execute(&pool)
            .await
            .expect("insert");
        let error = migrate(&pool, &path, SQLITE_MIGRATIONS)
            .await
            .expect_err("refused");
        assert!(matches!(
            error,
            StoreError::NewerSchema {
                found: 99,
                known: 4,
                ..
            }
        ));
        assert!(error.to_string().contains("upgrade relay"));
    }
}
