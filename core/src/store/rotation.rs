//! Data key rotation (`relay credential rotate-key`) and re-wrapping under a new master key.

use std::sync::Arc;

use super::backend::begin_write;
use super::cipher::{record_aad, seal};
use super::data_keys::Keyring;
use super::encrypted_table::{ENCRYPTED_TABLES, EncryptedTable};
use super::error::StoreError;
use super::master_key::MasterKey;
use super::store::Inner;
use super::token_cache;

/// What a key rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationReport {
    /// The id of the new active data key.
    pub new_key_id: String,
    /// Records re-encrypted under it.
    pub reencrypted: usize,
    /// Expired cached tokens dropped instead of re-encrypted.
    pub expired_tokens_dropped: u64,
    /// Old data keys deleted because no record uses them any more.
    pub keys_deleted: usize,
    /// False when stopped early (test hook); a later rotation completes the work.
    pub complete: bool,
}

/// Records fetched per query while looking for ones under an old key.
const BATCH: i64 = 100;

/// Rotates the data key. `stop_after` stops after that many re-encrypted records, leaving the
/// store as a crash at that point would (for tests of interrupted rotations).
pub(super) async fn rotate(
    inner: &Inner,
    stop_after: Option<usize>,
) -> Result<RotationReport, StoreError> {
    let mut tx = begin_write(inner.pool())
        .await
        .map_err(|e| inner.db("starting a key rotation", e))?;
    let keyring = inner.keyring(&mut tx).await?;
    let (new_key_id, _) = keyring.replace_active(&mut tx).await?;
    tx.commit()
        .await
        .map_err(|e| inner.db("creating a new data key", e))?;

    let mut report = RotationReport {
        new_key_id,
        reencrypted: 0,
        expired_tokens_dropped: 0,
        keys_deleted: 0,
        complete: false,
    };
    {
        let mut conn = inner.acquire().await?;
        // An expired token can never be returned again: dropping beats re-encrypting it.
        report.expired_tokens_dropped = token_cache::delete_expired(&mut conn, inner).await?;
    }
    for table in ENCRYPTED_TABLES {
        loop {
            let names = stale_names(inner, table).await?;
            if names.is_empty() {
                break;
            }
            for name in names {
                if stop_after.is_some_and(|limit| report.reencrypted >= limit) {
                    return Ok(report);
                }
                if reseal(inner, &keyring, table, &name).await? {
                    report.reencrypted += 1;
                }
            }
        }
    }
    report.keys_deleted = delete_unused_keys(inner, &keyring).await?;
    report.complete = true;
    Ok(report)
}

/// Names of rows not under the currently active key (read without the write lock).
async fn stale_names(inner: &Inner, table: &EncryptedTable) -> Result<Vec<String>, StoreError> {
    let mut conn = inner.acquire().await?;
    let active: Option<String> =
        sqlx::query_scalar("SELECT id FROM data_keys WHERE retired_at IS NULL")
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| inner.db("reading the active data key", e))?;
    let Some(active) = active else {
        return Ok(Vec::new());
    };
    sqlx::query_scalar(table.stale_names)
        .bind(active)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| inner.db("listing records to re-encrypt", e))
}

