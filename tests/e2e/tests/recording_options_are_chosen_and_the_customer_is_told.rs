//! S16 "choosing a recording option": what is recorded and where it is kept; the customer is
//! told when recording starts and stops; the WebM has a duration and seeks; the chat is kept
//! as subtitles or a side file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn recording_options_are_chosen_and_the_customer_is_told_when_it_starts_and_stops() {
    e2e::run_scenario("recording_options", e2e::Needs::default());
}
