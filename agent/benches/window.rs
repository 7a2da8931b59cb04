//! Benchmark (not a test): the customer's window agent.
//!
//!     cargo bench -p agent --bench window
//!
//! Starts signaling, a 1280×720 Xvfb (Mesa's llvmpipe renders the window's OpenGL), a session
//! with an invitation and the Rust test console, then the release agent in its window joining
//! that invitation (`agent join CODE --window`, as the download's window does). Prints the time
//! from the start of the process to the window showing it joined (its title names the site),
//! and the agent's CPU and memory while idle in the joined window.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;
use test_support as xtest;
use test_support::bench_report as report;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn seconds() -> u64 {
    if report::quick() {
        3
    } else {
        10
    }
}

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn status_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: u64 =
        status.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0);
    kib as f64 / 1024.0
}

/// Whether a visible window whose title starts with `title` is on `display`.
fn window_shown(display: &str, title: &str) -> bool {
    Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", &format!("^{title}")])
        .env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let x = xtest::Xvfb::start(1280, 720);
    // A first start builds the release signaling binary when missing: not part of the figure.
    drop(common::signaling::Signaling::start(&[]).await);
    let sig = common::signaling::Signaling::start(&[]).await;
    let cookie = sig.login("alice").await;
    let started = sig.post(&cookie, "/api/sessions", serde_json::json!({"session_type_id": 1})).await;
    let session = started["session_id"].as_str().unwrap().to_owned();
    let mut alice = common::console::Console::open(&sig.base, &cookie, &session).await;
    let inv = sig.post(&cookie, &format!("/api/sessions/{session}/invitations"), serde_json::json!({})).await;
    let home = tempfile::tempdir().unwrap();

    let start = Instant::now();
    let mut child = Command::new(common::AGENT)
        .args(["join", inv["code"].as_str().unwrap(), "--server", &sig.base, "--name", "Dana", "--window"])
        .env("DISPLAY", &x.display)
        .env("HOME", home.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(30);
    // The title names the site once joined ("Remote support — 127.0.0.1:PORT").
    let joined_title = format!("Remote support .+{}", sig.base.trim_start_matches("http://").replace('.', "\\."));
    while !window_shown(&x.display, &joined_title) {
        assert!(Instant::now() < deadline, "the window did not show the joined session within 30 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let to_joined = start.elapsed().as_secs_f64() * 1000.0;
    alice.customer_online().await;

    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = cpu_seconds(pid);
    tokio::time::sleep(Duration::from_secs(seconds())).await;
    let idle_cpu = (cpu_seconds(pid) - before) / seconds() as f64 * 100.0;
    let (rss, anon, file) = (status_mib(pid, "VmRSS:"), status_mib(pid, "RssAnon:"), status_mib(pid, "RssFile:"));
    let _ = child.kill();
    let _ = child.wait();

    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!("agent window ({profile} build, Xvfb 1280x720 with Mesa llvmpipe, {} s idle window)", seconds());
    println!("  start → joined window           {to_joined:>8.0} ms (loopback, join by code, window title names the site)");
    println!("  idle in the joined window: CPU  {idle_cpu:>8.2} % of one core");
    println!("  idle in the joined window: RSS  {rss:>8.1} MiB (private {anon:.1} MiB, shared libraries and files {file:.1} MiB)");
    let figures = [
        ("start to joined window (loopback)", to_joined, "ms", Some(("≤ 1000 ms", to_joined <= 1000.0))),
        ("idle window: CPU", idle_cpu, "% of one core", Some(("≤ 1 % of one core", idle_cpu <= 1.0))),
        ("idle window: RSS", rss, "MiB", Some(("≤ 80 MiB", rss <= 80.0))),
        ("idle window: private RSS (RssAnon)", anon, "MiB", None),
    ];
    for (name, value, unit, target) in figures {
        report::Figure { group: "agent_window", name, value, unit, baseline: None, target }.print();
    }
}
