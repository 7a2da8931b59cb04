//! S16: the customer reads in their agent when a CSR starts recording the session and when the
//! recording stops, however it stops (the CSR stops it, or the customer revokes it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::consent::Answer;
use agent_core::customer::{CustomerAction, Notice};
use common::pair::{id, Pair, ALICE, DANA};
use protocol::{rules, Activity, Capability};

const RECORDING: Activity = Activity::Capability(Capability::Recording);

fn infos(p: &Pair) -> Vec<String> {
    p.shown
        .iter()
        .filter_map(|n| match n {
            Notice::Info(t) | Notice::Told { text: t, .. } => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn start(p: &mut Pair) {
    p.signal(rules::Input::Start { by: id(ALICE), activity: RECORDING, customer: Some(id(DANA)) }).unwrap();
}

#[test]
fn the_customer_reads_when_recording_starts_and_when_it_stops() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::Recording).unwrap();
    assert!(p.answer(Answer::ForSession));
    start(&mut p);
    let said = infos(&p);
    assert!(said.iter().any(|t| t.starts_with("Recording started: Alice (support) is recording this session.")), "{said:?}");
    assert!(!said.iter().any(|t| t.starts_with("Recording stopped")), "{said:?}");
    p.signal(rules::Input::Stop { by: id(ALICE), activity: RECORDING, customer: Some(id(DANA)) }).unwrap();
    assert_eq!(infos(&p).last().map(String::as_str), Some("Recording stopped: this session is no longer recorded."));
}

#[test]
fn revoking_recording_tells_the_customer_it_stopped() {
    let mut p = Pair::new();
    p.ask(ALICE, Capability::Recording).unwrap();
    assert!(p.answer(Answer::ForSession));
    start(&mut p);
    p.customer(CustomerAction::Revoke(Capability::Recording));
    p.deliver_all();
    assert!(infos(&p).iter().any(|t| t == "Recording stopped: this session is no longer recorded."), "{:?}", infos(&p));
}
