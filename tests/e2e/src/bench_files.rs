//! The file-transfer benchmark (`cargo bench -p e2e --bench file_transfer`): one file moved
//! agent ⇄ console through the real console in Chromium and the real agent, beside two
//! Chromiums moving it over a data channel of their own and beside one TCP stream, all on the
//! same link in the same run. `bench/file_transfer.mjs` drives the browsers; this module starts
//! the pieces, runs the TCP reference and prints the figures.

use crate::{binary, ensure_playwright, netns, root, Signaling, PASSWORD};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const MIB: f64 = 1024.0 * 1024.0;

/// Where the bytes travel.
#[derive(Debug, Clone)]
pub enum Link {
    /// Everything on this host's loopback.
    Loopback,
    /// The emulated link of `wan up --name <name>`: the agent, one Chromium of the pair and the
    /// TCP sender in `<name>-a` (10.77.0.1); signaling, the console's Chromium, the other
    /// Chromium and the TCP receiver in `<name>-b` (10.77.0.2).
    Wan(String),
}

impl Link {
    pub fn label(&self) -> &'static str {
        match self {
            Link::Loopback => "loopback",
            Link::Wan(_) => "wan",
        }
    }

    fn side_a(&self) -> Option<String> {
        match self {
            Link::Loopback => None,
            Link::Wan(n) => Some(format!("{n}-a")),
        }
    }

    fn side_b(&self) -> Option<String> {
        match self {
            Link::Loopback => None,
            Link::Wan(n) => Some(format!("{n}-b")),
        }
    }

    fn ip_b(&self) -> &'static str {
        match self {
            Link::Loopback => "127.0.0.1",
            Link::Wan(_) => "10.77.0.2",
        }
    }
}

/// One transfer as `bench/file_transfer.mjs` reported it.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// `agent` (console ⇄ agent) or `c2c` (Chromium ⇄ Chromium).
    pub part: String,
    pub way: String,
    pub bytes: u64,
    /// First to last byte at the receiver.
    pub wire_s: f64,
    /// Until the console shows the transfer done (checksums, the agent's sync to disk).
    pub end_to_end_s: Option<f64>,
    /// From the customer's yes until bytes flow (the agent hashing the file it sends).
    pub prepare_s: Option<f64>,
    /// The agent's CPU seconds from the customer's yes to done, and while the bytes flowed.
    pub cpu_s: Option<f64>,
    pub cpu_wire_s: Option<f64>,
    /// CPU seconds of the Chromium processes while the bytes flowed.
    pub browser_cpu_wire_s: Option<f64>,
    /// The agent's peak RSS during the transfer and its RSS before it.
    pub peak_kib: Option<f64>,
    pub idle_rss_kib: Option<f64>,
}

impl Transfer {
    fn parse(line: &str) -> Option<Transfer> {
        let v: Value = serde_json::from_str(line.strip_prefix("RESULT ")?).ok()?;
        let f = |k: &str| v.get(k).and_then(Value::as_f64);
        Some(Transfer {
            part: v.get("part")?.as_str()?.to_owned(),
            way: v.get("way")?.as_str()?.to_owned(),
            bytes: v.get("bytes")?.as_u64()?,
            wire_s: f("wire_s")?,
            end_to_end_s: f("end_to_end_s"),
            prepare_s: f("prepare_s"),
            cpu_s: f("cpu_s"),
            cpu_wire_s: f("cpu_wire_s"),
            browser_cpu_wire_s: f("browser_cpu_wire_s"),
            peak_kib: f("peak_kib"),
            idle_rss_kib: f("idle_rss_kib"),
        })
    }

    pub fn mib_s(&self) -> f64 {
        self.bytes as f64 / MIB / self.wire_s
    }

    /// The browsers' CPU while the bytes flowed, in % of one core.
    fn browser_share(&self) -> f64 {
        self.browser_cpu_wire_s.unwrap_or(0.0) / self.wire_s * 100.0
    }

    /// The browsers' CPU milliseconds per MiB moved.
    fn browser_ms_per_mib(&self) -> f64 {
        self.browser_cpu_wire_s.unwrap_or(0.0) * 1000.0 / (self.bytes as f64 / MIB)
    }
}

