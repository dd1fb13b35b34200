//! The master key that wraps the data keys: from `RELAY_MASTER_KEY`, or from `<state>/master.key`,
//! created (mode 0600) on first need.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::cipher::{KEY_LEN, hex, random_bytes};
use super::error::{StoreError, io_reason};
use super::warning::StoreWarning;

/// The environment variable that holds the master key.
pub const MASTER_KEY_ENV: &str = "RELAY_MASTER_KEY";
/// The name of the key file inside the state directory.
pub const MASTER_KEY_FILE: &str = "master.key";

/// A 256-bit master key; wiped from memory on drop, never shown by `Debug`.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; KEY_LEN]>);

impl MasterKey {
    /// A new random master key.
    pub fn generate() -> Result<Self, StoreError> {
        random_bytes::<KEY_LEN>().map(MasterKey)
    }

    /// Parses the base64 of exactly 32 bytes (surrounding whitespace ignored); the error is a
    /// reason that never repeats the input.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| "it is not valid base64".to_owned())?,
        );
        let key: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| format!("it decodes to {} bytes instead of {KEY_LEN}", bytes.len()))?;
        Ok(MasterKey(Zeroizing::new(key)))
    }

    /// The key as base64, the format of `RELAY_MASTER_KEY` and of the key file.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_slice()))
    }

    /// The raw key bytes.
    pub(super) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// Where the master key comes from.
#[derive(Clone)]
pub enum MasterKeySource {
    /// The base64 text of `RELAY_MASTER_KEY` (or an equivalent given by the caller).
    Base64(Zeroizing<String>),
    /// A key file, created with mode 0600 when the store has no data keys yet.
    File(PathBuf),
}

impl MasterKeySource {
    /// `RELAY_MASTER_KEY` when it is set and not empty, else `<state_dir>/master.key`.
    pub fn from_env(state_dir: &Path) -> Self {
        match std::env::var(MASTER_KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => MasterKeySource::Base64(Zeroizing::new(text)),
            _ => MasterKeySource::File(state_dir.join(MASTER_KEY_FILE)),
        }
    }

    /// Where the key came from, for error messages.
    pub(super) fn origin(&self) -> String {
        match self {
            MasterKeySource::Base64(_) => MASTER_KEY_ENV.to_owned(),
            MasterKeySource::File(path) => format!("`{}`", path.display()),
        }
    }

    /// Loads the key. A missing key file is created only when `may_create` (the store has no
    /// data keys yet), which returns the warning that it must be backed up; otherwise a fresh
    /// key would silently orphan every stored secret.
    pub(super) fn load(
        &self,
        may_create: bool,
        store_path: &Path,
    ) -> Result<(MasterKey, Option<StoreWarning>), StoreError> {
        match self {
            MasterKeySource::Base64(text) => MasterKey::from_base64(text)
                .map(|key| (key, None))
                .map_err(|reason| StoreError::MasterKeyEnv { reason }),
            MasterKeySource::File(path) => match read_key_file(path)? {
                Some(key) => Ok((key, None)),
                None if may_create => {
                    let key = create_key_file(path)?;
                    Ok((
                        key,
                        Some(StoreWarning::MasterKeyCreated { path: path.clone() }),
                    ))
                }
                None => Err(StoreError::MasterKeyMissing {
                    store: store_path.to_path_buf(),
                    key_file: path.clone(),
                }),
            },
        }
    }
}

impl fmt::Debug for MasterKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MasterKeySource::Base64(_) => f.write_str("MasterKeySource::Base64(..)"),
            MasterKeySource::File(path) => {
                f.debug_tuple("MasterKeySource::File").field(path).finish()
            }
        }
    }
}

/// Reads the key file; `None` when it does not exist. A file readable by group or others is
/// refused before its content is read.
fn read_key_file(path: &Path) -> Result<Option<MasterKey>, StoreError> {
    let io_error = |doing, error: std::io::Error| StoreError::MasterKeyIo {
        path: path.to_path_buf(),
        doing,
        reason: io_reason(&error),
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_error("read", error)),
    };
    // Checked on the open handle, so the file cannot be swapped between check and read.
    check_private(path, &file)?;
    // Room for any valid file up front, so growing the buffer leaves no unwiped copy.
    let mut text = Zeroizing::new(String::with_capacity(256));
    file.read_to_string(&mut text)
        .map_err(|error| io_error("read", error))?;
    MasterKey::from_base64(&text)
        .map(Some)
        .map_err(|reason| StoreError::MasterKeyFileInvalid {
            path: path.to_path_buf(),
            reason,
        })
}

#[cfg(unix)]
fn check_private(path: &Path, file: &File) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file
        .metadata()
        .map_err(|error| StoreError::MasterKeyIo {
            path: path.to_path_buf(),
            doing: "read",
            reason: io_reason(&error),
        })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::MasterKeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _file: &File) -> Result<(), StoreError> {
    Ok(())
}

