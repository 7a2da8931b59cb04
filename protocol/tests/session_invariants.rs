//! Random sequences of participant actions against the session rules.
//!
//! Ids come from a small pool, and some steps pick their target from the current state (an open
//! request, a grant, a running activity), so inputs that the rules accept happen often and later
//! inputs meet real state. After every step the promises of the rules must
//! hold: one host CSR while the session lives (S18), one primary customer whenever a customer
//! is present (S6), nothing running without a live grant (S21), no file transfer during
//! application sharing (S12), every change reported (S22), a refused input changes nothing,
//! and nothing happens after the end (S19).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use protocol::policy::covers;
use protocol::policy::GrantScope;
use protocol::rules::{Event, GrantState, Input, Role, Running, Session, StopReason};
use protocol::signal::ServerMessage;
use protocol::{decode_server, Activity, Capability, ErrorCode, ParticipantId, RequestId, SiteFeatures};

const HOST: &str = "host";
const CSRS: [&str; 2] = [HOST, "csr1"];
const CUSTOMERS: [&str; 2] = ["cust1", "cust2"];
/// Never joins: every input naming it must be refused.
const STRANGER: &str = "stranger";
const REQUESTS: [&str; 3] = ["r1", "r2", "r3"];

fn pick(names: &'static [&'static str]) -> impl Strategy<Value = ParticipantId> {
    prop::sample::select(names).prop_map(ParticipantId::from)
}

/// Mostly the CSR who started the session, then either CSR, sometimes anybody.
fn csr() -> impl Strategy<Value = ParticipantId> {
    prop_oneof![
        6 => Just(ParticipantId::from(HOST)),
        3 => pick(&CSRS),
        1 => pick(&CUSTOMERS),
        1 => Just(ParticipantId::from(STRANGER)),
    ]
}

/// Mostly a customer of the pool, sometimes anybody.
fn customer() -> impl Strategy<Value = ParticipantId> {
    prop_oneof![8 => pick(&CUSTOMERS), 1 => pick(&CSRS), 1 => Just(ParticipantId::from(STRANGER))]
}

fn anyone() -> impl Strategy<Value = ParticipantId> {
    prop_oneof![pick(&CSRS), pick(&CUSTOMERS), Just(ParticipantId::from(STRANGER))]
}

/// Any capability, with those that interact through S6, S12 and S13 more often.
fn capability() -> impl Strategy<Value = Capability> {
    use Capability::*;
    let interacting = [ApplicationView, ApplicationControl, AdvancedFileTransfer, FileTransferItem, ScreenView];
    prop_oneof![2 => prop::sample::select(interacting.to_vec()), 1 => prop::sample::select(Capability::ALL.to_vec())]
}

fn activity() -> impl Strategy<Value = Activity> {
    prop_oneof![
        8 => capability().prop_map(Activity::Capability),
        1 => Just(Activity::BasicFileTransfer),
        1 => Just(Activity::CsrVideo),
        1 => Just(Activity::AudioConference),
    ]
}

fn request() -> impl Strategy<Value = RequestId> {
    prop::sample::select(&REQUESTS[..]).prop_map(RequestId::from)
}

/// A pool member joins, usually in its own role (the pool names say which).
fn join() -> impl Strategy<Value = Input> {
    let natural = prop_oneof![pick(&CSRS).prop_map(|id| (id, Role::Csr)), pick(&CUSTOMERS).prop_map(|id| (id, Role::Customer)),];
    (natural, prop::bool::weighted(0.1)).prop_map(|((id, role), swap)| {
        let role = match (role, swap) {
            (Role::Csr, true) => Role::Customer,
            (Role::Customer, true) => Role::Csr,
            (role, false) => role,
        };
        Input::Join { name: id.to_string(), id, role }
    })
}