/// Builds the release agent and signaling (and `wan` for the emulated link) of this checkout
/// and copies them into `dir`, for [`binary`] to find there (`E2E_BIN_DIR`). The target
/// directory may be shared with other checkouts, whose builds replace
/// `target/release/{agent,signaling}` at any time; the artifacts cargo names for this checkout
/// (`deps/<name>-<hash>`) are its own.
pub fn build_binaries(link: &Link, dir: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let wan = matches!(link, Link::Wan(_)).then_some(["-p", "wan"]).into_iter().flatten();
    let out = Command::new(cargo)
        .args(["build", "--release", "--message-format=json-render-diagnostics", "-p", "signaling", "-p", "agent"])
        .args(wan)
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "cannot build the release agent and signaling");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
        let (Some(exe), Some(name)) = (v["executable"].as_str(), v["target"]["name"].as_str()) else { continue };
        std::fs::copy(exe, dir.join(name)).expect("binary copied");
    }
    for name in ["agent", "signaling"] {
        assert!(dir.join(name).exists(), "cargo named no {name} binary");
    }
    // SAFETY: set before any other thread of this process starts.
    unsafe { std::env::set_var("E2E_BIN_DIR", dir) };
}

/// One TCP stream of `bytes` from side a to side b with congestion control `cc` (the system's
/// default when `None`); returns the seconds from connect to the receiver's last byte.
pub fn tcp_stream(link: &Link, bytes: u64, cc: Option<&str>) -> f64 {
    let listener = netns::within(link.side_b().as_deref(), || TcpListener::bind((link.ip_b(), 0))).expect("TCP listener");
    let addr = listener.local_addr().expect("listener address");
    std::thread::scope(|s| {
        let receiver = s.spawn(move || {
            let (mut c, _) = listener.accept().expect("TCP connection");
            let mut buf = vec![0u8; 256 * 1024];
            let mut got = 0u64;
            while got < bytes {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n as u64,
                }
            }
            assert_eq!(got, bytes, "the TCP stream was cut off");
            Instant::now()
        });
        let started = Instant::now();
        netns::within(link.side_a().as_deref(), || {
            let sock = libc_socket();
            if let Some(cc) = cc {
                // SAFETY: setsockopt on a socket we own, with a buffer of the given length.
                let rc = unsafe {
                    libc::setsockopt(
                        sock.as_raw_fd(),
                        libc::IPPROTO_TCP,
                        libc::TCP_CONGESTION,
                        cc.as_ptr().cast(),
                        cc.len() as libc::socklen_t,
                    )
                };
                assert_eq!(rc, 0, "TCP congestion control {cc}: {}", std::io::Error::last_os_error());
            }
            let sa = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: addr.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from(*ipv4(&addr)).to_be() },
                sin_zero: [0; 8],
            };
            // SAFETY: connects our socket to a valid sockaddr_in of the given size.
            let rc = unsafe {
                libc::connect(
                    sock.as_raw_fd(),
                    (&sa as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            };
            assert_eq!(rc, 0, "TCP connect: {}", std::io::Error::last_os_error());
            let mut c = TcpStream::from(sock);
            let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            let mut left = bytes;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                c.write_all(&block[..n]).expect("TCP send");
                left -= n as u64;
            }
        });
        let ended = receiver.join().expect("TCP receiver");
        ended.duration_since(started).as_secs_f64()
    })
}

/// A new IPv4 TCP socket (the congestion control is chosen before connecting).
fn libc_socket() -> OwnedFd {
    // SAFETY: socket() returns a new descriptor or -1; a valid one is owned from here on.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "TCP socket: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` is a fresh descriptor nobody else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn ipv4(addr: &std::net::SocketAddr) -> &std::net::Ipv4Addr {
    match addr {
        std::net::SocketAddr::V4(a) => a.ip(),
        std::net::SocketAddr::V6(_) => panic!("the links are IPv4"),
    }
}

/// A shell script that runs `program` inside `netns`, for programs started by the node script
/// (Playwright's `executablePath`, the agent); `program` itself when `None`.
fn wrapper(dir: &Path, name: &str, netns: Option<&str>, program: &Path) -> String {
    let Some(ns) = netns else { return program.display().to_string() };
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\nexec ip netns exec {ns} {} \"$@\"\n", program.display())).expect("wrapper written");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("wrapper made executable");
    path.display().to_string()
}

