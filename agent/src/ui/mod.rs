//! What the customer sees and does. The session task shows [`Notice`]s and receives
//! [`CustomerAction`]s; a UI turns raw input (a terminal line, a click) into actions. The
//! terminal UI is here; a window UI implements the same trait.

pub mod terminal;

use protocol::peer::TransferId;
use protocol::rules::Role;
use protocol::{Capability, ParticipantId, RequestId};

/// Something to show the customer.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Connected to the session.
    Joined { session: String },
    /// Who is in the session now.
    People(Vec<Person>),
    /// A consent question (S21): answer with yes or no.
    Ask { request: RequestId, capability: Capability, text: String },
    /// A chat message (S7); `to` empty means everyone.
    Chat { from: String, to: Vec<String>, text: String },
    /// S11 basic: a CSR offers a file.
    FileOffered { transfer: TransferId, from: String, name: String, size: u64 },
    /// S14: this is what will be sent; confirm to send it.
    ConfirmReport { summary: String },
    /// The grants in force now.
    Grants(Vec<Capability>),
    /// Something happened (a transfer finished, a capability stopped…).
    Info(String),
    /// Something went wrong; the text says what to do.
    Problem(String),
    /// The session is over for this customer.
    Ended(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: ParticipantId,
    pub name: String,
    pub role: Role,
    pub online: bool,
    pub you: bool,
}

/// What the customer decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerAction {
    Answer { request: RequestId, granted: bool },
    Revoke(Capability),
    Chat { to: Vec<ParticipantId>, text: String },
    AcceptFile(TransferId),
    DeclineFile(TransferId),
    SendReport(bool),
    ShowGrants,
    Leave,
}

/// Raw input from the customer's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiInput {
    /// A line typed in the terminal.
    Line(String),
    /// An action already decided (a window UI's buttons).
    Action(CustomerAction),
    /// The customer closed the UI (end of input): treated as leaving.
    Closed,
}

/// A customer-facing UI.
pub trait CustomerUi: Send {
    fn show(&mut self, notice: Notice);
    /// Turns one input into an action, using what this UI has shown (open questions, names).
    fn interpret(&mut self, input: UiInput) -> Option<CustomerAction>;
    /// A decoded picture of a CSR's camera (S9). A window UI draws it; a terminal cannot, and
    /// is told in words when a CSR's video starts instead.
    fn video_frame(&mut self, _from: &str, _frame: &media::I420Frame) {}
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
