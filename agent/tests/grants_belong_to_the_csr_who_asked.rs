//! S18, S21 through the real agent on a real Xvfb: a grant is the CSR's who asked, so after a
//! hand-over the new host is asked before anything runs for them; revoking the screen also
//! ends control; application sharing starts only after signaling accepted it (S12).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use test_support as xtest;

use common::console::Console;
use common::*;
use protocol::media::{InputEvent, ShareTarget};
use protocol::peer::PeerMessage;
use protocol::signal::{ClientMessage, ServerMessage};
use protocol::{Activity, Capability, ErrorCode};
use std::time::Duration;
use x11rb::protocol::xproto::ConnectionExt;
use xtest::draw::Painter;

fn pointer(p: &Painter) -> (i16, i16) {
    let r = p.conn.query_pointer(p.root).unwrap().reply().unwrap();
    (r.root_x, r.root_y)
}

async fn refusal(c: &mut Console) -> ErrorCode {
    c.peer_msg("a refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await
}

async fn share_started(c: &mut Console) {
    c.peer_msg("share started", |m| matches!(m, PeerMessage::ShareStarted { .. }).then_some(())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_hand_over_the_new_host_controls_only_once_the_customer_says_so() {
    let x = xtest::Xvfb::start(640, 480);
    let painter = Painter::connect(&x.display);
    let mut l = live_with(&[], &[("DISPLAY", x.display.as_str())]).await;
    assert!(consent(&mut l, Capability::RemoteControl, "ctl", "Alice (support) asks to see and control your screen.", "y").await);

    // Bob joins, connects, and Alice hands over.
    l.sig.post(&l.cookie, &format!("/api/sessions/{}/csrs", l.session), serde_json::json!({"username": "bob"})).await;
    let bob_cookie = l.sig.login("bob").await;
    let mut bob = Console::open(&l.sig.base, &bob_cookie, &l.session).await;
    bob.connect(&l.customer).await;
    l.alice.send(ClientMessage::TransferControl { to: bob.me.clone() }).await;
    l.agent.expect("Bob (support) has taken over the session from Alice.");
    l.agent.expect("Bob (support) has taken over from Alice. Let Bob carry on: see and control your screen? Allow?");

    // Until the customer answers, Bob's control goes nowhere and no share starts for him.
    let before = pointer(&painter);
    bob.start_share(&l.customer, Capability::RemoteControl, ShareTarget::Monitor { index: 0 }).await;
    assert_eq!(refusal(&mut bob).await, ErrorCode::ConsentRequired);
    bob.to_agent(&PeerMessage::Input { event: InputEvent::PointerMove { x: 0.5, y: 0.5 } }).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pointer(&painter), before, "Bob moved the pointer without the customer's yes");
    // Nor does Alice keep what she was given.
    l.alice.start_share(&l.customer, Capability::RemoteControl, ShareTarget::Monitor { index: 0 }).await;
    assert_eq!(refusal(&mut l.alice).await, ErrorCode::ConsentRequired);

    // The customer lets Bob carry on: one answer, and his control works.
    l.agent.type_line("y");
    l.agent.expect("Allowed for this session: Bob may see and control your screen.");
    bob.server("the carried-over grant", |m| {
        matches!(
            m,
            ServerMessage::Event { event: protocol::rules::Event::ConsentGranted { capability: Capability::RemoteControl, .. }, .. }
        )
        .then_some(())
    })
    .await;
    bob.start_share(&l.customer, Capability::RemoteControl, ShareTarget::Monitor { index: 0 }).await;
    share_started(&mut bob).await;
    bob.to_agent(&PeerMessage::Input { event: InputEvent::PointerMove { x: 0.1, y: 0.1 } }).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while pointer(&painter) != (64, 48) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pointer(&painter), (64, 48));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_the_screen_also_ends_control() {
    let x = xtest::Xvfb::start(640, 480);
    let painter = Painter::connect(&x.display);
    let mut l = live_with(&[], &[("DISPLAY", x.display.as_str())]).await;
    assert!(consent(&mut l, Capability::RemoteControl, "ctl", "asks to see and control your screen", "y").await);
    l.alice.start_share(&l.customer, Capability::RemoteControl, ShareTarget::Monitor { index: 0 }).await;
    share_started(&mut l.alice).await;
    l.agent.expect("Alice now sees and controls your screen.");

    l.agent.type_line("revoke screen");
    l.agent.expect("Stopped: support may no longer see and control your screen.");
    let code =
        l.alice.peer_msg("share stopped", |m| if let PeerMessage::ShareStopped { reason } = m { Some(reason.code) } else { None }).await;
    assert_eq!(code, ErrorCode::ConsentRevoked);
    let before = pointer(&painter);
    l.alice.to_agent(&PeerMessage::Input { event: InputEvent::PointerMove { x: 0.9, y: 0.9 } }).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pointer(&painter), before, "control outlived the revocation of the screen");
    l.alice.start_share(&l.customer, Capability::RemoteControl, ShareTarget::Monitor { index: 0 }).await;
    assert_eq!(refusal(&mut l.alice).await, ErrorCode::ConsentRequired);
    l.agent.type_line("grants");
    l.agent.expect("You have not allowed anything.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_sharing_starts_only_after_signaling_accepted_it() {
    let x = xtest::Xvfb::start(640, 480);
    let painter = Painter::connect(&x.display);
    let window = painter.window("Invoice editor", 40, 40, 200, 120, 0x3366cc) as u64;
    let mut l = live_with(&[], &[("DISPLAY", x.display.as_str())]).await;
    assert!(consent(&mut l, Capability::ApplicationView, "app", "asks to see one of your application windows", "y").await);

    // A file transfer runs (S12): signaling refuses the share, and the agent shows nothing.
    l.alice.send(ClientMessage::ActivityStart { activity: Activity::BasicFileTransfer, customer: None }).await;
    l.alice
        .server("file transfer running", |m| {
            matches!(
                m,
                ServerMessage::Event { event: protocol::rules::Event::ActivityStarted { activity: Activity::BasicFileTransfer, .. }, .. }
            )
            .then_some(())
        })
        .await;
    l.alice.start_share(&l.customer, Capability::ApplicationView, ShareTarget::Window { id: window }).await;
    let refused = l.alice.server("the S12 refusal", |m| if let ServerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(refused, ErrorCode::FileTransferActive);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let lines = l.agent.drain();
    assert!(!lines.iter().any(|line| line.contains("now sees")), "the agent told the customer of a share signaling refused: {lines:?}");
    l.alice.to_agent(&PeerMessage::StopShare).await;

    // Once the transfer ended, the same request goes through.
    l.alice.send(ClientMessage::ActivityStop { activity: Activity::BasicFileTransfer, customer: None }).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    l.alice.start_share(&l.customer, Capability::ApplicationView, ShareTarget::Window { id: window }).await;
    share_started(&mut l.alice).await;
    l.agent.expect("Alice now sees one of your application windows.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_codes_in_chat_and_hidden_characters_in_file_names_are_shown_as_text() {
    let mut l = live(&[]).await;
    l.alice.send(ClientMessage::Chat { to: vec![], text: "\u{1b}[31mred\u{1b}]0;owned\u{7} text".into() }).await;
    let line = l.agent.expect("red");
    assert!(!line.chars().any(|c| c.is_control()), "a control character reached the terminal: {line:?}");
    assert!(line.contains("[chat] Alice → everyone: [31mred]0;owned text"), "{line:?}");

    l.alice
        .to_agent(&PeerMessage::FileOffer { transfer: "t1".into(), name: "invoice\u{202E}fdp.exe".into(), size: 10, sha256: "00".into() })
        .await;
    let line = l.agent.expect("offered a file whose name hides what it is");
    assert!(line.contains("invoice<U+202E>fdp.exe") && !line.contains('\u{202E}'), "{line:?}");
    let failed =
        l.alice.peer_msg("refusal", |m| if let PeerMessage::TransferFailed { error, .. } = m { Some(error.code) } else { None }).await;
    assert_eq!(failed, ErrorCode::PathNotAllowed);
}
