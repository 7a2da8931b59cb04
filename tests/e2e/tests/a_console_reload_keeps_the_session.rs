//! Issue 19, finding 4: after a console reload the chat and the transfers are back and the
//! desktop view goes on under the customer's still-live grant, with no new prompt; what the
//! console cannot carry on is stopped, so the roster agrees with what runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_console_reload_keeps_chat_transfers_and_the_desktop_view() {
    e2e::run_scenario("reload_keeps_the_session", e2e::Needs { xvfb: true, ..Default::default() });
}
