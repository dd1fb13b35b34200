//! `StoreTx`: several writes committed atomically and durably, such as a rotated refresh token
//! together with the access token it came with.

use std::sync::Arc;
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::backend::DbTx;
use super::error::StoreError;
use super::secrets;
use super::store::Inner;
use super::token_cache;

/// A write transaction on the store; dropped without [`StoreTx::commit`], it changes nothing.
pub struct StoreTx {
    inner: Arc<Inner>,
    tx: DbTx,
}

impl StoreTx {
    pub(super) fn new(inner: Arc<Inner>, tx: DbTx) -> Self {
        StoreTx { inner, tx }
    }

    /// Stores (or replaces) a secret.
    pub async fn put_secret(&mut self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        secrets::put(&mut self.tx, &self.inner, name, value).await
    }

    /// A secret's value as this transaction sees it.
    pub async fn get_secret(
        &mut self,
        name: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        secrets::get(&mut self.tx, &self.inner, name).await
    }

    /// Deletes a secret; whether it existed.
    pub async fn delete_secret(&mut self, name: &str) -> Result<bool, StoreError> {
        secrets::delete(&mut self.tx, &self.inner, name).await
    }

    /// Caches a token until `expires_at`.
    pub async fn put_token(
        &mut self,
        credential: &str,
        value: &[u8],
        expires_at: SystemTime,
    ) -> Result<(), StoreError> {
        token_cache::put(&mut self.tx, &self.inner, credential, value, expires_at).await
    }

    /// Drops a cached token; whether there was one.
    pub async fn delete_token(&mut self, credential: &str) -> Result<bool, StoreError> {
        token_cache::delete(&mut self.tx, &self.inner, credential).await
    }

    /// Makes every write of this transaction visible and durable (the WAL is synced) at once.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx
            .commit()
            .await
            .map_err(|e| self.inner.db("committing", e))
    }

    /// Discards every write of this transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx
            .rollback()
            .await
            .map_err(|e| self.inner.db("rolling back", e))
    }
}
