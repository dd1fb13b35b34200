//! Where plugins come from: `plugins:` in relay.yaml, `--plugin PATH`, and the libraries in
//! the directories of `RELAY_PLUGIN_PATH`, in that order.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

/// How a plugin was asked for, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Listed under `plugins:` in this relay.yaml.
    Config(PathBuf),
    /// Given with `--plugin`.
    Flag,
    /// Found in this directory of `RELAY_PLUGIN_PATH`.
    EnvPath(PathBuf),
    /// Named on the command line of `relay plugin inspect`.
    Inspect,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Config(file) => write!(f, "listed in {}", file.display()),
            Origin::Flag => f.write_str("given with --plugin"),
            Origin::EnvPath(dir) => {
                write!(f, "found in RELAY_PLUGIN_PATH directory {}", dir.display())
            }
            Origin::Inspect => f.write_str("given to `relay plugin inspect`"),
        }
    }
}

/// A library to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRef {
    pub path: PathBuf,
    pub origin: Origin,
}

/// The `plugins:` of a relay.yaml, relative to its directory. Read before the rest of the
/// file (whose credentials may need plugin types); a file that does not parse yields nothing
/// here and its problems are reported when it is loaded properly.
pub fn from_config(file: &Path) -> Vec<PluginRef> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let Ok(root) = crate::yaml::parse(&text) else {
        return Vec::new();
    };
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    root.get("plugins")
        .and_then(|n| n.as_seq())
        .unwrap_or_default()
        .iter()
        .filter_map(|item| item.as_str())
        .map(|p| PluginRef {
            path: dir.join(p),
            origin: Origin::Config(file.to_path_buf()),
        })
        .collect()
}

/// `--plugin PATH` flags.
pub fn from_flags(paths: &[PathBuf]) -> Vec<PluginRef> {
    paths
        .iter()
        .map(|p| PluginRef {
            path: p.clone(),
            origin: Origin::Flag,
        })
        .collect()
}

/// Every `*.so` / `*.dylib` in the colon-separated directories of `value`, sorted by name per
/// directory. A directory that cannot be read is skipped with a warning.
pub fn from_env_path(value: &OsStr) -> Vec<PluginRef> {
    let mut found = Vec::new();
    for dir in std::env::split_paths(value) {
        if dir.as_os_str().is_empty() {
            continue;
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(
                    "RELAY_PLUGIN_PATH: cannot read directory {}: {e}",
                    dir.display()
                );
                continue;
            }
        };
        let mut libraries: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "so" || x == "dylib"))
            .collect();
        libraries.sort();
        found.extend(libraries.into_iter().map(|path| PluginRef {
            path,
            origin: Origin::EnvPath(dir.clone()),
        }));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("relay.yaml");
        std::fs::write(
            &file,
            "plugins:\n  - lib/a.so\n  - /abs/b.so\ncredentials: {}\n",
        )
        .expect("write");
        let refs = from_config(&file);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].path, dir.path().join("lib/a.so"));
        assert_eq!(refs[1].path, PathBuf::from("/abs/b.so"));
        assert_eq!(refs[0].origin, Origin::Config(file.clone()));
        std::fs::write(&file, "plugins: [unclosed\n").expect("write");
        assert!(from_config(&file).is_empty());
    }

    #[test]
    fn env_path_finds_libraries_in_order_and_skips_the_rest() {
        let a = tempfile::tempdir().expect("temp dir");
        let b = tempfile::tempdir().expect("temp dir");
        for name in ["z.so", "a.so", "notes.txt", "m.dylib"] {
            std::fs::write(a.path().join(name), "x").expect("write");
        }
        std::fs::write(b.path().join("b.so"), "x").expect("write");
        let value = std::env::join_paths([a.path(), Path::new("/does/not/exist"), b.path()])
            .expect("joinable");
        let names: Vec<String> = from_env_path(&value)
            .iter()
            .map(|r| {
                r.path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, vec!["a.so", "m.dylib", "z.so", "b.so"]);
    }
}