/// Runs `bench/file_transfer.mjs` (`parts`: `agent`, `c2c` or both) against fresh signaling on
/// `link`; returns its transfers, or its output when it failed.
pub fn browser_transfers(link: &Link, bytes: u64, parts: &str) -> Result<Vec<Transfer>, String> {
    let e2e = root().join("tests/e2e");
    ensure_playwright(&e2e);
    let side_b = link.side_b();
    let place = side_b.as_deref().map(|ns| (ns, link.ip_b()));
    let sig = Signaling::start_in(place, &[], &[]);
    let work = tempfile::tempdir().expect("work dir");
    let chromium = Path::new("/usr/bin/chromium");
    let agent = wrapper(work.path(), "agent.sh", link.side_a().as_deref(), &binary("agent"));
    let chromium_a = wrapper(work.path(), "chromium-a.sh", link.side_a().as_deref(), chromium);
    let chromium_b = wrapper(work.path(), "chromium-b.sh", side_b.as_deref(), chromium);
    let mut child = Command::new("node")
        .arg(e2e.join("bench/file_transfer.mjs"))
        .current_dir(&e2e)
        .env("E2E_BASE", &sig.base)
        .env("E2E_AGENT", agent)
        .env("E2E_PASSWORD", PASSWORD)
        .env("E2E_WORK", work.path())
        .env("E2E_CHROMIUM", &chromium_b)
        .env("BENCH_CHROMIUM_A", chromium_a)
        .env("BENCH_CHROMIUM_B", &chromium_b)
        .env("BENCH_BYTES", bytes.to_string())
        .env("BENCH_PARTS", parts)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("node runs (./tests/run.sh installs nodejs): {e}"))?;
    // The script's own lines go to stderr as they come, so a long run shows its progress.
    let mut out = String::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.unwrap_or_default();
        eprintln!("  │ {line}");
        out.push_str(&line);
        out.push('\n');
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() || !out.contains("SCENARIO PASSED") {
        return Err(format!("the browser part failed ({status}):\n{out}\n--- signaling log:\n{}", sig.log()));
    }
    Ok(out.lines().filter_map(Transfer::parse).collect())
}

/// One `BENCH {json}` line (the suite's convention).
pub fn bench_line(group: &str, name: &str, value: f64, unit: &str, baseline: Option<(&str, f64)>, target: Option<(&str, bool)>) {
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let ratio = baseline.map(|(_, b)| round(value / b));
    let line = json!({
        "group": group, "name": name, "value": round(value), "unit": unit,
        "baseline": baseline.map(|b| b.0), "baseline_value": baseline.map(|b| round(b.1)), "ratio": ratio,
        "target": target.map(|t| t.0), "met": target.map(|t| t.1),
    });
    println!("BENCH {line}");
}

