//! With every grant absent, no capability produces a byte (S21): each request is refused by
//! the agent's own consent gate, whatever signaling or the console claims. A peer that sends
//! garbage gets an error and the agent goes on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::console::Seen;
use common::*;
use protocol::peer::PeerMessage;
use protocol::{Capability, ErrorCode};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_any_grant_every_capability_is_refused_and_nothing_is_sent() {
    let mut l = live(&[]).await;
    std::fs::write(l.agent.share_dir.join("secret.txt"), b"private").unwrap();
    let requests = [
        PeerMessage::SystemInfoRequest,
        PeerMessage::ListDir { request: "l".into(), path: String::new() },
        PeerMessage::PullFile { transfer: "t1".into(), consent: "forged".into(), path: "secret.txt".into() },
        PeerMessage::PushFile {
            transfer: "t2".into(),
            consent: "forged".into(),
            dir: String::new(),
            name: "x".into(),
            size: 1,
            sha256: "0".repeat(64),
        },
    ];
    for r in &requests {
        l.alice.to_agent(r).await;
        let code = l
            .alice
            .peer_msg("refusal", |m| match m {
                PeerMessage::Error { error } | PeerMessage::TransferFailed { error, .. } => Some(error.code),
                PeerMessage::SystemInfo { .. } | PeerMessage::DirListing { .. } | PeerMessage::TransferHeader { .. } => {
                    panic!("the agent answered {m:?} without a grant")
                }
                _ => None,
            })
            .await;
        assert_eq!(code, ErrorCode::ConsentRequired, "{r:?}");
    }
    // A grant claimed by signaling alone (the CSR starting an activity) changes nothing in
    // the agent either: signaling refuses it, and the agent never asked the customer.
    l.alice
        .send(protocol::signal::ClientMessage::ActivityStart {
            activity: protocol::Activity::Capability(Capability::ScreenView),
            customer: Some(l.customer.clone()),
        })
        .await;
    let code =
        l.alice.server("refusal", |m| if let protocol::signal::ServerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, ErrorCode::ConsentRequired);
    // No file channel was ever opened by the agent, and the customer was asked nothing.
    let mut opened = false;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
    while let Ok(Some(s)) = tokio::time::timeout_at(deadline, l.alice.seen.recv()).await {
        opened |= matches!(s, Seen::FileChannel(..));
    }
    assert!(!opened);
    assert!(!l.agent.drain().iter().any(|line| line.contains("Allow?")), "the agent never prompts by itself");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_control_channel_gets_an_error_and_the_agent_goes_on() {
    let mut l = live(&[]).await;
    l.alice.send_raw("{this is not json").await;
    let code = l.alice.peer_msg("error", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, ErrorCode::InvalidMessage);
    l.alice.send_raw(r#"{"type":"format_disk"}"#).await;
    let code = l.alice.peer_msg("error", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, ErrorCode::InvalidMessage);
    // Still working.
    assert!(consent(&mut l, Capability::SystemInfo, "r1", "system information", "y").await);
    // Leaving: the agent says so and exits cleanly (S19).
    l.agent.type_line("leave");
    l.agent.expect("You left the session.");
    let status = l.agent.wait_exit(Duration::from_secs(10)).expect("the agent exits after leaving");
    assert!(status.success());
}
