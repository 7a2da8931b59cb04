//! The console hashes files too large for WebCrypto piece by piece (console/js/sha256.js): the
//! digest matches node's for lengths around SHA-256's block and padding edges, however cut.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn piecewise_sha256_matches_node_crypto() {
    let script = e2e::root().join("tests/e2e/scenarios/sha256_pieces.mjs");
    let out = std::process::Command::new("node").arg(&script).output().expect("node runs (./tests/run.sh installs nodejs)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("SCENARIO PASSED"), "{text}{}", String::from_utf8_lossy(&out.stderr));
}
