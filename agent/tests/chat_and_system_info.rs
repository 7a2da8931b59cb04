//! The agent joined by code and answered at its prompt: chat both ways and to one recipient
//! only (S7); system information only after the customer's yes, shown before it is sent, and
//! nothing on a denial (S14, S21).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use protocol::peer::PeerMessage;
use protocol::signal::{ClientMessage, ServerMessage};
use protocol::Capability;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_goes_both_ways_and_a_private_message_reaches_only_its_recipient() {
    let mut l = live(&[]).await;
    // Bob joins as a second CSR (S17) to check who sees what.
    l.sig.post(&l.cookie, &format!("/api/sessions/{}/csrs", l.session), serde_json::json!({"username": "bob"})).await;
    let bob_cookie = l.sig.login("bob").await;
    let mut bob = console::Console::open(&l.sig.base, &bob_cookie, &l.session).await;
    l.agent.expect("Bob (support)");

    l.alice.send(ClientMessage::Chat { to: vec![], text: "Hello Dana, I can see your request.".into() }).await;
    l.agent.expect("[chat] Alice → everyone: Hello Dana, I can see your request.");
    l.alice.send(ClientMessage::Chat { to: vec![l.customer.clone()], text: "Just between us.".into() }).await;
    l.agent.expect("[chat] Alice → you: Just between us.");

    // The customer writes to everyone, then to Alice only.
    l.agent.type_line("chat Thanks, the printer says E42.");
    let text = l.alice.server("chat from the customer", |m| match m {
        ServerMessage::Chat { from, text, .. } if from == &l.customer => Some(text.clone()),
        _ => None,
    });
    assert_eq!(text.await, "Thanks, the printer says E42.");
    l.agent.type_line("@Alice only for you");
    let private = l.alice.server("private chat", |m| match m {
        ServerMessage::Chat { text, to, .. } if text == "only for you" => Some(to.clone()),
        _ => None,
    });
    assert_eq!(private.await, vec![l.alice.me.clone()]);

    // Bob got the public messages and neither private one.
    let mut bob_texts = vec![];
    bob.send(ClientMessage::Ping).await;
    bob.until("pong", |s| match s {
        console::Seen::Server(ServerMessage::Chat { text, .. }) => {
            bob_texts.push(text.clone());
            None
        }
        console::Seen::Server(ServerMessage::Pong) => Some(()),
        _ => None,
    })
    .await;
    assert!(bob_texts.contains(&"Thanks, the printer says E42.".to_owned()), "{bob_texts:?}");
    assert!(!bob_texts.iter().any(|t| t == "only for you" || t == "Just between us."), "{bob_texts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_information_is_sent_only_after_the_customer_allows_and_confirms_it() {
    let mut l = live(&[]).await;

    // Without any grant, asking yields an error and no report.
    l.alice.to_agent(&PeerMessage::SystemInfoRequest).await;
    let code = l.alice.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, protocol::ErrorCode::ConsentRequired);

    // A denial at the prompt: still nothing.
    assert!(
        !consent(
            &mut l,
            Capability::SystemInfo,
            "r1",
            "Alice (support) asks to read your system information. Allow? [y] for this session, [once] until it stops, [N]o",
            "n"
        )
        .await
    );
    l.alice.to_agent(&PeerMessage::SystemInfoRequest).await;
    let code = l.alice.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, protocol::ErrorCode::ConsentRequired);

    // A grant: the customer sees the report, confirms, and it arrives.
    assert!(consent(&mut l, Capability::SystemInfo, "r2", "asks to read your system information", "y").await);
    l.alice.to_agent(&PeerMessage::SystemInfoRequest).await;
    l.agent.expect("This system information will be sent:");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned();
    l.agent.expect(&format!("Computer: {host}"));
    l.agent.expect("Send it? [y/N]");
    l.agent.type_line("y");
    let report = l.alice.peer_msg("report", |m| if let PeerMessage::SystemInfo { report } = m { Some(report.clone()) } else { None }).await;
    assert_eq!(report.host_name, host);
    assert!(report.cpu_cores >= 1 && report.memory_total_bytes > 0);
    assert!(report.disks.iter().any(|d| d.total_bytes > 0));
    assert!(!report.top_cpu.is_empty() && !report.top_memory.is_empty());
    assert!(report.installed_packages.unwrap_or(0) > 0, "this Debian machine has packages");
    l.agent.expect("System information sent to Alice.");

    // Revoked: asking again is refused at once.
    l.agent.type_line("revoke system_info");
    l.agent.expect("Stopped:");
    // The revocation reaches signaling and its record (S22) …
    l.alice
        .server("revocation", |m| {
            matches!(m, ServerMessage::Event { event: protocol::rules::Event::ConsentRevoked { .. }, .. }).then_some(())
        })
        .await;
    // … and the agent refuses at once.
    l.alice.to_agent(&PeerMessage::SystemInfoRequest).await;
    let code = l.alice.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, protocol::ErrorCode::ConsentRequired);
}
