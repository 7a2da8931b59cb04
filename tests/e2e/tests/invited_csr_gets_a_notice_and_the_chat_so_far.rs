//! S17, S7: a CSR signed in on the start page is told at once that the host invites them, joins
//! from the notice and sees the chat said before they came.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_invited_csr_is_told_at_once_and_sees_the_chat_so_far() {
    e2e::run_scenario("csr_invite_notice", e2e::Needs::default());
}
