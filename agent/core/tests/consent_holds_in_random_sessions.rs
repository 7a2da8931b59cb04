//! Random whole sessions against the agent's core (S12, S18, S21): two CSRs ask, share, hand
//! over, offer and move files, ask for system information; the customer allows once or for the
//! session, denies, revokes one thing or everything, leaves; slow work reports back late. After
//! every step: nothing runs without a live grant of the CSR who runs it, no share runs without
//! signaling's acceptance, a revocation stops what depends on it in the same step, transfers
//! are reported to their own CSR only, and nothing runs after the end.
//!
//! At least 10,000 steps per run. `AGENT_CORE_SEED=<n>` replays one walk; a failure prints it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::consent::Answer;
use agent_core::customer::CustomerAction;
use common::pair::{id, Pair, ALICE, BOB, DANA};
use protocol::media::{MediaKind, ShareTarget};
use protocol::peer::PeerMessage;
use protocol::policy::share_grants;
use protocol::rules;
use protocol::{Capability, ParticipantId};

const WALKS: u64 = 1000;
const STEPS: usize = 60;

/// xorshift64*: small, seeded, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const CAPS: [Capability; 9] = [
    Capability::ScreenView,
    Capability::RemoteControl,
    Capability::ApplicationView,
    Capability::ApplicationControl,
    Capability::AdvancedFileTransfer,
    Capability::FileTransferItem,
    Capability::SystemInfo,
    Capability::Camera,
    Capability::Microphone,
];

fn host(p: &Pair) -> &'static str {
    if p.rules.host() == &id(ALICE) {
        ALICE
    } else {
        BOB
    }
}

fn step(p: &mut Pair, rng: &mut Rng, n: usize) -> String {
    let csr = if rng.below(4) == 0 { rng.pick(&[ALICE, BOB]) } else { host(p) };
    match rng.below(20) {
        0..=3 => {
            let c = rng.pick(&CAPS);
            let asked = p.ask(csr, c);
            format!("{csr} asks {c:?}: {asked:?}")
        }
        4..=6 => {
            let a = rng.pick(&[Answer::ForSession, Answer::ForSession, Answer::Once, Answer::Deny]);
            let answered = p.answer(a);
            format!("Dana answers {a:?} ({answered})")
        }
        7 => {
            let c = rng.pick(&CAPS);
            p.customer(CustomerAction::Revoke(c));
            format!("Dana revokes {c:?}")
        }
        8..=9 => {
            let (c, target) = rng.pick(&[
                (Capability::ScreenView, ShareTarget::Monitor { index: 0 }),
                (Capability::RemoteControl, ShareTarget::Monitor { index: 0 }),
                (Capability::ApplicationView, ShareTarget::Window { id: 7 }),
                (Capability::ApplicationControl, ShareTarget::Window { id: 7 }),
            ]);
            let r = p.start_share(csr, c, target);
            format!("{csr} starts sharing {c:?}: {r:?}")
        }
        10 => {
            let c = rng.pick(&CAPS[..4]);
            p.stop_share(csr, c);
            format!("{csr} stops sharing {c:?}")
        }
        11 => {
            let kind = rng.pick(&[MediaKind::Camera, MediaKind::Microphone]);
            if rng.below(3) == 0 {
                p.peer(csr, PeerMessage::StopMedia { kind });
            } else {
                p.peer(csr, PeerMessage::StartMedia { kind });
            }
            format!("{csr} camera/mic {kind:?}")
        }
        12 => {
            p.peer(csr, PeerMessage::SystemInfoRequest);
            "system info asked".into()
        }
        13 => {
            let yes = rng.below(2) == 0;
            p.customer(CustomerAction::SendReport(yes));
            format!("Dana sends report {yes}")
        }
        14 => {
            // A pushed file (advanced) or an offered one (basic), accepted at once.
            let t = format!("t{n}");
            if rng.below(2) == 0 {
                if let Some(consent) = p.ask(csr, Capability::FileTransferItem) {
                    p.peer(
                        csr,
                        PeerMessage::PushFile {
                            transfer: t.clone(),
                            consent,
                            dir: String::new(),
                            name: "a.txt".into(),
                            size: 10,
                            sha256: "00".into(),
                        },
                    );
                }
            } else {
                let _ = p.signal(rules::Input::Start { by: id(csr), activity: protocol::Activity::BasicFileTransfer, customer: None });
                p.peer(csr, PeerMessage::FileOffer { transfer: t.clone(), name: "b.txt".into(), size: 10, sha256: "00".into() });
                p.customer(CustomerAction::AcceptFile(t.clone()));
            }
            p.deliver_all();
            p.feed(agent_core::agent::Input::FileChannel { csr: id(csr), transfer: t.clone() });
            format!("{csr} file {t}")
        }
        15 => {
            let to = if host(p) == ALICE { BOB } else { ALICE };
            let r = p.signal(rules::Input::TransferControl { by: id(host(p)), to: id(to) });
            format!("hand-over to {to}: {r:?}")
        }
        16..=17 => {
            let delivered = p.deliver_one();
            format!("slow work reports back ({delivered})")
        }
        18 => {
            p.tick(300 + rng.below(20_000) as u64);
            "time passes".into()
        }
        _ => {
            if rng.below(30) == 0 {
                if rng.below(2) == 0 {
                    p.customer(CustomerAction::Leave);
                    "Dana leaves".into()
                } else {
                    let _ = p.signal(rules::Input::End { by: id(host(p)) });
                    "the host ends".into()
                }
            } else if rng.below(2) == 0 {
                p.customer(CustomerAction::RevokeAll);
                "Dana revokes all".into()
            } else {
                p.deliver_all();
                "everything reports back".into()
            }
        }
    }
}

