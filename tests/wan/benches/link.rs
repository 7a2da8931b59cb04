//! Benchmark (not a test): what the emulated WAN of `wan up` really does, measured through it
//! with real sockets. It measures the round-trip time and one-way loss (UDP echo), a single TCP
//! stream's goodput (cubic and bbr, 0.5 % loss), the goodput on a loss-free link (to show the
//! rate limit), and the emulator's CPU use and timing error.
//!
//!     cargo bench -p wan --bench link                  # needs root; ~2 min
//!     BENCH_MODE=quick cargo bench -p wan --bench link  # ~30 s
//!
//! It prints a table on stderr and one `BENCH {json}` line per figure on stdout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::Wan;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wan::netns::within;
use wan::{ADDR_A, ADDR_B};

const DELAY_MS: f64 = 20.0;
const LOSS: f64 = 0.005;
const RATE_MBIT: f64 = 200.0;
/// TCP payload per 1500-byte packet (IPv4 + TCP with timestamps: 52 bytes of headers).
const MSS: f64 = 1448.0;

struct Sizes {
    probes: u32,
    probe_gap: Duration,
    stream: Duration,
}

fn sizes() -> Sizes {
    if std::env::var("BENCH_MODE").is_ok_and(|m| m == "quick") {
        Sizes { probes: 2_000, probe_gap: Duration::from_millis(1), stream: Duration::from_secs(5) }
    } else {
        Sizes { probes: 10_000, probe_gap: Duration::from_millis(1), stream: Duration::from_secs(20) }
    }
}

/// Results of a UDP echo run from side a to side b and back.
struct Echo {
    rtts_ms: Vec<f64>,
    loss_ab: f64,
    loss_ba: f64,
}

fn udp_echo(wan: &Wan, probes: u32, gap: Duration) -> Echo {
    let server = within(&wan.b(), || UdpSocket::bind(SocketAddr::from((ADDR_B, 0)))).unwrap();
    let client = within(&wan.a(), || UdpSocket::bind(SocketAddr::from((ADDR_A, 0)))).unwrap();
    let to = server.local_addr().unwrap();
    // Room for seconds of probes: this machine's scheduler can stall the echo threads.
    set_receive_buffer(&server, 4 << 20);
    set_receive_buffer(&client, 4 << 20);
    server.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    client.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let echoing = done.clone();
    let echoer = std::thread::spawn(move || {
        let (mut buf, mut count) = ([0u8; 64], 0u32);
        while !echoing.load(Ordering::Relaxed) {
            if let Ok((n, from)) = server.recv_from(&mut buf) {
                count += 1;
                let _ = server.send_to(&buf[..n], from);
            }
        }
        count
    });
    let base = Instant::now();
    let replies = client.try_clone().unwrap();
    let collecting = done.clone();
    let collector = std::thread::spawn(move || {
        let (mut buf, mut rtts) = ([0u8; 64], Vec::new());
        while !collecting.load(Ordering::Relaxed) {
            if let Ok(16) = replies.recv(&mut buf) {
                let sent = u64::from_be_bytes(buf[8..16].try_into().unwrap());
                rtts.push((base.elapsed().as_nanos() as u64 - sent) as f64 / 1e6);
            }
        }
        rtts
    });
    for i in 0..probes {
        let due = base + gap * i;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let mut probe = [0u8; 16];
        probe[..8].copy_from_slice(&u64::from(i).to_be_bytes());
        probe[8..].copy_from_slice(&(base.elapsed().as_nanos() as u64).to_be_bytes());
        client.send_to(&probe, to).unwrap();
    }
    // Everything in flight arrives within one RTT (plus a margin for a busy machine).
    std::thread::sleep(Duration::from_millis(500));
    done.store(true, Ordering::Relaxed);
    let (at_b, rtts) = (echoer.join().unwrap(), collector.join().unwrap());
    Echo { loss_ab: 1.0 - at_b as f64 / probes as f64, loss_ba: 1.0 - rtts.len() as f64 / at_b.max(1) as f64, rtts_ms: rtts }
}

/// One TCP stream a → b with congestion control `cc` for `length`; returns the receiver's
/// goodput in Mbit/s (first byte to end of stream).
fn tcp_stream(wan: &Wan, cc: &str, length: Duration) -> f64 {
    let listener = within(&wan.b(), || TcpListener::bind(SocketAddr::from((ADDR_B, 0)))).unwrap();
    let to = listener.local_addr().unwrap();
    let receiver = std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 1 << 20];
        let (mut bytes, mut first) = (0u64, None);
        loop {
            let n = peer.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            first.get_or_insert_with(Instant::now);
            bytes += n as u64;
        }
        bytes as f64 * 8.0 / first.map_or(f64::NAN, |f| f.elapsed().as_secs_f64()) / 1e6
    });
    let mut stream = within(&wan.a(), move || TcpStream::connect_timeout(&to, Duration::from_secs(10))).unwrap();
    set_congestion_control(&stream, cc);
    let chunk = vec![0x5au8; 1 << 16];
    let end = Instant::now() + length;
    while Instant::now() < end {
        stream.write_all(&chunk).unwrap();
    }
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    receiver.join().unwrap()
}

