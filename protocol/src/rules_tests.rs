//! One behaviour per test, named after it and citing the rule of the specification it checks.
//! Every refused input goes through [`refused`], which also checks that the state did not change;
//! every accepted one through [`ok`], which also checks the invariants.

use super::*;

use Capability::{
    AdvancedFileTransfer, ApplicationControl, ApplicationView, Camera, FileTransferItem, Microphone, Recording, RemoteControl, ScreenView,
    SystemInfo,
};

const HOST: &str = "host";
const HELPER: &str = "helper";

fn id(s: &str) -> ParticipantId {
    ParticipantId::from(s)
}

fn req(s: &str) -> RequestId {
    RequestId::from(s)
}

fn cap(c: Capability) -> Activity {
    Activity::Capability(c)
}

/// A session started by a connected `host` and joined by `cust1`..`custN`, in that order.
fn session(customers: usize) -> Session {
    let mut s = Session::start(id(HOST), "Hana".into(), SiteFeatures::default());
    ok(&mut s, Input::Presence { id: id(HOST), online: true });
    for n in 1..=customers {
        ok(&mut s, join(&format!("cust{n}"), Role::Customer));
    }
    s
}

/// `session(customers)` plus a connected CSR `helper` without control (S17).
fn session_with_helper(customers: usize) -> Session {
    let mut s = session(customers);
    ok(&mut s, join(HELPER, Role::Csr));
    ok(&mut s, Input::Presence { id: id(HELPER), online: true });
    s
}

fn join(who: &str, role: Role) -> Input {
    Input::Join { id: id(who), name: who.into(), role }
}

fn leave(who: &str) -> Input {
    Input::Leave { id: id(who) }
}

fn end(by: &str) -> Input {
    Input::End { by: id(by) }
}

fn promote(by: &str, customer: &str) -> Input {
    Input::Promote { by: id(by), customer: id(customer) }
}

fn transfer(by: &str, to: &str) -> Input {
    Input::TransferControl { by: id(by), to: id(to) }
}

/// The host asks `customer` for `capability`.
fn asking(customer: &str, capability: Capability, request: &str) -> Input {
    Input::RequestConsent { by: id(HOST), customer: id(customer), capability, request: req(request) }
}

/// `by` asks `customer` for `capability`.
fn asked_by(by: &str, customer: &str, capability: Capability, request: &str) -> Input {
    Input::RequestConsent { by: id(by), customer: id(customer), capability, request: req(request) }
}

fn answering(by: &str, request: &str, granted: bool) -> Input {
    Input::AnswerConsent { by: id(by), request: req(request), granted, scope: GrantScope::Session }
}

fn revoking(by: &str, capability: Capability) -> Input {
    Input::Revoke { by: id(by), capability }
}

fn starting(by: &str, activity: Activity, customer: Option<&str>) -> Input {
    Input::Start { by: id(by), activity, customer: customer.map(id) }
}

fn stopping(by: &str, activity: Activity, customer: Option<&str>) -> Input {
    Input::Stop { by: id(by), activity, customer: customer.map(id) }
}

/// `by` starts a consent-backed activity on `customer`'s computer.
fn using(by: &str, capability: Capability, customer: &str) -> Input {
    starting(by, cap(capability), Some(customer))
}

fn stopped(capability: Capability, customer: &str, reason: StopReason) -> Event {
    Event::ActivityStopped { activity: cap(capability), customer: Some(id(customer)), reason }
}

/// Applies an input that the rules must accept.
#[track_caller]
fn ok(s: &mut Session, input: Input) -> Vec<Event> {
    let events = s.handle(input).expect("input refused");
    assert_eq!(s.invariant_violation(), None);
    events
}

/// Applies an input that must be refused with `code`, and checks that nothing changed.
#[track_caller]
fn refused(s: &mut Session, input: Input, code: ErrorCode) {
    let before = s.clone();
    assert_eq!(s.handle(input), Err(code));
    assert_eq!(*s, before, "a refused input changed the state");
}

/// The host asks and the customer grants.
#[track_caller]
fn grant(s: &mut Session, customer: &str, capability: Capability) {
    let request = format!("{customer}-{capability:?}");
    ok(s, asking(customer, capability, &request));
    ok(s, answering(customer, &request, true));
}

// --- S1, S4, S5: starting and inviting ---

#[test]
fn s1_s4_the_starting_csr_is_host_of_a_live_session() {
    let s = Session::start(id(HOST), "Hana".into(), SiteFeatures::default());
    assert_eq!(s.host(), &id(HOST));
    assert_eq!(s.member(&id(HOST)).map(|m| m.role), Some(Role::Csr));
    assert_eq!((s.primary(), s.is_ended()), (None, false));
    assert_eq!(s.invariant_violation(), None);
}

#[test]
fn s1_nobody_joins_a_session_that_has_ended() {
    let mut s = session(1);
    ok(&mut s, end(HOST));
    refused(&mut s, join("late", Role::Customer), ErrorCode::SessionEnded);
}