/// The session's first moments: the host and, usually, everyone of the pool join and connect.
fn opening() -> impl Strategy<Value = Vec<Input>> {
    let everyone = CSRS.iter().map(|c| (*c, Role::Csr)).chain(CUSTOMERS.iter().map(|c| (*c, Role::Customer)));
    let everyone: Vec<_> = everyone.collect();
    prop::collection::vec(prop::bool::weighted(0.8), everyone.len()).prop_map(move |present| {
        let mut inputs = vec![];
        for (&(who, role), present) in everyone.iter().zip(present) {
            if !present {
                continue;
            }
            let id = ParticipantId::from(who);
            if who != HOST {
                inputs.push(Input::Join { id: id.clone(), name: who.into(), role });
            }
            inputs.push(Input::Presence { id, online: true });
        }
        inputs
    })
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => join(),
        6 => (anyone(), prop::bool::weighted(0.8)).prop_map(|(id, online)| Input::Presence { id, online }),
        3 => anyone().prop_map(|id| Input::Leave { id }),
        4 => (csr(), customer()).prop_map(|(by, customer)| Input::Promote { by, customer }),
        4 => (csr(), csr()).prop_map(|(by, to)| Input::TransferControl { by, to }),
        1 => csr().prop_map(|id| Input::Observe { name: id.to_string(), id }),
        2 => csr().prop_map(|by| Input::TakeOver { by }),
        12 => (csr(), customer(), capability(), request()).prop_map(|(by, customer, capability, request)| {
            Input::RequestConsent { by, customer, capability, request }
        }),
        12 => (customer(), request(), prop::bool::weighted(0.8), scope())
            .prop_map(|(by, request, granted, scope)| Input::AnswerConsent { by, request, granted, scope }),
        4 => (customer(), capability()).prop_map(|(by, capability)| Input::Revoke { by, capability }),
        1 => (customer(), csr(), capability(), request())
            .prop_map(|(by, csr, capability, request)| Input::OfferConsent { by, csr, capability, request }),
        12 => (csr(), activity(), prop::option::weighted(0.9, customer()))
            .prop_map(|(by, activity, customer)| Input::Start { by, activity, customer }),
        6 => (anyone(), activity(), prop::option::weighted(0.9, customer()))
            .prop_map(|(by, activity, customer)| Input::Stop { by, activity, customer }),
        1 => csr().prop_map(|by| Input::End { by }),
    ]
}

/// A step of a case. Besides arbitrary inputs, some steps name their target by position in the
/// current state (the n-th open request, grant or running activity), so that answers, uses,
/// stops and revocations that the rules accept are common rather than lucky.
#[derive(Debug, Clone)]
enum Action {
    Any(Input),
    /// The host asks the n-th customer present, under a request id not in use.
    Ask(Index, Capability),
    /// The host asks for something inside the n-th grant that has an inside (a transfer inside
    /// an advanced file transfer, S13).
    AskWithin(Index),
    /// The asked customer answers the n-th open request.
    Answer(Index, bool),
    /// The host (or the other CSR) uses the n-th granted capability (the latest one twice as often).
    Use(Index, bool),
    /// Whoever started the n-th running activity (the latest one twice as often) stops it, or its
    /// customer does.
    Stop(Index, bool),
    /// The customer revokes the n-th grant or open request.
    Revoke(Index),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        12 => input().prop_map(Action::Any),
        3 => (any::<Index>(), capability()).prop_map(|(n, capability)| Action::Ask(n, capability)),
        // Grants end at every hand-over (S18): transfers are asked more often to be reached.
        5 => any::<Index>().prop_map(Action::AskWithin),
        3 => (any::<Index>(), prop::bool::weighted(0.8)).prop_map(|(n, granted)| Action::Answer(n, granted)),
        3 => (any::<Index>(), prop::bool::weighted(0.8)).prop_map(|(n, host)| Action::Use(n, host)),
        1 => (any::<Index>(), prop::bool::weighted(0.8)).prop_map(|(n, starter)| Action::Stop(n, starter)),
        1 => any::<Index>().prop_map(Action::Revoke),
    ]
}

