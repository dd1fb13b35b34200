//! The tables whose rows hold sealed values, described once so that key rotation and key
//! retirement cover every one of them. A later table with encrypted columns adds an entry here.

use zeroize::Zeroizing;

use super::backend::DbConn;
use super::cipher::{Sealed, open, record_aad, seal};
use super::data_keys::Keyring;
use super::error::StoreError;

/// The SQL a key rotation needs for one table whose rows carry `key_id`, `nonce`, `ciphertext`.
pub(super) struct EncryptedTable {
    /// The table name, also the table part of each record's AAD.
    pub table: &'static str,
    /// A cache: a row that cannot be decrypted is dropped (it can be fetched again) instead of
    /// stopping a rotation.
    pub disposable: bool,
    /// Up to `$2` row names whose key is not `$1`.
    pub stale_names: &'static str,
    /// `key_id, nonce, ciphertext` of the row named `$1`.
    pub select_sealed: &'static str,
    /// Re-seals the row named `$4` with key `$1`, nonce `$2`, ciphertext `$3`.
    pub update_sealed: &'static str,
    /// Deletes the row named `$1`.
    pub delete: &'static str,
    /// Whether any row uses key `$1`.
    pub uses_key: &'static str,
}

/// Stored secrets (`relay credential set`, rotated refresh tokens).
pub(super) const SECRETS: EncryptedTable = EncryptedTable {
    table: "secrets",
    disposable: false,
    stale_names: "SELECT name FROM secrets WHERE key_id <> $1 ORDER BY name LIMIT $2",
    select_sealed: "SELECT key_id, nonce, ciphertext FROM secrets WHERE name = $1",
    update_sealed: "UPDATE secrets SET key_id = $1, nonce = $2, ciphertext = $3 WHERE name = $4",
    delete: "DELETE FROM secrets WHERE name = $1",
    uses_key: "SELECT EXISTS (SELECT 1 FROM secrets WHERE key_id = $1)",
};

/// Cached access tokens.
pub(super) const TOKEN_CACHE: EncryptedTable = EncryptedTable {
    table: "token_cache",
    disposable: true,
    stale_names: "SELECT credential FROM token_cache WHERE key_id <> $1 ORDER BY credential LIMIT $2",
    select_sealed: "SELECT key_id, nonce, ciphertext FROM token_cache WHERE credential = $1",
    update_sealed: "UPDATE token_cache SET key_id = $1, nonce = $2, ciphertext = $3 WHERE credential = $4",
    delete: "DELETE FROM token_cache WHERE credential = $1",
    uses_key: "SELECT EXISTS (SELECT 1 FROM token_cache WHERE key_id = $1)",
};

/// Every table with sealed values.
pub(super) const ENCRYPTED_TABLES: [&EncryptedTable; 2] = [&SECRETS, &TOKEN_CACHE];

/// A sealed value as stored in a row.
pub(super) struct SealedRow {
    /// The data key it is sealed under.
    pub key_id: String,
    /// Its nonce.
    pub nonce: Vec<u8>,
    /// Its ciphertext and tag.
    pub ciphertext: Vec<u8>,
}

impl EncryptedTable {
    /// Seals `value` for the row `name` under the active data key; returns the key id used.
    pub async fn seal_for(
        &self,
        conn: &mut DbConn,
        keyring: &Keyring,
        name: &str,
        value: &[u8],
    ) -> Result<(String, Sealed), StoreError> {
        let (key_id, key) = keyring.active_key(conn).await?;
        let sealed = seal(&key, &record_aad(self.table, name), value)?;
        Ok((key_id, sealed))
    }

    /// The sealed value of the row `name`, if it exists.
    pub async fn read_sealed(
        &self,
        conn: &mut DbConn,
        name: &str,
    ) -> Result<Option<SealedRow>, sqlx::Error> {
        let row = sqlx::query_as::<_, (String, Vec<u8>, Vec<u8>)>(self.select_sealed)
            .bind(name)
            .fetch_optional(conn)
            .await?;
        Ok(row.map(|(key_id, nonce, ciphertext)| SealedRow {
            key_id,
            nonce,
            ciphertext,
        }))
    }

    /// Decrypts a row read from this table; `None` when its data key is gone or the ciphertext
    /// does not authenticate for this table and name.
    pub async fn open_row(
        &self,
        conn: &mut DbConn,
        keyring: &Keyring,
        name: &str,
        row: &SealedRow,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let Some(key) = keyring.key(conn, &row.key_id).await? else {
            return Ok(None);
        };
        Ok(open(
            &key,
            &record_aad(self.table, name),
            &row.nonce,
            &row.ciphertext,
        ))
    }
}
