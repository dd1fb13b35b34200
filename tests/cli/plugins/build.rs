//! Builds plugin libraries on demand, once per test process, into `<target>/plugin-tests/`
//! (its own target directory: the outer `cargo test` may still hold the lock on its own).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `<target>/plugin-tests`, next to the `relay` binary's profile directory.
fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_relay"));
    let target = exe
        .parent()
        .and_then(Path::parent)
        .expect("relay lives in <target>/<profile>/");
    target.join("plugin-tests")
}

/// Runs `cargo build` for `manifest` and returns the library `lib<crate>.so` (or `.dylib`).
fn cargo_build(manifest: &str, crate_name: &str, release: bool) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "--manifest-path"])
        .arg(Path::new(ROOT).join(manifest))
        .arg("--target-dir")
        .arg(target_dir());
    if release {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("run cargo");
    assert!(
        out.status.success(),
        "cargo build of {manifest} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = format!(
        "{}{crate_name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let path = target_dir()
        .join(if release { "release" } else { "debug" })
        .join(file);
    assert!(path.exists(), "cargo built no {}", path.display());
    path
}

/// The Halo plugin, built in the dev profile.
pub fn halo() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| cargo_build("plugins/halo/Cargo.toml", "relay_plugin_halo", false))
}

/// The Halo plugin built in the other profile than this test binary (and so the `relay`
/// under test): release for the usual debug test run, dev under `cargo test --release`.
pub fn halo_other_profile() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        cargo_build(
            "plugins/halo/Cargo.toml",
            "relay_plugin_halo",
            cfg!(debug_assertions),
        )
    })
}

/// One of the purpose-built plugins of `tests/plugins/`.
pub fn broken(name: &str) -> &'static Path {
    static MISBEHAVING: OnceLock<PathBuf> = OnceLock::new();
    static IMPOSTOR: OnceLock<PathBuf> = OnceLock::new();
    static WRONG_ABI: OnceLock<PathBuf> = OnceLock::new();
    static NO_ENTRY: OnceLock<PathBuf> = OnceLock::new();
    let (cell, crate_name) = match name {
        "misbehaving" => (&MISBEHAVING, "relay_test_misbehaving"),
        "impostor" => (&IMPOSTOR, "relay_test_impostor"),
        "wrong_abi" => (&WRONG_ABI, "relay_test_wrong_abi"),
        "no_entry" => (&NO_ENTRY, "relay_test_no_entry"),
        other => panic!("no test plugin {other}"),
    };
    cell.get_or_init(|| {
        cargo_build(
            &format!("tests/plugins/{name}/Cargo.toml"),
            crate_name,
            false,
        )
    })
}

/// A path as text for YAML and arguments.
pub fn text(path: &Path) -> String {
    path.display().to_string()
}
