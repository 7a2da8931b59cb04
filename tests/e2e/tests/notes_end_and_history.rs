//! Scenario 7 (S15, S20, S22): notes saved, the session ended with notes, and the history
//! shows it with participants, notes and the consent log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn notes_are_saved_the_session_ends_with_notes_and_history_shows_it() {
    e2e::run_scenario("notes_history", e2e::Needs::default());
}
