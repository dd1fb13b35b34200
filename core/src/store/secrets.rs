//! The `secrets` table: named values such as `relay credential set` entries and rotated refresh
//! tokens, sealed under the active data key.

use std::time::SystemTime;

use zeroize::Zeroizing;

use super::backend::DbConn;
use super::clock::{from_millis, now_millis};
use super::encrypted_table::SECRETS;
use super::error::StoreError;
use super::store::Inner;

/// A stored secret's name and last change; never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The secret's name.
    pub name: String,
    /// When its value was last written.
    pub updated_at: SystemTime,
}

/// Seals and upserts a secret; call inside a write transaction.
pub(super) async fn put(
    conn: &mut DbConn,
    inner: &Inner,
    name: &str,
    value: &[u8],
) -> Result<(), StoreError> {
    check_name(name)?;
    let keyring = inner.keyring(conn).await?;
    let (key_id, sealed) = SECRETS.seal_for(conn, &keyring, name, value).await?;
    sqlx::query(
        "INSERT INTO secrets (name, key_id, nonce, ciphertext, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,
             ciphertext = excluded.ciphertext, updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(key_id)
    .bind(sealed.nonce)
    .bind(sealed.ciphertext)
    .bind(now_millis())
    .execute(conn)
    .await
    .map_err(|e| inner.db("saving a secret", e))?;
    Ok(())
}

/// A secret's value; the master key is loaded only when the secret exists.
pub(super) async fn get(
    conn: &mut DbConn,
    inner: &Inner,
    name: &str,
) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
    let Some(row) = SECRETS
        .read_sealed(conn, name)
        .await
        .map_err(|e| inner.db("reading a secret", e))?
    else {
        return Ok(None);
    };
    let keyring = inner.keyring(conn).await?;
    match SECRETS.open_row(conn, &keyring, name, &row).await? {
        Some(value) => Ok(Some(value)),
        None => Err(StoreError::UnreadableSecret {
            store: inner.path().to_path_buf(),
            name: name.to_owned(),
        }),
    }
}

/// Deletes a secret; whether it existed.
pub(super) async fn delete(
    conn: &mut DbConn,
    inner: &Inner,
    name: &str,
) -> Result<bool, StoreError> {
    let result = sqlx::query(SECRETS.delete)
        .bind(name)
        .execute(conn)
        .await
        .map_err(|e| inner.db("deleting a secret", e))?;
    Ok(result.rows_affected() > 0)
}

/// Every secret's name and update time, by name.
pub(super) async fn list(conn: &mut DbConn, inner: &Inner) -> Result<Vec<SecretInfo>, StoreError> {
    let rows =
        sqlx::query_as::<_, (String, i64)>("SELECT name, updated_at FROM secrets ORDER BY name")
            .fetch_all(conn)
            .await
            .map_err(|e| inner.db("listing secrets", e))?;
    Ok(rows
        .into_iter()
        .map(|(name, updated_at)| SecretInfo {
            name,
            updated_at: from_millis(updated_at),
        })
        .collect())
}

/// Names are the row keys and part of the AAD; an empty one is always a caller mistake.
pub(super) fn check_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() {
        return Err(StoreError::EmptyName);
    }
    Ok(())
}