impl Action {
    /// The input this action stands for in state `s`; `None` when it has no target there.
    fn resolve(self, s: &Session) -> Option<Input> {
        let pick = |n: Index, len: usize| (len > 0).then(|| n.index(len));
        match self {
            Action::Any(input) => Some(input),
            Action::Ask(n, capability) => {
                let customers: Vec<_> = s.members().iter().filter(|m| m.role == Role::Customer).collect();
                let customer = customers.get(pick(n, customers.len())?)?.id.clone();
                Some(Input::RequestConsent { by: s.host().clone(), customer, capability, request: unused_request(s) })
            }
            Action::AskWithin(n) => {
                let inside = |c: Capability| Capability::ALL.into_iter().find(|i| i.requires() == Some(c));
                let outer: Vec<_> =
                    s.grants().iter().filter(|g| g.is_granted() && &g.csr == s.host() && inside(g.capability).is_some()).collect();
                let g = outer.get(pick(n, outer.len())?)?;
                let capability = inside(g.capability)?;
                let (by, customer) = (s.host().clone(), g.customer.clone());
                Some(Input::RequestConsent { by, customer, capability, request: unused_request(s) })
            }
            Action::Answer(n, granted) => {
                let open: Vec<_> = s
                    .grants()
                    .iter()
                    .filter_map(|g| match &g.state {
                        GrantState::Pending { request, .. } => Some((g.customer.clone(), request.clone())),
                        GrantState::Granted { .. } => None,
                    })
                    .collect();
                let (by, request) = open.get(pick(n, open.len())?)?.clone();
                let scope = if n.index(3) == 0 { GrantScope::Once } else { GrantScope::Session };
                Some(Input::AnswerConsent { by, request, granted, scope })
            }
            Action::Use(n, host) => {
                let granted: Vec<_> = s.grants().iter().filter(|g| matches!(g.state, GrantState::Granted { .. })).collect();
                let g = granted.get(pick(n, granted.len() + 1)?).or(granted.last())?;
                let other = s.members().iter().find(|m| m.role == Role::Csr && &m.id != s.host());
                let by = if host { s.host().clone() } else { other.map_or(s.host().clone(), |m| m.id.clone()) };
                let activity = Activity::Capability(g.capability);
                Some(Input::Start { by, activity, customer: Some(g.customer.clone()) })
            }
            Action::Stop(n, starter) => {
                let r = s.running().get(pick(n, s.running().len() + 1)?).or(s.running().last())?;
                let by = if starter { r.by.clone() } else { r.customer.clone().unwrap_or(r.by.clone()) };
                Some(Input::Stop { by, activity: r.activity, customer: r.customer.clone() })
            }
            Action::Revoke(n) => {
                let g = s.grants().get(pick(n, s.grants().len())?)?;
                Some(Input::Revoke { by: g.customer.clone(), capability: g.capability })
            }
        }
    }
}

/// A request id that no open request uses.
fn unused_request(s: &Session) -> RequestId {
    let in_use = |r: &RequestId| s.grants().iter().any(|g| matches!(&g.state, GrantState::Pending { request, .. } if request == r));
    (0..).map(|i| RequestId(format!("q{i}"))).find(|r| !in_use(r)).expect("a free request id")
}

/// One random case: site features, the opening, then the actions.
fn case() -> impl Strategy<Value = (SiteFeatures, Vec<Input>, Vec<Action>)> {
    (features(), opening(), prop::collection::vec(action(), 1..60))
}

fn scope() -> impl Strategy<Value = GrantScope> {
    prop_oneof![Just(GrantScope::Once), Just(GrantScope::Session)]
}

fn features() -> impl Strategy<Value = SiteFeatures> {
    // Mostly everything on, so that switched-off features do not hide the other rules.
    let on = || prop::bool::weighted(0.85);
    (on(), on(), on(), on()).prop_map(|(basic_file_transfer, advanced_file_transfer, recording, video)| SiteFeatures {
        basic_file_transfer,
        advanced_file_transfer,
        recording,
        video,
    })
}

