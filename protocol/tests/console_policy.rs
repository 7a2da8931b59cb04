//! The console's copy of the policy (`console/js/policy.js`) is generated from
//! `protocol::policy`: this test fails when the two differ, so the console never greys out,
//! asks or names files by other rules than the agent and signaling.
//! `UPDATE_POLICY=1 cargo test -p protocol --test console_policy` writes it anew.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_consoles_policy_is_the_generated_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../console/js/policy.js");
    let want = protocol::policy::console_module();
    if std::env::var_os("UPDATE_POLICY").is_some() {
        std::fs::write(&path, &want).expect("write console/js/policy.js");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "console/js/policy.js differs from protocol::policy; regenerate it with `UPDATE_POLICY=1 cargo test -p protocol --test console_policy`"
    );
}