#[test]
fn s5_first_customer_to_join_becomes_primary_later_ones_secondary() {
    let mut s = session(0);
    let joined = |c: &str| Event::Joined { id: id(c), role: Role::Customer, observer: false };
    let primary = Event::PrimaryChanged { from: None, to: Some(id("cust1")) };
    assert_eq!(ok(&mut s, join("cust1", Role::Customer)), vec![joined("cust1"), primary]);
    assert_eq!(ok(&mut s, join("cust2", Role::Customer)), vec![joined("cust2")]);
    assert_eq!(s.primary(), Some(&id("cust1")));
}

#[test]
fn s5_a_participant_cannot_join_twice() {
    let mut s = session(1);
    refused(&mut s, join("cust1", Role::Customer), ErrorCode::AlreadyExists);
    refused(&mut s, join(HOST, Role::Csr), ErrorCode::AlreadyExists);
}

// --- S6: primary and secondary customers ---

#[test]
fn s6_host_makes_a_secondary_customer_primary() {
    let mut s = session(2);
    let events = ok(&mut s, promote(HOST, "cust2"));
    assert_eq!(events, vec![Event::PrimaryChanged { from: Some(id("cust1")), to: Some(id("cust2")) }]);
    assert_eq!(s.primary(), Some(&id("cust2")));
}

#[test]
fn s6_promotion_makes_former_primary_secondary_and_stops_its_app_sharing() {
    let mut s = session(2);
    grant(&mut s, "cust1", ApplicationView);
    grant(&mut s, "cust1", ScreenView);
    ok(&mut s, using(HOST, ApplicationView, "cust1"));
    ok(&mut s, using(HOST, ScreenView, "cust1"));
    let events = ok(&mut s, promote(HOST, "cust2"));
    assert_eq!(events[0], stopped(ApplicationView, "cust1", StopReason::PrimaryChanged));
    // Only application sharing is reserved to the primary; the screen view goes on.
    assert_eq!(s.running().len(), 1);
    assert_eq!(s.running()[0].activity, cap(ScreenView));
}

#[test]
fn s6_only_the_primary_customer_shares_an_application() {
    let mut s = session(2);
    refused(&mut s, asking("cust2", ApplicationView, "r1"), ErrorCode::NotPrimary);
    // Not even with a grant given while it was primary.
    grant(&mut s, "cust1", ApplicationControl);
    ok(&mut s, promote(HOST, "cust2"));
    refused(&mut s, using(HOST, ApplicationControl, "cust1"), ErrorCode::NotPrimary);
}

#[test]
fn s6_only_the_host_promotes_and_only_a_secondary_customer() {
    let mut s = session_with_helper(2);
    refused(&mut s, promote(HELPER, "cust2"), ErrorCode::NotHost);
    refused(&mut s, promote("cust2", "cust2"), ErrorCode::NotHost);
    refused(&mut s, promote("stranger", "cust2"), ErrorCode::NotInSession);
    refused(&mut s, promote(HOST, "cust1"), ErrorCode::AlreadyPrimary);
    refused(&mut s, promote(HOST, HELPER), ErrorCode::NotACustomer);
    refused(&mut s, promote(HOST, "nobody"), ErrorCode::UnknownParticipant);
}

#[test]
fn primary_passes_to_next_customer_when_primary_leaves() {
    let mut s = session(3);
    ok(&mut s, promote(HOST, "cust3"));
    // To the earliest remaining customer, in join order; to nobody after the last one.
    for (gone, next) in [("cust3", Some("cust1")), ("cust1", Some("cust2")), ("cust2", None)] {
        let events = ok(&mut s, leave(gone));
        assert_eq!(events.last(), Some(&Event::PrimaryChanged { from: Some(id(gone)), to: next.map(id) }));
        assert_eq!(s.primary(), next.map(id).as_ref());
    }
}

// --- S7: chat and peer relay ---

#[test]
fn s7_chat_and_peer_relay_stay_between_participants() {
    let s = session(2);
    let stranger = id("stranger");
    assert_eq!(s.check_chat(&id("cust1"), &[]), Ok(()));
    assert_eq!(s.check_chat(&id(HOST), &[id("cust2")]), Ok(()));
    assert_eq!(s.check_relay(&id(HOST), &id("cust1")), Ok(()));
    assert_eq!(s.check_chat(&stranger, &[]), Err(ErrorCode::NotInSession));
    assert_eq!(s.check_chat(&id(HOST), &[id("cust1"), stranger.clone()]), Err(ErrorCode::UnknownParticipant));
    assert_eq!(s.check_relay(&id(HOST), &stranger), Err(ErrorCode::UnknownParticipant));
    assert_eq!(s.check_relay(&stranger, &id(HOST)), Err(ErrorCode::NotInSession));
}

// --- S9: video ---

#[test]
fn s9_video_refused_before_a_customer_joined() {
    let mut s = session(0);
    refused(&mut s, starting(HOST, Activity::CsrVideo, None), ErrorCode::NoCustomerJoined);
    ok(&mut s, join("cust1", Role::Customer));
    let events = ok(&mut s, starting(HOST, Activity::CsrVideo, None));
    assert_eq!(events, vec![Event::ActivityStarted { activity: Activity::CsrVideo, customer: None, by: id(HOST) }]);
}

#[test]
fn s9_s21_customer_camera_needs_the_customers_grant() {
    let mut s = session(1);
    refused(&mut s, using(HOST, Camera, "cust1"), ErrorCode::ConsentRequired);
    grant(&mut s, "cust1", Camera);
    ok(&mut s, using(HOST, Camera, "cust1"));
}

