//! Scenario (S8, S9): a customer who joins after the audio conference and the CSR's video
//! started is asked for their microphone and sees the CSR's video; a CSR who comes in later is
//! asked to join the conference and, joining it, asks the customers for their microphone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn late_joiners_are_asked_to_join_the_audio_and_see_the_csrs_video() {
    e2e::run_scenario("late_customer_joins_call", e2e::Needs::default());
}
