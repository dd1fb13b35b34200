//! Deduplicate state: which values (by hash) a `deduplicate` action has seen lately.

use super::backend::begin_write;
use super::error::StoreError;
use super::store::Store;

impl Store {
    /// Records `hash` under `scope` and says whether it is new among the last `lookback`
    /// hashes recorded there; older ones are forgotten. One transaction, so concurrent runs
    /// agree on which event saw a value first.
    pub async fn dedup_seen(
        &self,
        scope: &str,
        hash: &str,
        lookback: i64,
    ) -> Result<bool, StoreError> {
        let inner = self.inner();
        let mut tx = begin_write(inner.pool())
            .await
            .map_err(|e| inner.db("updating deduplicate state", e))?;
        let next: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM dedup_seen WHERE scope = $1")
                .bind(scope)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| inner.db("reading deduplicate state", e))?;
        let seen: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM dedup_seen WHERE scope = $1 AND hash = $2")
                .bind(scope)
                .bind(hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| inner.db("reading deduplicate state", e))?;
        let duplicate = seen.is_some_and(|seq| seq > next - 1 - lookback);
        sqlx::query("INSERT INTO dedup_seen (scope, hash, seq) VALUES ($1, $2, $3) ON CONFLICT (scope, hash) DO UPDATE SET seq = excluded.seq")
            .bind(scope)
            .bind(hash)
            .bind(next)
            .execute(&mut *tx)
            .await
            .map_err(|e| inner.db("updating deduplicate state", e))?;
        sqlx::query("DELETE FROM dedup_seen WHERE scope = $1 AND seq <= $2")
            .bind(scope)
            .bind(next - lookback)
            .execute(&mut *tx)
            .await
            .map_err(|e| inner.db("updating deduplicate state", e))?;
        tx.commit()
            .await
            .map_err(|e| inner.db("updating deduplicate state", e))?;
        Ok(!duplicate)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{open, temp_dir};

    #[tokio::test]
    async fn remembers_the_last_lookback_values_across_handles() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        assert!(store.dedup_seen("w/a", "h1", 2).await.unwrap());
        assert!(store.dedup_seen("w/a", "h2", 2).await.unwrap());
        assert!(
            !store.dedup_seen("w/a", "h1", 2).await.unwrap(),
            "h1 is among the last 2"
        );
        assert!(
            store.dedup_seen("w/b", "h1", 2).await.unwrap(),
            "scopes are separate"
        );
        let again = open(dir.path()).await;
        assert!(again.dedup_seen("w/a", "h3", 2).await.unwrap());
        assert!(again.dedup_seen("w/a", "h4", 2).await.unwrap());
        assert!(
            again.dedup_seen("w/a", "h2", 2).await.unwrap(),
            "h2 fell out of the last 2"
        );
    }
}
