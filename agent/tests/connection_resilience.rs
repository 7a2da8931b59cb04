//! Losing signaling does not end the session: peer-to-peer data keeps flowing and the agent
//! reconnects with its token. An ICE restart renegotiates the same connection; a second CSR
//! gets a connection of their own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::console::Console;
use common::*;
use protocol::peer::PeerMessage;
use protocol::signal::{ClientMessage, ServerMessage, SignalPayload};
use protocol::Capability;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_keeps_flowing_while_signaling_is_down_and_the_agent_reconnects() {
    let mut l = live(&[]).await;
    assert!(consent(&mut l, Capability::SystemInfo, "r1", "system information", "y").await);

    l.sig.kill();
    l.agent.expect("Lost the connection to the support server; reconnecting.");
    // Peer to peer, without signaling: the request, the customer's confirmation, the report.
    l.alice.to_agent(&PeerMessage::SystemInfoRequest).await;
    l.agent.expect("Send it? [y/N]");
    l.agent.type_line("y");
    l.alice.peer_msg("report", |m| matches!(m, PeerMessage::SystemInfo { .. }).then_some(())).await;

    // Signaling comes back: the agent reconnects with its token; the session goes on.
    l.sig.restart().await;
    let mut alice = Console::open(&l.sig.base, &l.cookie, &l.session).await;
    alice
        .server("customer back online", |m| match m {
            ServerMessage::Roster { roster } => roster.participants.iter().any(|p| p.id == l.customer && p.online).then_some(()),
            _ => None,
        })
        .await;
    alice.send(ClientMessage::Chat { to: vec![], text: "Welcome back".into() }).await;
    l.agent.expect("[chat] Alice → everyone: Welcome back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ice_restart_renegotiates_the_same_connection() {
    let mut l = live(&[]).await;
    let pc = l.alice.pc.clone().unwrap();
    pc.restart_ice().await.unwrap();
    let offer = pc.create_offer(None).await.unwrap();
    pc.set_local_description(offer.clone()).await.unwrap();
    l.alice.send(ClientMessage::Signal { to: l.customer.clone(), payload: SignalPayload::Offer { sdp: offer.sdp } }).await;
    // The control channel still carries requests afterwards.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    l.alice.to_agent(&PeerMessage::SystemInfoRequest).await;
    let code = l.alice.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, protocol::ErrorCode::ConsentRequired);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_csr_gets_a_connection_of_their_own_and_loses_it_on_leaving() {
    let mut l = live(&[]).await;
    l.sig.post(&l.cookie, &format!("/api/sessions/{}/csrs", l.session), serde_json::json!({"username": "bob"})).await;
    let bob_cookie = l.sig.login("bob").await;
    let mut bob = Console::open(&l.sig.base, &bob_cookie, &l.session).await;
    let customer = l.customer.clone();
    bob.connect(&customer).await;
    // Both consoles talk to the agent at once.
    bob.to_agent(&PeerMessage::SystemInfoRequest).await;
    l.alice.to_agent(&PeerMessage::ListDir { request: "x".into(), path: String::new() }).await;
    for c in [&mut bob, &mut l.alice] {
        let code = c.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
        assert_eq!(code, protocol::ErrorCode::ConsentRequired);
    }
    bob.send(ClientMessage::Leave).await;
    l.agent.expect("In this session: Alice (support)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_size_limit_is_refused_before_any_byte_flows() {
    let mut l = live(&["--max-file-mib", "1"]).await;
    let size = 2 * 1024 * 1024;
    l.alice.to_agent(&PeerMessage::FileOffer { transfer: "big".into(), name: "big.bin".into(), size, sha256: "0".repeat(64) }).await;
    l.agent.expect("offers file 1");
    l.agent.type_line("y");
    l.agent.expect("Problem: big.bin:");
    let code = l
        .alice
        .peer_msg("refusal", |m| match m {
            PeerMessage::TransferFailed { error, .. } => Some(error.code),
            PeerMessage::FileAccept { .. } => panic!("accepted a file over the limit"),
            _ => None,
        })
        .await;
    assert_eq!(code, protocol::ErrorCode::FileTooLarge);
    assert_eq!(std::fs::read_dir(&l.agent.download_dir).unwrap().count(), 0, "nothing was created");
}

/// A console that reloads starts a new connection without saying bye: the agent answers it
/// with a fresh peer instead of feeding the new offer to the old one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reloaded_console_gets_a_new_connection() {
    let mut l = live(&[]).await;
    let old = l.alice.pc.clone().unwrap();
    let customer = l.customer.clone();
    // `connect` builds a new peer (new certificate) and waits for the agent's hello on it.
    l.alice.connect(&customer).await;
    l.alice.to_agent(&PeerMessage::SystemInfoRequest).await;
    let code = l.alice.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, protocol::ErrorCode::ConsentRequired, "the new connection carries requests");
    let _ = old.close().await;
}
