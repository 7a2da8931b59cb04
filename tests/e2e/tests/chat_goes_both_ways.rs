//! Scenario 2 (S7): chat from the console to everyone and to one participant, and from the
//! agent back, with unread counts on the chat tab.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn chat_goes_both_ways_with_unread_counts() {
    e2e::run_scenario("chat", e2e::Needs::default());
}