fn start(features: SiteFeatures) -> Session {
    Session::start(ParticipantId::from(HOST), "Hana".into(), features)
}

/// The promises of the rules, checked from the public view of the state, independently of
/// `Session::invariant_violation`.
fn check_invariants(s: &Session) -> Result<(), TestCaseError> {
    prop_assert_eq!(s.invariant_violation(), None);
    let customers: Vec<&ParticipantId> = s.members().iter().filter(|m| m.role == Role::Customer).map(|m| &m.id).collect();
    if s.is_ended() {
        prop_assert!(s.running().is_empty(), "something runs after the end");
        prop_assert!(s.grants().is_empty(), "a grant outlives the session");
        return Ok(());
    }
    // Exactly one host, and it is a CSR in the session (S18).
    let roster = s.roster(&"s".into());
    prop_assert_eq!(roster.participants.iter().filter(|p| p.host).count(), 1);
    prop_assert_eq!(s.member(s.host()).map(|m| m.role), Some(Role::Csr));
    // Exactly one primary customer whenever a customer is present, none otherwise (S6).
    let primaries: Vec<_> = roster.participants.iter().filter(|p| p.primary).collect();
    if customers.is_empty() {
        prop_assert!(primaries.is_empty() && s.primary().is_none());
    } else {
        prop_assert_eq!(primaries.len(), 1);
        prop_assert_eq!(primaries[0].role, Role::Customer);
    }
    // Grants belong to customers present; a transfer's grant lives inside a granted
    // advanced transfer (S13); open request ids are unique.
    for g in s.grants() {
        prop_assert!(customers.contains(&&g.customer), "grant of {} who is not a customer here", g.customer);
        if let Some(needed) = g.capability.requires() {
            prop_assert!(s.is_granted(&g.customer, needed, &g.csr), "{:?} without {:?}", g.capability, needed);
        }
    }
    // An open request id is one question: one customer, one CSR (a hand-over's carry-on
    // question covers several capabilities).
    let mut open: Vec<_> = s
        .grants()
        .iter()
        .filter_map(|g| match &g.state {
            GrantState::Pending { request, .. } => Some((request, &g.customer, &g.csr)),
            GrantState::Granted { .. } => None,
        })
        .collect();
    open.sort();
    open.dedup();
    let mut ids: Vec<_> = open.iter().map(|(r, ..)| *r).collect();
    let count = ids.len();
    ids.dedup();
    prop_assert_eq!(ids.len(), count, "two open questions share an id");
    // Nothing runs without a live grant (S21); application sharing only by the primary (S6),
    // never together with a file transfer (S12); whoever runs something is a CSR here.
    for r in s.running() {
        prop_assert_eq!(s.member(&r.by).map(|m| m.role), Some(Role::Csr));
        if let Some(c) = r.activity.consent() {
            let customer = r.customer.as_ref().expect("consent activity without customer");
            prop_assert!(s.is_granted(customer, c, &r.by), "{:?} runs without a live grant to the CSR who runs it", c);
            if c.is_application_sharing() {
                prop_assert_eq!(Some(customer), s.primary());
            }
        }
    }
    let sharing = s.running().iter().any(|r| r.activity.consent().is_some_and(Capability::is_application_sharing));
    let transfer = s.running().iter().any(|r| r.activity.is_file_transfer());
    prop_assert!(!(sharing && transfer), "file transfer during application sharing");
    Ok(())
}

