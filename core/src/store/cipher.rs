//! XChaCha20-Poly1305 sealing of values and keys, and the AAD that binds a record to its place.

use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::error::StoreError;

/// Length of an XChaCha20-Poly1305 nonce; random nonces this long never realistically repeat.
pub(super) const NONCE_LEN: usize = 24;
/// Length of every key in the store (master and data keys).
pub(super) const KEY_LEN: usize = 32;

/// Versioned prefix of every AAD, so a future format cannot be confused with this one.
const AAD_PREFIX: &[u8] = b"relay-store/v1";

/// A sealed value: the random nonce and the ciphertext with its tag.
pub(super) struct Sealed {
    /// The 24-byte nonce used for this value.
    pub nonce: Vec<u8>,
    /// The ciphertext followed by the 16-byte Poly1305 tag.
    pub ciphertext: Vec<u8>,
}

/// A cipher for one 256-bit key.
pub(super) fn cipher_for(key: &[u8; KEY_LEN]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(*key).into())
}

/// Fresh random bytes from the operating system.
pub(super) fn random_bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>, StoreError> {
    <[u8; N]>::try_generate()
        .map(Zeroizing::new)
        .map_err(|error| StoreError::Random {
            reason: error.to_string(),
        })
}

/// The associated data of a record: which table and which row it belongs to, so a ciphertext
/// copied to another row or table fails to decrypt.
pub(super) fn record_aad(table: &str, name: &str) -> Vec<u8> {
    // Table names are fixed identifiers without NUL, so "table NUL name" is unambiguous.
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + table.len() + name.len() + 2);
    aad.extend_from_slice(AAD_PREFIX);
    aad.push(0);
    aad.extend_from_slice(table.as_bytes());
    aad.push(0);
    aad.extend_from_slice(name.as_bytes());
    aad
}

/// Encrypts `plaintext` under `cipher` with a fresh random nonce.
pub(super) fn seal(
    cipher: &XChaCha20Poly1305,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Sealed, StoreError> {
    let nonce = XNonce::try_generate().map_err(|error| StoreError::Random {
        reason: error.to_string(),
    })?;
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| StoreError::Internal("a value is too large to encrypt".to_owned()))?;
    Ok(Sealed {
        nonce: nonce.to_vec(),
        ciphertext,
    })
}

/// Lower-case hex, for random ids and file names.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Decrypts a sealed value; `None` when the nonce, ciphertext, AAD or key do not match.
pub(super) fn open(
    cipher: &XChaCha20Poly1305,
    aad: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let nonce = XNonce::try_from(nonce).ok()?;
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_cipher(byte: u8) -> XChaCha20Poly1305 {
        cipher_for(&[byte; KEY_LEN])
    }

    #[test]
    fn sealed_value_opens_with_same_key_and_aad() {
        let cipher = test_cipher(7);
        let aad = record_aad("secrets", "halo");
        let sealed = seal(&cipher, &aad, b"hunter22").expect("seal");
        assert_eq!(sealed.nonce.len(), NONCE_LEN);
        assert_ne!(&sealed.ciphertext[..8], b"hunter22");
        let opened = open(&cipher, &aad, &sealed.nonce, &sealed.ciphertext).expect("open");
        assert_eq!(opened.as_slice(), b"hunter22");
    }

    #[test]
    fn other_row_table_key_or_nonce_fails() {
        let cipher = test_cipher(7);
        let sealed = seal(&cipher, &record_aad("secrets", "a"), b"value").expect("seal");
        assert!(
            open(
                &cipher,
                &record_aad("secrets", "b"),
                &sealed.nonce,
                &sealed.ciphertext
            )
            .is_none()
        );
        assert!(
            open(
                &cipher,
                &record_aad("token_cache", "a"),
                &sealed.nonce,
                &sealed.ciphertext
            )
            .is_none()
        );
        assert!(
            open(
                &test_cipher(8),
                &record_aad("secrets", "a"),
                &sealed.nonce,
                &sealed.ciphertext
            )
            .is_none()
        );
        assert!(
            open(
                &cipher,
                &record_aad("secrets", "a"),
                &sealed.nonce[..12],
                &sealed.ciphertext
            )
            .is_none()
        );
    }

    #[test]
    fn nonces_are_fresh_per_seal() {
        let cipher = test_cipher(1);
        let first = seal(&cipher, b"", b"same").expect("seal");
        let second = seal(&cipher, b"", b"same").expect("seal");
        assert_ne!(first.nonce, second.nonce);
        assert_ne!(first.ciphertext, second.ciphertext);
    }

    #[test]
    fn aad_separates_table_from_name() {
        assert_ne!(record_aad("secrets", "x"), record_aad("secretsx", ""));
    }
}
