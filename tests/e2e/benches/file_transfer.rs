//! Benchmark (not a test): file transfer over data channels, agent ⇄ console.
//!
//!     cargo bench -p e2e --bench file_transfer                     # 1 GiB each way, loopback
//!     BENCH_MODE=quick cargo bench -p e2e --bench file_transfer    # 64 MiB
//!     BENCH_LINK=wan cargo bench -p e2e --bench file_transfer      # 64 MiB over `wan up` (quick: 16 MiB)
//!     BENCH_FILE_MIB=256 …                                         # another size
//!     BENCH_PARTS=agent …                                          # without the Chromium pair
//!
//! Moves one file from the customer's shared folder into the console (a pull, the console keeps
//! it in the page) and one from the console into the shared folder (a push), with the release
//! agent and the console in Debian's Chromium, the customer saying yes in the agent's terminal.
//! Beside them, in the same run and on the same link: two Chromiums moving the same file over a
//! data channel of their own with the console's chunk size and buffered-amount thresholds (what
//! a browser-only tool gets), and one TCP stream (the reference). Prints MiB/s, ratios, and the
//! agent's CPU per MiB and peak RSS during each transfer.
//!
//! `BENCH_LINK=wan` uses the emulated link of `wan up --name $BENCH_WAN_NAME` (default `fxb`),
//! which this bench starts itself with `BENCH_WAN_ARGS` (default `--delay-ms 20 --loss 0.005
//! --rate-mbit 200`) unless `BENCH_WAN_UP=0` says it is already up.
//!
//! It first builds the release agent and signaling of this checkout and runs copies of them (the
//! target directory may be shared with other checkouts, whose builds replace
//! `target/release/agent`); `BENCH_BUILD=0` skips that and runs `target/release/*` as they are.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::bench_files::{browser_transfers, report, tcp_stream, Link};

const MIB: u64 = 1 << 20;

fn main() {
    let quick = std::env::var("BENCH_MODE").is_ok_and(|m| m == "quick");
    // `BENCH_LINK=wan`, or `-- --link wan` (tests/bench.sh).
    let wan = std::env::var("BENCH_LINK").is_ok_and(|l| l == "wan")
        || std::env::args().collect::<Vec<_>>().windows(2).any(|w| w[0] == "--link" && w[1] == "wan");
    let link = if wan { Link::Wan(std::env::var("BENCH_WAN_NAME").unwrap_or_else(|_| "fxb".into())) } else { Link::Loopback };
    // SCTP on the default emulated link (0.5 % loss, 40 ms RTT) moves well under 1 MiB/s, in
    // the browsers as in the agent: a gigabyte would take half an hour per transfer there.
    let mib = match (&link, quick) {
        (Link::Loopback, false) => 1024,
        (Link::Loopback, true) => 64,
        (Link::Wan(_), false) => 64,
        (Link::Wan(_), true) => 16,
    };
    let mib = std::env::var("BENCH_FILE_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(mib);
    let bytes = mib * MIB;
    let bin = tempfile::tempdir().expect("binary dir");
    if std::env::var("BENCH_BUILD").map_or(true, |v| v != "0") {
        e2e::bench_files::build_binaries(&link, bin.path());
    }
    let wan = e2e::bench_files::wan_up(&link);
    let tcp_s = tcp_stream(&link, bytes, None);
    let cubic_s = tcp_stream(&link, bytes, Some("cubic"));
    let parts = std::env::var("BENCH_PARTS").unwrap_or_else(|_| "c2c,agent".into());
    let transfers = browser_transfers(&link, bytes, &parts);
    drop(wan);
    match transfers {
        Ok(transfers) => report(&link, bytes, tcp_s, cubic_s, &transfers),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