fn set_receive_buffer(socket: &UdpSocket, bytes: libc::c_int) {
    // SAFETY: a valid socket and an int option that outlives the call.
    unsafe {
        let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        libc::setsockopt(socket.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, (&bytes as *const libc::c_int).cast(), size);
    }
}

fn set_congestion_control(stream: &TcpStream, cc: &str) {
    // SAFETY: a valid socket, and a name buffer of the given length that outlives the call.
    let rc = unsafe {
        libc::setsockopt(stream.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_CONGESTION, cc.as_ptr().cast(), cc.len() as libc::socklen_t)
    };
    assert_eq!(rc, 0, "TCP congestion control {cc} unavailable: {}", std::io::Error::last_os_error());
}

/// Runs `f`, returning its result and the emulator's CPU use meanwhile in % of one core.
fn with_cpu<T>(wan: &Wan, f: impl FnOnce() -> T) -> (T, f64) {
    let (cpu, wall) = (wan.cpu_seconds(), Instant::now());
    let out = f();
    (out, (wan.cpu_seconds() - cpu) / wall.elapsed().as_secs_f64() * 100.0)
}

/// How late the a → b direction wrote packets, from wan's exit report.
struct Lateness {
    mean_us: f64,
    max_us: f64,
    over_1ms_pct: f64,
}

fn lateness(log: &[String]) -> Lateness {
    let line = log.iter().find(|l| l.starts_with("wan: a→b:")).map_or("", |l| l.as_str());
    let number_before = |marker: &str| {
        let head = &line[..line.find(marker).unwrap_or(0)];
        head.rsplit([' ', '(']).find(|w| !w.is_empty()).and_then(|w| w.parse::<f64>().ok()).unwrap_or(f64::NAN)
    };
    let delivered = number_before(" delivered");
    Lateness {
        mean_us: number_before(" µs on average"),
        max_us: number_before(" µs at most"),
        over_1ms_pct: number_before(" over 1 ms") / delivered * 100.0,
    }
}

/// The hypervisor's steal time and the total CPU time so far (jiffies of all CPUs, /proc/stat).
fn steal_and_total() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu: Vec<f64> = stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    (cpu.get(7).copied().unwrap_or(f64::NAN), cpu.iter().take(8).sum())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(f64::NAN)
}

