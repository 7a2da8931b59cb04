//! SIGTERM makes `wan up` exit cleanly and remove both namespaces by itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Wan;
use wan::netns::exists;

#[test]
fn sigterm_removes_both_namespaces() {
    let mut wan = Wan::up(&["--rate-mbit", "0"]);
    let (a, b) = (wan.a(), wan.b());
    assert!(exists(&a) && exists(&b));
    assert!(wan.terminate(), "wan up did not exit cleanly on SIGTERM");
    assert!(!exists(&a) && !exists(&b), "namespaces left behind");
}

#[test]
fn a_second_link_with_a_taken_name_is_refused_and_leaves_the_first_alone() {
    let wan = Wan::up(&["--rate-mbit", "0"]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wan")).args(["up", "--name", &wan.name]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert!(exists(&wan.a()) && exists(&wan.b()));
}