// --- S10, S21, S22: consent ---

#[test]
fn s10_remote_control_starts_only_after_permission() {
    let mut s = session(1);
    ok(&mut s, asking("cust1", RemoteControl, "r1"));
    // Asked is not granted.
    refused(&mut s, using(HOST, RemoteControl, "cust1"), ErrorCode::ConsentRequired);
    ok(&mut s, answering("cust1", "r1", true));
    ok(&mut s, using(HOST, RemoteControl, "cust1"));
}

#[test]
fn only_host_requests_consent() {
    let mut s = session_with_helper(1);
    for (by, code) in [(HELPER, ErrorCode::NotHost), ("cust1", ErrorCode::NotHost), ("x", ErrorCode::NotInSession)] {
        let input = Input::RequestConsent { by: id(by), customer: id("cust1"), capability: ScreenView, request: req("r") };
        refused(&mut s, input, code);
    }
}

#[test]
fn s10_consent_is_asked_of_a_customer_in_the_session() {
    let mut s = session_with_helper(0);
    refused(&mut s, asking("cust1", ScreenView, "r1"), ErrorCode::UnknownParticipant);
    refused(&mut s, asking(HELPER, ScreenView, "r1"), ErrorCode::NotACustomer);
}

#[test]
fn s21_only_the_asked_customer_answers() {
    let mut s = session(2);
    ok(&mut s, asking("cust1", SystemInfo, "r1"));
    refused(&mut s, answering("cust2", "r1", true), ErrorCode::UnknownRequest);
    refused(&mut s, answering(HOST, "r1", true), ErrorCode::UnknownRequest);
    refused(&mut s, answering("cust1", "r9", true), ErrorCode::UnknownRequest);
}

#[test]
fn s22_grant_denial_and_revocation_are_each_reported() {
    let mut s = session(1);
    let (c, cust) = (SystemInfo, id("cust1"));
    ok(&mut s, asking("cust1", c, "r1"));
    let denied = ok(&mut s, answering("cust1", "r1", false));
    assert_eq!(denied, vec![Event::ConsentDenied { request: req("r1"), customer: cust.clone(), capability: c, csr: id(HOST) }]);
    // S21: a denial grants nothing and closes the request; asking again is allowed.
    assert!(s.grants().is_empty());
    refused(&mut s, answering("cust1", "r1", true), ErrorCode::UnknownRequest);
    ok(&mut s, asking("cust1", c, "r2"));
    let granted = ok(&mut s, answering("cust1", "r2", true));
    assert_eq!(
        granted,
        vec![Event::ConsentGranted {
            request: req("r2"),
            customer: cust.clone(),
            capability: c,
            csr: id(HOST),
            scope: GrantScope::Session
        }]
    );
    let revoked = ok(&mut s, revoking("cust1", c));
    assert_eq!(revoked, vec![Event::ConsentRevoked { customer: cust, capability: c }]);
}

#[test]
fn s21_one_open_request_per_customer_capability_and_id() {
    let mut s = session(1);
    ok(&mut s, asking("cust1", ScreenView, "r1"));
    refused(&mut s, asking("cust1", ScreenView, "r2"), ErrorCode::ConsentPending);
    refused(&mut s, asking("cust1", SystemInfo, "r1"), ErrorCode::AlreadyExists);
    ok(&mut s, answering("cust1", "r1", true));
    refused(&mut s, asking("cust1", ScreenView, "r3"), ErrorCode::AlreadyGranted);
}

#[test]
fn s21_activity_refused_without_grant() {
    let mut s = session(1);
    for c in Capability::ALL {
        refused(&mut s, using(HOST, c, "cust1"), ErrorCode::ConsentRequired);
    }
}

#[test]
fn s21_a_grant_covers_one_customer_and_one_capability() {
    let mut s = session(2);
    grant(&mut s, "cust1", ScreenView);
    refused(&mut s, using(HOST, ScreenView, "cust2"), ErrorCode::ConsentRequired);
    refused(&mut s, using(HOST, RemoteControl, "cust1"), ErrorCode::ConsentRequired);
    refused(&mut s, starting(HOST, cap(ScreenView), None), ErrorCode::NotACustomer);
}

#[test]
fn s21_revocation_stops_running_activity_at_once() {
    let mut s = session(1);
    grant(&mut s, "cust1", RemoteControl);
    grant(&mut s, "cust1", Microphone);
    ok(&mut s, using(HOST, RemoteControl, "cust1"));
    ok(&mut s, using(HOST, Microphone, "cust1"));
    let events = ok(&mut s, revoking("cust1", RemoteControl));
    let revoked = Event::ConsentRevoked { customer: id("cust1"), capability: RemoteControl };
    assert_eq!(events, vec![revoked, stopped(RemoteControl, "cust1", StopReason::Revoked)]);
    assert!(!s.is_granted(&id("cust1"), RemoteControl, &id(HOST)));
    // Other grants, and what runs on them, stay.
    assert!(s.is_granted(&id("cust1"), Microphone, &id(HOST)));
    assert_eq!(s.running().len(), 1);
}

