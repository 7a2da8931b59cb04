//! Parts of the browser screen benchmark (`benches/browser_screen.rs`): a stack of real pieces
//! (1920×1080 Xvfb, signaling, optionally coturn), a benchmark script (`bench/<name>.mjs`) the
//! benchmark talks to line by line, a square repainted on the Xvfb at recorded wall-clock
//! instants, a scrolling region, and the statistics and `BENCH` lines.

use crate::{binary, ensure_playwright, root, Coturn, Signaling, Xvfb, PASSWORD};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use test_support::draw;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, Rectangle};
use x11rb::rust_connection::RustConnection;

pub const SCREEN: (u16, u16) = (1920, 1080);

/// Wall-clock milliseconds since the Unix epoch: comparable with the page's
/// `performance.timeOrigin + performance.now()` on the same machine.
pub fn wall_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// Xvfb at 1920×1080 with the test pattern, signaling, and coturn (relay only) when asked.
pub struct Stack {
    pub xvfb: Xvfb,
    pub turn: Option<Coturn>,
    pub sig: Signaling,
    work: tempfile::TempDir,
}

impl Stack {
    pub fn start(relay: bool) -> Stack {
        ensure_playwright(&root().join("tests/e2e"));
        let xvfb = Xvfb::with_pattern(SCREEN.0, SCREEN.1);
        let turn = relay.then(Coturn::start);
        let (mut extra, mut envs) = (vec![], vec![]);
        if let Some(t) = &turn {
            extra.extend(["--turn-urls".to_owned(), t.url.clone()]);
            envs.push(("SIGNALING_TURN_SECRET".to_owned(), t.secret.clone()));
        }
        let sig = Signaling::start(&extra, &envs);
        Stack { xvfb, turn, sig, work: tempfile::tempdir().expect("work dir") }
    }
}

/// A running benchmark script: its stdout lines arrive on a channel, commands go to its stdin.
pub struct Script {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Script {
    pub fn spawn(stack: &Stack, name: &str, envs: &[(&str, String)]) -> Script {
        let e2e = root().join("tests/e2e");
        let mut cmd = Command::new("node");
        cmd.arg(e2e.join("bench").join(format!("{name}.mjs")))
            .current_dir(&e2e)
            .env("E2E_BASE", &stack.sig.base)
            // BENCH_AGENT runs another agent binary (a private build, or a wrapper that traces it).
            .env("E2E_AGENT", std::env::var_os("BENCH_AGENT").unwrap_or_else(|| binary("agent").into()))
            .env("E2E_PASSWORD", PASSWORD)
            .env("E2E_WORK", stack.work.path())
            .env("E2E_DISPLAY", &stack.xvfb.display)
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(t) = &stack.turn {
            cmd.env("E2E_RELAY", "1").env("E2E_TURN_LOG", &t.log);
        }
        let mut child = cmd.spawn().expect("node runs (./tests/run.sh installs nodejs)");
        let stdin = child.stdin.take().expect("stdin");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Script { child, stdin, lines, seen: vec![] }
    }

    /// The rest of the next line starting with `tag ` (skipping log lines); panics with the
    /// script's output when it ends or `limit` passes first.
    pub fn expect(&mut self, tag: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let prefix = format!("{tag} ");
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(&prefix) {
                        return rest.to_owned();
                    }
                    if line.contains("FAILED") || std::env::var_os("BENCH_VERBOSE").is_some() {
                        eprintln!("  script│ {line}");
                    }
                    self.seen.push(line);
                }
                Err(_) => panic!("the script printed no {tag} line; its output:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Parses the next `tag` line as JSON.
    pub fn expect_json(&mut self, tag: &str, limit: Duration) -> serde_json::Value {
        let rest = self.expect(tag, limit);
        serde_json::from_str(&rest).unwrap_or_else(|e| panic!("{tag} line is not JSON ({e}): {rest}"))
    }

    pub fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").and_then(|_| self.stdin.flush()).expect("command sent to the script");
    }

