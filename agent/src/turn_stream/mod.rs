//! TURN over TCP and TLS in front of the unchanged WebRTC crate (issue 15, item 3).
//!
//! The crate's TURN client speaks UDP only. The agent gives it `turn:127.0.0.1:<port>` instead of a
//! `turn:…?transport=tcp` or `turns:` URL, and a local bridge carries each datagram as one frame on a
//! stream to the real server. This module holds the sans-IO parts: the framing ([`framing`]) and the
//! URL mapping ([`url`]); [`bridge`] is the socket driver on top of them, [`tls`] whom a `turns:` server
//! must prove it is.

pub mod bridge;
pub mod framing;
pub mod tls;
pub mod url;