/// Every accepted change is reported (S22), and every report survives the wire.
fn check_reported(before: &Session, after: &Session, events: &[Event]) -> Result<(), TestCaseError> {
    let has = |f: fn(&Event) -> bool| events.iter().any(f);
    let consent_reported = has(|e| {
        matches!(
            e,
            Event::ConsentRequested { .. }
                | Event::ConsentGranted { .. }
                | Event::ConsentDenied { .. }
                | Event::ConsentRevoked { .. }
                | Event::ConsentEnded { .. }
                | Event::ConsentWithdrawn { .. }
                | Event::CarryOverRequested { .. }
                | Event::ActivityStopped { .. }
                | Event::Left { .. }
                | Event::Ended { .. }
        )
    });
    let activity_reported = has(|e| matches!(e, Event::ActivityStarted { .. } | Event::ActivityStopped { .. }));
    prop_assert!(before.grants() == after.grants() || consent_reported, "grants changed silently");
    prop_assert!(before.running() == after.running() || activity_reported, "activities changed silently");
    prop_assert_eq!(before.host() != after.host(), has(|e| matches!(e, Event::HostChanged { .. })));
    prop_assert_eq!(before.primary() != after.primary(), has(|e| matches!(e, Event::PrimaryChanged { .. })));
    prop_assert_eq!(before == after, events.is_empty(), "a change without a report, or a report without a change");
    for event in events {
        let msg = ServerMessage::Event { at_ms: 7, event: event.clone() };
        let text = serde_json::to_string(&msg).expect("serialise event");
        prop_assert_eq!(decode_server(&text).ok(), Some(msg), "event does not round-trip: {}", text);
    }
    Ok(())
}

/// Applies one input and checks everything that must hold after it.
fn step(s: &mut Session, input: Input) -> Result<(), TestCaseError> {
    let before = s.clone();
    let outcome = s.handle(input.clone());
    if before.is_ended() {
        prop_assert_eq!(&outcome, &Err(ErrorCode::SessionEnded), "{:?} after the end", input);
    }
    match &outcome {
        Err(_) => prop_assert_eq!(&*s, &before, "{:?} was refused but changed the state", input),
        Ok(events) => check_reported(&before, s, events)?,
    }
    if outcome.is_ok() {
        check_accepted(&before, s, &input)?;
    }
    check_invariants(s)
}

