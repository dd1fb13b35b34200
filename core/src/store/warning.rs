//! Notices the store hands back for the CLI to print; they are not errors.

use std::fmt;
use std::path::PathBuf;

/// Something the user must know about, such as a key that needs a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreWarning {
    /// A new master key file was created; losing it loses every stored secret.
    MasterKeyCreated {
        /// Where the key file is.
        path: PathBuf,
    },
}

impl fmt::Display for StoreWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreWarning::MasterKeyCreated { path } => write!(
                f,
                "created a new master key in `{}`: back it up now (or move its content into RELAY_MASTER_KEY); without it the encrypted secrets in this state store cannot be read",
                path.display()
            ),
        }
    }
}
