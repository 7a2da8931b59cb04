//! What the tests and benchmarks of every crate share, so that no test copies another's
//! harness: the real signaling process with CSR accounts ([`signaling`]), the workspace's
//! binaries as cargo built them ([`binaries`]), a private X server with the test pattern and
//! application windows ([`xvfb`]), drawing on it ([`draw`]), coturn on loopback ([`coturn`]),
//! a real SMTP server ([`smtp`]), network namespaces ([`netns`]) and the benchmark suite's figure format ([`bench_report`]).
//!
//! Tests never build anything themselves: `./tests/run.sh` (cargo nextest over the workspace)
//! builds every binary before any test runs.
// Test scaffolding: a failed setup step should stop the test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod bench_report;
pub mod binaries;
pub mod coturn;
pub mod draw;
pub mod netns;
pub mod signaling;
pub mod smtp;
pub mod xvfb;

pub use coturn::Coturn;
pub use signaling::{Account, SignalingProcess, PASSWORD};
pub use smtp::{Delivered, SmtpOptions, SmtpServer, SmtpTls};
pub use xvfb::{AppWindow, Xvfb, APP_WINDOW_COLOUR, PATTERN};

/// A TCP port free on loopback right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}
