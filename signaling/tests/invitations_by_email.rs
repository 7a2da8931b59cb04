//! Invitations by e-mail through a real SMTP server on loopback (aiosmtpd, test-support's
//! `SmtpServer`): what the customer receives and that its link works; what a CSR invited into
//! the session receives; refusals with their codes (address, budgets, relay down or silent);
//! and a site without `--smtp-url` that offers no e-mail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use test_support::{SmtpOptions, SmtpServer, SmtpTls};

const FROM: &str = "Support <support@example.com>";

/// A signaling service that mails through `smtp` (the URL in the environment, as a password
/// should be), with `extra` arguments.
async fn server_mailing_through(url: &str, extra: &[&str]) -> Server {
    let mut args = vec!["--smtp-from", FROM];
    args.extend_from_slice(extra);
    Server::start_with_env(&args, &[("SIGNALING_SMTP_URL", url)]).await
}

/// Alice's session with one customer invitation: (session, invitation as the dialog has it).
async fn session_with_invitation(alice: &mut Http) -> (String, Value) {
    let (session, _) = alice.start_session().await;
    let (st, inv) = alice.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
    assert_eq!(st, 200, "{inv}");
    (session, inv)
}

async fn email(alice: &mut Http, session: &str, inv: &Value, to: &str) -> (u16, Value) {
    let id = inv["id"].as_str().unwrap();
    alice.post(&format!("/api/sessions/{session}/invitations/{id}/email"), json!({"to": to, "link": inv["link"]})).await
}

