//! What the customer sees and does, as the agent's core speaks of it: [`Notice`]s to show and
//! [`CustomerAction`]s taken. Every text in a notice is already safe to show: names and chat
//! have lost control and bidi characters, file names show theirs made visible.

use crate::consent::Answer;
use protocol::peer::{ProcessInfo, SystemReport, TransferId};
use protocol::policy::GrantScope;
use protocol::rules::Role;
use protocol::{Capability, ParticipantId, RequestId};

/// Something to show the customer.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Connected to the session.
    Joined { session: String },
    /// Who is in the session now.
    People(Vec<Person>),
    /// A consent question (S21): allow once, allow for this session, or deny.
    Ask { request: RequestId, capabilities: Vec<Capability>, text: String },
    /// A question that can no longer be answered.
    Withdrawn { request: RequestId, text: String },
    /// A chat message (S7); `to` empty means everyone.
    Chat { from: String, to: Vec<String>, text: String },
    /// S11 basic: a CSR offers a file; `name` shows hidden characters made visible.
    FileOffered { transfer: TransferId, from: String, name: String, size: u64, save_to: String },
    /// A file moving between this computer and a CSR: sent when it starts, as bytes move
    /// (a few times a second at most) and once at its end, so a UI can show a row throughout.
    Transfer(TransferView),
    /// S14: this is what will be sent; confirm to send it.
    ConfirmReport { summary: String },
    /// The grants in force now, and what runs under them.
    Grants(Vec<GrantView>),
    /// Something happened (a transfer finished, a capability stopped…).
    Info(String),
    /// Something happened that the customer can act on; each UI says how in its own words (a
    /// command to type, a button to press) after `text`.
    Told { text: String, hint: Hint },
    /// Something went wrong; the text says what to do.
    Problem(String),
    /// The session is over for this customer.
    Ended(String),
    /// Support ended the session with this customer seated (issue 16): they may rate the help,
    /// once, within a day (`POST /api/survey` with the seat's token).
    SurveyOffered,
}

/// How the customer can act on what they were told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Take back what was just allowed or started.
    Revoke,
    /// Stop the recording.
    RevokeRecording,
    /// Stop sharing the camera.
    RevokeCamera,
    /// Share the camera back (a CSR's video is showing).
    ShareCamera,
}

/// One file transfer as the customer sees it, at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferView {
    pub transfer: TransferId,
    /// The file's name, hidden characters made visible.
    pub name: String,
    /// The CSR it comes from or goes to.
    pub csr_name: String,
    pub direction: Direction,
    /// Bytes in place so far (a resumed transfer starts at what arrived before).
    pub done: u64,
    pub total: u64,
    pub state: TransferState,
}

/// Which way a file moves, seen from the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A CSR sends it to this computer (an offer accepted, a push).
    ToYou,
    /// It leaves this computer for a CSR (a pull).
    FromYou,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferState {
    Running,
    Done,
    /// Stopped; the text says why, already safe to show.
    Failed(String),
}

/// One grant as the customer sees it: who, what, for how long, and whether it is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantView {
    pub csr_name: String,
    pub capability: Capability,
    pub scope: GrantScope,
    pub running: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: ParticipantId,
    pub name: String,
    pub role: Role,
    pub online: bool,
    pub you: bool,
    /// A team lead who observes the session (issue 16): the customer is told.
    pub observer: bool,
}

impl Person {
    /// What the customer is told this person is: "support", "support, observing", "customer".
    pub fn kind(&self) -> &'static str {
        match (self.role, self.observer) {
            (Role::Csr, true) => "support, observing",
            (Role::Csr, false) => "support",
            _ => "customer",
        }
    }
}

/// What the customer decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerAction {
    Answer {
        request: RequestId,
        answer: Answer,
    },
    /// Share the camera with the host CSR without being asked (S9: video back).
    ShareCamera,
    /// Take a capability back from everyone (with what it implies).
    Revoke(Capability),
    /// Stop everything and take every grant back.
    RevokeAll,
    Chat {
        to: Vec<ParticipantId>,
        text: String,
    },
    AcceptFile(TransferId),
    DeclineFile(TransferId),
    SendReport(bool),
    ShowGrants,
    Leave,
}

/// Human sizes: "2.0 MiB".
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// How a capability reads in the customer's list of grants.
pub fn grant_line(g: &GrantView) -> String {
    let scope = match g.scope {
        GrantScope::Once => "once",
        GrantScope::Session => "for this session",
    };
    format!("{} may {} ({scope}{})", g.csr_name, g.capability.asks_to(), if g.running { ", in use now" } else { "" })
}

/// The report as the customer reads it before it is sent.
pub fn report_summary(r: &SystemReport) -> String {
    let mut s = format!(
        "  Computer: {} — {} {} (kernel {})\n  CPU: {} ({} cores)\n  Memory: {} used of {}\n  Up for: {} h\n",
        r.host_name,
        r.os_name,
        r.os_version,
        r.kernel_version,
        r.cpu_model,
        r.cpu_cores,
        size(r.memory_used_bytes),
        size(r.memory_total_bytes),
        r.uptime_secs / 3600
    );
    for d in &r.disks {
        s += &format!("  Disk {} ({}): {} free of {}\n", d.mount_point, d.file_system, size(d.free_bytes), size(d.total_bytes));
    }
    for n in &r.networks {
        s += &format!("  Network {} ({}): {}\n", n.name, n.mac, n.addresses.join(", "));
    }
    let names = |ps: &[ProcessInfo]| ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", ");
    s += &format!("  Busiest programs: {}\n  Largest programs: {}\n", names(&r.top_cpu), names(&r.top_memory));
    if let Some(n) = r.installed_packages {
        s += &format!("  Installed packages: {n}\n");
    }
    s
}
