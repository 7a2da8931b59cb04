//! The real signaling process for tests of every crate: its own data folder and database, CSR
//! accounts made through its `admin add-csr` command, started on loopback (or an address of a
//! network namespace), killed as a crash would and started again on the same port and
//! database.

use crate::netns;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Password of every test account.
pub const PASSWORD: &str = "a-long-test-password";

/// A CSR account made before the service starts.
#[derive(Clone, Copy)]
pub struct Account {
    pub user: &'static str,
    pub name: &'static str,
    /// Site admin (may also manage accounts and settings).
    pub admin: bool,
}

/// `alice` (Alice, site admin) and `bob` (Bob, CSR): what most tests need.
pub const ALICE_AND_BOB: &[Account] =
    &[Account { user: "alice", name: "Alice", admin: true }, Account { user: "bob", name: "Bob", admin: false }];

/// How to start it.
pub struct Launch {
    /// The binary; `target/<profile>/signaling` when `None` ([`crate::binaries::binary`]).
    pub exe: Option<PathBuf>,
    pub accounts: &'static [Account],
    /// Address to listen on (a port is picked free).
    pub ip: IpAddr,
    /// Network namespace to run it in (`ip netns exec`); `ip` is one of its addresses.
    pub netns: Option<String>,
    /// Extra command-line arguments.
    pub args: Vec<String>,
    /// Extra environment (secrets go here, not on the command line).
    pub envs: Vec<(String, String)>,
}

impl Default for Launch {
    fn default() -> Launch {
        Launch { exe: None, accounts: ALICE_AND_BOB, ip: [127, 0, 0, 1].into(), netns: None, args: vec![], envs: vec![] }
    }
}

/// A running (or killed) signaling process; killed on drop, its folder removed.
pub struct SignalingProcess {
    exe: PathBuf,
    child: Option<Child>,
    launch: Launch,
    pub dir: tempfile::TempDir,
    /// `--database-url` (the SQLite file in `dir`).
    pub db: String,
    pub port: u16,
    /// `http://<ip>:<port>`
    pub base: String,
}

impl SignalingProcess {
    /// Makes the accounts, starts the service and waits until `/healthz` answers.
    pub fn start(launch: Launch) -> SignalingProcess {
        let mut s = SignalingProcess::prepare(launch);
        s.spawn();
        s.wait_up();
        s
    }

    /// Makes the data folder and the accounts, without starting the service (for tests that
    /// wait for it their own way: see [`SignalingProcess::spawn`] and [`SignalingProcess::is_up`]).
    pub fn prepare(launch: Launch) -> SignalingProcess {
        let exe = launch.exe.clone().unwrap_or_else(|| crate::binaries::binary("signaling"));
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("signaling.db").display().to_string();
        let port = netns::within(launch.netns.as_deref(), || {
            std::net::TcpListener::bind((launch.ip, 0)).and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
        });
        let base = format!("http://{}:{port}", launch.ip);
        let s = SignalingProcess { exe, child: None, launch, dir, db, port, base };
        for a in s.launch.accounts {
            let mut args = vec!["add-csr", a.user, "--name", a.name];
            if a.admin {
                args.push("--admin");
            }
            s.admin(&args, PASSWORD);
        }
        s
    }

    /// Runs `signaling admin <args>` on this service's database with `stdin` as its input;
    /// panics with its error output when it fails.
    pub fn admin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(&self.exe)
            .args(["--database-url", &self.db, "admin"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("signaling runs");
        writeln!(child.stdin.take().expect("stdin"), "{stdin}").expect("input written");
        let out = child.wait_with_output().expect("admin command ends");
        assert!(out.status.success(), "signaling admin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// Starts the process (again) on the same port and database; does not wait.
    pub fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.log_path()).expect("log file");
        let child = netns::command(self.launch.netns.as_deref(), &self.exe)
            .args(["--listen", &format!("{}:{}", self.launch.ip, self.port), "--database-url", &self.db])
            .args(&self.launch.args)
            .env("RUST_LOG", "info")
            .envs(self.launch.envs.iter().map(|(k, v)| (k, v)))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("signaling starts");
        self.child = Some(child);
    }

    /// Whether `/healthz` answers 200 now (one quick loopback request).
    pub fn is_up(&self) -> bool {
        let (ip, port) = (self.launch.ip, self.port);
        netns::within(self.launch.netns.as_deref(), || {
            let Ok(mut c) = std::net::TcpStream::connect_timeout(&(ip, port).into(), Duration::from_secs(1)) else { return false };
            let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = c.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = c.read_to_string(&mut answer);
            answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
        })
    }

    /// Waits (up to 20 s) until `/healthz` answers; panics with the log otherwise.
    pub fn wait_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.is_up() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("signaling did not start; its log:\n{}", self.log());
    }

    /// The process id while it runs (to read its memory in /proc).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the process (as a crash would).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends SIGTERM (a graceful stop) and waits up to `within` for the exit. Returns the
    /// time it took and whether it exited successfully, or `None` when it was still running
    /// (then it is killed).
    pub fn terminate(&mut self, within: Duration) -> Option<(Duration, bool)> {
        let mut child = self.child.take()?;
        let started = Instant::now();
        let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
        assert!(sent.success(), "kill -TERM failed");
        while started.elapsed() < within {
            if let Ok(Some(status)) = child.try_wait() {
                return Some((started.elapsed(), status.success()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// Kills it and starts it again on the same port and database, waiting until it is up.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
        self.wait_up();
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("signaling.log")
    }

    /// Everything the service logged (both runs after a restart).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}:{}/ws", self.launch.ip, self.port)
    }
}

impl Drop for SignalingProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
