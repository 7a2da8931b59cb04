//! S16: recording only after the customer allowed it; the console's WebM recording is stored
//! with the session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_recording_made_after_the_customers_grant_is_kept_with_the_session() {
    e2e::run_scenario("recording", e2e::Needs::default());
}
