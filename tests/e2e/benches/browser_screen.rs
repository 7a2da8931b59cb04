//! Benchmark (not a test): the customer's screen in the real browser console (issue 6, items 2
//! and 4).
//!
//!     cargo bench -p e2e --bench browser_screen
//!     BENCH_MODE=quick cargo bench -p e2e --bench browser_screen
//!
//! Environment: `BENCH_MODE=quick` (smoke sizes); `BENCH_ONLY=latency|first_frame` (one part);
//! `BENCH_AGENT`, `BENCH_SIGNALING` (pin binaries: the shared target directory may be rebuilt
//! from another tree during a run); `BENCH_TRACE=file` (toggles and frames as JSON);
//! `AGENT_LOG` (the agent's RUST_LOG).
//!
//! Real pieces on loopback: a 1920×1080 Xvfb, release signaling and agent, Debian's headless
//! Chromium driving the console (bench/*.mjs), coturn for the relay-only runs.
//!
//! - Screen latency: the benchmark repaints a square on the agent's Xvfb at recorded
//!   wall-clock instants (after an X round trip), cycling through six colours at random
//!   intervals of 120–280 ms; the page reads the square from every frame the console's video
//!   presents (requestVideoFrameCallback + canvas) and records wall-clock times; each repaint is
//!   matched to the first frame showing its colour. On a still screen, then with a region
//!   scrolling at 60 steps/s. Baseline in the same run: Chromium→Chromium over a loopback peer
//!   connection, a 1920×1080 canvas repainted at 30 fps (the agent's capture rate) whose square
//!   changes colour at recorded instants, measured the same way.
//! - Frames per second the console's video presents and decodes, still and scrolling.
//! - Time to first frame: from the customer's "y" (written to the agent's terminal) to the
//!   first frame presented, over several grants, on loopback and relay-only through coturn; and
//!   from spawning `agent join CODE` to the customer in the roster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::bench_screen::{frames, match_toggles, scroll, summary, wall_ms, Delay, Figure, Frame, Script, Square, Stack, Summary, SCREEN};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Colours of the square, in turn; far from each other and from the red quadrant around it.
const PALETTE: [u32; 6] = [0x000000, 0xffffff, 0x0000ff, 0xffff00, 0xff00ff, 0x00ffff];
/// Centre and size of the square, inside the pattern's top-left quadrant.
const SQUARE: (i16, i16, u16) = (208, 208, 96);
const SCROLL_HZ: f64 = 60.0;
const LATENCY_TARGET: (f64, f64) = (50.0, 80.0);
const FIRST_FRAME_TARGET: (f64, f64) = (250.0, 400.0);

struct Sizes {
    toggles: usize,
    scroll_toggles: usize,
    still_secs: u64,
    sessions: usize,
    grants: usize,
}

fn sizes() -> (Sizes, &'static str) {
    if std::env::var("BENCH_MODE").is_ok_and(|m| m == "quick") {
        (Sizes { toggles: 40, scroll_toggles: 25, still_secs: 4, sessions: 1, grants: 3 }, "quick")
    } else {
        (Sizes { toggles: 200, scroll_toggles: 100, still_secs: 10, sessions: 3, grants: 4 }, "full")
    }
}

/// A small deterministic generator for the intervals between repaints.
struct Lcg(u32);

impl Lcg {
    fn interval(&mut self) -> Duration {
        self.0 = self.0.wrapping_mul(1103515245).wrapping_add(12345);
        Duration::from_millis(120 + ((self.0 >> 16) % 160) as u64)
    }
}

fn toggle(square: &Square, n: usize, rng: &mut Lcg, colour: &mut usize) -> Vec<(f64, i64)> {
    (0..n)
        .map(|_| {
            std::thread::sleep(rng.interval());
            *colour = (*colour + 1) % PALETTE.len();
            (square.paint(PALETTE[*colour]), *colour as i64)
        })
        .collect()
}

/// Frames presented, and frames decoded per getStats, per second between two stats snapshots.
fn rates(frames: &[Frame], a: &Value, b: &Value) -> (f64, f64) {
    let (t0, t1) = (a["at"].as_f64().unwrap_or(0.0), b["at"].as_f64().unwrap_or(0.0));
    let secs = ((t1 - t0) / 1000.0).max(0.001);
    let shown = frames.iter().filter(|f| f.presented >= t0 && f.presented < t1).count() as f64;
    let decoded = stat(b, "framesDecoded") - stat(a, "framesDecoded");
    (shown / secs, decoded / secs)
}

