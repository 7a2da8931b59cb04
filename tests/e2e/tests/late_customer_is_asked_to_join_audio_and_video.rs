//! Scenario (S8, S9): a customer who joins after the audio conference and the CSR's video
//! started is asked for their microphone and sees the CSR's video.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_customer_who_joins_late_is_asked_to_join_the_audio_and_sees_the_csrs_video() {
    e2e::run_scenario("late_customer_joins_call", e2e::Needs::default());
}
