//! Issue 15, item 5: a 1 GiB file copied from the customer is streamed to the browser's
//! downloads as it arrives (save-sw.js) and lands on disk whole (SHA-256 checked by the test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_one_gib_file_from_the_customer_is_saved_to_disk_as_it_arrives() {
    e2e::run_scenario("large_pull", e2e::Needs { time_limit: Some(std::time::Duration::from_secs(420)), ..Default::default() });
}
