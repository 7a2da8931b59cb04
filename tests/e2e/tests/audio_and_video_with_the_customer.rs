//! Scenario (S8, S9, S21): the CSR talks with the customer (who is shown speaking), mutes,
//! shows their video to the customer and sees the customer's camera; "Start my video" waits for
//! a customer, and revoking the microphone ends the speaking indication.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn audio_and_video_with_the_customer_after_their_grants() {
    e2e::run_scenario("audio_and_video", e2e::Needs::default());
}
