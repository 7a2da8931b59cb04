//! Benchmark (not a test): signaling at scale on this machine.
//!
//!     cargo bench -p loadgen --bench signaling_scale          # 10,000 participants, 20 s of relay
//!     BENCH_MODE=quick cargo bench -p loadgen --bench signaling_scale   # 500 participants, 4 s
//!
//! Starts the release `signaling` (temporary database, one CSR account), and the load generator
//! (`loadgen`, a separate process on loopback) against it: 5,000 sessions started, invited and
//! joined over HTTP, then 10,000 WebSockets (one CSR and one customer a session) connected,
//! left idle for the memory reading, then ICE candidates relayed at 2,000 a second across the
//! sessions. Then the same load against `relay-floor`, a WebSocket relay on the same stack
//! (tokio + axum `ws`) that does nothing else: what any Rust relay costs here. Prints one
//! `BENCH {json}` line per figure and a table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use test_support::bench_report as report;

use loadgen::{sys, Report};
use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const GROUP: &str = "signaling_scale";
const PASSWORD: &str = "a-long-bench-password";
/// signaling's WebSocket read buffer (`READ_BUFFER` in signaling/src/ws.rs), given to the baseline too.
const READ_BUFFER: usize = 4 * 1024;

struct Size {
    sessions: usize,
    rate: f64,
    /// Relay time per server, in `rounds` rounds alternating between signaling and the baseline.
    seconds: f64,
    rounds: usize,
}

fn size() -> Size {
    if report::quick() {
        Size { sessions: 250, rate: 2000.0, seconds: 4.0, rounds: 4 }
    } else {
        Size { sessions: 5000, rate: 2000.0, seconds: 20.0, rounds: 10 }
    }
}

/// target/release, where cargo put this bench's binaries.
fn release_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("bench path");
    exe.parent().and_then(Path::parent).expect("target/release").to_path_buf()
}

/// The release signaling binary, built (or found up to date) by cargo.
fn signaling_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(cargo).args(["build", "--release", "-p", "signaling"]).status().map(|s| s.success()).unwrap_or(false);
    assert!(ok, "cannot build the release signaling binary");
    release_dir().join("signaling")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn wait_up(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = c.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = c.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        assert!(child.try_wait().ok().flatten().is_none(), "server exited at start");
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server did not come up on port {port}");
}

/// A server process killed and reaped on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_signaling(dir: &Path) -> (Server, u16) {
    let bin = signaling_binary();
    let db = dir.join("signaling.db").display().to_string();
    let mut admin = Command::new(&bin)
        .args(["--database-url", &db, "admin", "add-csr", "bench", "--name", "Bench CSR"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("signaling admin");
    writeln!(admin.stdin.take().expect("stdin"), "{PASSWORD}").expect("password written");
    assert!(admin.wait().expect("admin command").success(), "cannot create the CSR account");
    let port = free_port();
    let log = std::fs::File::create(dir.join("signaling.log")).expect("log file");
    let child = Command::new(&bin)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", &db])
        // Thousands of participants come from 16 loopback addresses: lift the per-address cap.
        .args(["--connections-per-address", "1000000"])
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("signaling starts");
    let mut server = Server(child);
    wait_up(port, &mut server.0);
    (server, port)
}

/// The baseline relay; `read_buffer` as signaling's, or axum's default when None.
fn start_floor(read_buffer: Option<usize>) -> (Server, u16) {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relay-floor"));
    if let Some(bytes) = read_buffer {
        cmd.args(["--read-buffer", &bytes.to_string()]);
    }
    let child = cmd.args(["--listen", &format!("127.0.0.1:{port}")]).stdout(Stdio::null()).spawn().expect("relay-floor starts");
    let mut server = Server(child);
    wait_up(port, &mut server.0);
    (server, port)
}

/// A load generator process (`loadgen --paced`): set up and idle once started, then one relay
/// round per `round()`, and its report at `finish()`.
struct Loadgen {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    target: &'static str,
}

impl Loadgen {
    fn start(target: &'static str, port: u16, pid: u32, s: &Size) -> Loadgen {
        let mut child = Command::new(env!("CARGO_BIN_EXE_loadgen"))
            .args([target, "--paced", "--base", &format!("http://127.0.0.1:{port}"), "--server-pid", &pid.to_string()])
            .args(["--sessions", &s.sessions.to_string(), "--rate", &s.rate.to_string()])
            .args(["--seconds", &s.seconds.to_string(), "--rounds", &s.rounds.to_string()])
            .env("LOADGEN_PASSWORD", PASSWORD)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("loadgen runs");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut g = Loadgen { child, lines, target };
        g.expect("READY");
        g
    }

    /// The next line starting with `prefix`.
    fn expect(&mut self, prefix: &str) -> String {
        for line in self.lines.by_ref().map_while(Result::ok) {
            if line.starts_with(prefix) {
                return line;
            }
        }
        panic!("loadgen against {} ended before {prefix} (see its error above)", self.target);
    }

    fn round(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "go").expect("loadgen listens");
        self.expect("DONE");
    }

    fn finish(mut self) -> Report {
        let line = self.expect(loadgen::REPORT_PREFIX);
        Report::parse(&line).expect("a readable report")
    }
}