#[test]
fn s21_only_a_customer_revokes_and_only_what_it_was_asked_for() {
    let mut s = session(1);
    refused(&mut s, revoking(HOST, ScreenView), ErrorCode::NotACustomer);
    refused(&mut s, revoking("stranger", ScreenView), ErrorCode::NotInSession);
    refused(&mut s, revoking("cust1", ScreenView), ErrorCode::NotFound);
    // A request not answered yet can be withdrawn too.
    ok(&mut s, asking("cust1", ScreenView, "r1"));
    ok(&mut s, revoking("cust1", ScreenView));
    refused(&mut s, answering("cust1", "r1", true), ErrorCode::UnknownRequest);
}

#[test]
fn s19_s21_customer_leaves_at_any_time_and_its_grants_go_with_it() {
    let mut s = session(2);
    grant(&mut s, "cust2", ScreenView);
    ok(&mut s, using(HOST, ScreenView, "cust2"));
    let events = ok(&mut s, leave("cust2"));
    assert_eq!(events[0], stopped(ScreenView, "cust2", StopReason::ParticipantLeft));
    assert!(s.grants().is_empty() && s.running().is_empty());
    // Joining again does not bring the old grant back.
    ok(&mut s, join("cust2", Role::Customer));
    assert!(!s.is_granted(&id("cust2"), ScreenView, &id(HOST)));
}

// --- S11, S12, S13: file transfer ---

#[test]
fn s11_switched_off_feature_refused() {
    let off = SiteFeatures { basic_file_transfer: false, advanced_file_transfer: false, recording: false, video: false };
    let mut s = Session::start(id(HOST), "Hana".into(), off);
    ok(&mut s, join("cust1", Role::Customer));
    for activity in [Activity::BasicFileTransfer, Activity::CsrVideo] {
        refused(&mut s, starting(HOST, activity, None), ErrorCode::FeatureDisabled);
    }
    for capability in [AdvancedFileTransfer, FileTransferItem, Recording, Camera] {
        refused(&mut s, asking("cust1", capability, "r1"), ErrorCode::FeatureDisabled);
    }
    // Capabilities that no switch governs stay available.
    ok(&mut s, asking("cust1", ScreenView, "r1"));
}

#[test]
fn s12_file_transfer_refused_while_application_viewed() {
    let mut s = session_with_helper(1);
    grant(&mut s, "cust1", AdvancedFileTransfer);
    grant(&mut s, "cust1", ApplicationView);
    ok(&mut s, using(HOST, ApplicationView, "cust1"));
    // Whichever CSR would transfer files.
    refused(&mut s, starting(HELPER, Activity::BasicFileTransfer, None), ErrorCode::ApplicationSharingActive);
    refused(&mut s, starting(HOST, Activity::BasicFileTransfer, None), ErrorCode::ApplicationSharingActive);
    refused(&mut s, using(HOST, AdvancedFileTransfer, "cust1"), ErrorCode::ApplicationSharingActive);
    // Application sharing must stop first.
    ok(&mut s, stopping(HOST, cap(ApplicationView), Some("cust1")));
    ok(&mut s, starting(HOST, Activity::BasicFileTransfer, None));
    ok(&mut s, using(HOST, AdvancedFileTransfer, "cust1"));
}

#[test]
fn s12_advanced_transfer_not_asked_while_application_controlled() {
    let mut s = session(1);
    grant(&mut s, "cust1", ApplicationControl);
    ok(&mut s, using(HOST, ApplicationControl, "cust1"));
    refused(&mut s, asking("cust1", AdvancedFileTransfer, "r1"), ErrorCode::ApplicationSharingActive);
}

#[test]
fn s12_application_sharing_refused_while_file_transfer_runs() {
    let mut s = session(1);
    grant(&mut s, "cust1", ApplicationView);
    ok(&mut s, starting(HOST, Activity::BasicFileTransfer, None));
    refused(&mut s, using(HOST, ApplicationView, "cust1"), ErrorCode::FileTransferActive);
}

#[test]
fn s13_a_transfer_is_asked_only_inside_a_granted_advanced_transfer() {
    let mut s = session(1);
    refused(&mut s, asking("cust1", FileTransferItem, "r1"), ErrorCode::ConsentRequired);
    grant(&mut s, "cust1", AdvancedFileTransfer);
    ok(&mut s, asking("cust1", FileTransferItem, "r1"));
}

#[test]
fn s13_each_transfer_needs_its_own_grant() {
    let mut s = session(1);
    grant(&mut s, "cust1", AdvancedFileTransfer);
    ok(&mut s, using(HOST, AdvancedFileTransfer, "cust1"));
    grant(&mut s, "cust1", FileTransferItem);
    ok(&mut s, using(HOST, FileTransferItem, "cust1"));
    // While its transfer runs, the grant covers no second one.
    refused(&mut s, using(HOST, FileTransferItem, "cust1"), ErrorCode::ActivityActive);
    refused(&mut s, asking("cust1", FileTransferItem, "again"), ErrorCode::AlreadyGranted);
    ok(&mut s, stopping(HOST, cap(FileTransferItem), Some("cust1")));
    // The item grant is used up by its transfer; the grant of the activity stays.
    assert!(!s.is_granted(&id("cust1"), FileTransferItem, &id(HOST)));
    assert!(s.is_granted(&id("cust1"), AdvancedFileTransfer, &id(HOST)));
    refused(&mut s, using(HOST, FileTransferItem, "cust1"), ErrorCode::ConsentRequired);
    grant(&mut s, "cust1", FileTransferItem);
    ok(&mut s, using(HOST, FileTransferItem, "cust1"));
}

