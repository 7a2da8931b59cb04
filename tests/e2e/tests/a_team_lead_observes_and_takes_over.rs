//! Issue 16, the team lead in real browsers: the Team view lists a live session of the lead's
//! team; the lead observes it (the customer is told), chats, takes it over and ends it; the
//! team's figures and history count it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_team_lead_sees_the_live_session_observes_with_the_customer_told_and_takes_it_over() {
    e2e::run_scenario("team_lead", e2e::Needs::default());
}