fn stat(snapshot: &Value, key: &str) -> f64 {
    snapshot["stats"][key].as_f64().unwrap_or(0.0)
}

/// Per-frame means between two snapshots: jitter buffer, decode, and receive→decoded processing, ms.
fn per_frame(a: &Value, b: &Value) -> (f64, f64, f64) {
    let d = |k: &str| stat(b, k) - stat(a, k);
    let emitted = d("jitterBufferEmittedCount").max(1.0);
    let decoded = d("framesDecoded").max(1.0);
    (d("jitterBufferDelay") / emitted * 1000.0, d("totalDecodeTime") / decoded * 1000.0, d("totalProcessingDelay") / decoded * 1000.0)
}

/// The receiver's statistics now (`STATS` line of the script).
fn snapshot(s: &mut Script, label: &str) -> Value {
    s.send(&format!("stats {label}"));
    s.expect_json("STATS", Duration::from_secs(10))
}

struct Latency {
    still: Vec<Delay>,
    still_missed: usize,
    scrolling: Vec<Delay>,
    scrolling_missed: usize,
    baseline: Vec<Delay>,
    baseline_missed: usize,
    fps_still: (f64, f64),
    fps_scroll: (f64, f64),
    scroll_steps_per_s: f64,
    buffers_still: (f64, f64, f64),
    buffers_scroll: (f64, f64, f64),
    buffers_baseline: (f64, f64, f64),
    baseline_width: f64,
    counts_still: String,
    counts_scroll: String,
}

/// Loss and recovery counters between two snapshots.
fn counts(a: &Value, b: &Value) -> String {
    let keys = [
        "framesReceived",
        "framesDecoded",
        "framesDropped",
        "keyFramesDecoded",
        "packetsLost",
        "nackCount",
        "pliCount",
        "firCount",
        "freezeCount",
    ];
    keys.iter().map(|k| format!("{k} {}", stat(b, k) - stat(a, k))).collect::<Vec<_>>().join(", ")
}