/// Prints the table and the `BENCH` lines of one run.
pub fn report(link: &Link, bytes: u64, tcp_s: f64, cubic_s: f64, transfers: &[Transfer]) {
    let group = format!("file_transfer_{}", link.label());
    let tcp = bytes as f64 / MIB / tcp_s;
    let cubic = bytes as f64 / MIB / cubic_s;
    let default_cc = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_congestion_control").unwrap_or_default();
    let find = |part: &str, way: &str| transfers.iter().find(|t| t.part == part && t.way == way);
    let wan = matches!(link, Link::Wan(_));
    println!("\nfile transfer over data channels, {} MiB, link {}", bytes / (1 << 20), link.label());
    println!("  {:<34} {:>9} {:>9} {:>10} {:>10} {:>10}", "", "MiB/s", "× C⇄C", "× TCP", "e2e MiB/s", "prepare s");
    println!("  {:<34} {:>9.1}", format!("TCP stream ({}, the default)", default_cc.trim()), tcp);
    println!("  {:<34} {:>9.1}", "TCP stream (cubic)", cubic);
    bench_line(&group, "tcp_stream", tcp, "MiB/s", None, None);
    bench_line(&group, "tcp_stream_cubic", cubic, "MiB/s", None, None);
    // The Chromium pair's way that matches each agent way (same sides of the link).
    for (way, c2c_way, label) in [("agent_to_console", "a_to_b", "agent → console"), ("console_to_agent", "b_to_a", "console → agent")]
    {
        // The Chromium pair is left out with BENCH_PARTS=agent: figures without a ratio then.
        let c2c = find("c2c", c2c_way).map(|c| {
            let c2c = c.mib_s();
            println!(
                "  {:<34} {:>9.1} {:>9} {:>10.2}   (the two Chromiums: {:.0} % of one core, {:.1} ms/MiB)",
                format!("Chromium ⇄ Chromium ({c2c_way})"),
                c2c,
                "",
                c2c / tcp,
                c.browser_share(),
                c.browser_ms_per_mib()
            );
            bench_line(&group, &format!("chromium_pair_{c2c_way}_cpu"), c.browser_ms_per_mib(), "ms/MiB", None, None);
            bench_line(&group, &format!("chromium_pair_{c2c_way}"), c2c, "MiB/s", Some(("tcp_stream", tcp)), None);
            c2c
        });
        let Some(t) = find("agent", way) else { continue };
        let v = t.mib_s();
        let e2e = t.end_to_end_s.map_or(0.0, |s| t.bytes as f64 / MIB / s);
        let pair = format!("chromium_pair_{c2c_way}");
        let pair = c2c.map(|c| (pair.as_str(), c));
        let ratio = c2c.map_or(f64::NAN, |c| v / c);
        println!("  {:<34} {:>9.1} {:>9.2} {:>10.2} {:>10.1} {:>10.2}", label, v, ratio, v / tcp, e2e, t.prepare_s.unwrap_or(0.0));
        bench_line(&group, way, v, "MiB/s", pair, c2c.map(|c| ("≥ 1.0× Chromium ⇄ Chromium", v >= c)));
        let tcp_target = wan.then_some(("≥ 0.8× TCP stream on the same link", v >= 0.8 * tcp));
        bench_line(&group, &format!("{way}_vs_tcp"), v, "MiB/s", Some(("tcp_stream", tcp)), tcp_target);
        bench_line(&group, &format!("{way}_vs_tcp_cubic"), v, "MiB/s", Some(("tcp_stream_cubic", cubic)), None);
        bench_line(&group, &format!("{way}_end_to_end"), e2e, "MiB/s", pair, None);
        let mib = t.bytes as f64 / MIB;
        let cpu_ms = t.cpu_s.unwrap_or(0.0) * 1000.0 / mib;
        let core = t.cpu_wire_s.unwrap_or(0.0) / t.wire_s * 100.0;
        let peak = t.peak_kib.unwrap_or(0.0) / 1024.0;
        println!(
            "    agent CPU {cpu_ms:.2} ms/MiB ({:.1} s in all), {core:.0} % of one core while bytes flow (the console's Chromium {:.0} %, {:.1} ms/MiB); peak RSS {peak:.1} MiB (idle {:.1} MiB)",
            t.cpu_s.unwrap_or(0.0),
            t.browser_share(),
            t.browser_ms_per_mib(),
            t.idle_rss_kib.unwrap_or(0.0) / 1024.0
        );
        bench_line(&group, &format!("{way}_agent_cpu"), cpu_ms, "ms/MiB", None, None);
        bench_line(&group, &format!("{way}_console_chromium_cpu"), t.browser_ms_per_mib(), "ms/MiB", None, None);
        bench_line(
            &group,
            &format!("{way}_agent_core_share"),
            core,
            "% of one core",
            None,
            Some(("< 100 % (not the bottleneck)", core < 100.0)),
        );
        bench_line(&group, &format!("{way}_agent_peak_rss"), peak, "MiB", None, Some(("< 64 MiB", peak < 64.0)));
    }
}

/// The emulated link, brought down (SIGTERM, then `wan down`) on drop.
pub struct Wan {
    child: std::process::Child,
    name: String,
}

impl Drop for Wan {
    fn drop(&mut self) {
        // SAFETY: signals our own child by its pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
        let _ = Command::new(binary("wan")).args(["down", "--name", &self.name]).stderr(Stdio::null()).status();
    }
}

/// Starts `wan up` for `link` (nothing on loopback, nor when `BENCH_WAN_UP=0`) and waits until
/// it says `ready` (both namespaces reach each other).
pub fn wan_up(link: &Link) -> Option<Wan> {
    let Link::Wan(name) = link else { return None };
    if std::env::var("BENCH_WAN_UP").is_ok_and(|v| v == "0") {
        return None;
    }
    // Leftovers of a killed run would make `up` fail.
    let _ = Command::new(binary("wan")).args(["down", "--name", name]).stderr(Stdio::null()).status();
    let args = std::env::var("BENCH_WAN_ARGS").unwrap_or_else(|_| "--delay-ms 20 --loss 0.005 --rate-mbit 200".into());
    eprintln!("wan up --name {name} {args}");
    let mut child = Command::new(binary("wan"))
        .args(["up", "--name", name])
        .args(args.split_whitespace())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the wan tool (tests/wan) runs");
    let stdout = child.stdout.take().expect("stdout");
    let wan = Wan { child, name: name.clone() };
    let ready = BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.trim() == "ready");
    assert!(ready, "wan up did not get ready");
    // Chromium gathers no host candidate at all without a default route (it looks for the
    // interface that route uses); the link is the only way out of each namespace anyway.
    for side in ["a", "b"] {
        let ok = netns::command(Some(&format!("{name}-{side}")), "ip")
            .args(["route", "replace", "default", "dev", "wan0"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot add a default route in {name}-{side}");
    }
    Some(wan)
}