/// What must hold after every step.
fn check(p: &Pair) -> Result<(), String> {
    let gate = p.agent.gate();
    if p.finished {
        if !(p.running.shares.is_empty() && p.running.devices.is_empty() && p.running.transfers.is_empty()) {
            return Err("something runs after the end".into());
        }
        if !p.snapshot.is_empty() {
            return Err("grants outlive the end".into());
        }
        return Ok(());
    }
    if p.snapshot != gate.snapshot() {
        return Err(format!("the loops read {:?} but the gate holds {:?}", p.snapshot, gate.snapshot()));
    }
    for (csr, (_, target)) in &p.running.shares {
        let grants = share_grants(target.is_application());
        if !grants.iter().any(|c| gate.check(csr, *c).is_ok()) {
            return Err(format!("{csr} sees {target:?} without a live grant of their own"));
        }
        let accepted = p
            .rules
            .running()
            .iter()
            .any(|r| &r.by == csr && r.customer == Some(id(DANA)) && r.activity.consent().is_some_and(|c| grants.contains(&c)));
        if !accepted {
            return Err(format!("{csr} sees {target:?} though signaling does not run it"));
        }
    }
    for (csr, kind) in &p.running.devices {
        let c = if *kind == MediaKind::Camera { Capability::Camera } else { Capability::Microphone };
        if gate.check(csr, c).is_err() {
            return Err(format!("{csr} gets {kind:?} without a live grant"));
        }
    }
    for (t, needs) in &p.running.transfers {
        if let Some((csr, c)) = needs {
            if gate.check(csr, *c).is_err() {
                return Err(format!("transfer {t} of {csr} runs without {c:?}"));
            }
        }
    }
    // Every grant in the agent was given by Dana to that CSR, and signaling agrees or took it
    // away since (signaling can only take away).
    for g in gate.grants() {
        if g.csr == id(DANA) {
            return Err("a grant to the customer herself".into());
        }
    }
    Ok(())
}

/// Transfer outcomes reach only the transfer's own CSR.
fn check_owners(p: &Pair, owners: &std::collections::BTreeMap<String, ParticipantId>) -> Result<(), String> {
    for (csr, msgs) in &p.to_console {
        for m in msgs {
            if let PeerMessage::TransferDone { transfer, .. } | PeerMessage::TransferFailed { transfer, .. } = m {
                if owners.get(transfer).is_some_and(|o| o != csr) {
                    return Err(format!("{csr} heard of {transfer}, which belongs to {:?}", owners.get(transfer)));
                }
            }
        }
    }
    Ok(())
}

fn walk(seed: u64) -> Result<usize, String> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut p = Pair::new();
    let mut log = Vec::new();
    let mut owners = std::collections::BTreeMap::new();
    for n in 0..STEPS {
        let did = step(&mut p, &mut rng, n);
        if did.contains(" file t") {
            if let Some(csr) = did.split(' ').next() {
                owners.insert(format!("t{n}"), id(csr));
            }
        }
        log.push(did);
        if let Err(e) = check(&p).and_then(|_| check_owners(&p, &owners)) {
            return Err(format!("{e}\nsteps:\n  {}", log.join("\n  ")));
        }
        if p.finished {
            return Ok(n + 1);
        }
    }
    Ok(STEPS)
}

#[test]
fn consent_holds_after_every_step_of_random_sessions() {
    let seeds: Vec<u64> = match std::env::var("AGENT_CORE_SEED") {
        Ok(s) => vec![s.parse().expect("AGENT_CORE_SEED is a number")],
        Err(_) => {
            let base = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1);
            (0..WALKS).map(|i| base.wrapping_mul(31).wrapping_add(i)).chain(REGRESSIONS.iter().copied()).collect()
        }
    };
    let mut steps = 0;
    while steps < 10_000 || seeds.len() == 1 {
        for &seed in &seeds {
            match walk(seed) {
                Ok(n) => steps += n,
                Err(e) => panic!("walk failed; replay with AGENT_CORE_SEED={seed}\n{e}"),
            }
        }
        if seeds.len() == 1 {
            break;
        }
    }
    println!("{steps} random steps in {} walks", seeds.len());
}

/// Seeds that once found something, kept as regressions.
const REGRESSIONS: [u64; 0] = [];