    /// Waits for the script to pass; panics with its output if it fails.
    pub fn finish(mut self, limit: Duration) {
        self.expect("SCENARIO", limit);
        let status = self.child.wait().expect("node exits");
        assert!(status.success(), "the script failed ({status}):\n{}", self.seen.join("\n"));
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A square on the Xvfb's root window, repainted on request.
pub struct Square {
    conn: RustConnection,
    root: u32,
    gc: u32,
    pub x: i16,
    pub y: i16,
    pub size: u16,
}

impl Square {
    /// A `size`-pixel square centred at (`x`, `y`).
    pub fn connect(display: &str, x: i16, y: i16, size: u16) -> Square {
        let (conn, screen) = x11rb::connect(Some(display)).expect("X connection");
        let root = conn.setup().roots[screen].root;
        let gc = conn.generate_id().expect("id");
        conn.create_gc(gc, root, &CreateGCAux::new()).expect("gc");
        Square { conn, root, gc, x, y, size }
    }

    /// Fills the square with `rgb`; returns the wall-clock instant the X server had done it
    /// (after a round trip that follows the fill).
    pub fn paint(&self, rgb: u32) -> f64 {
        use x11rb::protocol::xproto::ChangeGCAux;
        let half = (self.size / 2) as i16;
        self.conn.change_gc(self.gc, &ChangeGCAux::new().foreground(rgb)).expect("gc");
        let r = Rectangle { x: self.x - half, y: self.y - half, width: self.size, height: self.size };
        self.conn.poly_fill_rectangle(self.root, self.gc, &[r]).expect("fill");
        x11rb::wrapper::ConnectionExt::sync(&self.conn).expect("sync");
        wall_ms()
    }
}

/// Scrolls a browser-sized region (right of the square) as media/benches/screen_pipeline.rs
/// does (`draw::scroll_page`), at `hz` steps/s until `stop`; returns the steps drawn.
pub fn scroll(display: &str, hz: f64, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    draw::scroll_page(display, SCREEN.0, SCREEN.1, hz, stop)
}

/// One frame the console's video presented, as `bench/common.mjs` `probeFrames` records it.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub callback: f64,
    pub presented: f64,
    pub expected: f64,
    pub received: Option<f64>,
    pub presented_frames: u64,
    pub colour: i64,
}

pub fn frames(v: &serde_json::Value) -> Vec<Frame> {
    let rows = v.as_array().cloned().unwrap_or_default();
    rows.iter()
        .filter_map(|r| {
            let f = |i: usize| r.get(i).and_then(|x| x.as_f64());
            Some(Frame {
                callback: f(0)?,
                presented: f(1)?,
                expected: f(2)?,
                received: f(3),
                presented_frames: f(4)? as u64,
                colour: r.get(5)?.as_i64()?,
            })
        })
        .collect()
}

/// Delays of one change: toggle → frame presented, toggle → its last packet received.
#[derive(Debug, Clone, Copy)]
pub struct Delay {
    pub presented_ms: f64,
    pub received_ms: Option<f64>,
    pub expected_ms: f64,
}

/// Matches each toggle (wall ms, colour index) to the first presented frame after it that
/// shows its change or a later one: the moment the console caught up with it. A frame's colour
/// is traced to the latest toggle to that colour before the frame; colours cycle through a
/// palette of several, so an earlier toggle's frame is not taken for this one's. Also returns
/// how many toggles were never shown themselves (a later change's frame came first).
pub fn match_toggles(toggles: &[(f64, i64)], frames: &[Frame]) -> (Vec<Delay>, usize) {
    let mut out = vec![];
    let mut superseded = 0;
    let mut i = 0;
    for (j, &(at, _)) in toggles.iter().enumerate() {
        while i < frames.len() && frames[i].presented < at {
            i += 1;
        }
        let source = |f: &Frame| toggles.iter().rposition(|t| t.1 == f.colour && t.0 <= f.presented);
        let Some(k) = frames[i..].iter().position(|f| source(f).is_some_and(|k| k >= j)) else { continue };
        let f = frames[i + k];
        if source(&f) != Some(j) {
            superseded += 1;
        }
        out.push(Delay { presented_ms: f.presented - at, received_ms: f.received.map(|r| r - at), expected_ms: f.expected - at });
    }
    (out, superseded)
}

/// Median, p95, mean, min, max of a sample.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub n: usize,
    pub median: f64,
    pub p95: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

pub fn summary(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Some(Summary {
        n: v.len(),
        median: at(0.5),
        p95: at(0.95),
        mean: v.iter().sum::<f64>() / v.len() as f64,
        min: v[0],
        max: v[v.len() - 1],
    })
}

/// A figure for the suite runner: one `BENCH {json}` line on stdout (the suite's shared format).
pub use test_support::bench_report::Figure;