#[test]
fn revoking_advanced_transfer_revokes_its_item_grants() {
    let mut s = session(1);
    grant(&mut s, "cust1", AdvancedFileTransfer);
    grant(&mut s, "cust1", FileTransferItem);
    ok(&mut s, using(HOST, AdvancedFileTransfer, "cust1"));
    ok(&mut s, using(HOST, FileTransferItem, "cust1"));
    let events = ok(&mut s, revoking("cust1", AdvancedFileTransfer));
    for c in [AdvancedFileTransfer, FileTransferItem] {
        assert!(events.contains(&Event::ConsentRevoked { customer: id("cust1"), capability: c }));
        assert!(events.contains(&stopped(c, "cust1", StopReason::Revoked)));
    }
    assert!(s.grants().is_empty() && s.running().is_empty());
}

// --- S17, S18: another CSR, transfer of control ---

#[test]
fn s17_s18_an_invited_csr_joins_without_control_until_the_host_transfers_it() {
    let mut s = session_with_helper(1);
    assert_eq!(s.member(&id(HELPER)).map(|m| m.role), Some(Role::Csr));
    assert_eq!(s.host(), &id(HOST));
    let events = ok(&mut s, transfer(HOST, HELPER));
    assert_eq!(events, vec![Event::HostChanged { from: id(HOST), to: id(HELPER) }]);
    assert_eq!(s.host(), &id(HELPER));
}

#[test]
fn s18_only_the_host_transfers_and_only_to_another_connected_csr() {
    let mut s = session_with_helper(1);
    ok(&mut s, join("away", Role::Csr));
    refused(&mut s, transfer(HELPER, HELPER), ErrorCode::NotHost);
    refused(&mut s, transfer("cust1", HELPER), ErrorCode::NotHost);
    refused(&mut s, transfer(HOST, "away"), ErrorCode::ParticipantOffline);
    refused(&mut s, transfer(HOST, "cust1"), ErrorCode::NotACsr);
    refused(&mut s, transfer(HOST, "nobody"), ErrorCode::UnknownParticipant);
    refused(&mut s, transfer(HOST, HOST), ErrorCode::AlreadyHost);
}

#[test]
fn s18_former_host_cannot_end_after_transfer() {
    let mut s = session_with_helper(1);
    ok(&mut s, transfer(HOST, HELPER));
    refused(&mut s, end(HOST), ErrorCode::NotHost);
    refused(&mut s, promote(HOST, "cust1"), ErrorCode::NotHost);
    // Unless control is transferred back.
    ok(&mut s, transfer(HELPER, HOST));
    ok(&mut s, end(HOST));
}

#[test]
fn s18_former_host_may_leave_after_transfer() {
    let mut s = session_with_helper(1);
    ok(&mut s, transfer(HOST, HELPER));
    assert_eq!(ok(&mut s, leave(HOST)), vec![Event::Left { id: id(HOST) }]);
}

#[test]
fn host_cannot_leave() {
    let mut s = session(1);
    refused(&mut s, leave(HOST), ErrorCode::HostCannotLeave);
}

#[test]
fn s21_a_grant_serves_only_the_csr_it_was_given_to() {
    let mut s = session_with_helper(1);
    grant(&mut s, "cust1", ScreenView);
    refused(&mut s, using(HELPER, ScreenView, "cust1"), ErrorCode::ConsentRequired);
    ok(&mut s, using(HOST, ScreenView, "cust1"));
    ok(&mut s, leave(HELPER));
    assert_eq!(s.running().len(), 1);
    assert!(s.is_granted(&id("cust1"), ScreenView, &id(HOST)));
    assert!(!s.is_granted(&id("cust1"), ScreenView, &id(HELPER)));
}

#[test]
fn s18_s21_a_hand_over_ends_the_former_hosts_grants_and_asks_once_to_carry_on() {
    let mut s = session_with_helper(1);
    grant(&mut s, "cust1", RemoteControl);
    grant(&mut s, "cust1", Microphone);
    ok(&mut s, using(HOST, RemoteControl, "cust1"));
    let events = ok(&mut s, transfer(HOST, HELPER));
    assert_eq!(events[0], Event::HostChanged { from: id(HOST), to: id(HELPER) });
    assert!(events.contains(&stopped(RemoteControl, "cust1", StopReason::HostChanged)));
    let Some(Event::CarryOverRequested { request, customer, from, to, capabilities }) = events.last().cloned() else {
        panic!("{events:?}")
    };
    assert_eq!((customer, from, to), (id("cust1"), id(HOST), id(HELPER)));
    assert_eq!(capabilities, vec![RemoteControl, Microphone]);
    // Nothing runs and nothing is granted until the customer answers, for anyone.
    assert!(s.running().is_empty());
    refused(&mut s, using(HELPER, RemoteControl, "cust1"), ErrorCode::ConsentRequired);
    refused(&mut s, using(HOST, RemoteControl, "cust1"), ErrorCode::ConsentRequired);
    let granted = ok(&mut s, answering("cust1", request.as_str(), true));
    assert_eq!(granted.len(), 2, "one answer, both grants: {granted:?}");
    ok(&mut s, using(HELPER, RemoteControl, "cust1"));
    assert!(!s.is_granted(&id("cust1"), ScreenView, &id(HOST)));
}

