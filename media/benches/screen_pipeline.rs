//! Benchmark (not a test): the capture → convert → encode pipeline of a screen share on
//! screen-like content (a page scrolling in a browser-sized region, new "text" lines appearing),
//! beside `ffmpeg -f x11grab … -c:v libvpx -deadline realtime` with matched speed, bitrate,
//! threads and static threshold, on the same Xvfb in the same run.
//!
//!     cargo bench -p media --bench screen_pipeline            # 8 s per run
//!     SECONDS_PER_RUN=3 cargo bench -p media --bench screen_pipeline
//!
//! Prints frames per second, per-frame latency (capture start → encoded), and the ratio
//! ours ÷ ffmpeg, and one `BENCH {json}` line per figure for the suite (tests/bench.sh;
//! `BENCH_MODE=quick` runs 3 s instead of 8). Results are recorded in docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use test_support::bench_report as report;

use media::capture;
use media::pipeline::{ScreenStream, StreamOptions};
use protocol::media::ShareTarget;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_support::draw::Painter;

const THREADS: u32 = 2;
const STEP_HZ: f64 = 240.0;

/// libvpx `cpu-used` for both pipelines (`SPEED=…` to change).
fn speed() -> i32 {
    std::env::var("SPEED").ok().and_then(|s| s.parse().ok()).unwrap_or(media::vp8::SCREEN_SPEED)
}

fn kbps_for(w: u32, h: u32) -> u32 {
    media::vp8::EncoderConfig::screen(w, h).bitrate_kbps
}

/// The scrolling page of `test_support::draw::scroll_page` on a light grey desktop, at `STEP_HZ`.
fn animate(display: String, w: u16, h: u16, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    let p = Painter::connect(&display);
    p.fill(p.root, 0, 0, w, h, 0xf0f0f0);
    test_support::draw::scroll_page(&display, w, h, STEP_HZ, stop)
}

struct Ours {
    fps: f64,
    median_ms: f64,
    p95_ms: f64,
    mean_kbytes: f64,
}

fn ours(display: &str, w: u32, h: u32, secs: f64, max_fps: Option<u32>) -> Ours {
    let cap = capture::open(Some(display), ShareTarget::Monitor { index: 0 }).expect("capture");
    let lat = Arc::new(Mutex::new(Vec::<f64>::new()));
    let bytes = Arc::new(Mutex::new(0usize));
    let (l, b) = (lat.clone(), bytes.clone());
    let screen_content = std::env::var("SCREEN_CONTENT").map(|v| v != "0").unwrap_or(true);
    let opts = StreamOptions { max_fps, bitrate_kbps: Some(kbps_for(w, h)), speed: speed(), threads: THREADS, screen_content };
    let start = Instant::now();
    let stream = ScreenStream::start(cap, opts, move |f| {
        let f = f.expect("pipeline");
        l.lock().unwrap().push((f.encoded_at - f.captured_at).as_secs_f64() * 1000.0);
        *b.lock().unwrap() += f.frame.data.len();
        true
    });
    std::thread::sleep(Duration::from_secs_f64(secs));
    stream.stop();
    let elapsed = start.elapsed().as_secs_f64();
    let mut v = lat.lock().unwrap().clone();
    v.sort_by(f64::total_cmp);
    let n = v.len().max(1);
    let total_bytes = *bytes.lock().unwrap();
    Ours {
        fps: v.len() as f64 / elapsed,
        median_ms: v.get(n / 2).copied().unwrap_or(f64::NAN),
        p95_ms: v.get(n * 95 / 100).copied().unwrap_or(f64::NAN),
        mean_kbytes: total_bytes as f64 / n as f64 / 1024.0,
    }
}