fn latency(sz: &Sizes) -> Latency {
    let stack = Stack::start(false);
    let square = Square::connect(&stack.xvfb.display, SQUARE.0, SQUARE.1, SQUARE.2);
    square.paint(PALETTE[0]);
    let probe = json!({
        "x": SQUARE.0, "y": SQUARE.1, "square": SQUARE.2, "sample": 16, "palette": PALETTE,
        "screenWidth": SCREEN.0, "screenHeight": SCREEN.1,
    });
    let mut s = Script::spawn(&stack, "screen_latency", &[("BENCH_PROBE", probe.to_string())]);
    s.expect("READY", Duration::from_secs(120));
    std::thread::sleep(Duration::from_secs(1));
    let (mut rng, mut colour) = (Lcg(4711), 0);

    eprintln!("  still screen, {} s", sz.still_secs);
    let still0 = snapshot(&mut s, "still0");
    std::thread::sleep(Duration::from_secs(sz.still_secs));
    let still1 = snapshot(&mut s, "still1");

    eprintln!("  {} repaints on the still screen", sz.toggles);
    let t0 = snapshot(&mut s, "toggle0");
    let still_toggles = toggle(&square, sz.toggles, &mut rng, &mut colour);
    std::thread::sleep(Duration::from_secs(1));
    let t1 = snapshot(&mut s, "toggle1");

    eprintln!("  {} repaints while a region scrolls at {SCROLL_HZ} steps/s", sz.scroll_toggles);
    let stop = Arc::new(AtomicBool::new(false));
    let scroller = scroll(&stack.xvfb.display, SCROLL_HZ, stop.clone());
    std::thread::sleep(Duration::from_secs(1));
    let scroll0 = snapshot(&mut s, "scroll0");
    let started = wall_ms();
    let scroll_toggles = toggle(&square, sz.scroll_toggles, &mut rng, &mut colour);
    let scroll1 = snapshot(&mut s, "scroll1");
    stop.store(true, Ordering::Relaxed);
    let steps = scroller.join().unwrap_or(0);
    let scrolled_secs = (wall_ms() - started) / 1000.0 + 1.0;
    std::thread::sleep(Duration::from_millis(500));

    s.send("frames");
    let seen = frames(&s.expect_json("FRAMES", Duration::from_secs(30)));
    s.send("stop");
    s.expect("STOPPED", Duration::from_secs(30));

    eprintln!("  baseline: Chromium→Chromium, {} repaints", sz.toggles);
    s.send(&format!("baseline {}", sz.toggles));
    let b = s.expect_json("BASELINE", Duration::from_secs(60 + sz.toggles as u64));
    s.send("quit");
    s.finish(Duration::from_secs(30));

    if let Ok(path) = std::env::var("BENCH_TRACE") {
        let trace = json!({ "still": still_toggles, "scrolling": scroll_toggles, "frames": seen.iter().map(|f| (f.presented, f.received, f.colour)).collect::<Vec<_>>() });
        let _ = std::fs::write(path, trace.to_string());
    }
    let b_toggles: Vec<(f64, i64)> =
        b["toggles"].as_array().into_iter().flatten().filter_map(|t| Some((t.get(0)?.as_f64()?, t.get(1)?.as_i64()?))).collect();
    let b_frames = frames(&b["frames"]);
    let (baseline, baseline_missed) = match_toggles(&b_toggles, &b_frames);
    let b_stats = json!({ "stats": b["stats"] });
    let (still, still_missed) = match_toggles(&still_toggles, &seen);
    let (scrolling, scrolling_missed) = match_toggles(&scroll_toggles, &seen);
    Latency {
        still,
        still_missed,
        scrolling,
        scrolling_missed,
        baseline,
        baseline_missed,
        fps_still: rates(&seen, &still0, &still1),
        fps_scroll: rates(&seen, &scroll0, &scroll1),
        scroll_steps_per_s: steps as f64 / scrolled_secs,
        buffers_still: per_frame(&t0, &t1),
        buffers_scroll: per_frame(&scroll0, &scroll1),
        buffers_baseline: per_frame(&json!({ "stats": {} }), &b_stats),
        baseline_width: b["width"].as_f64().unwrap_or(0.0),
        counts_still: counts(&t0, &t1),
        counts_scroll: counts(&scroll0, &scroll1),
    }
}

struct FirstFrames {
    grant: Vec<f64>,
    grant_received: Vec<f64>,
    join_roster: Vec<f64>,
    join_connected: Vec<f64>,
    relayed: Option<bool>,
    /// Console-side steps between the grant and the first frame, ms after the grant, per run.
    steps: BTreeMap<String, Vec<f64>>,
    /// Data-channel round trips between two Chromium peers over the same path, ms.
    chromium_rtt: Vec<f64>,
}

fn first_frames(sz: &Sizes, relay: bool) -> FirstFrames {
    let stack = Stack::start(relay);
    let mut r = FirstFrames {
        grant: vec![],
        grant_received: vec![],
        join_roster: vec![],
        join_connected: vec![],
        relayed: None,
        steps: BTreeMap::new(),
        chromium_rtt: vec![],
    };
    for _ in 0..sz.sessions {
        let mut s = Script::spawn(&stack, "first_frame", &[("BENCH_GRANTS", sz.grants.to_string())]);
        let j = s.expect_json("JOIN", Duration::from_secs(120));
        let spawned = j["spawned"].as_f64().unwrap_or(0.0);
        r.join_roster.extend(j["present"].as_f64().map(|t| t - spawned));
        r.join_connected.extend(j["connected"].as_f64().map(|t| t - spawned));
        for _ in 0..sz.grants {
            let f = s.expect_json("FIRST", Duration::from_secs(60));
            let granted = f["granted"].as_f64().unwrap_or(0.0);
            r.grant.extend(f["presented"].as_f64().map(|t| t - granted));
            r.grant_received.extend(f["received"].as_f64().map(|t| t - granted));
            for (step, ms) in f["steps"].as_object().into_iter().flatten() {
                r.steps.entry(step.clone()).or_default().extend(ms.as_f64());
            }
        }
        let rtt = s.expect_json("DCRTT", Duration::from_secs(60));
        r.chromium_rtt.extend(rtt.as_array().into_iter().flatten().filter_map(Value::as_f64));
        s.finish(Duration::from_secs(30));
    }
    if let Some(t) = &stack.turn {
        let log = std::fs::read_to_string(&t.log).unwrap_or_default();
        r.relayed = Some(log.contains("CREATE_PERMISSION processed, success") || log.contains("CHANNEL_BIND processed, success"));
    }
    r
}