#[test]
fn s18_a_denied_carry_on_leaves_the_new_host_to_ask_again() {
    let mut s = session_with_helper(1);
    grant(&mut s, "cust1", ScreenView);
    let events = ok(&mut s, transfer(HOST, HELPER));
    let Some(Event::CarryOverRequested { request, .. }) = events.last().cloned() else { panic!("{events:?}") };
    ok(&mut s, answering("cust1", request.as_str(), false));
    refused(&mut s, using(HELPER, ScreenView, "cust1"), ErrorCode::ConsentRequired);
    ok(&mut s, Input::RequestConsent { by: id(HELPER), customer: id("cust1"), capability: ScreenView, request: req("again") });
}

#[test]
fn s21_allow_once_ends_with_the_activity_it_allowed() {
    let mut s = session(1);
    ok(&mut s, asking("cust1", RemoteControl, "r1"));
    ok(&mut s, Input::AnswerConsent { by: id("cust1"), request: req("r1"), granted: true, scope: GrantScope::Once });
    ok(&mut s, using(HOST, ScreenView, "cust1"));
    let events = ok(&mut s, stopping(HOST, cap(ScreenView), Some("cust1")));
    assert!(events.contains(&Event::ConsentEnded { customer: id("cust1"), capability: RemoteControl, csr: id(HOST) }));
    refused(&mut s, using(HOST, RemoteControl, "cust1"), ErrorCode::ConsentRequired);
}

#[test]
fn s21_control_includes_seeing_and_revoking_the_screen_stops_control() {
    let mut s = session(1);
    grant(&mut s, "cust1", RemoteControl);
    refused(&mut s, asking("cust1", ScreenView, "r9"), ErrorCode::AlreadyGranted);
    ok(&mut s, using(HOST, RemoteControl, "cust1"));
    let events = ok(&mut s, revoking("cust1", ScreenView));
    assert!(events.contains(&stopped(RemoteControl, "cust1", StopReason::Revoked)), "{events:?}");
    assert!(!s.is_granted(&id("cust1"), RemoteControl, &id(HOST)));
}

// --- S19: ending and leaving ---

#[test]
fn s19_host_ends_the_session_at_any_time_stopping_everything() {
    let mut s = session(1);
    grant(&mut s, "cust1", ScreenView);
    ok(&mut s, using(HOST, ScreenView, "cust1"));
    ok(&mut s, starting(HOST, Activity::CsrVideo, None));
    let events = ok(&mut s, end(HOST));
    assert_eq!(events.len(), 3);
    assert!(events[..2].iter().all(|e| matches!(e, Event::ActivityStopped { reason: StopReason::SessionEnded, .. })));
    assert_eq!(events[2], Event::Ended { by: id(HOST) });
    assert!(s.is_ended() && s.running().is_empty() && s.grants().is_empty());
}

#[test]
fn s19_customer_cannot_end_the_session() {
    let mut s = session(1);
    refused(&mut s, end("cust1"), ErrorCode::CustomerCannotEnd);
}

#[test]
fn nothing_happens_after_the_end() {
    let mut s = session_with_helper(2);
    ok(&mut s, end(HOST));
    let inputs = [
        join("x", Role::Csr),
        Input::Presence { id: id(HOST), online: false },
        leave("cust1"),
        promote(HOST, "cust2"),
        transfer(HOST, HELPER),
        asking("cust1", ScreenView, "r"),
        answering("cust1", "r", true),
        revoking("cust1", ScreenView),
        starting(HOST, Activity::CsrVideo, None),
        stopping(HOST, Activity::CsrVideo, None),
        end(HOST),
    ];
    for input in inputs {
        refused(&mut s, input, ErrorCode::SessionEnded);
    }
    assert_eq!(s.check_chat(&id(HOST), &[]), Err(ErrorCode::SessionEnded));
    assert_eq!(s.check_relay(&id(HOST), &id("cust1")), Err(ErrorCode::SessionEnded));
}

// --- across the rules ---

#[test]
fn refusal_leaves_state_unchanged() {
    let mut s = session(2);
    grant(&mut s, "cust1", ApplicationView);
    ok(&mut s, using(HOST, ApplicationView, "cust1"));
    ok(&mut s, asking("cust2", SystemInfo, "pending"));
    // `refused` compares the state after each refusal with a clone taken before.
    refused(&mut s, leave(HOST), ErrorCode::HostCannotLeave);
    refused(&mut s, starting(HOST, Activity::BasicFileTransfer, None), ErrorCode::ApplicationSharingActive);
    refused(&mut s, stopping("cust2", cap(ApplicationView), Some("cust1")), ErrorCode::NotACsr);
    refused(&mut s, join("cust2", Role::Customer), ErrorCode::AlreadyExists);
    refused(&mut s, answering("cust1", "pending", true), ErrorCode::UnknownRequest);
    refused(&mut s, end("cust2"), ErrorCode::CustomerCannotEnd);
}

#[test]
fn customers_do_not_start_activities() {
    let mut s = session(1);
    grant(&mut s, "cust1", ScreenView);
    refused(&mut s, using("cust1", ScreenView, "cust1"), ErrorCode::NotACsr);
    refused(&mut s, starting("stranger", Activity::CsrVideo, None), ErrorCode::NotInSession);
}

