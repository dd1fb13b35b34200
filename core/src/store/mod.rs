//! The state store: SQLite in the state directory today (PostgreSQL later, same API), holding
//! secrets and cached tokens encrypted at rest.
//!
//! Encryption: each value is sealed with XChaCha20-Poly1305 under a random 256-bit data key,
//! with a fresh 24-byte nonce and an AAD naming its table and row. Data keys are stored wrapped
//! under the master key (`RELAY_MASTER_KEY` or `<state>/master.key`). Writes are durable when
//! they return (WAL with `synchronous=FULL`).

mod backend;
mod cipher;
mod clock;
mod data_keys;
mod dedup;
mod encrypted_table;
mod error;
mod history;
mod master_key;
mod migrations;
mod open_sqlite;
mod rotation;
mod secrets;
#[allow(clippy::module_inception)]
mod store;
mod token_cache;
mod transaction;
mod warning;

#[cfg(test)]
mod test_support;

pub use error::StoreError;
pub use history::{ExecutionRecord, FireRecord, NewRun, RunRecord};
pub use master_key::{MASTER_KEY_ENV, MASTER_KEY_FILE, MasterKey, MasterKeySource};
pub use open_sqlite::DATABASE_FILE;
pub use rotation::RotationReport;
pub use secrets::SecretInfo;
pub use store::Store;
pub use transaction::StoreTx;
pub use warning::StoreWarning;