/// What an accepted input promises beyond the invariants.
fn check_accepted(before: &Session, s: &Session, input: &Input) -> Result<(), TestCaseError> {
    match input {
        // S21: revocation takes effect at once, for the grant, what it implies and what depends
        // on it ("see" and "control" end together).
        Input::Revoke { by, capability } => {
            let revoked = protocol::policy::revoked_with(*capability);
            let gone = |c: Capability| revoked.contains(&c);
            prop_assert!(s.grants().iter().all(|g| &g.customer != by || !gone(g.capability)));
            let on_grant = |r: &&Running| r.customer.as_ref() == Some(by) && r.activity.consent().is_some_and(gone);
            prop_assert!(s.running().iter().find(on_grant).is_none(), "{:?} runs after its revocation", capability);
        }
        // S13: a transfer's grant is used up by that transfer.
        Input::Stop { activity: Activity::Capability(c), customer: Some(customer), .. } => {
            let runner = before.running().iter().find(|r| r.activity == Activity::Capability(*c) && r.customer.as_ref() == Some(customer));
            let once =
                |g: &protocol::rules::Grant| c.is_one_shot() || matches!(g.state, GrantState::Granted { scope: GrantScope::Once, .. });
            if let Some(r) = runner {
                // An "allow once" grant that also serves another running activity of that CSR
                // (the view of a screen under "see and control") ends when that one stops too.
                let mine = |g: &&protocol::rules::Grant| &g.customer == customer && g.csr == r.by && g.is_granted();
                let serves = |g: &protocol::rules::Grant| {
                    s.running().iter().any(|o| {
                        o.by == r.by
                            && o.customer.as_ref() == Some(customer)
                            && o.activity.consent().is_some_and(|oc| {
                                covers(g.capability, oc)
                                    && s.grants()
                                        .iter()
                                        .filter(mine)
                                        .filter(|n| covers(n.capability, oc))
                                        .all(|n| covers(n.capability, g.capability))
                            })
                    })
                };
                let left = s.grants().iter().filter(mine).any(|g| g.capability == *c && once(g) && !serves(g));
                prop_assert!(!left, "{:?}: a one-shot or 'allow once' grant outlived its activity", c);
            }
        }
        // S18, S21: the former host's grants end and what they ran under them stops.
        Input::TransferControl { by, .. } => {
            prop_assert!(s.grants().iter().all(|g| &g.csr != by), "a grant stayed with the former host");
            prop_assert!(s.running().iter().all(|r| &r.by != by || r.activity.consent().is_none()), "the former host still runs something");
        }
        // Issue 16: the observer who took over is the host and acts as one; the former host's
        // grants end as at a hand-over.
        Input::TakeOver { by } => {
            let former = before.host();
            prop_assert!(s.host() == by && s.member(by).is_some_and(|m| !m.observer));
            prop_assert!(s.grants().iter().all(|g| &g.csr != former), "a grant stayed with the former host");
        }
        // S19: a participant who left is gone, with its grants and whatever it ran.
        Input::Leave { id } => {
            prop_assert!(s.member(id).is_none());
            prop_assert!(s.grants().iter().all(|g| &g.customer != id && &g.csr != id));
            prop_assert!(s.running().iter().all(|r| &r.by != id && r.customer.as_ref() != Some(id)));
        }
        _ => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn session_rules_hold_after_every_input((features, opening, actions) in case()) {
        let mut s = start(features);
        check_invariants(&s)?;
        let mut applied = vec![];
        for action in opening.into_iter().map(Action::Any).chain(actions) {
            let Some(input) = action.resolve(&s) else { continue };
            step(&mut s, input.clone())?;
            applied.push(input);
        }
        // A snapshot restores the same session (signaling resumes from it after a restart).
        let json = serde_json::to_string(&s).expect("serialise session");
        let restored: Session = serde_json::from_str(&json).expect("deserialise session");
        prop_assert_eq!(&restored, &s);
        // Once ended, by this case or by the host now, nothing more happens.
        if !s.is_ended() {
            let host = s.host().clone();
            let ended = s.handle(Input::End { by: host });
            prop_assert!(ended.is_ok(), "the host could not end: {:?}", ended);
        }
        for input in applied {
            step(&mut s, input)?;
        }
    }
}

/// Guards the generator: random sequences must reach the interesting states often enough, or
/// the property above would pass while testing little more than refusals.
#[test]
fn random_sequences_reach_the_interesting_states() {
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..300 {
        let (features, opening, actions) = case().new_tree(&mut runner).expect("generate").current();
        let mut s = start(features);
        for action in opening.into_iter().map(Action::Any).chain(actions) {
            let Some(input) = action.resolve(&s) else { continue };
            let Ok(events) = s.handle(input) else { continue };
            for e in events {
                let kind = match e {
                    Event::ConsentGranted { capability: Capability::FileTransferItem, .. } => "transfer granted",
                    Event::ConsentGranted { .. } => "granted",
                    Event::ConsentRevoked { .. } => "revoked",
                    Event::HostChanged { .. } => "host changed",
                    Event::PrimaryChanged { from: Some(_), to: Some(_) } => "primary changed",
                    Event::ActivityStarted { activity: Activity::Capability(c), .. } if c.is_application_sharing() => "application shared",
                    Event::ActivityStarted { activity, .. } if activity.is_file_transfer() => "file transfer",
                    Event::ActivityStopped { reason, .. } => match reason {
                        StopReason::Revoked => "stopped by revocation",
                        StopReason::SessionEnded => "stopped by the end",
                        _ => "stopped",
                    },
                    Event::Ended { .. } => "ended",
                    _ => continue,
                };
                *seen.entry(kind).or_default() += 1;
            }
        }
    }
    for kind in [
        "granted",
        "transfer granted",
        "revoked",
        "host changed",
        "primary changed",
        "application shared",
        "file transfer",
        "stopped",
        "stopped by revocation",
        "stopped by the end",
        "ended",
    ] {
        assert!(seen.get(kind).copied().unwrap_or(0) >= 5, "`{kind}` too rare in random sequences: {seen:?}");
    }
}