/// Re-seals one row under the active key in its own transaction; whether it changed. The row
/// and the active key are re-read under the write lock, so a concurrent write or rotation by
/// another process is never overwritten with stale data.
async fn reseal(
    inner: &Inner,
    keyring: &Keyring,
    table: &EncryptedTable,
    name: &str,
) -> Result<bool, StoreError> {
    let mut tx = begin_write(inner.pool())
        .await
        .map_err(|e| inner.db("re-encrypting a record", e))?;
    let Some(row) = table
        .read_sealed(&mut tx, name)
        .await
        .map_err(|e| inner.db("re-encrypting a record", e))?
    else {
        return Ok(false);
    };
    let (active_id, active_key) = keyring.active_key(&mut tx).await?;
    if row.key_id == active_id {
        return Ok(false);
    }
    let Some(value) = table.open_row(&mut tx, keyring, name, &row).await? else {
        if table.disposable {
            sqlx::query(table.delete)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(|e| inner.db("dropping an unreadable cached token", e))?;
            tx.commit()
                .await
                .map_err(|e| inner.db("dropping an unreadable cached token", e))?;
            return Ok(false);
        }
        return Err(StoreError::UnreadableSecret {
            store: inner.path().to_path_buf(),
            name: name.to_owned(),
        });
    };
    let sealed = seal(&active_key, &record_aad(table.table, name), &value)?;
    sqlx::query(table.update_sealed)
        .bind(active_id)
        .bind(sealed.nonce)
        .bind(sealed.ciphertext)
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(|e| inner.db("re-encrypting a record", e))?;
    tx.commit()
        .await
        .map_err(|e| inner.db("re-encrypting a record", e))?;
    Ok(true)
}

/// Deletes retired keys that no record uses; how many.
async fn delete_unused_keys(inner: &Inner, keyring: &Keyring) -> Result<usize, StoreError> {
    let doing = "deleting retired data keys";
    let mut tx = begin_write(inner.pool())
        .await
        .map_err(|e| inner.db(doing, e))?;
    let retired: Vec<String> =
        sqlx::query_scalar("SELECT id FROM data_keys WHERE retired_at IS NOT NULL")
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| inner.db(doing, e))?;
    let mut deleted = Vec::new();
    'keys: for id in retired {
        for table in ENCRYPTED_TABLES {
            let used: bool = sqlx::query_scalar(table.uses_key)
                .bind(&id)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| inner.db(doing, e))?;
            if used {
                continue 'keys;
            }
        }
        sqlx::query("DELETE FROM data_keys WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(|e| inner.db(doing, e))?;
        deleted.push(id);
    }
    tx.commit().await.map_err(|e| inner.db(doing, e))?;
    for id in &deleted {
        keyring.forget(id);
    }
    Ok(deleted.len())
}

