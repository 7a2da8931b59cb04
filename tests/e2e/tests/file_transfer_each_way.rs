//! Scenario 5 (S11, S13): a basic transfer to the customer and advanced transfers from and to
//! the customer's shared folder, each file with the same SHA-256 on arrival.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn files_move_each_way_with_matching_sha256() {
    e2e::run_scenario("files", e2e::Needs::default());
}
