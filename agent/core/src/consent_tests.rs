use super::*;

fn alice() -> ParticipantId {
    "alice".into()
}
fn bob() -> ParticipantId {
    "bob".into()
}

fn req(gate: &mut ConsentGate, id: &str, c: Capability, by: &ParticipantId) -> Vec<GateOutput> {
    let by_name = if by == &alice() { "Alice" } else { "Bob" };
    gate.handle(GateInput::Requested { request: id.into(), capability: c, by: by.clone(), by_name: by_name.into() })
}

fn answer(gate: &mut ConsentGate, id: &str, a: Answer) -> Vec<GateOutput> {
    gate.handle(GateInput::Answered { request: id.into(), answer: a })
}

#[test]
fn s21_nothing_runs_without_the_customers_yes() {
    let mut g = ConsentGate::new();
    for c in Capability::ALL {
        assert_eq!(g.check(&alice(), c), Err(ErrorCode::ConsentRequired));
    }
    let out = req(&mut g, "r1", Capability::ScreenView, &alice());
    let GateOutput::Ask(p) = &out[0] else { panic!("{out:?}") };
    assert_eq!(p.text, "Alice (support) asks to see your screen.");
    assert_eq!(g.check(&alice(), Capability::ScreenView), Err(ErrorCode::ConsentRequired), "asked is not granted");
    assert_eq!(
        answer(&mut g, "r1", Answer::ForSession),
        vec![GateOutput::SendAnswer { request: "r1".into(), granted: true, scope: GrantScope::Session }]
    );
    assert_eq!(g.check(&alice(), Capability::ScreenView), Ok(()));
}

#[test]
fn s21_a_grant_is_given_to_the_csr_who_asked_and_to_no_one_else() {
    let mut g = ConsentGate::new();
    req(&mut g, "r1", Capability::RemoteControl, &alice());
    answer(&mut g, "r1", Answer::ForSession);
    assert_eq!(g.check(&alice(), Capability::RemoteControl), Ok(()));
    assert_eq!(g.check(&bob(), Capability::RemoteControl), Err(ErrorCode::ConsentRequired));
    assert_eq!(g.check(&bob(), Capability::ScreenView), Err(ErrorCode::ConsentRequired));
}

#[test]
fn s21_control_is_asked_as_what_it_is_and_includes_seeing() {
    let mut g = ConsentGate::new();
    let out = req(&mut g, "r1", Capability::RemoteControl, &alice());
    let GateOutput::Ask(p) = &out[0] else { panic!("{out:?}") };
    assert_eq!(p.text, "Alice (support) asks to see and control your screen.");
    answer(&mut g, "r1", Answer::ForSession);
    assert_eq!(g.check(&alice(), Capability::ScreenView), Ok(()));
    assert!(g.snapshot().contains(&(alice(), Capability::ScreenView)));
}

#[test]
fn s21_revoking_the_screen_also_ends_control_and_the_other_way_round() {
    for revoked in [Capability::ScreenView, Capability::RemoteControl] {
        let mut g = ConsentGate::new();
        req(&mut g, "r1", Capability::RemoteControl, &alice());
        answer(&mut g, "r1", Answer::ForSession);
        req(&mut g, "r2", Capability::ScreenView, &bob());
        answer(&mut g, "r2", Answer::ForSession);
        assert_eq!(g.handle(GateInput::Revoked { capability: revoked }), vec![GateOutput::SendRevoke { capability: revoked }]);
        for who in [alice(), bob()] {
            assert!(g.check(&who, Capability::ScreenView).is_err(), "{revoked:?}: {who} still sees");
            assert!(g.check(&who, Capability::RemoteControl).is_err());
        }
    }
}

#[test]
fn a_denial_grants_nothing_and_an_unknown_answer_is_ignored() {
    let mut g = ConsentGate::new();
    req(&mut g, "r1", Capability::SystemInfo, &alice());
    answer(&mut g, "r1", Answer::Deny);
    assert!(g.check(&alice(), Capability::SystemInfo).is_err());
    assert!(answer(&mut g, "forged", Answer::ForSession).is_empty());
    assert!(g.grants().is_empty());
}

#[test]
fn allow_once_ends_with_the_activity_it_allowed() {
    let mut g = ConsentGate::new();
    req(&mut g, "r1", Capability::RemoteControl, &alice());
    assert_eq!(
        answer(&mut g, "r1", Answer::Once),
        vec![GateOutput::SendAnswer { request: "r1".into(), granted: true, scope: GrantScope::Once }]
    );
    req(&mut g, "r2", Capability::Camera, &alice());
    answer(&mut g, "r2", Answer::ForSession);
    g.handle(GateInput::ActivityEnded { csr: alice(), capability: Capability::ScreenView });
    assert!(g.check(&alice(), Capability::RemoteControl).is_err(), "once ends with the share");
    g.handle(GateInput::ActivityEnded { csr: alice(), capability: Capability::Camera });
    assert_eq!(g.check(&alice(), Capability::Camera), Ok(()), "for the session stays");
}

/// Walk seed 706175: a view under its own "see" grant ends only that grant when it stops.
#[test]
fn allow_once_ends_only_the_narrowest_grant_the_activity_ran_under() {
    let mut g = ConsentGate::new();
    req(&mut g, "r1", Capability::ApplicationView, &alice());
    answer(&mut g, "r1", Answer::Once);
    req(&mut g, "r2", Capability::ApplicationControl, &alice());
    answer(&mut g, "r2", Answer::Once);
    g.handle(GateInput::ActivityEnded { csr: alice(), capability: Capability::ApplicationView });
    assert_eq!(g.check(&alice(), Capability::ApplicationControl), Ok(()), "control allowed nothing yet");
    g.handle(GateInput::ActivityEnded { csr: alice(), capability: Capability::ApplicationView });
    assert!(g.check(&alice(), Capability::ApplicationControl).is_err(), "a view under the control grant ends it");
}