impl Drop for Loadgen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One figure: a `BENCH` line (tests/bench/report.rs) and a row of the table.
struct Figure {
    name: &'static str,
    value: f64,
    unit: &'static str,
    baseline: Option<f64>,
    target: Option<(&'static str, bool)>,
}

impl Figure {
    fn print(&self) {
        let baseline = self.baseline.map(|b| ("relay-floor (tokio + axum ws, relay only)", b));
        report::Figure { group: GROUP, name: self.name, value: self.value, unit: self.unit, baseline, target: self.target }.print();
    }
}

fn figures(sig: &Report, floor: &Report, default_floor: &Report, full: bool) -> Vec<Figure> {
    let n = sig.participants as f64;
    let per_conn = |r: &Report| r.rss_idle_kib.saturating_sub(r.rss_after_setup_kib) as f64 / r.participants as f64;
    let per_all = |r: &Report| r.rss_idle_kib.saturating_sub(r.rss_start_kib) as f64 / r.participants as f64;
    let rate = |r: &Report| r.sent as f64 / r.relay_secs.max(1e-9);
    let lost = |r: &Report| r.sent.saturating_sub(r.received) as f64;
    let p99 = sig.p99_us / 1000.0;
    vec![
        Figure {
            name: "participants_connected",
            value: n,
            unit: "participants",
            baseline: Some(floor.participants as f64),
            target: full.then_some(("10000 in 5000 sessions", sig.participants >= 10_000)),
        },
        Figure { name: "relay_p50", value: sig.p50_us / 1000.0, unit: "ms", baseline: Some(floor.p50_us / 1000.0), target: None },
        Figure {
            name: "relay_p99",
            value: p99,
            unit: "ms",
            baseline: Some(floor.p99_us / 1000.0),
            target: Some(("<= 20 ms", p99 <= 20.0)),
        },
        Figure {
            name: "relay_p99_median_of_rounds",
            value: sig.p99_round_median_us / 1000.0,
            unit: "ms",
            baseline: Some(floor.p99_round_median_us / 1000.0),
            target: None,
        },
        Figure { name: "relay_max", value: sig.max_us / 1000.0, unit: "ms", baseline: Some(floor.max_us / 1000.0), target: None },
        Figure {
            name: "relay_rate_achieved",
            value: rate(sig),
            unit: "msgs/s",
            baseline: Some(rate(floor)),
            target: Some(("2000 msgs/s sustained", rate(sig) >= 0.98 * 2000.0)),
        },
        Figure { name: "relay_lost", value: lost(sig), unit: "msgs", baseline: Some(lost(floor)), target: Some(("0", lost(sig) == 0.0)) },
        Figure {
            name: "server_cpu_while_relaying",
            value: sig.server_cpu_percent,
            unit: "% of one core",
            baseline: Some(floor.server_cpu_percent),
            target: None,
        },
        Figure {
            name: "loadgen_timer_late_p99",
            value: sig.tick_late_p99_us / 1000.0,
            unit: "ms",
            baseline: Some(floor.tick_late_p99_us / 1000.0),
            target: None,
        },
        Figure {
            name: "load_average_at_relay",
            value: sig.load_average,
            unit: "runnable",
            baseline: Some(floor.load_average),
            target: None,
        },
        Figure {
            name: "memory_per_idle_participant",
            value: per_conn(sig),
            unit: "KiB",
            baseline: Some(per_conn(floor)),
            target: Some(("<= 16 KiB (published: gorilla/websocket ~41 KiB, gobwas/ws 8-10 KiB)", per_conn(sig) <= 16.0)),
        },
        Figure {
            name: "memory_per_participant_with_session",
            value: per_all(sig),
            unit: "KiB",
            baseline: Some(per_all(floor)),
            target: None,
        },
        Figure {
            name: "memory_per_idle_connection_axum_default_buffers",
            value: per_conn(default_floor),
            unit: "KiB",
            baseline: None,
            target: None,
        },
        Figure {
            name: "session_starts_and_joins_per_s",
            value: 2.0 * sig.sessions as f64 / sig.setup_secs.max(1e-9),
            unit: "1/s",
            baseline: None,
            target: None,
        },
        Figure {
            name: "ws_connects_per_s",
            value: n / sig.connect_secs.max(1e-9),
            unit: "1/s",
            baseline: Some(floor.participants as f64 / floor.connect_secs.max(1e-9)),
            target: None,
        },
    ]
}

fn table(sig: &Report, floor: &Report, figures: &[Figure]) {
    println!();
    println!(
        "signaling scale: {} participants in {} sessions, {} ICE signals in {:.1} s",
        sig.participants, sig.sessions, sig.sent, sig.relay_secs
    );
    println!("{:<38} {:>14} {:>14} {:>8}  target", "figure", "signaling", "relay-floor", "ratio");
    for f in figures {
        let base = f.baseline.map(|b| format!("{b:.2}")).unwrap_or_else(|| "-".into());
        let ratio = f.baseline.filter(|b| *b != 0.0).map(|b| format!("{:.2}x", f.value / b)).unwrap_or_else(|| "-".into());
        let target = f.target.map(|(t, met)| format!("{t} [{}]", if met { "met" } else { "MISSED" })).unwrap_or_default();
        println!("{:<38} {:>14.2} {:>14} {:>8}  {target}", format!("{} ({})", f.name, f.unit), f.value, base, ratio);
    }
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "signaling RSS: {:.1} MiB at start, {:.1} after setup, {:.1} idle, {:.1} after relay; {} joins rate-limited and retried",
        mib(sig.rss_start_kib),
        mib(sig.rss_after_setup_kib),
        mib(sig.rss_idle_kib),
        mib(sig.rss_after_relay_kib),
        sig.rate_limited
    );
    println!(
        "relay-floor RSS: {:.1} MiB at start, {:.1} idle, {:.1} after relay",
        mib(floor.rss_start_kib),
        mib(floor.rss_idle_kib),
        mib(floor.rss_after_relay_kib)
    );
    println!("baseline relay-floor: axum ws with signaling's {READ_BUFFER}-byte read buffer; *_axum_default_buffers: the same with axum's default (128 KiB)");
    let ms = |v: &[f64]| v.iter().map(|us| format!("{:.1}", us / 1000.0)).collect::<Vec<_>>().join(" ");
    println!("relay p99 per round (ms), in the order run: signaling {} | relay-floor {}", ms(&sig.round_p99_us), ms(&floor.round_p99_us));
    println!("loadgen_timer_late_p99: how late the load generator's own 1 ms timer fired (99th pct.) - the machine's scheduling noise on 2 shared cores");
    println!("session setup = start + invitation + join by link over HTTP, 32 at a time; Go WebSocket figures are published ones, not measured here");
}

fn main() {
    sys::raise_nofile();
    let s = size();
    let dir = tempfile::tempdir().expect("temp dir");
    // Signaling is set up and read idle before the baseline exists; then both relay in
    // alternating rounds (ABBA), so that the other load of this shared machine falls on both.
    let (sig_server, sig_port) = start_signaling(dir.path());
    let mut sig = Loadgen::start("signaling", sig_port, sig_server.0.id(), &s);
    let (floor_server, floor_port) = start_floor(Some(READ_BUFFER));
    let mut floor = Loadgen::start("floor", floor_port, floor_server.0.id(), &s);
    for k in 0..s.rounds {
        if k % 2 == 0 {
            sig.round();
            floor.round();
        } else {
            floor.round();
            sig.round();
        }
    }
    let (sig, floor) = (sig.finish(), floor.finish());
    drop((sig_server, floor_server));
    let default_floor = {
        let (server, port) = start_floor(None);
        let mut g = Loadgen::start("floor", port, server.0.id(), &Size { seconds: 1.0, rounds: 1, ..s });
        g.round();
        g.finish()
    };
    let figures = figures(&sig, &floor, &default_floor, s.sessions >= 5000);
    for f in &figures {
        f.print();
    }
    table(&sig, &floor, &figures);
}