/// Re-wraps every data key under `new_master` in one transaction.
pub(super) async fn rewrap(inner: &Inner, new_master: &MasterKey) -> Result<usize, StoreError> {
    let doing = "re-wrapping the data keys";
    let mut tx = begin_write(inner.pool())
        .await
        .map_err(|e| inner.db(doing, e))?;
    let keyring = inner.keyring(&mut tx).await?;
    let next = Arc::new(keyring.with_master(new_master, "the new master key".to_owned()));
    let keys: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT id, wrapped_key FROM data_keys")
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| inner.db(doing, e))?;
    for (id, wrapped) in &keys {
        let raw = keyring.unwrap_raw(id, wrapped)?;
        sqlx::query("UPDATE data_keys SET wrapped_key = $1 WHERE id = $2")
            .bind(next.wrap(id, &raw)?)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| inner.db(doing, e))?;
    }
    tx.commit().await.map_err(|e| inner.db(doing, e))?;
    inner.set_keyring(next);
    Ok(keys.len())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::{Duration, SystemTime};

    use super::super::master_key::{MASTER_KEY_FILE, MasterKeySource};
    use super::super::store::Store;
    use super::super::test_support::{open, temp_dir};
    use super::*;

    fn in_an_hour() -> SystemTime {
        SystemTime::now() + Duration::from_secs(3600)
    }

    async fn key_ids_in_use(store: &Store) -> BTreeSet<String> {
        sqlx::query_scalar("SELECT key_id FROM secrets UNION SELECT key_id FROM token_cache")
            .fetch_all(store.inner().pool())
            .await
            .expect("key ids")
            .into_iter()
            .collect()
    }

    async fn data_key_count(store: &Store) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM data_keys")
            .fetch_one(store.inner().pool())
            .await
            .expect("count")
    }

    async fn fill(store: &Store, secrets: usize, tokens: usize) {
        for i in 0..secrets {
            store
                .put_secret(
                    &format!("secret-{i:02}"),
                    format!("secret value {i}").as_bytes(),
                )
                .await
                .expect("put");
        }
        for i in 0..tokens {
            store
                .put_token(
                    &format!("token-{i}"),
                    format!("token value {i}").as_bytes(),
                    in_an_hour(),
                )
                .await
                .expect("put");
        }
    }

    async fn assert_all_readable(store: &Store, secrets: usize, tokens: usize) {
        for i in 0..secrets {
            let value = store
                .get_secret(&format!("secret-{i:02}"))
                .await
                .expect("get")
                .expect("present");
            assert_eq!(value.as_slice(), format!("secret value {i}").as_bytes());
        }
        for i in 0..tokens {
            let (value, _) = store
                .get_token(&format!("token-{i}"))
                .await
                .expect("get")
                .expect("live");
            assert_eq!(value.as_slice(), format!("token value {i}").as_bytes());
        }
    }

    #[tokio::test]
    async fn rotation_reseals_everything_and_deletes_the_old_key() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        fill(&store, 5, 2).await;
        store
            .put_token(
                "stale",
                b"expired",
                SystemTime::now() - Duration::from_secs(5),
            )
            .await
            .expect("put");
        let old_keys = key_ids_in_use(&store).await;
        assert_eq!(old_keys.len(), 1);
        let old_ciphertexts: Vec<Vec<u8>> = sqlx::query_scalar("SELECT ciphertext FROM secrets")
            .fetch_all(store.inner().pool())
            .await
            .expect("read");

        let report = store.rotate_key().await.expect("rotate");
        assert_eq!(report.reencrypted, 7);
        assert_eq!(report.expired_tokens_dropped, 1);
        assert_eq!(report.keys_deleted, 1);
        assert!(report.complete);
        assert_eq!(
            key_ids_in_use(&store).await,
            BTreeSet::from([report.new_key_id.clone()])
        );
        assert!(old_keys.is_disjoint(&key_ids_in_use(&store).await));
        assert_eq!(data_key_count(&store).await, 1);
        let new_ciphertexts: Vec<Vec<u8>> = sqlx::query_scalar("SELECT ciphertext FROM secrets")
            .fetch_all(store.inner().pool())
            .await
            .expect("read");
        assert!(
            old_ciphertexts
                .iter()
                .all(|old| !new_ciphertexts.contains(old))
        );
        assert_all_readable(&store, 5, 2).await;
        // Another process, with the old key cached nowhere, reads them too.
        assert_all_readable(&open(dir.path()).await, 5, 2).await;
    }

    #[tokio::test]
    async fn an_interrupted_rotation_loses_nothing_and_a_second_one_finishes() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        fill(&store, 10, 3).await;
        let first_key = key_ids_in_use(&store).await;

        let report = rotate(store.inner(), Some(4))
            .await
            .expect("partial rotation");
        assert!(!report.complete);
        assert_eq!(report.reencrypted, 4);
        store.close().await; // the process dies here

        let reopened = open(dir.path()).await;
        assert_all_readable(&reopened, 10, 3).await;
        let in_use = key_ids_in_use(&reopened).await;
        assert_eq!(in_use.len(), 2, "half the records under each key");
        assert!(in_use.contains(&report.new_key_id));
        assert_eq!(data_key_count(&reopened).await, 2);
        // Writes between the two rotations use the interrupted rotation's key.
        reopened
            .put_secret("secret-00", b"secret value 0")
            .await
            .expect("put");

        let finished = reopened.rotate_key().await.expect("second rotation");
        assert!(finished.complete);
        assert_eq!(finished.reencrypted, 13);
        assert_eq!(finished.keys_deleted, 2);
        assert_eq!(
            key_ids_in_use(&reopened).await,
            BTreeSet::from([finished.new_key_id.clone()])
        );
        assert!(first_key.is_disjoint(&key_ids_in_use(&reopened).await));
        assert_eq!(data_key_count(&reopened).await, 1);
        assert_all_readable(&reopened, 10, 3).await;
    }

    #[tokio::test]
    async fn an_unreadable_secret_stops_rotation_by_name_and_a_bad_token_is_dropped() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        fill(&store, 2, 2).await;
        let pool = store.inner().pool();
        sqlx::query("UPDATE token_cache SET ciphertext = X'00112233445566778899aabbccddeeff00' WHERE credential = 'token-0'")
            .execute(pool)
            .await
            .expect("corrupt token");
        sqlx::query("UPDATE secrets SET ciphertext = X'00112233445566778899aabbccddeeff00' WHERE name = 'secret-01'")
            .execute(pool)
            .await
            .expect("corrupt secret");
        let error = store.rotate_key().await.expect_err("stops");
        assert!(
            matches!(error, StoreError::UnreadableSecret { ref name, .. } if name == "secret-01"),
            "{error}"
        );
        // Fixing the secret lets the rotation finish; the broken cache entry is just dropped.
        store
            .put_secret("secret-01", b"secret value 1")
            .await
            .expect("set again");
        let report = store.rotate_key().await.expect("rotate");
        assert!(report.complete);
        assert_eq!(data_key_count(&store).await, 1);
        assert_all_readable(&store, 2, 0).await;
        assert_eq!(store.get_token("token-0").await.expect("get"), None);
        assert!(store.get_token("token-1").await.expect("get").is_some());
    }

    #[tokio::test]
    async fn rotating_an_empty_store_just_makes_a_key() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        let report = store.rotate_key().await.expect("rotate");
        assert_eq!(
            (report.reencrypted, report.keys_deleted, report.complete),
            (0, 0, true)
        );
        assert_eq!(data_key_count(&store).await, 1);
    }

    #[tokio::test]
    async fn rewrapping_moves_the_store_to_a_new_master_key() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        fill(&store, 3, 1).await;
        store.rotate_key().await.expect("rotate"); // so more than one key has existed
        store
            .put_secret("extra", b"extra value")
            .await
            .expect("put");

        let new_master = MasterKey::generate().expect("key");
        assert_eq!(
            store.rewrap_data_keys(&new_master).await.expect("rewrap"),
            1
        );
        // This handle goes on working with the new master key.
        store
            .put_secret("after", b"after value")
            .await
            .expect("put");
        store.close().await;

        let with_new =
            Store::open_sqlite_with(dir.path(), MasterKeySource::Base64(new_master.to_base64()))
                .await
                .expect("open");
        assert_all_readable(&with_new, 3, 1).await;
        assert_eq!(
            with_new
                .get_secret("after")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"after value"[..])
        );

        let with_old = Store::open_sqlite_with(
            dir.path(),
            MasterKeySource::File(dir.path().join(MASTER_KEY_FILE)),
        )
        .await
        .expect("open");
        let error = with_old
            .get_secret("extra")
            .await
            .expect_err("old key no longer opens");
        assert!(matches!(error, StoreError::WrongMasterKey { .. }));
    }

    #[tokio::test]
    async fn a_handle_with_a_stale_master_key_cannot_add_a_data_key() {
        let dir = temp_dir();
        let stale = open(dir.path()).await;
        stale.put_secret("s", b"value").await.expect("put");
        let other = open(dir.path()).await;
        let new_master = MasterKey::generate().expect("key");
        other.rewrap_data_keys(&new_master).await.expect("rewrap");
        // `stale` still holds the old master key; a key it wrapped would be unreadable later.
        let error = stale.rotate_key().await.expect_err("refused");
        assert!(
            matches!(error, StoreError::WrongMasterKey { .. }),
            "{error}"
        );
        assert_eq!(data_key_count(&other).await, 1);
    }
}
