//! Issue 14: the CSR e-mails the invitation from the console's invite dialog; the site's relay
//! (an SMTP server on loopback with STARTTLS and AUTH) delivers it; its link opens the join page
//! with the same code; a bad address is refused in words (scenarios/email_invitation.mjs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn an_emailed_invitation_reaches_the_customer_and_its_link_shows_the_code() {
    e2e::run_scenario("email_invitation", e2e::Needs { smtp: true, ..Default::default() });
}
