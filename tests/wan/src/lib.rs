//! A userspace WAN emulator for benchmarks, for kernels without `sch_netem`: two network
//! namespaces joined by TUN devices, with a one-way delay, random loss and a rate-limited
//! drop-tail queue in each direction. See README.md for `wan up` / `wan down`.
//!
//! [`link`] holds the rules (sans-IO, tested on a made-up clock); [`forward`] drives them with
//! threads and TUN devices; [`emulator`] sets up and tears down the namespaces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod emulator;
pub mod error;
pub mod forward;
pub mod link;
pub mod netns;
pub mod rng;
pub mod tun;

pub use emulator::{Emulator, ADDR_A, ADDR_B, IFNAME};
pub use error::WanError;
pub use link::{Admission, Link, LinkConfig};
