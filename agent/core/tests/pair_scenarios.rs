//! Scenarios of the agent's core against the real session rules, on the pair harness (no
//! sockets, one fake clock): what a customer would see when features meet.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::consent::Answer;
use agent_core::customer::{CustomerAction, Notice};
use common::pair::{id, Pair, ALICE, BOB, DANA};
use protocol::media::ShareTarget;
use protocol::peer::PeerMessage;
use protocol::policy::GrantScope;
use protocol::{rules, Activity, Capability, ErrorCode};

const DESKTOP: ShareTarget = ShareTarget::Monitor { index: 0 };

fn granted(p: &mut Pair, csr: &str, c: Capability, a: Answer) {
    p.ask(csr, c).expect("signaling accepts the question");
    assert!(p.answer(a));
}

fn started(p: &mut Pair, csr: &str) -> bool {
    p.take(csr).iter().any(|m| matches!(m, PeerMessage::ShareStarted { .. }))
}

#[test]
fn a_revocation_while_the_capture_opens_means_no_picture_ever() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::ScreenView, Answer::ForSession);
    p.start_share(ALICE, Capability::ScreenView, DESKTOP).unwrap();
    assert!(p.running.shares.is_empty(), "nothing runs before the capture opened");
    p.customer(CustomerAction::Revoke(Capability::ScreenView));
    p.deliver_all();
    assert!(p.running.shares.is_empty(), "the capture opened after the revocation was dropped");
    assert!(!started(&mut p, ALICE));
}

#[test]
fn allow_once_ends_when_the_csr_stops_sharing() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::ScreenView, Answer::Once);
    assert_eq!(p.scope_of(ALICE, Capability::ScreenView), Some(GrantScope::Once));
    p.start_share(ALICE, Capability::ScreenView, DESKTOP).unwrap();
    p.deliver_all();
    assert!(started(&mut p, ALICE));
    p.stop_share(ALICE, Capability::ScreenView);
    assert!(p.running.shares.is_empty());
    assert_eq!(p.scope_of(ALICE, Capability::ScreenView), None, "'once' ended with its share");
    p.start_share(ALICE, Capability::ScreenView, DESKTOP).unwrap_err();
    assert!(p.take(ALICE).iter().any(|m| matches!(m, PeerMessage::Error { error } if error.code == ErrorCode::ConsentRequired)));
}

#[test]
fn a_share_signaling_refuses_never_starts_and_is_given_up() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::ApplicationView, Answer::ForSession);
    p.signal(rules::Input::Start { by: id(ALICE), activity: Activity::BasicFileTransfer, customer: None }).unwrap();
    let refused = p.start_share(ALICE, Capability::ApplicationView, ShareTarget::Window { id: 9 });
    assert_eq!(refused, Err(ErrorCode::FileTransferActive));
    p.deliver_all();
    assert!(p.running.shares.is_empty() && !started(&mut p, ALICE));
    assert!(!p.shown_text().iter().any(|t| t.contains("now sees")), "the customer was told of a share that never ran");
    p.tick(16_000);
    p.tick(300);
    assert!(p.take(ALICE).iter().any(|m| matches!(m, PeerMessage::Error { error } if error.code == ErrorCode::ActivityNotActive)));
}

#[test]
fn after_a_hand_over_the_new_host_runs_nothing_until_the_customer_lets_them_carry_on() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::RemoteControl, Answer::ForSession);
    p.start_share(ALICE, Capability::RemoteControl, DESKTOP).unwrap();
    p.deliver_all();
    assert_eq!(p.running.shares.len(), 1);
    p.signal(rules::Input::TransferControl { by: id(ALICE), to: id(BOB) }).unwrap();
    assert!(p.running.shares.is_empty(), "the former host's control ended with the hand-over");
    let asked = p.shown.iter().rev().find_map(|n| if let Notice::Ask { text, .. } = n { Some(text.clone()) } else { None });
    assert_eq!(asked.as_deref(), Some("Bob (support) has taken over from Alice. Let Bob carry on: see and control your screen?"));
    assert_eq!(p.start_share(BOB, Capability::RemoteControl, DESKTOP), Err(ErrorCode::ConsentRequired));
    p.deliver_all();
    assert!(p.running.shares.is_empty());
    assert!(p.answer(Answer::ForSession));
    p.take(BOB);
    p.start_share(BOB, Capability::RemoteControl, DESKTOP).unwrap();
    p.deliver_all();
    assert!(started(&mut p, BOB));
    assert!(p.agent.gate().check(&id(ALICE), Capability::ScreenView).is_err());
}

