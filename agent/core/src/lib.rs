//! The customer agent's logic, without network I/O: the consent gate that decides whether a
//! capability may run (S21), and the file-transfer engine (S11–S13). The `agent` crate drives
//! these with WebRTC and the terminal; tests drive them directly.

pub mod consent;
pub mod transfer;
