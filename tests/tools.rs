//! Paths to the recorded fixtures and the external tools interop tests run (Node, openssl).
//! A missing tool is a test failure with the install command, never a skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tests/fixtures` (recorded outputs of the real Fabric tools, with their provenance).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `tests/interop`, the Node project pinning the Fabric SDK packages.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// Check that `node` and the pinned Node packages are installed; panic with how to install them.
pub fn require_node() {
    let how = "install Node.js (>= 18) and the pinned Fabric SDK packages: `npm ci --prefix tests/interop`";
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("`node --version` failed ({}); {how}", out.status),
        Err(e) => panic!("cannot run `node` ({e}); {how}"),
    }
    let pkg = interop_dir().join("node_modules/fabric-network/package.json");
    assert!(pkg.is_file(), "{} is missing; {how}", pkg.display());
}

/// Run a command, panicking with its output when it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (is it installed?)"))
}

/// Run a command that must succeed; returns its stdout.
pub fn run_ok(cmd: &mut Command) -> Vec<u8> {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
