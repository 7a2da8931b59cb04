//! `wan up --name N …` / `wan down --name N`: see README.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use wan::emulator::{self, Emulator};
use wan::forward::Counters;
use wan::{LinkConfig, WanError};

#[derive(Parser)]
#[command(
    about = "Userspace WAN emulator: namespaces NAME-a (10.77.0.1) and NAME-b (10.77.0.2) joined by a delayed, lossy, rate-limited link"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the namespaces and forward between them until SIGINT/SIGTERM; prints "ready" once they reach each other.
    Up(Up),
    /// Remove the namespaces of a link (leftovers of a killed `wan up`).
    Down {
        #[arg(long)]
        name: String,
    },
}

#[derive(Args)]
struct Up {
    /// Link name: the namespaces are NAME-a and NAME-b.
    #[arg(long)]
    name: String,
    /// One-way delay per direction (RTT = 2 × this).
    #[arg(long, default_value_t = 20.0)]
    delay_ms: f64,
    /// Loss probability per packet and direction.
    #[arg(long, default_value_t = 0.005)]
    loss: f64,
    /// Bottleneck rate per direction in Mbit/s (0 = unlimited).
    #[arg(long, default_value_t = 200.0)]
    rate_mbit: f64,
    /// Drop-tail queue bound, in milliseconds' worth of bytes at the rate.
    #[arg(long, default_value_t = 50.0)]
    queue_ms: f64,
    /// Write packets up to this long after they are due, several per wake-up: less CPU, a little
    /// jitter (never early).
    #[arg(long, default_value_t = 0.0)]
    coalesce_us: f64,
    /// Seed of the loss decisions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() {
    let result = match Cli::parse().command {
        Command::Up(up) => run_up(&up),
        Command::Down { name } => emulator::down(&name),
    };
    if let Err(e) = result {
        eprintln!("wan: {e}");
        std::process::exit(1);
    }
}

fn run_up(up: &Up) -> Result<(), WanError> {
    let valid = up.delay_ms >= 0.0 && (0.0..=1.0).contains(&up.loss) && up.rate_mbit >= 0.0 && up.queue_ms >= 0.0;
    if !valid {
        eprintln!("wan: need delay-ms ≥ 0, 0 ≤ loss ≤ 1, rate-mbit ≥ 0, queue-ms ≥ 0");
        std::process::exit(2);
    }
    let config = LinkConfig {
        delay: Duration::from_secs_f64(up.delay_ms / 1e3),
        loss: up.loss,
        rate_bps: (up.rate_mbit > 0.0).then_some((up.rate_mbit * 1e6) as u64),
        queue: Duration::from_secs_f64(up.queue_ms / 1e3),
        seed: up.seed,
    };
    // Blocked before any thread starts, so that every thread inherits the mask and the signals
    // wait for `sigwait` below.
    let signals = termination_signals();
    // SAFETY: a valid, initialised signal set; changes only this thread's mask.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &signals, std::ptr::null_mut()) };
    let emulator = Emulator::up(&up.name, &config, Duration::from_secs_f64(up.coalesce_us.max(0.0) / 1e6))?;
    let rtt = emulator.wait_reachable(Duration::from_secs(10))?;
    let (a, b) = emulator::namespaces(&up.name);
    eprintln!(
        "wan: {a} ({}) ⇄ {b} ({}) on {}: delay {} ms, loss {}, rate {}, queue {} ms each way; probe RTT {:.2} ms",
        wan::ADDR_A,
        wan::ADDR_B,
        wan::IFNAME,
        up.delay_ms,
        up.loss,
        if up.rate_mbit > 0.0 { format!("{} Mbit/s", up.rate_mbit) } else { "unlimited".into() },
        up.queue_ms,
        rtt.as_secs_f64() * 1e3
    );
    let mut out = std::io::stdout();
    let _ = writeln!(out, "ready").and_then(|_| out.flush());
    let mut signal = 0;
    // SAFETY: waits for one of the blocked signals; `signal` outlives the call.
    unsafe { libc::sigwait(&signals, &mut signal) };
    for (direction, counters) in ["a→b", "b→a"].iter().zip(&emulator.counters) {
        eprintln!("wan: {direction}: {}", summary(counters));
    }
    emulator.down()
}

fn termination_signals() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset uses it.
    unsafe {
        let mut set = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

fn summary(c: &Counters) -> String {
    let (offered, delivered) = (c.offered.load(Relaxed), c.delivered.load(Relaxed));
    let late_mean = c.late_ns_sum.load(Relaxed) as f64 / delivered.max(1) as f64 / 1e3;
    format!(
        "{offered} packets offered, {} lost, {} dropped by the full queue, {delivered} delivered ({} bytes), {} write errors; late by {late_mean:.1} µs on average, {:.1} µs at most, {} packets over 100 µs, {} over 1 ms",
        c.lost.load(Relaxed),
        c.queue_full.load(Relaxed),
        c.delivered_bytes.load(Relaxed),
        c.write_errors.load(Relaxed),
        c.late_ns_max.load(Relaxed) as f64 / 1e3,
        c.late_over_100us.load(Relaxed),
        c.late_over_1ms.load(Relaxed)
    )
}
