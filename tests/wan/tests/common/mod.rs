//! Starts the real `wan up` for a test or benchmark and always tears it down (SIGTERM, then
//! `wan down`). Shared by the tests and by benches/link.rs (`#[path]`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running `wan up`; dropping it stops the emulator and removes its namespaces.
pub struct Wan {
    pub name: String,
    child: Child,
    /// wan's stderr lines (also echoed to ours), complete once it exited.
    log: Arc<Mutex<Vec<String>>>,
    log_reader: Option<JoinHandle<()>>,
}

impl Wan {
    /// Starts `wan up` under a name unique to this process and waits for its "ready".
    pub fn up(args: &[&str]) -> Wan {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("wt{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut child = Command::new(env!("CARGO_BIN_EXE_wan"))
            .args(["up", "--name", &name])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting wan up");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let lines = log.clone();
        let log_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                lines.lock().unwrap().push(line);
            }
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let wan = Wan { name, child, log, log_reader: Some(log_reader) };
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("reading wan's stdout");
        assert_eq!(line.trim(), "ready", "wan up did not get ready (see its stderr above)");
        wan
    }

    /// Namespace of side a (10.77.0.1).
    pub fn a(&self) -> String {
        format!("{}-a", self.name)
    }

    /// Namespace of side b (10.77.0.2).
    pub fn b(&self) -> String {
        format!("{}-b", self.name)
    }

    /// CPU time (user + system) the emulator used so far, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name in parentheses; utime and stime are the 14th and 15th.
        let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
        (field(11) + field(12)) / ticks
    }

    /// Sends SIGTERM and waits (5 s at most, then SIGKILL); returns whether it exited cleanly.
    pub fn terminate(&mut self) -> bool {
        let clean = match self.child.try_wait() {
            Ok(Some(status)) => status.success(),
            _ => self.signal_and_wait(),
        };
        if let Some(reader) = self.log_reader.take() {
            let _ = reader.join();
        }
        clean
    }

    fn signal_and_wait(&mut self) -> bool {
        // SAFETY: signals our own child, which has not been reaped yet (so its pid is still ours).
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status.success(),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return false;
                }
            }
        }
    }

    /// wan's stderr so far (all of it after [`Wan::terminate`]).
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Wan {
    fn drop(&mut self) {
        self.terminate();
        let _ = Command::new(env!("CARGO_BIN_EXE_wan")).args(["down", "--name", &self.name]).status();
    }
}
