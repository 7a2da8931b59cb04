//! The driver of one direction: a thread that reads packets from one TUN device, feeds them to
//! its [`Link`] with the time they arrived, and writes them to the other TUN device when due.
//! It sleeps in `ppoll` until the next packet is due or a new one arrives (timer slack 1 ns);
//! the schedule lives in the link, so a late wake-up delays a packet but never the ones after it.

use crate::link::Link;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Below this wait the thread spins instead of sleeping: a sleep costs about as much.
const SPIN: Duration = Duration::from_micros(15);
/// Reads per wake-up at most, so that a flood on the source cannot hold back due packets.
const MAX_READS: usize = 256;
/// The longest sleep, so that a stop request is seen promptly on an idle link.
const MAX_SLEEP: Duration = Duration::from_millis(100);

/// SCHED_FIFO priority of the forwarding threads (1–99; low, below kernel threads such as
/// interrupt handlers at 50).
const REALTIME_PRIORITY: i32 = 10;

/// What one direction did so far, readable while it runs.
#[derive(Debug, Default)]
pub struct Counters {
    pub offered: AtomicU64,
    pub lost: AtomicU64,
    pub queue_full: AtomicU64,
    pub delivered: AtomicU64,
    pub delivered_bytes: AtomicU64,
    /// Writes the destination refused (its backlog was full); such packets are gone.
    pub write_errors: AtomicU64,
    /// Sum and maximum of how late packets were written compared to their due time.
    pub late_ns_sum: AtomicU64,
    pub late_ns_max: AtomicU64,
    /// Packets written more than 100 µs and more than 1 ms after they were due.
    pub late_over_100us: AtomicU64,
    pub late_over_1ms: AtomicU64,
}

/// The two TUN devices one direction joins.
pub struct Ends {
    pub src: Arc<File>,
    pub dst: Arc<File>,
}

/// Starts forwarding `src` → `dst` through `link` until `stop` is set. Packets are written up to
/// `coalesce` after they are due, so that one wake-up writes several (fewer context switches);
/// never before.
pub fn spawn(
    name: &str,
    ends: Ends,
    link: Link<Vec<u8>>,
    coalesce: Duration,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    let direction = Direction { src: ends.src, dst: ends.dst, link, coalesce, counters, pool: Vec::new() };
    std::thread::Builder::new().name(name.to_string()).spawn(move || direction.run(&stop)).expect("spawning a forwarding thread")
}

struct Direction {
    src: Arc<File>,
    dst: Arc<File>,
    link: Link<Vec<u8>>,
    coalesce: Duration,
    counters: Arc<Counters>,
    /// Buffers of delivered packets, reused for the next ones.
    pool: Vec<Vec<u8>>,
}

impl Direction {
    fn run(mut self, stop: &AtomicBool) {
        set_precise_timing();
        let mut buf = vec![0u8; 65536];
        let mut late = Lateness::default();
        while !stop.load(Relaxed) {
            let now = Instant::now();
            while let Some(due) = self.link.next_due().filter(|d| *d <= now) {
                late.record(now - due);
                let packet = self.link.poll(now).expect("a packet is due");
                if (&*self.dst).write(&packet).is_err() {
                    self.counters.write_errors.fetch_add(1, Relaxed);
                }
                self.pool.push(packet);
            }
            if let Err(e) = self.read_available(&mut buf) {
                eprintln!("wan: reading a TUN device failed, forwarding stops: {e}");
                return;
            }
            self.publish(&late);
            let wait = self.link.next_due().map_or(MAX_SLEEP, |d| (d + self.coalesce).saturating_duration_since(Instant::now()));
            if wait >= SPIN {
                wait_readable(self.src.as_raw_fd(), wait.min(MAX_SLEEP));
            } else {
                std::hint::spin_loop();
            }
        }
    }

    /// Offers the packets waiting on the source device (up to [`MAX_READS`]) to the link.
    fn read_available(&mut self, buf: &mut [u8]) -> io::Result<()> {
        for _ in 0..MAX_READS {
            let n = match (&*self.src).read(buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let mut packet = self.pool.pop().unwrap_or_default();
            packet.clear();
            packet.extend_from_slice(&buf[..n]);
            self.link.offer(Instant::now(), packet);
        }
        Ok(())
    }

    fn publish(&self, late: &Lateness) {
        let stats = self.link.stats();
        self.counters.offered.store(stats.offered, Relaxed);
        self.counters.lost.store(stats.lost, Relaxed);
        self.counters.queue_full.store(stats.queue_full, Relaxed);
        self.counters.delivered.store(stats.delivered, Relaxed);
        self.counters.delivered_bytes.store(stats.delivered_bytes, Relaxed);
        self.counters.late_ns_sum.store(late.sum_ns, Relaxed);
        self.counters.late_ns_max.store(late.max_ns, Relaxed);
        self.counters.late_over_100us.store(late.over_100us, Relaxed);
        self.counters.late_over_1ms.store(late.over_1ms, Relaxed);
    }
}

/// How late packets were written, kept by the forwarding thread and published to [`Counters`].
#[derive(Default)]
struct Lateness {
    sum_ns: u64,
    max_ns: u64,
    over_100us: u64,
    over_1ms: u64,
}

impl Lateness {
    fn record(&mut self, late: Duration) {
        let ns = late.as_nanos() as u64;
        self.sum_ns += ns;
        self.max_ns = self.max_ns.max(ns);
        self.over_100us += u64::from(ns > 100_000);
        self.over_1ms += u64::from(ns > 1_000_000);
    }
}

/// Asks for wake-ups on time: 1 ns timer slack, and a low real-time priority so that a busy
/// machine (builds, browsers) does not delay packets by whole scheduler slices. The thread
/// sleeps between packets, so it cannot starve others; without the privilege it runs as usual.
fn set_precise_timing() {
    // SAFETY: both calls only change this thread's scheduling attributes.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong);
        let param = libc::sched_param { sched_priority: REALTIME_PRIORITY };
        let err = libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param);
        if err != 0 {
            eprintln!("wan: no real-time priority ({}), timing may suffer on a busy machine", std::io::Error::from_raw_os_error(err));
        }
    }
}

/// Sleeps until `fd` is readable or `timeout` has passed (nanosecond resolution).
fn wait_readable(fd: i32, timeout: Duration) {
    let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    let ts = libc::timespec { tv_sec: timeout.as_secs() as libc::time_t, tv_nsec: timeout.subsec_nanos() as libc::c_long };
    // SAFETY: one valid pollfd and a timespec that outlive the call; no signal mask change.
    unsafe { libc::ppoll(&mut pfd, 1, &ts, std::ptr::null()) };
}
