//! The workspace's binaries (`signaling`, `agent`) as cargo built them beside the running test
//! or benchmark. A test that needs another package's binary finds it here; it never runs cargo
//! itself (a build inside a test is slow, races with the test runner's own build and hides a
//! stale binary).

use std::path::{Path, PathBuf};

/// `target/<profile>/<name>` next to the running test binary (`target/<profile>/deps/…`), or in
/// `$E2E_BIN_DIR` when set (the file-transfer benchmark pins this checkout's binaries there).
/// Panics, saying how to build it, when it is missing.
pub fn binary(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("E2E_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let bin = profile_dir().join(name);
    assert!(
        bin.exists(),
        "{} is not built. `./tests/run.sh` builds every binary before the tests; to run only some tests, \
         select the packages whose binaries they use, e.g. `cargo nextest run -p signaling -p agent -p e2e -E 'package(e2e)'`, \
         or run `cargo build -p signaling -p agent` first",
        bin.display()
    );
    bin
}

/// `target/<profile>`: where cargo put the running test's package binaries.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>").to_path_buf()
}