#[test]
fn a_transfer_is_reported_to_its_own_csr_only() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::AdvancedFileTransfer, Answer::ForSession);
    let consent = p.ask(ALICE, Capability::FileTransferItem).unwrap();
    p.peer(
        ALICE,
        PeerMessage::PushFile { transfer: "t1".into(), consent, dir: String::new(), name: "fix.sh".into(), size: 10, sha256: "00".into() },
    );
    assert!(p.answer(Answer::ForSession));
    p.deliver_all();
    p.feed(agent_core::agent::Input::FileChannel { csr: id(ALICE), transfer: "t1".into() });
    assert_eq!(p.running.transfers.len(), 1);
    // Alice hands over: her grant ends, her transfer stops, and only she hears of it.
    p.signal(rules::Input::TransferControl { by: id(ALICE), to: id(BOB) }).unwrap();
    p.deliver_all();
    assert!(p.running.transfers.is_empty());
    assert!(p.take(ALICE).iter().any(|m| matches!(m, PeerMessage::TransferFailed { transfer, .. } if transfer == "t1")));
    assert!(!p.take(BOB).iter().any(|m| matches!(m, PeerMessage::TransferFailed { .. } | PeerMessage::TransferDone { .. })));
}

/// Found by the random whole-session walk in Chromium: a CSR who switches from one share to
/// another stops and starts at once; the console's data channel is faster than signaling, so
/// the agent reads the new `start_share` while signaling still lists the old share. The old
/// share's late stop must not end the new one.
#[test]
fn a_share_started_right_after_a_stop_is_not_ended_by_the_old_shares_late_stop() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::RemoteControl, Answer::ForSession);
    p.start_share(ALICE, Capability::RemoteControl, DESKTOP).unwrap();
    p.deliver_all();
    assert!(started(&mut p, ALICE));
    p.peer(ALICE, PeerMessage::StopShare);
    p.peer(ALICE, PeerMessage::StartShare { target: DESKTOP });
    p.deliver_all();
    let activity = |c| Activity::Capability(c);
    p.signal(rules::Input::Stop { by: id(ALICE), activity: activity(Capability::RemoteControl), customer: Some(id(DANA)) }).unwrap();
    p.signal(rules::Input::Start { by: id(ALICE), activity: activity(Capability::ScreenView), customer: Some(id(DANA)) }).unwrap();
    p.deliver_all();
    assert_eq!(p.running.shares.len(), 1, "the new share runs");
    let after = p.take(ALICE);
    let last_start = after.iter().rposition(|m| matches!(m, PeerMessage::ShareStarted { .. }));
    let last_start = last_start.unwrap_or_else(|| panic!("the new share started: {after:?}"));
    let later = &after[last_start..];
    assert!(
        !later.iter().any(|m| matches!(m, PeerMessage::ShareStopped { .. } | PeerMessage::Error { .. })),
        "nothing stopped the new share: {after:?}"
    );
}