/// Creates the key file with a new key, atomically: the key is written and synced to a private
/// temporary file that is then hard-linked into place. A link never replaces an existing file,
/// so when two processes race, both end up with the winner's key.
fn create_key_file(path: &Path) -> Result<MasterKey, StoreError> {
    let io_error = |error: std::io::Error| StoreError::MasterKeyIo {
        path: path.to_path_buf(),
        doing: "create",
        reason: io_reason(&error),
    };
    let key = MasterKey::generate()?;
    let suffix = random_bytes::<8>()?;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        hex(suffix.as_slice())
    ));
    let tmp = PathBuf::from(tmp_name);

    let written = write_private(&tmp, &key);
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    // The temporary name is removed whatever happened; the link (if made) keeps the content.
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_parent(path).map_err(io_error)?;
            Ok(key)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(path)?
            .ok_or_else(|| {
                StoreError::Internal(
                    "the master key file vanished right after it was created".to_owned(),
                )
            }),
        Err(error) => Err(io_error(error)),
    }
}

fn write_private(path: &Path, key: &MasterKey) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // Written in two parts: appending the newline could reallocate and leave a copy behind.
    file.write_all(key.to_base64().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// Makes a new directory entry durable: a key lost to a crash would orphan every data key.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let dir = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_32_bytes_parses_and_round_trips() {
        let text = STANDARD.encode([9u8; 32]);
        let key = MasterKey::from_base64(&format!(" {text}\n")).expect("valid");
        assert_eq!(key.bytes(), &[9u8; 32]);
        assert_eq!(key.to_base64().as_str(), text);
    }

    #[test]
    fn wrong_length_and_bad_base64_are_refused_without_echoing() {
        let short = STANDARD.encode([1u8; 16]);
        assert_eq!(
            MasterKey::from_base64(&short).err().as_deref(),
            Some("it decodes to 16 bytes instead of 32")
        );
        let error = MasterKey::from_base64("not base64 at all!").expect_err("invalid");
        assert_eq!(error, "it is not valid base64");
        let env_error = MasterKeySource::Base64(Zeroizing::new(short.clone()))
            .load(true, Path::new("state.db"))
            .expect_err("refused");
        let message = env_error.to_string();
        assert!(
            message
                .starts_with("RELAY_MASTER_KEY is not a valid master key: it decodes to 16 bytes"),
            "{message}"
        );
        assert!(!message.contains(&short));
    }

    #[test]
    fn debug_never_shows_key_material() {
        let key = MasterKey::from_base64(&STANDARD.encode([0xabu8; 32])).expect("valid");
        assert_eq!(format!("{key:?}"), "MasterKey(..)");
        let source = MasterKeySource::Base64(key.to_base64());
        assert_eq!(format!("{source:?}"), "MasterKeySource::Base64(..)");
    }

    #[cfg(unix)]
    #[test]
    fn created_file_is_private_and_reloads_to_the_same_key() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(MASTER_KEY_FILE);
        let source = MasterKeySource::File(path.clone());
        let (created, warning) = source.load(true, Path::new("state.db")).expect("created");
        assert!(
            matches!(warning, Some(StoreWarning::MasterKeyCreated { path: ref p }) if *p == path)
        );
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let (loaded, warning) = source.load(false, Path::new("state.db")).expect("loaded");
        assert!(warning.is_none());
        assert_eq!(loaded.bytes(), created.bytes());
        // no temporary file left behind
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn group_readable_file_is_refused_with_chmod_advice() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(MASTER_KEY_FILE);
        std::fs::write(&path, STANDARD.encode([3u8; 32])).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let error = MasterKeySource::File(path.clone())
            .load(false, Path::new("s"))
            .expect_err("refused");
        assert!(matches!(
            error,
            StoreError::MasterKeyPermissions { mode: 0o640, .. }
        ));
        assert!(
            error
                .to_string()
                .contains(&format!("run `chmod 600 {}`", path.display()))
        );
    }

    #[test]
    fn missing_file_is_not_created_when_the_store_has_data_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(MASTER_KEY_FILE);
        let error = MasterKeySource::File(path.clone())
            .load(false, &dir.path().join("state.db"))
            .expect_err("refused");
        assert!(matches!(error, StoreError::MasterKeyMissing { .. }));
        assert!(error.to_string().contains("restore"));
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn corrupt_file_is_reported_as_invalid() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(MASTER_KEY_FILE);
        std::fs::write(&path, "short").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let error = MasterKeySource::File(path)
            .load(true, Path::new("s"))
            .expect_err("refused");
        assert!(
            matches!(error, StoreError::MasterKeyFileInvalid { .. }),
            "{error}"
        );
    }
}
