//! What the customer sees and does. The session task shows [`Notice`]s and receives
//! [`CustomerAction`]s (both defined by the agent's core); a UI turns raw input (a terminal
//! line, a click) into actions. The terminal UI is here; a window UI implements the same trait.

use protocol::ParticipantId;

pub mod terminal;
pub mod window;

pub use agent_core::consent::Answer;
pub use agent_core::customer::{grant_line, size, CustomerAction, GrantView, Hint, Notice, Person};

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
    /// S10: a decoded picture of the screen the CSR `csr` (named `from`) shows the customer,
    /// sent only while the customer allows it. The terminal has said so in words.
    fn screen_frame(&mut self, _csr: &ParticipantId, _from: &str, _frame: &media::I420Frame) {}
    /// The screen of `csr` is no longer shown (stopped, taken back, or they left).
    fn screen_gone(&mut self, _csr: &ParticipantId) {}
    /// Whether this UI shows the customer's own camera: only then does the camera thread copy
    /// pictures for it.
    fn wants_own_camera(&self) -> bool {
        false
    }
    /// The newest picture the customer's own camera sends (a few a second at most), or `None`
    /// once no camera is sent any more.
    fn own_camera(&mut self, _frame: Option<&media::I420Frame>) {}
    /// The grants in force and what runs under them, after every change. A window lists them
    /// live (and shows its bar while the screen is seen); the terminal lists them on `grants`.
    fn grants(&mut self, _now: &[GrantView]) {}
}