/// Median milliseconds of each stage, run one after the other: capture, convert, encode.
fn stages(display: &str, w: u32, h: u32) -> [f64; 3] {
    let mut cap = capture::open(Some(display), ShareTarget::Monitor { index: 0 }).expect("capture");
    let mut cfg = media::vp8::EncoderConfig::screen(w, h);
    cfg.speed = speed();
    cfg.threads = THREADS;
    let mut enc = media::vp8::Encoder::new(cfg).expect("encoder");
    let mut yuv = media::I420Frame::new(w, h);
    let mut t = [Vec::new(), Vec::new(), Vec::new()];
    for i in 0..90 {
        let a = Instant::now();
        let shot = cap.capture().expect("capture");
        let b = Instant::now();
        media::convert::bgra_to_i420(&shot.frame, &mut yuv).expect("convert");
        let c = Instant::now();
        enc.encode(&yuv, i * 16).expect("encode");
        let d = Instant::now();
        for (k, (x, y)) in [(a, b), (b, c), (c, d)].into_iter().enumerate() {
            t[k].push((y - x).as_secs_f64() * 1000.0);
        }
    }
    t.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

/// ffmpeg's frames per second over the same duration; `None` when ffmpeg is missing.
fn ffmpeg(display: &str, w: u32, h: u32, secs: f64) -> Option<f64> {
    let kbps = kbps_for(w, h);
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-loglevel", "info", "-f", "x11grab", "-draw_mouse", "0", "-framerate", "240"])
        .args(["-video_size", &format!("{w}x{h}"), "-t", &format!("{secs}"), "-i", display])
        .args(["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", &speed().to_string(), "-threads", &THREADS.to_string()])
        .args(["-b:v", &format!("{kbps}k"), "-minrate", &format!("{kbps}k"), "-maxrate", &format!("{kbps}k"), "-static-thresh", "1"])
        .args(["-lag-in-frames", "0", "-error-resilient", "1", "-f", "null", "-"])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let log = String::from_utf8_lossy(&out.stderr);
    // The last progress line: "frame= 1234 fps=…".
    let frames = log.rsplit("frame=").next()?.split_whitespace().next()?.parse::<f64>().ok()?;
    Some(frames / secs)
}

fn main() {
    let quick = report::quick();
    let secs: f64 = std::env::var("SECONDS_PER_RUN").ok().and_then(|s| s.parse().ok()).unwrap_or(if quick { 3.0 } else { 8.0 });
    println!(
        "screen pipeline benchmark: VP8 speed {},  {THREADS} threads, CBR, scrolling content at {STEP_HZ} steps/s, {secs} s per run",
        speed()
    );
    println!(
        "{:<10} {:>9} {:>10} {:>7} {:>10} {:>8} {:>9} | {:>9} {:>10} {:>8}",
        "size", "ours fps", "ffmpeg fps", "ratio", "median ms", "p95 ms", "KiB/frame", "60fps: fps", "median ms", "p95 ms"
    );
    let sizes: Vec<(u32, u32)> = match std::env::var("ONLY").as_deref() {
        Ok("1080") => vec![(1920, 1080)],
        Ok("720") => vec![(1280, 720)],
        _ => vec![(1920, 1080), (1280, 720)],
    };
    for (w, h) in sizes {
        let x = test_support::Xvfb::start(w as u16, h as u16);
        let stop = Arc::new(AtomicBool::new(false));
        let anim = animate(x.display.clone(), w as u16, h as u16, stop.clone());
        std::thread::sleep(Duration::from_millis(500));
        let ff = ffmpeg(&x.display, w, h, secs);
        let o = ours(&x.display, w, h, secs, None);
        let paced = ours(&x.display, w, h, secs, Some(60));
        let st = stages(&x.display, w, h);
        stop.store(true, Ordering::Relaxed);
        let steps = anim.join().unwrap_or(0);
        let ratio = ff.map(|f| format!("{:.2}×", o.fps / f)).unwrap_or_else(|| "n/a".into());
        println!(
            "{:<10} {:>9.1} {:>10} {:>7} {:>10.2} {:>8.2} {:>9.1} | {:>10.1} {:>10.2} {:>8.2}",
            format!("{w}x{h}"),
            o.fps,
            ff.map(|f| format!("{f:.1}")).unwrap_or_else(|| "missing".into()),
            ratio,
            o.median_ms,
            o.p95_ms,
            o.mean_kbytes,
            paced.fps,
            paced.median_ms,
            paced.p95_ms
        );
        println!(
            "  stages, one after the other (median ms): capture {:.2}, convert {:.2}, encode {:.2}; animation ran {steps} steps",
            st[0], st[1], st[2]
        );
        let size = format!("{w}x{h}");
        let fps_met = ff.is_none_or(|f| o.fps >= f) && (h < 1080 || o.fps >= 60.0);
        let fps_target = if h >= 1080 { ">= 1.0x ffmpeg and >= 60 fps" } else { ">= 1.0x ffmpeg" };
        let figure = |name: &str, value: f64, unit: &'static str| {
            report::Figure { group: "screen_pipeline", name: &format!("{size} {name}"), value, unit, baseline: None, target: None }.print()
        };
        report::Figure {
            group: "screen_pipeline",
            name: &format!("{size} capture+encode frames per second"),
            value: o.fps,
            unit: "fps",
            baseline: ff.map(|f| ("ffmpeg x11grab + libvpx, same settings", f)),
            target: Some((fps_target, fps_met)),
        }
        .print();
        report::Figure {
            group: "screen_pipeline",
            name: &format!("{size} capture to encoded, median"),
            value: o.median_ms,
            unit: "ms",
            baseline: None,
            target: Some(("< 15 ms", o.median_ms < 15.0)),
        }
        .print();
        figure("capture to encoded, p95", o.p95_ms, "ms");
        figure("paced at 60 fps: frames per second", paced.fps, "fps");
        figure("paced at 60 fps: median latency", paced.median_ms, "ms");
    }
}
