//! Everything that can go wrong in the state store, each message saying what to do about it.

use std::path::PathBuf;

/// An error from the state store. Messages never contain secret values.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory does not exist and cannot be created.
    #[error(
        "cannot create the state directory `{}`: {reason}; set `state:` in relay.yaml to a writable directory",
        dir.display()
    )]
    CreateStateDir { dir: PathBuf, reason: String },

    /// The database file cannot be opened or created.
    #[error(
        "cannot open the state store `{}`: {reason}; make sure its directory is writable, or set `state:` in relay.yaml to another directory",
        path.display()
    )]
    Open { path: PathBuf, reason: String },

    /// Another process kept the database locked for longer than the busy timeout.
    #[error(
        "the state store `{}` stayed locked by another relay process for more than {seconds} s while {doing}; try again when it has finished",
        path.display()
    )]
    Busy {
        path: PathBuf,
        doing: &'static str,
        seconds: u64,
    },

    /// Any other database failure.
    #[error("the state store `{}` failed while {doing}: {message}", path.display())]
    Database {
        path: PathBuf,
        doing: &'static str,
        message: String,
    },

    /// The database was written by a newer relay with a schema this one does not know.
    #[error(
        "the state store `{}` has schema version {found}, but this relay knows only up to {known}; upgrade relay, or set `state:` in relay.yaml to another directory",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    /// A schema migration failed; it was rolled back.
    #[error(
        "cannot upgrade the state store `{}` to schema version {version} ({name}): {message}; nothing was changed",
        path.display()
    )]
    Migration {
        path: PathBuf,
        version: i64,
        name: &'static str,
        message: String,
    },

    /// `RELAY_MASTER_KEY` is set but is not a usable key.
    #[error(
        "RELAY_MASTER_KEY is not a valid master key: {reason}; it must be the base64 of exactly 32 random bytes, e.g. from `openssl rand -base64 32`"
    )]
    MasterKeyEnv { reason: String },

    /// The master key file exists but does not hold a usable key.
    #[error(
        "the master key file `{}` is not valid: {reason}; restore it from your backup, or set RELAY_MASTER_KEY",
        path.display()
    )]
    MasterKeyFileInvalid { path: PathBuf, reason: String },

    /// The master key file is readable by group or others.
    #[error(
        "the master key file `{}` is readable by group or others (mode {mode:03o}); run `chmod 600 {}` and try again",
        path.display(), path.display()
    )]
    MasterKeyPermissions { path: PathBuf, mode: u32 },

    /// The master key file cannot be read or written.
    #[error(
        "cannot {doing} the master key file `{}`: {reason}; make sure the state directory is writable, or set RELAY_MASTER_KEY",
        path.display()
    )]
    MasterKeyIo {
        path: PathBuf,
        doing: &'static str,
        reason: String,
    },

    /// The store holds data keys but there is no master key to open them.
    #[error(
        "the state store `{}` holds encrypted secrets but its master key is missing: restore `{}` from your backup, or set RELAY_MASTER_KEY",
        store.display(), key_file.display()
    )]
    MasterKeyMissing { store: PathBuf, key_file: PathBuf },

    /// The master key does not open the store's data keys.
    #[error(
        "the master key from {origin} does not open the data keys of the state store `{}`: use the master key this store was created with (RELAY_MASTER_KEY, or `master.key` from your backup)",
        store.display()
    )]
    WrongMasterKey { store: PathBuf, origin: String },

    /// A stored secret cannot be decrypted: it was altered or copied from another record.
    #[error(
        "the secret `{name}` in the state store `{}` cannot be decrypted (it was altered or copied from another record); store it again with `relay credential set {name}`",
        store.display()
    )]
    UnreadableSecret { store: PathBuf, name: String },

    /// A secret or credential name is empty.
    #[error("a secret or credential name in the state store cannot be empty")]
    EmptyName,

    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {reason}")]
    Random { reason: String },

    /// A broken invariant inside the store: a bug.
    #[error("internal error in the state store: {0} (this is a bug in relay; please report it)")]
    Internal(String),
}

impl StoreError {
    /// Wraps a database error, recognising lock timeouts.
    pub(super) fn db(path: &std::path::Path, doing: &'static str, error: sqlx::Error) -> Self {
        if super::backend::is_busy(&error) {
            return StoreError::Busy {
                path: path.to_path_buf(),
                doing,
                seconds: super::open_sqlite::BUSY_TIMEOUT.as_secs(),
            };
        }
        let message = match &error {
            sqlx::Error::Database(db) => db.message().to_owned(),
            other => other.to_string(),
        };
        StoreError::Database {
            path: path.to_path_buf(),
            doing,
            message,
        }
    }
}

/// A readable reason for an I/O error, without the "(os error N)" suffix.
pub(super) fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        ErrorKind::NotADirectory => "a path component is a file, not a directory".to_owned(),
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only".to_owned(),
        ErrorKind::StorageFull => "no space left on the device".to_owned(),
        ErrorKind::NotFound => "not found".to_owned(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(end) => text[..end].to_lowercase(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_reasons_are_short_and_lowercase() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(io_reason(&denied), "permission denied");
        let raw = std::io::Error::from_raw_os_error(28);
        assert_eq!(io_reason(&raw), "no space left on the device");
    }

    #[test]
    fn permission_error_tells_how_to_fix() {
        let error = StoreError::MasterKeyPermissions {
            path: ".relay/master.key".into(),
            mode: 0o644,
        };
        assert_eq!(
            error.to_string(),
            "the master key file `.relay/master.key` is readable by group or others (mode 644); run `chmod 600 .relay/master.key` and try again"
        );
    }
}