/// Found by the random whole-session walk: with "see" and "see and control" both allowed, the
/// customer's list said both were in use while Alice controlled the screen.
#[test]
fn the_customers_list_marks_in_use_only_the_grant_the_running_share_needs() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::ScreenView, Answer::ForSession);
    granted(&mut p, ALICE, Capability::RemoteControl, Answer::ForSession);
    let in_use = |p: &mut Pair| {
        p.customer(CustomerAction::ShowGrants);
        let list = p.shown.iter().rev().find_map(|n| if let Notice::Grants(g) = n { Some(g.clone()) } else { None }).unwrap();
        list.iter().filter(|g| g.running).map(|g| g.capability).collect::<Vec<_>>()
    };
    p.start_share(ALICE, Capability::RemoteControl, DESKTOP).unwrap();
    p.deliver_all();
    assert_eq!(in_use(&mut p), vec![Capability::RemoteControl], "control uses 'see and control'");
    p.stop_share(ALICE, Capability::RemoteControl);
    p.start_share(ALICE, Capability::ScreenView, DESKTOP).unwrap();
    p.deliver_all();
    assert_eq!(in_use(&mut p), vec![Capability::ScreenView], "a view uses 'see', the narrowest grant that covers it");
}

/// Found by the random walk: signaling's listing of Alice's own stop reached the agent before
/// her `stop_share`, and the late `stop_share` made her console show "This is not running".
#[test]
fn a_stop_that_arrives_after_signaling_already_stopped_the_share_is_not_an_error() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::ScreenView, Answer::ForSession);
    p.start_share(ALICE, Capability::ScreenView, DESKTOP).unwrap();
    p.deliver_all();
    assert!(started(&mut p, ALICE));
    p.signal(rules::Input::Stop { by: id(ALICE), activity: Activity::Capability(Capability::ScreenView), customer: Some(id(DANA)) })
        .unwrap();
    p.take(ALICE);
    p.peer(ALICE, PeerMessage::StopShare);
    let after = p.take(ALICE);
    assert!(!after.iter().any(|m| matches!(m, PeerMessage::Error { .. })), "no error for a stop of what is stopped: {after:?}");
}

/// Found by the random walk: "see" for the session and "see and control" once; when control
/// stopped, its "once" ended — and the agent dropped "see" with it, so the view Alice started
/// next was refused although the customer had allowed it for the session.
#[test]
fn when_a_once_control_grant_ends_the_session_view_grant_lives_on() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::ScreenView, Answer::ForSession);
    granted(&mut p, ALICE, Capability::RemoteControl, Answer::Once);
    p.start_share(ALICE, Capability::RemoteControl, DESKTOP).unwrap();
    p.deliver_all();
    assert!(started(&mut p, ALICE));
    p.stop_share(ALICE, Capability::RemoteControl);
    assert_eq!(p.scope_of(ALICE, Capability::RemoteControl), None, "'once' ended with control");
    assert_eq!(p.scope_of(ALICE, Capability::ScreenView), Some(GrantScope::Session), "'see' for the session lives on");
    p.start_share(ALICE, Capability::ScreenView, DESKTOP).unwrap();
    p.deliver_all();
    assert!(started(&mut p, ALICE), "the view starts under the session grant");
}

/// Found by the random walk: while Alice recorded, the customer's list showed her recording
/// grant without "in use now" (recording runs in her browser; signaling lists it).
#[test]
fn a_running_recording_shows_its_grant_in_use_in_the_customers_list() {
    let mut p = Pair::new();
    granted(&mut p, ALICE, Capability::Recording, Answer::Once);
    let in_use = |p: &mut Pair| {
        p.customer(CustomerAction::ShowGrants);
        let list = p.shown.iter().rev().find_map(|n| if let Notice::Grants(g) = n { Some(g.clone()) } else { None }).unwrap();
        list.iter().filter(|g| g.running).map(|g| g.capability).collect::<Vec<_>>()
    };
    assert!(in_use(&mut p).is_empty(), "allowed, not yet recording");
    let recording = Activity::Capability(Capability::Recording);
    p.signal(rules::Input::Start { by: id(ALICE), activity: recording, customer: Some(id(DANA)) }).unwrap();
    p.deliver_all();
    assert_eq!(in_use(&mut p), vec![Capability::Recording], "recording now");
    p.signal(rules::Input::Stop { by: id(ALICE), activity: recording, customer: Some(id(DANA)) }).unwrap();
    p.deliver_all();
    assert_eq!(p.scope_of(ALICE, Capability::Recording), None, "'once' ended with the recording");
}