#[test]
fn s18_a_hand_over_asks_once_naming_the_new_host_and_withdraws_the_former_hosts_questions() {
    let mut g = ConsentGate::new();
    req(&mut g, "r1", Capability::RemoteControl, &alice());
    answer(&mut g, "r1", Answer::ForSession);
    assert!(matches!(req(&mut g, "r2", Capability::Camera, &alice())[0], GateOutput::Ask(_)));
    assert_eq!(g.handle(GateInput::Withdrawn { csr: alice(), capability: None }), vec![GateOutput::Withdraw { request: "r2".into() }]);
    assert!(g.check(&alice(), Capability::RemoteControl).is_err());
    let out = g.handle(GateInput::CarryOver {
        request: "carry-1".into(),
        capabilities: vec![Capability::RemoteControl, Capability::Microphone],
        to: bob(),
        to_name: "Bob".into(),
        from_name: "Alice".into(),
    });
    let GateOutput::Ask(p) = &out[0] else { panic!("{out:?}") };
    assert_eq!(p.text, "Bob (support) has taken over from Alice. Let Bob carry on: see and control your screen, use your microphone?");
    answer(&mut g, "carry-1", Answer::ForSession);
    assert_eq!(g.check(&bob(), Capability::RemoteControl), Ok(()));
    assert_eq!(g.check(&bob(), Capability::Microphone), Ok(()));
    assert!(g.check(&alice(), Capability::ScreenView).is_err());
}

#[test]
fn s13_each_transfer_is_asked_with_what_it_is_and_used_once_by_its_csr() {
    let mut g = ConsentGate::new();
    req(&mut g, "a", Capability::AdvancedFileTransfer, &alice());
    answer(&mut g, "a", Answer::ForSession);
    // The request comes first, the description later: the prompt waits for it.
    assert!(req(&mut g, "t1", Capability::FileTransferItem, &alice()).is_empty());
    let out = g.handle(GateInput::Described { request: "t1".into(), what: "send you report.pdf (2.0 MiB)".into() });
    let GateOutput::Ask(p) = &out[0] else { panic!("{out:?}") };
    assert_eq!(p.text, "Alice (support) asks to send you report.pdf (2.0 MiB).");
    answer(&mut g, "t1", Answer::ForSession);
    assert_eq!(g.take_transfer(&bob(), &"t1".into()), Err(ErrorCode::ConsentRequired), "another CSR cannot use it");
    assert_eq!(g.take_transfer(&alice(), &"t1".into()), Ok(()));
    assert_eq!(g.take_transfer(&alice(), &"t1".into()), Err(ErrorCode::ConsentRequired), "one grant, one transfer");
    // Description first, request later.
    g.handle(GateInput::Described { request: "t2".into(), what: "copy notes.txt from your computer".into() });
    assert!(matches!(req(&mut g, "t2", Capability::FileTransferItem, &alice())[0], GateOutput::Ask(_)));
}

#[test]
fn transfers_need_the_advanced_grant_alive() {
    let mut g = ConsentGate::new();
    req(&mut g, "a", Capability::AdvancedFileTransfer, &alice());
    answer(&mut g, "a", Answer::ForSession);
    req(&mut g, "t1", Capability::FileTransferItem, &alice());
    g.handle(GateInput::Described { request: "t1".into(), what: "x".into() });
    answer(&mut g, "t1", Answer::ForSession);
    let out = g.handle(GateInput::Revoked { capability: Capability::AdvancedFileTransfer });
    assert_eq!(out, vec![GateOutput::SendRevoke { capability: Capability::AdvancedFileTransfer }]);
    assert_eq!(g.take_transfer(&alice(), &"t1".into()), Err(ErrorCode::ConsentRequired));
}

#[test]
fn after_the_end_every_grant_is_gone_and_nothing_is_asked() {
    let mut g = ConsentGate::new();
    req(&mut g, "r1", Capability::Microphone, &alice());
    answer(&mut g, "r1", Answer::ForSession);
    g.handle(GateInput::Ended);
    assert!(g.check(&alice(), Capability::Microphone).is_err());
    assert!(req(&mut g, "r2", Capability::Camera, &alice()).is_empty());
    assert!(g.snapshot().is_empty());
}

#[test]
fn s9_the_customers_own_camera_offer_is_their_grant_to_that_csr() {
    let mut g = ConsentGate::new();
    let out = g.handle(GateInput::Offered { request: "own-1".into(), csr: alice(), capability: Capability::Camera });
    assert_eq!(out, vec![GateOutput::SendOffer { request: "own-1".into(), csr: alice(), capability: Capability::Camera }]);
    assert_eq!(g.check(&alice(), Capability::Camera), Ok(()));
    assert_eq!(g.check(&bob(), Capability::Camera), Err(ErrorCode::ConsentRequired));
    // Nothing but their own devices can be offered.
    assert!(g.handle(GateInput::Offered { request: "own-2".into(), csr: alice(), capability: Capability::ScreenView }).is_empty());
    assert_eq!(g.check(&alice(), Capability::ScreenView), Err(ErrorCode::ConsentRequired));
    g.handle(GateInput::Revoked { capability: Capability::Camera });
    assert_eq!(g.check(&alice(), Capability::Camera), Err(ErrorCode::ConsentRequired));
}
