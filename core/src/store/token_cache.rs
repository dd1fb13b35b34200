//! The `token_cache` table: access tokens shared across processes until they expire, sealed
//! like secrets. A cache entry that cannot be decrypted is dropped: it can always be fetched again.

use std::time::SystemTime;

use zeroize::Zeroizing;

use super::backend::DbConn;
use super::clock::{from_millis, now_millis, to_millis};
use super::encrypted_table::{SealedRow, TOKEN_CACHE};
use super::error::StoreError;
use super::secrets::check_name;
use super::store::Inner;

/// Seals and upserts a token; call inside a write transaction.
pub(super) async fn put(
    conn: &mut DbConn,
    inner: &Inner,
    credential: &str,
    value: &[u8],
    expires_at: SystemTime,
) -> Result<(), StoreError> {
    check_name(credential)?;
    let keyring = inner.keyring(conn).await?;
    let (key_id, sealed) = TOKEN_CACHE
        .seal_for(conn, &keyring, credential, value)
        .await?;
    sqlx::query(
        "INSERT INTO token_cache (credential, key_id, nonce, ciphertext, expires_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (credential) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,
             ciphertext = excluded.ciphertext, expires_at = excluded.expires_at,
             updated_at = excluded.updated_at",
    )
    .bind(credential)
    .bind(key_id)
    .bind(sealed.nonce)
    .bind(sealed.ciphertext)
    .bind(to_millis(expires_at))
    .bind(now_millis())
    .execute(conn)
    .await
    .map_err(|e| inner.db("caching a token", e))?;
    Ok(())
}

/// A live (unexpired) token and its expiry.
pub(super) async fn get(
    conn: &mut DbConn,
    inner: &Inner,
    credential: &str,
) -> Result<Option<(Zeroizing<Vec<u8>>, SystemTime)>, StoreError> {
    let row = sqlx::query_as::<_, (String, Vec<u8>, Vec<u8>, i64)>(
        "SELECT key_id, nonce, ciphertext, expires_at FROM token_cache WHERE credential = $1 AND expires_at > $2",
    )
    .bind(credential)
    .bind(now_millis())
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| inner.db("reading the token cache", e))?;
    let Some((key_id, nonce, ciphertext, expires_at)) = row else {
        return Ok(None);
    };
    let row = SealedRow {
        key_id,
        nonce,
        ciphertext,
    };
    let keyring = inner.keyring(conn).await?;
    match TOKEN_CACHE
        .open_row(conn, &keyring, credential, &row)
        .await?
    {
        Some(value) => Ok(Some((value, from_millis(expires_at)))),
        None => {
            // Only this exact entry: a valid one written meanwhile by another process stays.
            sqlx::query("DELETE FROM token_cache WHERE credential = $1 AND nonce = $2")
                .bind(credential)
                .bind(&row.nonce)
                .execute(conn)
                .await
                .map_err(|e| inner.db("dropping an unreadable cached token", e))?;
            Ok(None)
        }
    }
}

/// Drops a cached token; whether there was one.
pub(super) async fn delete(
    conn: &mut DbConn,
    inner: &Inner,
    credential: &str,
) -> Result<bool, StoreError> {
    let result = sqlx::query(TOKEN_CACHE.delete)
        .bind(credential)
        .execute(conn)
        .await
        .map_err(|e| inner.db("dropping a cached token", e))?;
    Ok(result.rows_affected() > 0)
}

/// Drops every expired token; how many.
pub(super) async fn delete_expired(conn: &mut DbConn, inner: &Inner) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM token_cache WHERE expires_at <= $1")
        .bind(now_millis())
        .execute(conn)
        .await
        .map_err(|e| inner.db("dropping expired tokens", e))?;
    Ok(result.rows_affected())
}