#[test]
fn a_customer_stops_only_what_reaches_into_its_own_computer() {
    let mut s = session(2);
    grant(&mut s, "cust1", ScreenView);
    ok(&mut s, using(HOST, ScreenView, "cust1"));
    ok(&mut s, starting(HOST, Activity::CsrVideo, None));
    refused(&mut s, stopping("cust2", cap(ScreenView), Some("cust1")), ErrorCode::NotACsr);
    refused(&mut s, stopping("cust1", Activity::CsrVideo, None), ErrorCode::NotACsr);
    ok(&mut s, stopping("cust1", cap(ScreenView), Some("cust1")));
    refused(&mut s, stopping(HOST, cap(ScreenView), Some("cust1")), ErrorCode::ActivityNotActive);
    // Stopping keeps the grant: only revocation takes it back.
    assert!(s.is_granted(&id("cust1"), ScreenView, &id(HOST)));
}

#[test]
fn each_csr_runs_and_stops_only_their_own_video_and_place_in_the_audio_conference() {
    let mut s = session(1);
    ok(&mut s, join("csr2", Role::Csr));
    for activity in [Activity::CsrVideo, Activity::AudioConference] {
        ok(&mut s, starting(HOST, activity, None));
        refused(&mut s, starting(HOST, activity, None), ErrorCode::ActivityActive);
        let events = ok(&mut s, starting("csr2", activity, None));
        assert_eq!(events, vec![Event::ActivityStarted { activity, customer: None, by: id("csr2") }]);
        ok(&mut s, stopping("csr2", activity, None));
        refused(&mut s, stopping("csr2", activity, None), ErrorCode::ActivityNotActive);
        refused(&mut s, stopping("cust1", activity, None), ErrorCode::NotACsr);
        assert!(s.running().iter().any(|r| r.activity == activity && r.by == id(HOST)), "the host's own {activity:?} runs on");
    }
}

#[test]
fn a_csr_in_the_audio_conference_asks_for_the_customers_microphone_for_themselves() {
    let mut s = session(1);
    ok(&mut s, join("csr2", Role::Csr));
    refused(&mut s, asked_by("csr2", "cust1", Microphone, "m1"), ErrorCode::NotHost);
    ok(&mut s, starting("csr2", Activity::AudioConference, None));
    refused(&mut s, asked_by("csr2", "cust1", ScreenView, "v1"), ErrorCode::NotHost);
    ok(&mut s, asked_by("csr2", "cust1", Microphone, "m2"));
    ok(&mut s, answering("cust1", "m2", true));
    assert!(s.is_granted(&id("cust1"), Microphone, &id("csr2")));
    assert!(!s.is_granted(&id("cust1"), Microphone, &id(HOST)), "the grant is Bob's alone");
}

#[test]
fn the_audio_conference_needs_no_customer_and_no_grant() {
    let mut s = Session::start(id(HOST), "Alice".into(), SiteFeatures { video: false, ..SiteFeatures::default() });
    ok(&mut s, starting(HOST, Activity::AudioConference, None));
    ok(&mut s, stopping(HOST, Activity::AudioConference, None));
}

#[test]
fn roster_shows_host_primary_grants_and_running_activities() {
    let mut s = session(2);
    grant(&mut s, "cust1", ScreenView);
    ok(&mut s, using(HOST, ScreenView, "cust1"));
    let roster = s.roster(&SessionId::from("s1"));
    assert_eq!((roster.host, roster.primary), (id(HOST), Some(id("cust1"))));
    let flags: Vec<_> = roster.participants.iter().map(|p| (p.id.as_str(), p.host, p.primary)).collect();
    assert_eq!(flags, vec![(HOST, true, false), ("cust1", false, true), ("cust2", false, false)]);
    assert_eq!((roster.grants.len(), roster.running.len()), (1, 1));
}

/// Found by the random sequences (a grant ended under a running activity): an "allow once"
/// grant used by two activities of one CSR ends only when the last of them stops.
#[test]
fn s21_allow_once_lives_while_another_activity_still_uses_it() {
    let mut s = session(1);
    ok(&mut s, asking("cust1", ApplicationControl, "r1"));
    ok(&mut s, Input::AnswerConsent { by: id("cust1"), request: req("r1"), granted: true, scope: GrantScope::Once });
    ok(&mut s, using(HOST, ApplicationView, "cust1"));
    ok(&mut s, using(HOST, ApplicationControl, "cust1"));
    ok(&mut s, stopping("cust1", cap(ApplicationView), Some("cust1")));
    assert!(s.is_granted(&id("cust1"), ApplicationControl, &id(HOST)));
    ok(&mut s, stopping(HOST, cap(ApplicationControl), Some("cust1")));
    assert!(!s.is_granted(&id("cust1"), ApplicationControl, &id(HOST)));
}

