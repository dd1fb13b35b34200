//! Which files a directory of workflows holds.

use std::path::{Path, PathBuf};

use crate::config::CONFIG_FILE;

/// What a search of workflow paths found.
#[derive(Debug, Default)]
pub struct WorkflowFiles {
    /// Files named directly, then the `*.yaml`/`*.yml` files under each directory (sorted).
    pub files: Vec<PathBuf>,
    /// Subdirectories left out because they hold a `relay.yaml` of their own: a project
    /// with its own configuration (say, one that loads a plugin), run from there or with
    /// `--config`, not with the configuration of the directory above.
    pub nested_projects: Vec<PathBuf>,
}

/// The workflow files under `paths`; a path that does not exist is skipped (callers that
/// must refuse it check first).
pub fn workflow_files(paths: &[PathBuf]) -> std::io::Result<WorkflowFiles> {
    let mut found = WorkflowFiles::default();
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            collect_yaml(path, &mut files, &mut found.nested_projects)?;
            files.sort();
            found.files.extend(files);
        } else if path.exists() {
            found.files.push(path.clone());
        }
    }
    found.nested_projects.sort();
    Ok(found)
}

fn collect_yaml(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    nested: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // The entry's type comes with the directory listing: no `stat` per file on every poll
        // (half the daemon's idle CPU with a thousand files). Symlinks are followed.
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => path.is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => path.is_dir(),
        };
        if is_dir {
            if path.join(CONFIG_FILE).is_file() {
                nested.push(path);
            } else {
                collect_yaml(&path, out, nested)?;
            }
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && path.file_name().is_some_and(|n| n != CONFIG_FILE)
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subdirectory_with_its_own_relay_yaml_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "b.yaml",
            "a.yml",
            "notes.txt",
            "relay.yaml",
            "sub/c.yaml",
            "plugin/relay.yaml",
            "plugin/p.yaml",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "name: x\n").unwrap();
        }
        let found = workflow_files(&[root.to_path_buf()]).unwrap();
        assert_eq!(
            found.files,
            [
                root.join("a.yml"),
                root.join("b.yaml"),
                root.join("sub/c.yaml")
            ]
        );
        assert_eq!(found.nested_projects, [root.join("plugin")]);
        // Named directly, the nested project is searched like any directory.
        let direct = workflow_files(&[root.join("plugin")]).unwrap();
        assert_eq!(direct.files, [root.join("plugin/p.yaml")]);
        assert!(direct.nested_projects.is_empty());
    }
}
