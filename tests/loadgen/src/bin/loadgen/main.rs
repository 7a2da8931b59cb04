//! The load generator of the signaling scale bench: a separate process that sets up sessions
//! over HTTP (signaling only), opens one WebSocket per participant from 127.0.0.x source
//! addresses, reads the server's memory while they idle, then relays ICE candidates between
//! the two participants of every session at a fixed rate and measures the time each takes to
//! reach its addressee. Prints one `REPORT {json}` line (see `loadgen::Report`).
//!
//!     LOADGEN_PASSWORD=… loadgen signaling --base http://127.0.0.1:8080 --server-pid 1234 --sessions 5000
//!     loadgen floor --base http://127.0.0.1:9000 --server-pid 1235 --sessions 5000
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod peers;
mod relay;
mod setup;

use clap::{Parser, ValueEnum};
use loadgen::sys::rss_kib;
use loadgen::Report;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    /// The real signaling service: login, sessions, invitations, joins, `hello` with cookie or token.
    Signaling,
    /// The baseline relay (`relay-floor`).
    Floor,
}

#[derive(Parser)]
struct Args {
    #[arg(value_enum)]
    target: Target,
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    base: String,
    /// The server's process id, for its memory and CPU.
    #[arg(long)]
    server_pid: u32,
    /// Sessions; each has two participants (a CSR and a customer).
    #[arg(long)]
    sessions: usize,
    /// ICE signals per second across all sessions.
    #[arg(long, default_value_t = 2000.0)]
    rate: f64,
    /// Length of the relay phase (the first second is warm-up, not counted).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// The relay phase in this many rounds of equal length.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Print `READY` once idle, then run each round when a `go` line arrives on stdin and print
    /// `DONE` after it: the bench alternates rounds against two servers so that the machine's
    /// other load falls on both alike.
    #[arg(long)]
    paced: bool,
    /// The CSR account that starts every session.
    #[arg(long, default_value = "bench")]
    user: String,
    #[arg(long, env = "LOADGEN_PASSWORD", hide_env_values = true, default_value = "")]
    password: String,
    /// HTTP requests and WebSocket handshakes in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Client source addresses 127.0.0.2 … 127.0.0.(1+N).
    #[arg(long, default_value_t = 16)]
    sources: u8,
}

fn main() {
    let args = Args::parse();
    let nofile = loadgen::sys::raise_nofile();
    if (nofile as usize) < args.sessions * 2 + 64 {
        eprintln!("loadgen: open-files limit {nofile} is below {} participants", args.sessions * 2);
    }
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    match rt.block_on(run(args)) {
        Ok(report) => println!("{}", report.line()),
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(1);
        }
    }
}

async fn run(args: Args) -> Result<Report, String> {
    let pid = args.server_pid;
    let addr: SocketAddr = args.base.trim_start_matches("http://").parse().map_err(|e| format!("--base: {e}"))?;
    let sources: Vec<std::net::Ipv4Addr> = (0..args.sources.max(1)).map(|i| std::net::Ipv4Addr::new(127, 0, 0, 2 + i)).collect();
    let mut r = Report { participants: args.sessions * 2, sessions: args.sessions, rss_start_kib: rss_kib(pid), ..Report::default() };

    let t = Instant::now();
    let participants = match args.target {
        Target::Signaling => {
            let login = setup::Login { base: &args.base, user: &args.user, password: &args.password };
            let (participants, limited) = setup::sessions(&login, args.sessions, args.concurrency, &sources).await?;
            r.rate_limited = limited;
            participants
        }
        Target::Floor => setup::floor_pairs(args.sessions),
    };
    r.setup_secs = if args.target == Target::Signaling { t.elapsed().as_secs_f64() } else { 0.0 };
    tokio::time::sleep(Duration::from_secs(1)).await;
    r.rss_after_setup_kib = rss_kib(pid);

    let total = (args.rate * args.seconds).round() as usize;
    let warmup = (args.rate as usize).min(total / 5);
    let latency = Arc::new(relay::Latency::new(total, warmup));
    let t = Instant::now();
    let mut senders = peers::connect_all(addr, &participants, args.concurrency, &sources, &latency).await?;
    r.connect_secs = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    r.rss_idle_kib = rss_kib(pid);

    r.load_average = loadgen::sys::load_average();
    if args.paced {
        println!("READY");
    }
    let (rounds, mut cpu, mut late, mut round_seqs) = (args.rounds.max(1), 0.0, Vec::new(), Vec::new());
    for k in 0..rounds {
        if args.paced && !go().await {
            break;
        }
        let seqs = total * k / rounds..total * (k + 1) / rounds;
        let round = relay::run(&mut senders, &participants, &latency, seqs.clone(), args.rate, pid).await?;
        r.sent += seqs.len() as u64;
        r.relay_secs += round.secs;
        cpu += round.server_cpu_secs;
        late.extend(round.late_micros);
        round_seqs.push(seqs);
        if args.paced {
            println!("DONE");
        }
    }
    r.server_cpu_percent = cpu / r.relay_secs.max(1e-9) * 100.0;
    late.sort_unstable();
    r.tick_late_p99_us = loadgen::percentile(&late, 99.0);
    r.received = latency.received();
    let samples = latency.sorted_micros(0..total);
    r.round_p99_us = round_seqs.into_iter().map(|seqs| loadgen::percentile(&latency.sorted_micros(seqs), 99.0)).collect();
    let mut p99s = r.round_p99_us.clone();
    p99s.sort_by(f64::total_cmp);
    r.p99_round_median_us = match p99s.len() {
        0 => 0.0,
        n if n % 2 == 0 => (p99s[n / 2 - 1] + p99s[n / 2]) / 2.0,
        n => p99s[n / 2],
    };
    r.p50_us = loadgen::percentile(&samples, 50.0);
    r.p99_us = loadgen::percentile(&samples, 99.0);
    r.max_us = samples.last().copied().unwrap_or(0) as f64;
    r.rss_after_relay_kib = rss_kib(pid);
    Ok(r)
}

/// Waits for a `go` line on stdin; false when stdin closed.
async fn go() -> bool {
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|n| n > 0 && line.trim() == "go").unwrap_or(false)
    });
    line.await.unwrap_or(false)
}
