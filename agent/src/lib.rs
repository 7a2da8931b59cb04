//! The customer's support agent. It joins a session with an invitation, keeps one WebRTC
//! peer connection with each CSR, and lets nothing reach into the customer's computer
//! without the customer's yes in this program (S21), decided by the sans-IO core `agent_core::agent` and carried out by `session`.

pub mod commands;
pub mod devices;
pub mod estimator;
pub mod events;
pub mod feedback;
pub mod files;
pub mod join;
pub mod launch;
pub mod nack_filter;
pub mod negotiation;
pub mod peer;
pub mod read_filter;
pub mod rtc;
pub mod session;
pub mod sharing;
pub mod signaling;
pub mod survey;
pub mod sysreport;
pub mod tracks;
pub mod transfers;
pub mod turn_stream;
pub mod ui;
pub mod window;