/// The console's `list_sources` → the agent's `sources` per run: one control-channel round
/// trip through the agent (which lists the monitors in between).
fn agent_round_trips(r: &FirstFrames) -> Vec<f64> {
    let (asked, answered) = (r.steps.get("dc out list_sources"), r.steps.get("dc in sources"));
    asked.zip(answered).map(|(a, b)| a.iter().zip(b).map(|(a, b)| b - a).collect()).unwrap_or_default()
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn line(label: &str, s: Option<Summary>) {
    match s {
        Some(s) => println!(
            "  {label:<52} median {:>7.1}  p95 {:>7.1}  mean {:>7.1}  min {:>7.1}  max {:>7.1} ms  (n={})",
            s.median, s.p95, s.mean, s.min, s.max, s.n
        ),
        None => println!("  {label:<52} no samples"),
    }
}

fn presented(d: &[Delay]) -> Vec<f64> {
    d.iter().map(|d| d.presented_ms).collect()
}

fn main() {
    let (sz, mode) = sizes();
    println!("browser screen benchmark ({mode}): 1920x1080 Xvfb, release agent and signaling, headless Chromium console, loopback");
    println!("load average at start: {} ({} cores)", load(), std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
    // BENCH_ONLY=latency or BENCH_ONLY=first_frame runs one part (while investigating).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only != "first_frame" {
        report_latency(&latency(&sz));
    }
    if only != "latency" {
        report_first_frames(&first_frames(&sz, false), &first_frames(&sz, true));
    }
}

fn report_latency(l: &Latency) {
    let still = summary(&presented(&l.still));
    let busy = summary(&presented(&l.scrolling));
    let base = summary(&presented(&l.baseline));
    println!("\nscreen latency: repaint on the agent's Xvfb → frame presented by the console's video (rVFC presentationTime)");
    line(&format!("console, still screen ({} never shown themselves)", l.still_missed), still);
    line("  of which repaint → last packet received", summary(&l.still.iter().filter_map(|d| d.received_ms).collect::<Vec<_>>()));
    line(&format!("console, region scrolling ({} never shown themselves)", l.scrolling_missed), busy);
    line("  of which repaint → last packet received", summary(&l.scrolling.iter().filter_map(|d| d.received_ms).collect::<Vec<_>>()));
    line(&format!("baseline Chromium→Chromium canvas {}px wide ({} never shown themselves)", l.baseline_width, l.baseline_missed), base);
    line("  of which repaint → last packet received", summary(&l.baseline.iter().filter_map(|d| d.received_ms).collect::<Vec<_>>()));
    for (label, counts) in [("still", &l.counts_still), ("scrolling", &l.counts_scroll)] {
        println!("  receiver counts while {label} (getStats): {counts}");
    }
    let b = |x: (f64, f64, f64)| format!("jitter buffer {:.1} ms/frame, decode {:.1} ms, receive→decoded {:.1} ms", x.0, x.1, x.2);
    println!("  receiver per frame (getStats): still {}", b(l.buffers_still));
    println!("                                 scrolling {}", b(l.buffers_scroll));
    println!("                                 baseline {}", b(l.buffers_baseline));
    println!("\nframes per second at the console (presented by the video / decoded per getStats)");
    println!("  still screen        {:>6.2} / {:>6.2}", l.fps_still.0, l.fps_still.1);
    println!(
        "  region scrolling    {:>6.2} / {:>6.2}   (the scroll drew {:.1} steps/s)",
        l.fps_scroll.0, l.fps_scroll.1, l.scroll_steps_per_s
    );

    println!("load average after the latency part: {}", load());
    let g = "browser_screen";
    let baseline = base.map(|b| ("chromium_to_chromium_canvas_loopback", b.median));
    let baseline_p95 = base.map(|b| ("chromium_to_chromium_canvas_loopback", b.p95));
    if let Some(s) = still {
        let (m, p) = LATENCY_TARGET;
        Figure { group: g, name: "latency_still_median", value: s.median, unit: "ms", baseline, target: Some(("<= 50 ms", s.median <= m)) }
            .print();
        Figure {
            group: g,
            name: "latency_still_p95",
            value: s.p95,
            unit: "ms",
            baseline: baseline_p95,
            target: Some(("<= 80 ms", s.p95 <= p)),
        }
        .print();
    }
    if let Some(s) = busy {
        Figure { group: g, name: "latency_scrolling_median", value: s.median, unit: "ms", baseline, target: None }.print();
        Figure { group: g, name: "latency_scrolling_p95", value: s.p95, unit: "ms", baseline: baseline_p95, target: None }.print();
    }
    for (name, v) in [
        ("fps_presented_still", l.fps_still.0),
        ("fps_decoded_still", l.fps_still.1),
        ("fps_presented_scrolling", l.fps_scroll.0),
        ("fps_decoded_scrolling", l.fps_scroll.1),
    ] {
        Figure { group: g, name, value: v, unit: "fps", baseline: None, target: None }.print();
    }
}

fn report_first_frames(first_loop: &FirstFrames, first_relay: &FirstFrames) {
    let ff_loop = summary(&first_loop.grant);
    let ff_relay = summary(&first_relay.grant);
    println!("\ntime to first frame: the customer's \"y\" → first frame presented by the console's video");
    line("loopback", ff_loop);
    line("  of which → its last packet received", summary(&first_loop.grant_received));
    line(&format!("relay only through coturn (relay seen in coturn's log: {:?})", first_relay.relayed), ff_relay);
    line("  of which → its last packet received", summary(&first_relay.grant_received));
    for (label, r) in [("loopback", first_loop), ("relay only", first_relay)] {
        line(&format!("{label}: console → agent → console (list_sources → sources)"), summary(&agent_round_trips(r)));
        line(&format!("{label}: Chromium ↔ Chromium data-channel round trip, same path"), summary(&r.chromium_rtt));
    }
    for (label, r) in [("loopback", first_loop), ("relay only", first_relay)] {
        println!("  steps seen by the console after the grant ({label}; median ms, runs seen):");
        let mut steps: Vec<(f64, &String, usize)> = r.steps.iter().filter_map(|(k, v)| summary(v).map(|s| (s.median, k, s.n))).collect();
        steps.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (median, step, n) in steps {
            println!("    {median:>7.1}  {step} ({n})");
        }
    }
    println!("\nagent join: spawning `agent join CODE` → customer in the console's roster");
    line("loopback: in the roster", summary(&first_loop.join_roster));
    line("loopback: console's peer connected (tag 'connected')", summary(&first_loop.join_connected));
    line("relay only: in the roster", summary(&first_relay.join_roster));
    line("relay only: console's peer connected", summary(&first_relay.join_connected));
    println!();
    let g = "browser_screen";
    if let Some(s) = ff_loop {
        let t = Some(("<= 250 ms", s.median <= FIRST_FRAME_TARGET.0));
        Figure { group: g, name: "first_frame_loopback_median", value: s.median, unit: "ms", baseline: None, target: t }.print();
    }
    if let Some(s) = ff_relay {
        let t = Some(("<= 400 ms", s.median <= FIRST_FRAME_TARGET.1));
        Figure { group: g, name: "first_frame_relay_median", value: s.median, unit: "ms", baseline: None, target: t }.print();
    }
    println!("load average after the first-frame part: {}", load());
    for (name, r, reference) in [
        ("agent_round_trip_loopback_median", first_loop, "chromium_to_chromium_dc_round_trip_loopback"),
        ("agent_round_trip_relay_median", first_relay, "chromium_to_chromium_dc_round_trip_relay"),
    ] {
        if let Some(s) = summary(&agent_round_trips(r)) {
            let baseline = summary(&r.chromium_rtt).map(|b| (reference, b.median));
            Figure { group: g, name, value: s.median, unit: "ms", baseline, target: None }.print();
        }
    }
    for (name, v) in
        [("join_to_roster_loopback_median", &first_loop.join_roster), ("join_to_roster_relay_median", &first_relay.join_roster)]
    {
        if let Some(s) = summary(v) {
            Figure { group: g, name, value: s.median, unit: "ms", baseline: None, target: None }.print();
        }
    }
}
