//! The customer agent's logic, without network I/O: [`agent::Agent`] takes every event and
//! returns what to do; it owns the consent gate that decides whether a capability may run, for
//! whom (S21), and the file-transfer engine (S11–S13). The `agent` crate drives it with WebRTC
//! and the terminal; tests drive it directly on a fake clock.

pub mod agent;
pub mod consent;
pub mod customer;
pub mod transfer;