struct Figure<'a> {
    name: &'a str,
    value: f64,
    unit: &'a str,
    baseline: Option<(&'a str, f64)>,
    target: Option<(&'a str, bool)>,
}

fn print(figures: &[Figure]) {
    let text = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let num = |v: f64| if v.is_finite() { format!("{v:.3}") } else { "null".into() };
    eprintln!("\n{:<34} {:>10} {:<10} {:<36} {:>8}  target", "figure", "value", "unit", "baseline", "ratio");
    for f in figures {
        let (b, bv, ratio) = f.baseline.map_or(("null".into(), "null".into(), "null".into()), |(n, v)| (text(n), num(v), num(f.value / v)));
        let (t, met) = f.target.map_or(("null".into(), "null".into()), |(t, m)| (text(t), m.to_string()));
        println!(
            "BENCH {{\"group\":\"wan\",\"name\":{},\"value\":{},\"unit\":{},\"baseline\":{b},\"baseline_value\":{bv},\"ratio\":{ratio},\"target\":{t},\"met\":{met}}}",
            text(f.name),
            num(f.value),
            text(f.unit)
        );
        let base = f.baseline.map_or(String::new(), |(n, v)| format!("{n} = {v:.2}"));
        let target = f.target.map_or(String::new(), |(t, m)| format!("{t}: {}", if m { "met" } else { "MISSED" }));
        let ratio = f.baseline.map_or(String::new(), |(_, v)| format!("{:.3}", f.value / v));
        eprintln!("{:<34} {:>10.2} {:<10} {:<36} {:>8}  {target}", f.name, f.value, f.unit, base, ratio);
    }
}

fn main() {
    let sizes = sizes();
    let rtt = 2.0 * DELAY_MS;
    let (delay, loss, rate) = (DELAY_MS.to_string(), LOSS.to_string(), RATE_MBIT.to_string());
    let link = ["--delay-ms", &delay, "--loss", &loss, "--rate-mbit", &rate, "--queue-ms", "50"];

    eprintln!("wan bench: link {rtt} ms RTT, {} % loss, {RATE_MBIT} Mbit/s each way", LOSS * 100.0);
    let mut lossy = Wan::up(&link);
    let echo = udp_echo(&lossy, sizes.probes, sizes.probe_gap);
    let (cubic, cpu_lossy) = with_cpu(&lossy, || tcp_stream(&lossy, "cubic", sizes.stream));
    let bbr = tcp_stream(&lossy, "bbr", sizes.stream);
    lossy.terminate();

    eprintln!("wan bench: the same link without loss");
    let clean_link = [&link[..2], &["--loss", "0"], &link[4..]].concat();
    let mut clean = Wan::up(&clean_link);
    let (steal_before, total_before) = steal_and_total();
    let (clean_cubic, cpu_clean) = with_cpu(&clean, || tcp_stream(&clean, "cubic", sizes.stream));
    let (steal_after, total_after) = steal_and_total();
    let steal = (steal_after - steal_before) / (total_after - total_before) * 100.0;
    clean.terminate();
    let late = lateness(&clean.log());

    let mut rtts = echo.rtts_ms;
    rtts.sort_by(f64::total_cmp);
    let (median, p99) = (percentile(&rtts, 0.5), percentile(&rtts, 0.99));
    let mathis = MSS * 8.0 / (rtt / 1e3) * (1.5f64).sqrt() / LOSS.sqrt() / 1e6;
    let max_goodput = RATE_MBIT * MSS / 1500.0;
    let (loss_pct, loss_ab, loss_ba) = (LOSS * 100.0, echo.loss_ab * 100.0, echo.loss_ba * 100.0);
    // One-way loss over n probes has a standard deviation of √(p/n); 4 of them is the tolerance.
    let loss_tol = 4.0 * (LOSS / sizes.probes as f64).sqrt() * 100.0;
    let loss_target = format!("{loss_pct} % ± {loss_tol:.2}");
    print(&[
        Figure {
            name: "rtt_median",
            value: median,
            unit: "ms",
            baseline: Some(("configured RTT", rtt)),
            target: Some(("≥ 40 ms, ≤ 41 ms", (rtt..=rtt + 1.0).contains(&median))),
        },
        Figure { name: "rtt_p99", value: p99, unit: "ms", baseline: Some(("configured RTT", rtt)), target: None },
        Figure {
            name: "loss_a_to_b",
            value: loss_ab,
            unit: "%",
            baseline: Some(("configured loss", loss_pct)),
            target: Some((&loss_target, (loss_ab - loss_pct).abs() <= loss_tol)),
        },
        Figure {
            name: "loss_b_to_a",
            value: loss_ba,
            unit: "%",
            baseline: Some(("configured loss", loss_pct)),
            target: Some((&loss_target, (loss_ba - loss_pct).abs() <= loss_tol)),
        },
        Figure {
            name: "tcp_cubic_goodput_lossy",
            value: cubic,
            unit: "Mbit/s",
            baseline: Some(("Mathis model MSS/RTT·√1.5/√p", mathis)),
            target: None,
        },
        Figure {
            name: "tcp_bbr_goodput_lossy",
            value: bbr,
            unit: "Mbit/s",
            baseline: Some(("Mathis model MSS/RTT·√1.5/√p", mathis)),
            target: None,
        },
        Figure {
            name: "tcp_cubic_goodput_no_loss",
            value: clean_cubic,
            unit: "Mbit/s",
            baseline: Some(("link rate × 1448/1500", max_goodput)),
            target: Some(("≥ 90 % of the link's goodput", clean_cubic >= 0.9 * max_goodput)),
        },
        Figure {
            name: "emulator_cpu_at_link_rate",
            value: cpu_clean,
            unit: "% core",
            baseline: None,
            target: Some(("< 50 % of a core at 200 Mbit/s", cpu_clean < 50.0)),
        },
        Figure { name: "emulator_cpu_lossy_cubic", value: cpu_lossy, unit: "% core", baseline: None, target: None },
        Figure { name: "emulator_late_mean_at_link_rate", value: late.mean_us, unit: "µs", baseline: None, target: None },
        Figure { name: "emulator_late_max_at_link_rate", value: late.max_us, unit: "µs", baseline: None, target: None },
        Figure {
            name: "emulator_late_over_1ms_at_link_rate",
            value: late.over_1ms_pct,
            unit: "% packets",
            baseline: None,
            target: Some(("< 1 % of packets", late.over_1ms_pct < 1.0)),
        },
        Figure { name: "vm_steal_at_link_rate", value: steal, unit: "% cpu", baseline: None, target: None },
    ]);
}
