//! S10, the CSR's own screen: the customer sees it only after they allowed `csr_screen_share`
//! to that CSR and signaling runs the activity, and it disappears at once when they take it
//! back, when the CSR stops, or when the CSR leaves. Another CSR's permission does not count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::consent::Answer;
use agent_core::customer::CustomerAction;
use common::pair::{id, Pair, ALICE, BOB, DANA};
use protocol::peer::PeerMessage;
use protocol::{rules, Activity, Capability, ErrorCode};

const SHOW: Activity = Activity::Capability(Capability::CsrScreenShare);

fn started(p: &mut Pair, csr: &str, track: &str) {
    p.peer(csr, PeerMessage::CsrShareStarted { track: track.into() });
    p.deliver_all();
}

fn run(p: &mut Pair, csr: &str) {
    p.signal(rules::Input::Start { by: id(csr), activity: SHOW, customer: Some(id(DANA)) }).unwrap();
    p.deliver_all();
}

fn shown(p: &Pair, csr: &str) -> Option<(String, bool)> {
    p.running.csr_screens.get(&id(csr)).cloned()
}

fn errors(p: &mut Pair, csr: &str) -> Vec<ErrorCode> {
    p.take(csr).into_iter().filter_map(|m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).collect()
}

#[test]
fn the_screen_shows_after_the_customer_allows_and_signaling_runs_it() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::CsrScreenShare).unwrap();
    assert!(p.shown_text().iter().any(|t| t.contains("Alice (support) asks to show you their screen")), "{:?}", p.shown_text());
    assert!(p.answer(Answer::ForSession));
    started(&mut p, ALICE, "t-1");
    assert_eq!(shown(&p, ALICE), Some(("t-1".into(), false)), "known as a screen, not shown before signaling runs it");
    run(&mut p, ALICE);
    assert_eq!(shown(&p, ALICE), Some(("t-1".into(), true)));
    assert!(p.shown_text().iter().any(|t| t.contains("Alice shows you their screen.")), "{:?}", p.shown_text());
    assert!(p.agent.running().contains(&(id(ALICE), Capability::CsrScreenShare)), "listed as in use");
}

#[test]
fn without_the_customers_permission_nothing_is_shown_and_the_console_is_told() {
    let mut p = Pair::new();
    started(&mut p, ALICE, "t-1");
    assert_eq!(shown(&p, ALICE), None);
    assert_eq!(errors(&mut p, ALICE), vec![ErrorCode::ConsentRequired]);
}

#[test]
fn another_csrs_permission_does_not_show_bobs_screen() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::CsrScreenShare).unwrap();
    assert!(p.answer(Answer::ForSession));
    started(&mut p, BOB, "t-9");
    assert_eq!(shown(&p, BOB), None);
    assert_eq!(errors(&mut p, BOB), vec![ErrorCode::ConsentRequired]);
}

#[test]
fn taking_it_back_hides_the_screen_at_once() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::CsrScreenShare).unwrap();
    assert!(p.answer(Answer::ForSession));
    started(&mut p, ALICE, "t-1");
    run(&mut p, ALICE);
    p.customer(CustomerAction::Revoke(Capability::CsrScreenShare));
    assert_eq!(shown(&p, ALICE), None, "hidden before anything else is delivered");
    assert!(!p.agent.running().contains(&(id(ALICE), Capability::CsrScreenShare)));
}

#[test]
fn the_csrs_stop_hides_it_and_ends_an_allow_once() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::CsrScreenShare).unwrap();
    assert!(p.answer(Answer::Once));
    started(&mut p, ALICE, "t-1");
    run(&mut p, ALICE);
    p.peer(ALICE, PeerMessage::CsrShareStopped);
    p.deliver_all();
    assert_eq!(shown(&p, ALICE), None);
    assert!(p.shown_text().iter().any(|t| t.contains("Alice stopped showing their screen.")), "{:?}", p.shown_text());
    assert_eq!(p.scope_of(ALICE, Capability::CsrScreenShare), None, "the once-grant ended with the activity");
}

#[test]
fn signaling_stopping_the_activity_hides_the_screen() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::CsrScreenShare).unwrap();
    assert!(p.answer(Answer::ForSession));
    started(&mut p, ALICE, "t-1");
    run(&mut p, ALICE);
    p.signal(rules::Input::Stop { by: id(ALICE), activity: SHOW, customer: Some(id(DANA)) }).unwrap();
    p.deliver_all();
    assert_eq!(shown(&p, ALICE), None);
}

#[test]
fn signaling_stopping_an_allowed_once_screen_before_the_csrs_own_stop_arrives_says_the_csr_stopped() {
    // Seed 661479: the console's stop reached signaling first; its "allow once" grant ended in the
    // same batch, and the data channel's stop came too late (a renegotiation ran).
    let mut p = Pair::new();
    p.ask(ALICE, Capability::CsrScreenShare).unwrap();
    assert!(p.answer(Answer::Once));
    started(&mut p, ALICE, "t-1");
    run(&mut p, ALICE);
    p.signal(rules::Input::Stop { by: id(ALICE), activity: SHOW, customer: Some(id(DANA)) }).unwrap();
    p.deliver_all();
    assert_eq!(shown(&p, ALICE), None);
    assert!(p.shown_text().iter().any(|t| t.contains("Alice stopped showing their screen.")), "{:?}", p.shown_text());
    assert_eq!(p.scope_of(ALICE, Capability::CsrScreenShare), None, "the once-grant ended with the activity");
}

#[test]
fn an_oversized_track_name_is_refused() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::CsrScreenShare).unwrap();
    assert!(p.answer(Answer::ForSession));
    started(&mut p, ALICE, &"x".repeat(500));
    assert_eq!(shown(&p, ALICE), None);
    assert_eq!(errors(&mut p, ALICE), vec![ErrorCode::InvalidMessage]);
}

#[test]
fn a_connection_that_ends_while_the_screen_is_shown_tells_the_customer_and_ends_an_allow_once() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::CsrScreenShare).unwrap();
    assert!(p.answer(Answer::Once));
    started(&mut p, ALICE, "t-1");
    run(&mut p, ALICE);
    p.feed(agent_core::agent::Input::PeerGone { csr: id(ALICE) });
    p.deliver_all();
    assert_eq!(shown(&p, ALICE), None);
    assert!(p.shown_text().iter().any(|t| t.contains("Alice stopped showing their screen.")), "{:?}", p.shown_text());
    assert_eq!(p.scope_of(ALICE, Capability::CsrScreenShare), None, "the once-grant ended with the activity");
}
