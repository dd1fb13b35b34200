//! Data keys: random 256-bit keys that seal records, stored wrapped under the master key, and
//! kept unwrapped in memory (wiped on drop) once used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chacha20poly1305::XChaCha20Poly1305;
use zeroize::Zeroizing;

use super::backend::DbConn;
use super::cipher::{KEY_LEN, NONCE_LEN, cipher_for, hex, open, random_bytes, record_aad, seal};
use super::clock::now_millis;
use super::error::StoreError;
use super::master_key::MasterKey;

/// The data-key cipher shared by every use of one key.
pub(super) type DataKey = Arc<XChaCha20Poly1305>;

/// The master key and the data keys unwrapped with it.
pub(super) struct Keyring {
    master: XChaCha20Poly1305,
    origin: String,
    store_path: PathBuf,
    unwrapped: Mutex<HashMap<String, DataKey>>,
}

impl Keyring {
    /// A keyring for `master`; `origin` says where it came from, for errors.
    pub fn new(master: &MasterKey, origin: String, store_path: &Path) -> Self {
        Keyring {
            master: cipher_for(master.bytes()),
            origin,
            store_path: store_path.to_path_buf(),
            unwrapped: Mutex::new(HashMap::new()),
        }
    }

    /// The same data keys under a different master key (after re-wrapping).
    pub fn with_master(&self, master: &MasterKey, origin: String) -> Self {
        Keyring {
            master: cipher_for(master.bytes()),
            origin,
            store_path: self.store_path.clone(),
            unwrapped: Mutex::new(self.cache().clone()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, DataKey>> {
        // The map is consistent after any panic (single inserts/removes), so poison is harmless.
        self.unwrapped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The key new records are sealed under, creating the first one when there is none. Call
    /// it inside a write transaction, so that no other process can change the active key until
    /// the record that uses it is committed.
    pub async fn active_key(&self, conn: &mut DbConn) -> Result<(String, DataKey), StoreError> {
        let active = sqlx::query_as::<_, (String, Vec<u8>)>(
            "SELECT id, wrapped_key FROM data_keys WHERE retired_at IS NULL",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| self.db("reading the active data key", e))?;
        match active {
            Some((id, wrapped)) => {
                let key = self.unwrap_cached(&id, &wrapped)?;
                Ok((id, key))
            }
            None => self.create(conn).await,
        }
    }

    /// The key with `id`, if the store still has it.
    pub async fn key(&self, conn: &mut DbConn, id: &str) -> Result<Option<DataKey>, StoreError> {
        if let Some(key) = self.cache().get(id) {
            return Ok(Some(key.clone()));
        }
        let wrapped =
            sqlx::query_scalar::<_, Vec<u8>>("SELECT wrapped_key FROM data_keys WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(|e| self.db("reading a data key", e))?;
        wrapped
            .map(|wrapped| self.unwrap_cached(id, &wrapped))
            .transpose()
    }

    /// Retires the active key and makes a new one active; inside a write transaction.
    pub async fn replace_active(&self, conn: &mut DbConn) -> Result<(String, DataKey), StoreError> {
        sqlx::query("UPDATE data_keys SET retired_at = $1 WHERE retired_at IS NULL")
            .bind(now_millis())
            .execute(&mut *conn)
            .await
            .map_err(|e| self.db("retiring the active data key", e))?;
        self.create(conn).await
    }

    /// Creates and stores a new active key.
    async fn create(&self, conn: &mut DbConn) -> Result<(String, DataKey), StoreError> {
        // Another process may have re-wrapped the data keys under a new master key since this
        // one loaded its own; a key wrapped under the stale master would be lost. This
        // transaction sees all keys under one master, so checking one is enough.
        let newest = sqlx::query_as::<_, (String, Vec<u8>)>(
            "SELECT id, wrapped_key FROM data_keys ORDER BY created_at DESC, id LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| self.db("reading the data keys", e))?;
        if let Some((id, wrapped)) = newest {
            self.unwrap(&id, &wrapped)?;
        }

        let id = hex(random_bytes::<16>()?.as_slice());
        let raw = random_bytes::<KEY_LEN>()?;
        let wrapped = self.wrap(&id, &raw)?;
        sqlx::query("INSERT INTO data_keys (id, wrapped_key, created_at, retired_at) VALUES ($1, $2, $3, NULL)")
            .bind(&id)
            .bind(wrapped)
            .bind(now_millis())
            .execute(&mut *conn)
            .await
            .map_err(|e| self.db("storing a new data key", e))?;
        let key: DataKey = Arc::new(cipher_for(&raw));
        self.cache().insert(id.clone(), key.clone());
        Ok((id, key))
    }

    /// Seals a raw data key under the master key, bound to its id.
    pub fn wrap(&self, id: &str, raw: &[u8; KEY_LEN]) -> Result<Vec<u8>, StoreError> {
        let sealed = seal(&self.master, &record_aad("data_keys", id), raw)?;
        let mut wrapped = sealed.nonce;
        wrapped.extend_from_slice(&sealed.ciphertext);
        Ok(wrapped)
    }

    /// Opens a wrapped data key; failure means the master key is not this store's.
    pub fn unwrap_raw(
        &self,
        id: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, StoreError> {
        let wrong_key = || StoreError::WrongMasterKey {
            store: self.store_path.clone(),
            origin: self.origin.clone(),
        };
        if wrapped.len() < NONCE_LEN {
            return Err(wrong_key());
        }
        let (nonce, ciphertext) = wrapped.split_at(NONCE_LEN);
        let plain = open(
            &self.master,
            &record_aad("data_keys", id),
            nonce,
            ciphertext,
        )
        .ok_or_else(wrong_key)?;
        let raw: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| wrong_key())?;
        Ok(Zeroizing::new(raw))
    }

    fn unwrap(&self, id: &str, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        let raw = self.unwrap_raw(id, wrapped)?;
        Ok(Arc::new(cipher_for(&raw)))
    }

    fn unwrap_cached(&self, id: &str, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        if let Some(key) = self.cache().get(id) {
            return Ok(key.clone());
        }
        let key = self.unwrap(id, wrapped)?;
        self.cache().insert(id.to_owned(), key.clone());
        Ok(key)
    }

    /// Drops a deleted key from memory.
    pub fn forget(&self, id: &str) {
        self.cache().remove(id);
    }

    fn db(&self, doing: &'static str, error: sqlx::Error) -> StoreError {
        StoreError::db(&self.store_path, doing, error)
    }
}

/// Whether the store has any data key, i.e. whether a master key was ever used with it.
pub(super) async fn any_data_key(conn: &mut DbConn) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM data_keys)")
        .fetch_one(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(byte: u8) -> Keyring {
        let master = MasterKey::from_base64(&base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            [byte; 32],
        ))
        .expect("key");
        Keyring::new(&master, "test".to_owned(), Path::new("state.db"))
    }

    #[test]
    fn wrapped_key_opens_only_with_its_master_and_id() {
        let ring = keyring(1);
        let raw = [5u8; KEY_LEN];
        let wrapped = ring.wrap("k1", &raw).expect("wrap");
        assert_eq!(wrapped.len(), NONCE_LEN + KEY_LEN + 16);
        assert_eq!(*ring.unwrap_raw("k1", &wrapped).expect("unwrap"), raw);
        assert!(matches!(
            ring.unwrap_raw("k2", &wrapped),
            Err(StoreError::WrongMasterKey { .. })
        ));
        assert!(matches!(
            keyring(2).unwrap_raw("k1", &wrapped),
            Err(StoreError::WrongMasterKey { .. })
        ));
        assert!(matches!(
            ring.unwrap_raw("k1", &wrapped[..10]),
            Err(StoreError::WrongMasterKey { .. })
        ));
    }
}