/// Found by the random whole-session walk (seed 706175): with "see" and "see and control"
/// both allowed once (a carried-on hand-over), a view runs under the "see" grant alone; when it
/// stops, the "see and control" grant, which allowed nothing yet, lives on.
#[test]
fn s21_a_stopped_view_ends_only_the_once_grant_it_ran_under() {
    let mut s = session(1);
    for (capability, request) in [(ApplicationView, "r1"), (ApplicationControl, "r2")] {
        ok(&mut s, asking("cust1", capability, request));
        ok(&mut s, Input::AnswerConsent { by: id("cust1"), request: req(request), granted: true, scope: GrantScope::Once });
    }
    ok(&mut s, using(HOST, ApplicationView, "cust1"));
    ok(&mut s, stopping(HOST, cap(ApplicationView), Some("cust1")));
    assert!(!s.grants().iter().any(|g| g.capability == ApplicationView && g.is_granted()), "the view's own once grant ended");
    assert!(s.is_granted(&id("cust1"), ApplicationControl, &id(HOST)), "the control grant allowed nothing yet");
}

fn offering(customer: &str, csr: &str, capability: Capability, request: &str) -> Input {
    Input::OfferConsent { by: id(customer), csr: id(csr), capability, request: req(request) }
}

#[test]
fn s9_s21_a_customer_who_shares_their_camera_on_their_own_grants_it_to_that_csr() {
    let mut s = session_with_helper(1);
    let events = ok(&mut s, offering("cust1", HOST, Camera, "own-1"));
    assert_eq!(
        events,
        vec![Event::ConsentGranted {
            request: req("own-1"),
            customer: id("cust1"),
            capability: Camera,
            csr: id(HOST),
            scope: GrantScope::Session
        }]
    );
    assert!(s.is_granted(&id("cust1"), Camera, &id(HOST)));
    assert!(!s.is_granted(&id("cust1"), Camera, &id(HELPER)), "given to that CSR by name");
    refused(&mut s, offering("cust1", HOST, Camera, "own-2"), ErrorCode::AlreadyGranted);
    // Revoked like any other grant.
    ok(&mut s, Input::Revoke { by: id("cust1"), capability: Camera });
    assert!(!s.is_granted(&id("cust1"), Camera, &id(HOST)));
}

#[test]
fn s21_only_a_customer_offers_and_only_their_own_camera_or_microphone() {
    let mut s = session_with_helper(1);
    refused(&mut s, offering(HOST, HELPER, Camera, "o1"), ErrorCode::NotACustomer);
    refused(&mut s, offering("cust1", HOST, ScreenView, "o2"), ErrorCode::InvalidMessage);
    refused(&mut s, offering("cust1", "cust1", Camera, "o3"), ErrorCode::UnknownParticipant);
    ok(&mut s, offering("cust1", HOST, Microphone, "o4"));
}

// --- issue 16: a team lead observes and takes over ---

const LEAD: &str = "lead";

/// `session_with_helper(1)` plus a connected team lead `lead` who observes.
fn observed_session() -> Session {
    let mut s = session_with_helper(1);
    let events = ok(&mut s, Input::Observe { id: id(LEAD), name: "Lee".into() });
    assert_eq!(events, vec![Event::Joined { id: id(LEAD), role: Role::Csr, observer: true }]);
    ok(&mut s, Input::Presence { id: id(LEAD), online: true });
    s
}

#[test]
fn an_observer_is_shown_as_such_and_chats_but_runs_and_asks_for_nothing() {
    let mut s = observed_session();
    let lee = s.roster(&SessionId("s".into())).participants.into_iter().find(|p| p.id == id(LEAD)).unwrap();
    assert!(lee.observer && !lee.host);
    s.check_chat(&id(LEAD), &[id("cust1")]).unwrap();
    refused(&mut s, asked_by(LEAD, "cust1", ScreenView, "r1"), ErrorCode::NotHost);
    refused(&mut s, starting(LEAD, Activity::AudioConference, None), ErrorCode::Observing);
    refused(&mut s, starting(LEAD, Activity::CsrVideo, None), ErrorCode::Observing);
    refused(&mut s, promote(LEAD, "cust1"), ErrorCode::NotHost);
    refused(&mut s, end(LEAD), ErrorCode::NotHost);
    refused(&mut s, transfer(HOST, LEAD), ErrorCode::Observing);
}

#[test]
fn only_an_observer_takes_over_and_then_the_customer_is_asked_to_carry_on() {
    let mut s = observed_session();
    refused(&mut s, Input::TakeOver { by: id(HELPER) }, ErrorCode::Forbidden);
    refused(&mut s, Input::TakeOver { by: id(HOST) }, ErrorCode::Forbidden);
    refused(&mut s, Input::TakeOver { by: id("nobody") }, ErrorCode::NotInSession);
    grant(&mut s, "cust1", RemoteControl);
    ok(&mut s, using(HOST, RemoteControl, "cust1"));
    let events = ok(&mut s, Input::TakeOver { by: id(LEAD) });
    assert_eq!(events[0], Event::HostChanged { from: id(HOST), to: id(LEAD) });
    assert!(events.contains(&stopped(RemoteControl, "cust1", StopReason::HostChanged)));
    assert!(matches!(events.last(), Some(Event::CarryOverRequested { to, .. }) if to == &id(LEAD)));
    assert_eq!(s.host(), &id(LEAD));
    assert!(!s.member(&id(LEAD)).unwrap().observer, "the lead who took over acts as host");
    // The former host stays a CSR and may leave; the lead may end the session.
    ok(&mut s, leave(HOST));
    ok(&mut s, end(LEAD));
}
