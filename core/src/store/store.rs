//! `Store`: the handle the rest of Relay uses. Cheap to clone; every clone shares one pool.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::backend::{DbConn, DbPool, begin_write};
use super::data_keys::{Keyring, any_data_key};
use super::error::StoreError;
use super::master_key::{MasterKey, MasterKeySource};
use super::migrations::{SQLITE_MIGRATIONS, migrate};
use super::open_sqlite::open_pool;
use super::rotation::{RotationReport, rewrap, rotate};
use super::secrets::{self, SecretInfo};
use super::token_cache;
use super::transaction::StoreTx;
use super::warning::StoreWarning;

/// The state store: encrypted secrets and token cache (and, later, run history and the
/// schedule ledger), in SQLite today and behind the same API on PostgreSQL later.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

/// State shared by every clone of a `Store` and by its transactions.
pub(super) struct Inner {
    pool: DbPool,
    path: PathBuf,
    master_source: MasterKeySource,
    // Loaded on the first use of a secret, so commands that never touch one (`runs list`)
    // neither need nor create a master key.
    keyring: RwLock<Option<Arc<Keyring>>>,
    unlocking: tokio::sync::Mutex<()>,
    warnings: Mutex<Vec<StoreWarning>>,
}

impl Store {
    /// Opens (creating on first use) `<state_dir>/state.db`, with the master key from
    /// `RELAY_MASTER_KEY` or else `<state_dir>/master.key`.
    pub async fn open_sqlite(state_dir: &Path) -> Result<Store, StoreError> {
        Self::open_sqlite_with(state_dir, MasterKeySource::from_env(state_dir)).await
    }

