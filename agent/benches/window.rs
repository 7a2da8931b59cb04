//! Benchmark (not a test): the customer's window agent.
//!
//!     cargo bench -p agent --bench window
//!
//! Starts signaling, a 1280×720 Xvfb (the window draws on the CPU: no OpenGL), a session
//! with an invitation and the Rust test console, then the release agent in its window joining
//! that invitation (`agent join CODE --window`, as the download's window does). Prints the time
//! from the start of the process to the window showing it joined (its title names the site),
//! and the agent's CPU and memory while idle in the joined window, with where that memory is
//! (by mapping, from /proc/PID/smaps; what OpenGL would map is reported apart, to show it stays
//! near zero). `AGENT_WINDOW_BIN=target/agent-release/agent` measures
//! the downloadable build (scripts/agent-release.sh) instead of the release build.
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

/// Libraries in the process only because Mesa's OpenGL driver loads them (LLVM's and Mesa's
/// own dependencies, the GL dispatch), by file name prefix.
const MESA_LIBRARIES: &[&str] = &[
    "libGL",
    "libEGL",
    "libglapi",
    "libgbm",
    "libstdc++",
    "libz3",
    "libicu",
    "libxml2",
    "libzstd",
    "libexpat",
    "libtinfo",
    "libedit",
    "libdrm",
    "libelf",
    "libsensors",
    "libffi",
    "libbsd",
    "libmd.",
    "libxshmfence",
    "libxcb-glx",
    "libxcb-dri",
    "libxcb-present",
    "libxcb-sync",
    "libX11-xcb",
    "libwayland",
    "libz.so",
];

const LLVM: &str = "libLLVM (llvmpipe's shader compiler)";
const MESA_DRIVER: &str = "Mesa's driver (dri/*.so)";
const GL_OTHER: &str = "GL loaders, libraries Mesa loads, the GL window image";
const GL_KINDS: [&str; 3] = [LLVM, MESA_DRIVER, GL_OTHER];

/// MiB by kind of mapping, and by single mapping.
type Breakdown = (Vec<(&'static str, f64)>, Vec<(String, f64)>);

/// Where the resident memory of `pid` is, from /proc/PID/smaps: MiB by kind of mapping (a file
/// mapping counts with its copied-on-write pages, so a library's relocated data is the
/// library's), and the largest single mappings.
fn rss_breakdown(pid: u32, agent: &str) -> Breakdown {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut by_path: std::collections::BTreeMap<String, u64> = Default::default();
    let mut path = String::new();
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.contains('-') && !first.ends_with(':') {
            // "start-end perms offset dev inode [path]"
            path = line.split_whitespace().nth(5).unwrap_or("[anonymous]").to_owned();
        } else if first == "Rss:" {
            *by_path.entry(path.clone()).or_default() += words.next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    let kind = |p: &str| -> &'static str {
        let name = p.rsplit('/').next().unwrap_or(p);
        if name.starts_with("libLLVM") {
            LLVM
        } else if p.contains("/dri/") || name.contains("gallium") {
            MESA_DRIVER
        } else if MESA_LIBRARIES.iter().any(|m| name.starts_with(m)) || p.starts_with("/SYSV") {
            GL_OTHER
        } else if p == agent {
            "the agent binary (code and data paged in)"
        } else if p == "[heap]" {
            "heap (brk: the agent's and Mesa's malloc)"
        } else if p == "[anonymous]" {
            "anonymous (malloc arenas, thread stacks, GL buffers)"
        } else if p.starts_with('/') {
            "other libraries (libc, X11, xcb, ALSA, ...) and files"
        } else {
            "stacks and kernel mappings"
        }
    };
    let mut kinds: Vec<(&'static str, f64)> = vec![];
    for (p, kib) in &by_path {
        let k = kind(p);
        match kinds.iter_mut().find(|(n, _)| *n == k) {
            Some((_, v)) => *v += *kib as f64 / 1024.0,
            None => kinds.push((k, *kib as f64 / 1024.0)),
        }
    }
    kinds.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut largest: Vec<(String, f64)> = by_path.into_iter().map(|(p, kib)| (p, kib as f64 / 1024.0)).collect();
    largest.sort_by(|a, b| b.1.total_cmp(&a.1));
    largest.truncate(8);
    (kinds, largest)
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
    // The downloadable build (scripts/agent-release.sh) when named, else the release build.
    let agent = std::env::var("AGENT_WINDOW_BIN").unwrap_or_else(|_| common::AGENT.to_owned());
    let agent = std::fs::canonicalize(&agent).unwrap().to_string_lossy().into_owned();

    let start = Instant::now();
    let mut child = Command::new(&agent)
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
    let (kinds, largest) = rss_breakdown(pid, &agent);
    let _ = child.kill();
    let _ = child.wait();

    let profile = if std::env::var_os("AGENT_WINDOW_BIN").is_some() {
        "downloadable"
    } else if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("agent window ({profile} build {agent}, Xvfb 1280x720 with Mesa llvmpipe, {} s idle window)", seconds());
    println!("  start → joined window           {to_joined:>8.0} ms (loopback, join by code, window title names the site)");
    println!("  idle in the joined window: CPU  {idle_cpu:>8.2} % of one core");
    println!("  idle in the joined window: RSS  {rss:>8.1} MiB (private {anon:.1} MiB, shared libraries and files {file:.1} MiB)");
    println!("  where the idle RSS is (MiB, /proc/PID/smaps):");
    for (kind, mib) in &kinds {
        println!("    {mib:>8.1}  {kind}");
    }
    println!("  largest mappings (MiB):");
    for (path, mib) in &largest {
        println!("    {mib:>8.1}  {path}");
    }
    // Mapped by Mesa's OpenGL (its mallocs on the heap are not told apart, so they count
    // in the rest).
    let gl: f64 = kinds.iter().filter(|(k, _)| GL_KINDS.contains(k)).map(|(_, v)| v).sum();
    println!("  of which OpenGL (Mesa, LLVM, their libraries) {gl:.1} MiB, the rest {:.1} MiB", rss - gl);
    let figures = [
        ("start to joined window (loopback)", to_joined, "ms", Some(("≤ 1000 ms", to_joined <= 1000.0))),
        ("idle window: CPU", idle_cpu, "% of one core", Some(("≤ 1 % of one core", idle_cpu <= 1.0))),
        ("idle window: RSS", rss, "MiB", Some(("≤ 80 MiB", rss <= 80.0))),
        ("idle window: private RSS (RssAnon)", anon, "MiB", None),
        ("idle window: RSS mapped by OpenGL (Mesa, LLVM, their libraries)", gl, "MiB", None),
        ("idle window: RSS besides OpenGL's mappings", rss - gl, "MiB", None),
    ];
    for (name, value, unit, target) in figures {
        report::Figure { group: "agent_window", name, value, unit, baseline: None, target }.print();
    }
}