fn code_of(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emailed_invitation_names_site_and_csr_carries_link_and_code_and_its_link_admits_the_customer() {
    let relay = SmtpServer::start(SmtpOptions {
        tls: SmtpTls::StartTls,
        login: Some(("relay-user".into(), "relay-pass".into())),
        ..SmtpOptions::default()
    });
    let server = server_mailing_through(&relay.url(), &[]).await;
    let mut alice = server.login("alice").await;
    assert_eq!(alice.get("/api/mail").await, (200, json!({"set_up": true})));
    let (session, inv) = session_with_invitation(&mut alice).await;

    let (st, sent) = email(&mut alice, &session, &inv, " customer@example.com ").await;
    assert_eq!((st, &sent), (200, &json!({"sent": true, "to": "c***@example.com"})));
    let mail = relay.wait_for(1, Duration::from_secs(5));
    assert_eq!(mail.len(), 1);
    let m = &mail[0];
    assert!(m.tls, "sent after STARTTLS");
    assert_eq!(m.login.as_deref(), Some("relay-user"));
    assert_eq!((m.mail_from.as_str(), m.rcpt_tos.clone()), ("support@example.com", vec!["customer@example.com".to_owned()]));
    assert!(m.from.contains("support@example.com") && m.to == "customer@example.com", "{} → {}", m.from, m.to);
    let site = format!("127.0.0.1:{}", server.port);
    assert_eq!(m.subject, format!("Remote support invitation from Alice ({site})"));
    let link = inv["link"].as_str().unwrap();
    let code = inv["code"].as_str().unwrap();
    assert_eq!(code.len(), 11, "grouped as 123 456 789: {code}");
    for part in [format!("Alice of {site} invites you"), format!("{link}\n"), format!("type: {code}\n"), " UTC (in ".to_owned()] {
        assert!(m.body.contains(&part), "{part:?} in the mail:\n{}", m.body);
    }

    // The customer follows the mailed link: the join page shows the same code, and joining
    // with the link admits them.
    let mailed_link = m.body.lines().find(|l| l.contains("/join/")).unwrap().trim();
    let page = reqwest::get(mailed_link).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(code), "the join page shows the mailed code");
    let (st, joined) = Http::anonymous(&server).post("/api/join", json!({"link": mailed_link})).await;
    assert_eq!(st, 200, "{joined}");

    // The record notes the mail without the address.
    let (st, record) = alice.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(st, 200);
    let text = record.to_string();
    assert!(text.contains("invitation_emailed") && text.contains("c***@example.com") && !text.contains("customer@"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csr_invited_into_the_session_can_be_told_by_email() {
    let relay = SmtpServer::start(SmtpOptions { tls: SmtpTls::Implicit, ..SmtpOptions::default() });
    let server = server_mailing_through(&relay.url(), &[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (st, bob) = alice.post(&format!("/api/sessions/{session}/csrs"), json!({"username": "bob"})).await;
    assert_eq!(st, 200, "{bob}");
    let bob = bob["participant_id"].as_str().unwrap();

    let (st, sent) = alice.post(&format!("/api/sessions/{session}/csrs/{bob}/email"), json!({"to": "bob@example.com"})).await;
    assert_eq!((st, sent["to"].as_str()), (200, Some("b***@example.com")), "{sent}");
    let mail = relay.wait_for(1, Duration::from_secs(5));
    let m = &mail[0];
    assert!(m.tls, "smtps: TLS from the first byte");
    assert!(m.subject.starts_with("Alice invites you to a support session on "), "{}", m.subject);
    assert!(m.body.contains(&format!("{}/#/session/{session}", server.base())), "{}", m.body);

    // Only CSRs of this session, never the customer or someone made up.
    let (st, e) = alice.post(&format!("/api/sessions/{session}/csrs/csr-nobody/email"), json!({"to": "x@example.com"})).await;
    assert_eq!((st, code_of(&e)), (404, "unknown_participant"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_that_are_not_one_plain_address_and_spent_budgets_are_refused_with_their_codes() {
    let relay = SmtpServer::start(SmtpOptions { refuse: vec!["nobody".into()], ..SmtpOptions::default() });
    let server = server_mailing_through(&relay.url(), &[]).await;
    let mut alice = server.login("alice").await;
    let (session, inv) = session_with_invitation(&mut alice).await;

    for bad in ["a@example.com\r\nBcc: evil@example.com", "a@example.com,b@example.com", "Eve <e@example.com>", "no-address", ""] {
        let (st, e) = email(&mut alice, &session, &inv, bad).await;
        assert_eq!((st, code_of(&e)), (400, "email_address_invalid"), "{bad:?}");
        assert!(e["message"].as_str().unwrap().contains("single address"), "in words: {e}");
    }
    let long = format!("{}@{}.example.com", "a".repeat(60), "b".repeat(200));
    assert_eq!(code_of(&email(&mut alice, &session, &inv, &long).await.1), "email_address_invalid");

    // The relay refuses the recipient: its own words reach the CSR.
    let (st, e) = email(&mut alice, &session, &inv, "nobody@example.com").await;
    assert_eq!((st, code_of(&e)), (422, "mail_address_refused"));
    assert!(e["message"].as_str().unwrap().contains("User unknown"), "{e}");
    assert!(relay.delivered().is_empty(), "nothing refused was delivered");

    // A double click with the same key sends one mail.
    let id = inv["id"].as_str().unwrap();
    let path = format!("{}/api/sessions/{session}/invitations/{id}/email", server.base());
    for _ in 0..2 {
        let r = reqwest::Client::new()
            .post(&path)
            .header("cookie", alice.cookie.clone().unwrap())
            .header("idempotency-key", "click-1")
            .json(&json!({"to": "customer@example.com", "link": inv["link"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(relay.wait_for(1, Duration::from_secs(5)).len(), 1);

    // Ten mails a session, then `session_emails_used_up`.
    for n in 1..10 {
        let (st, e) = email(&mut alice, &session, &inv, &format!("c{n}@example.com")).await;
        assert_eq!(st, 200, "mail {n}: {e}");
    }
    let (st, e) = email(&mut alice, &session, &inv, "c10@example.com").await;
    assert_eq!((st, code_of(&e)), (429, "session_emails_used_up"));
    assert_eq!(relay.delivered().len(), 10);

    // Twenty tries at the relay a CSR an hour over all sessions (the refused address counted:
    // it reached the relay), then `too_many_emails`.
    let (second, inv2) = session_with_invitation(&mut alice).await;
    for n in 0..9 {
        let (st, e) = email(&mut alice, &second, &inv2, &format!("d{n}@example.com")).await;
        assert_eq!(st, 200, "mail {n} of the second session: {e}");
    }
    let (third, inv3) = session_with_invitation(&mut alice).await;
    let (st, e) = email(&mut alice, &third, &inv3, "e@example.com").await;
    assert_eq!((st, code_of(&e)), (429, "too_many_emails"));
    assert!(e["message"].as_str().unwrap().contains("in an hour"), "{e}");
    assert_eq!(relay.delivered().len(), 19);
    // Another CSR's budget is their own.
    let mut bob = server.login("bob").await;
    let (fourth, inv4) = session_with_invitation(&mut bob).await;
    assert_eq!(email(&mut bob, &fourth, &inv4, "f@example.com").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_is_down_or_silent_is_reported_in_words_within_the_timeout() {
    // Nothing listens on this port.
    let down = test_support::free_port();
    let server = server_mailing_through(&format!("smtp://127.0.0.1:{down}"), &["--smtp-timeout", "2"]).await;
    let mut alice = server.login("alice").await;
    let (session, inv) = session_with_invitation(&mut alice).await;
    let t = Instant::now();
    let (st, e) = email(&mut alice, &session, &inv, "customer@example.com").await;
    assert_eq!((st, code_of(&e)), (502, "mail_server_unreachable"), "{e}");
    assert!(e["message"].as_str().unwrap().contains(&format!("Could not reach the mail server at 127.0.0.1:{down}")), "{e}");
    assert!(t.elapsed() < Duration::from_secs(2), "a refused connection is told at once: {:?}", t.elapsed());

    // A relay that accepts the connection and never says a word: the timeout, in words.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || silent.accept().map(|(c, _)| c));
    let server = server_mailing_through(&format!("smtp://127.0.0.1:{port}"), &["--smtp-timeout", "1"]).await;
    let mut alice = server.login("alice").await;
    let (session, inv) = session_with_invitation(&mut alice).await;
    let t = Instant::now();
    let (st, e) = email(&mut alice, &session, &inv, "customer@example.com").await;
    assert_eq!((st, code_of(&e)), (504, "mail_server_timeout"), "{e}");
    assert!(e["message"].as_str().unwrap().contains("did not answer within 1 s"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(3), "bounded by --smtp-timeout: {:?}", t.elapsed());
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_relay_the_site_offers_no_email_and_says_so() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    assert_eq!(alice.get("/api/mail").await, (200, json!({"set_up": false})));
    let (session, inv) = session_with_invitation(&mut alice).await;
    let (st, e) = email(&mut alice, &session, &inv, "customer@example.com").await;
    assert_eq!((st, code_of(&e)), (404, "email_not_set_up"));
    assert!(e["message"].as_str().unwrap().starts_with("E-mail is not set up on this site"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_relay_password_or_an_untrusted_certificate_is_reported_in_words() {
    let relay = SmtpServer::start(SmtpOptions {
        tls: SmtpTls::StartTls,
        login: Some(("relay-user".into(), "relay-pass".into())),
        ..SmtpOptions::default()
    });
    let wrong = relay.url().replace(":relay-pass@", ":not-the-password@");
    let server = server_mailing_through(&wrong, &[]).await;
    let mut alice = server.login("alice").await;
    let (session, inv) = session_with_invitation(&mut alice).await;
    let (st, e) = email(&mut alice, &session, &inv, "customer@example.com").await;
    assert_eq!((st, code_of(&e)), (502, "mail_server_refused"), "{e}");
    assert!(e["message"].as_str().unwrap().starts_with("The mail server refused the sign-in: 535"), "the relay's words: {e}");

    // Without the relay's CA the certificate is not trusted: STARTTLS fails, nothing is sent,
    // and the service goes on (lettre panicked on such a connection's QUIT).
    let untrusted = relay.url().split("&ca=").next().unwrap().to_owned();
    let server = server_mailing_through(&untrusted, &[]).await;
    let mut alice = server.login("alice").await;
    let (session, inv) = session_with_invitation(&mut alice).await;
    let (st, e) = email(&mut alice, &session, &inv, "customer@example.com").await;
    assert_eq!((st, code_of(&e)), (502, "mail_server_unreachable"), "{e}");
    assert!(e["message"].as_str().unwrap().contains("STARTTLS failed"), "{e}");
    assert!(relay.delivered().is_empty());
    assert_eq!(alice.get("/api/mail").await.0, 200, "still serving");
}
