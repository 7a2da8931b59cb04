//! Benchmark (not a test): the agent's footprint and the time to the first picture.
//!
//!     cargo bench -p agent --bench footprint
//!
//! Starts signaling, a 1920×1080 Xvfb with a still picture, the release agent joined by code,
//! and a CSR peer (the Rust test console). Prints the agent's binary size, its memory and CPU
//! while idle in the session and while sharing the still 1080p screen, beside `ffmpeg -f x11grab
//! -framerate 30 … -c:v libvpx -deadline realtime` capturing the same screen for the same time
//! (what a naive "grab and encode every frame" sharer costs); and the time from the customer's
//! grant to the first decoded picture at the CSR, and from `agent join` to the roster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;
use test_support as xtest;
use test_support::bench_report as report;

use common::console::Seen;
use common::*;
use protocol::media::ShareTarget;
use protocol::peer::PeerMessage;
use protocol::Capability;
use std::time::{Duration, Instant};

/// Length of each measuring window (3 s in a quick run).
fn seconds() -> u64 {
    if report::quick() {
        3
    } else {
        10
    }
}

/// User+system CPU seconds of a process so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// CPU share of one core used by `pid` over `secs`.
async fn cpu_over(pid: u32, secs: u64) -> f64 {
    let before = cpu_seconds(pid);
    tokio::time::sleep(Duration::from_secs(secs)).await;
    (cpu_seconds(pid) - before) / secs as f64 * 100.0
}

/// ffmpeg grabbing and encoding the same screen at 30 fps: CPU % of one core, peak RSS KiB.
fn ffmpeg_baseline(display: &str) -> Option<(f64, u64)> {
    let mut child = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "fatal", "-f", "x11grab", "-draw_mouse", "0", "-framerate", "30", "-video_size", "1920x1080"])
        .args([
            "-t",
            &seconds().to_string(),
            "-i",
            display,
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            &media::vp8::SCREEN_SPEED.to_string(),
            "-threads",
            "2",
        ])
        .args(["-b:v", "2500k", "-f", "null", "-"])
        .stdin(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let pid = child.id();
    let start = Instant::now();
    let (mut cpu, mut peak) = (0.0, 0);
    while child.try_wait().ok()?.is_none() {
        cpu = cpu_seconds(pid).max(cpu);
        peak = rss_kib(pid, "VmHWM:").max(peak);
        std::thread::sleep(Duration::from_millis(200));
    }
    Some((cpu / start.elapsed().as_secs_f64() * 100.0, peak))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let x = xtest::Xvfb::start(1920, 1080);
    let painter = xtest::draw::Painter::connect(&x.display);
    painter.quadrants(painter.root, 0, 0, 1920, 1080);

    // A first start builds the release signaling binary when missing: not part of the figure.
    drop(common::signaling::Signaling::start(&[]).await);
    let joined = Instant::now();
    let mut l = live_with(&[], &[("DISPLAY", x.display.as_str())]).await;
    let join_to_roster = joined.elapsed();
    let pid = l.agent.pid();
    let size = std::fs::metadata(AGENT).map(|m| m.len()).unwrap_or(0);

    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_cpu = cpu_over(pid, 5).await;
    let idle_rss = rss_kib(pid, "VmRSS:");

    l.alice.ask(&l.customer, Capability::ScreenView, "view").await;
    l.agent.expect("asks to see your screen");
    let granted = Instant::now();
    l.agent.type_line("y");
    l.alice.answer("view").await;
    l.alice.start_share(&l.customer, Capability::ScreenView, ShareTarget::Monitor { index: 0 }).await;
    l.alice.peer_msg("renegotiation asked", |m| matches!(m, PeerMessage::RenegotiationNeeded).then_some(())).await;
    l.alice.renegotiate().await;
    l.alice.until("the first picture", |s| matches!(s, Seen::VideoFrame(..)).then_some(())).await;
    let grant_to_picture = granted.elapsed();

    tokio::time::sleep(Duration::from_secs(1)).await;
    let share_cpu = cpu_over(pid, seconds()).await;
    let share_rss = rss_kib(pid, "VmRSS:");
    let peak_rss = rss_kib(pid, "VmHWM:");
    let ffmpeg = ffmpeg_baseline(&x.display);

    println!("agent footprint (release build, 1920x1080 still screen, {} s windows)", seconds());
    println!("  binary size                      {:>8.1} MiB", size as f64 / 1048576.0);
    println!("  idle in a session: CPU           {idle_cpu:>8.2} % of one core, RSS {:.1} MiB", idle_rss as f64 / 1024.0);
    println!(
        "  sharing the still screen: CPU    {share_cpu:>8.2} % of one core, RSS {:.1} MiB (peak {:.1} MiB)",
        share_rss as f64 / 1024.0,
        peak_rss as f64 / 1024.0
    );
    match ffmpeg {
        Some((cpu, peak)) => println!(
            "  ffmpeg x11grab+libvpx, 30 fps:   {cpu:>8.2} % of one core, peak RSS {:.1} MiB  → agent uses {:.2}× its CPU",
            peak as f64 / 1024.0,
            share_cpu / cpu.max(0.01)
        ),
        None => println!("  ffmpeg baseline: ffmpeg missing"),
    }
    println!("  grant → first decoded picture    {:>8.0} ms (Rust CSR peer on loopback)", grant_to_picture.as_secs_f64() * 1000.0);
    println!(
        "  agent join → customer in roster  {:>8.0} ms (signaling start, session, invitation, join by code, CSR peer connected)",
        join_to_roster.as_secs_f64() * 1000.0
    );

    let mib = |kib: u64| kib as f64 / 1024.0;
    let figures = [
        ("binary size (release)", size as f64 / 1048576.0, "MiB", None, None),
        ("idle in a session: CPU", idle_cpu, "% of one core", None, None),
        ("idle in a session: RSS", mib(idle_rss), "MiB", None, None),
        (
            "sharing a still 1080p screen: CPU",
            share_cpu,
            "% of one core",
            ffmpeg.map(|(cpu, _)| ("ffmpeg x11grab+libvpx at 30 fps", cpu)),
            Some(("< 10 % of one core", share_cpu < 10.0)),
        ),
        ("sharing a still 1080p screen: peak RSS", mib(peak_rss), "MiB", ffmpeg.map(|(_, peak)| ("ffmpeg peak RSS", mib(peak))), None),
        ("grant to first decoded picture (Rust CSR, loopback)", grant_to_picture.as_secs_f64() * 1000.0, "ms", None, None),
        ("agent join to customer online (Rust CSR)", join_to_roster.as_secs_f64() * 1000.0, "ms", None, None),
    ];
    for (name, value, unit, baseline, target) in figures {
        report::Figure { group: "agent_footprint", name, value, unit, baseline, target }.print();
    }
}