    /// Like [`Store::open_sqlite`], with the master key from `master_key`.
    pub async fn open_sqlite_with(
        state_dir: &Path,
        master_key: MasterKeySource,
    ) -> Result<Store, StoreError> {
        let (pool, path) = open_pool(state_dir).await?;
        migrate(&pool, &path, SQLITE_MIGRATIONS).await?;
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                path,
                master_source: master_key,
                keyring: RwLock::new(None),
                unlocking: tokio::sync::Mutex::new(()),
                warnings: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Where the store lives, for messages (the database file for SQLite).
    pub fn location(&self) -> &Path {
        &self.inner.path
    }

    /// Notices to show the user (such as a new master key to back up), each returned once.
    pub fn take_warnings(&self) -> Vec<StoreWarning> {
        std::mem::take(
            &mut *self
                .inner
                .warnings
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Starts a write transaction: everything written through it becomes visible and durable
    /// together on [`StoreTx::commit`], or not at all. It holds the store's write lock, so
    /// keep it short and never await the network inside it.
    pub async fn begin(&self) -> Result<StoreTx, StoreError> {
        let tx = begin_write(&self.inner.pool)
            .await
            .map_err(|e| self.inner.db("starting a transaction", e))?;
        Ok(StoreTx::new(self.inner.clone(), tx))
    }

    /// Stores (or replaces) a secret, durably.
    pub async fn put_secret(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.put_secret(name, value).await?;
        tx.commit().await
    }

    /// A secret's value, if stored.
    pub async fn get_secret(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let mut conn = self.inner.acquire().await?;
        secrets::get(&mut conn, &self.inner, name).await
    }

    /// Deletes a secret; whether it existed.
    pub async fn delete_secret(&self, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let existed = tx.delete_secret(name).await?;
        tx.commit().await?;
        Ok(existed)
    }

    /// Every stored secret's name and update time, by name; never values.
    pub async fn list_secrets(&self) -> Result<Vec<SecretInfo>, StoreError> {
        let mut conn = self.inner.acquire().await?;
        secrets::list(&mut conn, &self.inner).await
    }

    /// Caches a token until `expires_at`, durably.
    pub async fn put_token(
        &self,
        credential: &str,
        value: &[u8],
        expires_at: SystemTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.put_token(credential, value, expires_at).await?;
        tx.commit().await
    }

    /// A cached token and its expiry, unless there is none or it has expired.
    pub async fn get_token(
        &self,
        credential: &str,
    ) -> Result<Option<(Zeroizing<Vec<u8>>, SystemTime)>, StoreError> {
        let mut conn = self.inner.acquire().await?;
        token_cache::get(&mut conn, &self.inner, credential).await
    }

    /// Drops a cached token; whether there was one.
    pub async fn delete_token(&self, credential: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let existed = tx.delete_token(credential).await?;
        tx.commit().await?;
        Ok(existed)
    }

    /// Stores a rotated refresh token and caches the access token that came with it in one
    /// durable transaction, so a crash never keeps one without the other.
    pub async fn put_secret_and_token(
        &self,
        secret_name: &str,
        secret_value: &[u8],
        credential: &str,
        token: &[u8],
        expires_at: SystemTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.put_secret(secret_name, secret_value).await?;
        tx.put_token(credential, token, expires_at).await?;
        tx.commit().await
    }

    /// Re-encrypts every record under a new data key and deletes the old keys. Each record is
    /// re-sealed in its own transaction, so an interrupted rotation leaves every record
    /// readable, and running it again finishes the job.
    pub async fn rotate_key(&self) -> Result<RotationReport, StoreError> {
        rotate(&self.inner, None).await
    }

    /// Re-wraps every data key under `new_master` in one transaction; this handle uses it from
    /// then on. Save `new_master` durably (key file or `RELAY_MASTER_KEY`) *before* calling,
    /// and keep the old key until this returns: the store is readable only with the new key
    /// afterwards. Returns how many data keys were re-wrapped.
    pub async fn rewrap_data_keys(&self, new_master: &MasterKey) -> Result<usize, StoreError> {
        rewrap(&self.inner, new_master).await
    }

    /// Closes every connection; pending writes are already durable. With the last connection
    /// closed, SQLite folds the WAL back into `state.db`.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    /// The state shared by clones (for the store's other modules).
    pub(super) fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// The database file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection pool.
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Wraps a database error with the store's location.
    pub fn db(&self, doing: &'static str, error: sqlx::Error) -> StoreError {
        StoreError::db(&self.path, doing, error)
    }

    /// A pooled connection for reads.
    pub async fn acquire(
        &self,
    ) -> Result<sqlx::pool::PoolConnection<super::backend::Db>, StoreError> {
        self.pool
            .acquire()
            .await
            .map_err(|e| self.db("connecting", e))
    }

    /// The keyring, loading the master key on first use. `conn` is the caller's connection
    /// (possibly inside its transaction), so loading never waits for a second pooled one.
    pub async fn keyring(&self, conn: &mut DbConn) -> Result<Arc<Keyring>, StoreError> {
        if let Some(keyring) = self.current_keyring() {
            return Ok(keyring);
        }
        let _one_loader = self.unlocking.lock().await;
        if let Some(keyring) = self.current_keyring() {
            return Ok(keyring);
        }
        let has_keys = any_data_key(conn)
            .await
            .map_err(|e| self.db("reading the data keys", e))?;
        let (master, warning) = self.master_source.load(!has_keys, &self.path)?;
        let keyring = Arc::new(Keyring::new(
            &master,
            self.master_source.origin(),
            &self.path,
        ));
        self.set_keyring(keyring.clone());
        if let Some(warning) = warning {
            self.warnings
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(warning);
        }
        Ok(keyring)
    }

    fn current_keyring(&self) -> Option<Arc<Keyring>> {
        self.keyring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the keyring (after re-wrapping under a new master key).
    pub fn set_keyring(&self, keyring: Arc<Keyring>) {
        *self.keyring.write().unwrap_or_else(PoisonError::into_inner) = Some(keyring);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use zeroize::Zeroizing;

    use super::super::master_key::{MASTER_KEY_FILE, MasterKey, MasterKeySource};
    use super::super::test_support::{file_names, files_containing, open, temp_dir};
    use super::*;

    const CANARY: &str = "canary-Secret-123!";

    fn in_an_hour() -> SystemTime {
        SystemTime::now() + Duration::from_secs(3600)
    }

    #[tokio::test]
    async fn secrets_round_trip_replace_delete_and_list() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        let before = SystemTime::now() - Duration::from_secs(1);
        store
            .put_secret("b_token", b"first value")
            .await
            .expect("put b");
        store
            .put_secret("a_token", b"\x00binary\xff")
            .await
            .expect("put a");
        store
            .put_secret("b_token", b"second value")
            .await
            .expect("replace b");
        assert_eq!(
            store
                .get_secret("b_token")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"second value"[..])
        );
        assert_eq!(
            store
                .get_secret("a_token")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"\x00binary\xff"[..])
        );
        assert_eq!(store.get_secret("missing").await.expect("get"), None);

        let listed = store.list_secrets().await.expect("list");
        let names: Vec<&str> = listed.iter().map(|info| info.name.as_str()).collect();
        assert_eq!(names, ["a_token", "b_token"]);
        assert!(
            listed
                .iter()
                .all(|info| info.updated_at >= before && info.updated_at <= SystemTime::now())
        );

        assert!(store.delete_secret("a_token").await.expect("delete"));
        assert!(!store.delete_secret("a_token").await.expect("delete again"));
        assert_eq!(store.get_secret("a_token").await.expect("get"), None);
        assert_eq!(store.list_secrets().await.expect("list").len(), 1);
    }

    #[tokio::test]
    async fn reads_of_an_empty_store_create_no_master_key() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        assert!(store.list_secrets().await.expect("list").is_empty());
        assert_eq!(store.get_secret("x").await.expect("get"), None);
        assert_eq!(store.get_token("x").await.expect("get"), None);
        assert!(!store.delete_token("x").await.expect("delete"));
        assert!(!dir.path().join(MASTER_KEY_FILE).exists());
        assert!(store.take_warnings().is_empty());
    }

    #[tokio::test]
    async fn first_secret_creates_the_key_file_and_warns_once() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        store.put_secret("s", b"value-1").await.expect("put");
        let key_file = dir.path().join(MASTER_KEY_FILE);
        assert!(key_file.is_file());
        let warnings = store.take_warnings();
        assert_eq!(
            warnings,
            [StoreWarning::MasterKeyCreated {
                path: key_file.clone()
            }]
        );
        assert!(warnings[0].to_string().contains("back it up"));
        assert!(store.take_warnings().is_empty());

        store.put_secret("t", b"value-2").await.expect("put");
        let other = open(dir.path()).await;
        assert_eq!(
            other
                .get_secret("s")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"value-1"[..])
        );
        assert!(store.take_warnings().is_empty());
        assert!(other.take_warnings().is_empty());
    }

    #[tokio::test]
    async fn tokens_expire_and_can_be_deleted() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        let expires = SystemTime::UNIX_EPOCH + Duration::from_millis(4_102_444_800_123); // 2100
        store
            .put_token("halo", b"access-1", expires)
            .await
            .expect("put");
        let (value, expires_at) = store.get_token("halo").await.expect("get").expect("live");
        assert_eq!(value.as_slice(), b"access-1");
        assert_eq!(expires_at, expires);

        store
            .put_token(
                "halo",
                b"access-2",
                SystemTime::now() - Duration::from_secs(1),
            )
            .await
            .expect("put");
        assert_eq!(
            store.get_token("halo").await.expect("get"),
            None,
            "an expired token is not returned"
        );

        store
            .put_token("halo", b"access-3", in_an_hour())
            .await
            .expect("put");
        assert!(store.delete_token("halo").await.expect("delete"));
        assert!(!store.delete_token("halo").await.expect("delete again"));
        assert_eq!(store.get_token("halo").await.expect("get"), None);
    }

    #[tokio::test]
    async fn empty_names_are_refused() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        assert!(matches!(
            store.put_secret("", b"v").await,
            Err(StoreError::EmptyName)
        ));
        assert!(matches!(
            store.put_token("", b"v", in_an_hour()).await,
            Err(StoreError::EmptyName)
        ));
    }

    #[tokio::test]
    async fn a_ciphertext_moved_to_another_row_or_table_does_not_decrypt() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        store
            .put_secret("alpha", b"alpha-value")
            .await
            .expect("put");
        store.put_secret("beta", b"beta-value").await.expect("put");
        store
            .put_token("alpha", b"token-value", in_an_hour())
            .await
            .expect("put");
        let pool = store.inner().pool();
        sqlx::query(
            "UPDATE secrets SET (key_id, nonce, ciphertext) =
                 (SELECT key_id, nonce, ciphertext FROM secrets WHERE name = 'alpha') WHERE name = 'beta'",
        )
        .execute(pool)
        .await
        .expect("copy row");
        let error = store
            .get_secret("beta")
            .await
            .expect_err("must not decrypt");
        assert!(matches!(error, StoreError::UnreadableSecret { ref name, .. } if name == "beta"));
        assert!(error.to_string().contains("relay credential set beta"));
        assert!(!error.to_string().contains("alpha-value"));
        assert_eq!(
            store
                .get_secret("alpha")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"alpha-value"[..])
        );

        sqlx::query(
            "UPDATE token_cache SET (key_id, nonce, ciphertext) =
                 (SELECT key_id, nonce, ciphertext FROM secrets WHERE name = 'alpha') WHERE credential = 'alpha'",
        )
        .execute(pool)
        .await
        .expect("copy into token cache");
        assert_eq!(
            store
                .get_token("alpha")
                .await
                .expect("dropped, not an error"),
            None
        );
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM token_cache")
            .fetch_one(pool)
            .await
            .expect("count");
        assert_eq!(left, 0, "the unreadable cache entry is removed");
    }

    #[tokio::test]
    async fn a_different_master_key_is_reported_not_used() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        store.put_secret("s", b"value").await.expect("put");
        store.close().await;
        let other_key = MasterKey::generate().expect("key").to_base64();
        let wrong = Store::open_sqlite_with(dir.path(), MasterKeySource::Base64(other_key))
            .await
            .expect("open");
        let error = wrong.get_secret("s").await.expect_err("wrong key");
        assert!(matches!(error, StoreError::WrongMasterKey { .. }));
        assert!(
            error
                .to_string()
                .starts_with("the master key from RELAY_MASTER_KEY does not open"),
            "{error}"
        );
        let error = wrong.put_secret("t", b"v").await.expect_err("wrong key");
        assert!(matches!(error, StoreError::WrongMasterKey { .. }));
    }

    #[tokio::test]
    async fn a_lost_key_file_is_not_silently_replaced() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        store.put_secret("s", b"value").await.expect("put");
        store.close().await;
        std::fs::remove_file(dir.path().join(MASTER_KEY_FILE)).expect("remove key");
        let reopened = open(dir.path()).await;
        let error = reopened.get_secret("s").await.expect_err("no key");
        assert!(
            matches!(error, StoreError::MasterKeyMissing { .. }),
            "{error}"
        );
        let error = reopened.put_secret("t", b"v").await.expect_err("no key");
        assert!(
            matches!(error, StoreError::MasterKeyMissing { .. }),
            "{error}"
        );
        assert!(!dir.path().join(MASTER_KEY_FILE).exists());
    }

    #[tokio::test]
    async fn a_transaction_writes_all_or_nothing() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        store
            .put_secret_and_token("refresh", b"refresh-1", "halo", b"access-1", in_an_hour())
            .await
            .expect("put");

        let mut tx = store.begin().await.expect("begin");
        tx.put_secret("refresh", b"refresh-2")
            .await
            .expect("put in tx");
        tx.put_token("halo", b"access-2", in_an_hour())
            .await
            .expect("put in tx");
        assert_eq!(
            tx.get_secret("refresh")
                .await
                .expect("read own write")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"refresh-2"[..])
        );
        // Another handle (another process) sees neither write before the commit.
        let other = open(dir.path()).await;
        assert_eq!(
            other
                .get_secret("refresh")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"refresh-1"[..])
        );
        drop(tx); // as a crash before commit would
        assert_eq!(
            store
                .get_secret("refresh")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"refresh-1"[..])
        );
        let (token, _) = store.get_token("halo").await.expect("get").expect("live");
        assert_eq!(token.as_slice(), b"access-1");

        store
            .put_secret_and_token("refresh", b"refresh-3", "halo", b"access-3", in_an_hour())
            .await
            .expect("put");
        assert_eq!(
            other
                .get_secret("refresh")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"refresh-3"[..])
        );
        let (token, _) = other.get_token("halo").await.expect("get").expect("live");
        assert_eq!(token.as_slice(), b"access-3");
    }

    #[tokio::test]
    async fn a_failed_write_in_a_transaction_keeps_the_earlier_ones_out() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        store.put_secret("refresh", b"old").await.expect("put");
        let result = store
            .put_secret_and_token("refresh", b"new", "", b"access", in_an_hour())
            .await;
        assert!(matches!(result, Err(StoreError::EmptyName)));
        assert_eq!(
            store
                .get_secret("refresh")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"old"[..])
        );
    }

    #[tokio::test]
    async fn nothing_secret_reaches_the_disk_in_clear() {
        let dir = temp_dir();
        let store = open(dir.path()).await;
        let token = format!("Bearer {CANARY}");
        store
            .put_secret("halo_refresh_token", CANARY.as_bytes())
            .await
            .expect("put");
        store
            .put_token("halo", token.as_bytes(), in_an_hour())
            .await
            .expect("put");
        store
            .put_secret_and_token(
                "rotated",
                CANARY.as_bytes(),
                "other",
                CANARY.as_bytes(),
                in_an_hour(),
            )
            .await
            .expect("put");
        store
            .put_secret("deleted", CANARY.as_bytes())
            .await
            .expect("put");
        store.delete_secret("deleted").await.expect("delete");
        store.rotate_key().await.expect("rotate");

        let needles: Vec<Vec<u8>> = vec![
            CANARY.as_bytes().to_vec(),
            STANDARD.encode(CANARY).into_bytes(),
            URL_SAFE_NO_PAD.encode(CANARY).into_bytes(),
            STANDARD.encode(&token).into_bytes(),
        ];
        let check = |when: &str| {
            for needle in &needles {
                let found = files_containing(dir.path(), needle);
                assert!(
                    found.is_empty(),
                    "{when}: {:?} found in {found:?}",
                    String::from_utf8_lossy(needle)
                );
            }
        };
        // While open, the writes sit in state.db-wal.
        assert!(file_names(dir.path()).contains(&"state.db-wal".to_owned()));
        check("while open");
        store.close().await;
        check("after close");
        // The values are really there, so the checks above could have failed.
        let reopened = open(dir.path()).await;
        assert_eq!(
            reopened
                .get_secret("halo_refresh_token")
                .await
                .expect("get")
                .as_deref()
                .map(Vec::as_slice),
            Some(CANARY.as_bytes())
        );
        let value: Zeroizing<Vec<u8>> = reopened
            .get_token("halo")
            .await
            .expect("get")
            .expect("live")
            .0;
        assert_eq!(value.as_slice(), token.as_bytes());
    }
}
