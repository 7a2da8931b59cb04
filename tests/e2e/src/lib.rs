//! Harness for the end-to-end tests: starts the real pieces on loopback (signaling with a
//! temporary database and CSR accounts, optionally Xvfb with a test pattern and coturn), then
//! runs one Playwright scenario (`scenarios/<name>.mjs`) in Debian's headless Chromium. The
//! scenario drives the console as a CSR would and the real agent through its terminal, and
//! asserts what a person sees; the Rust test asserts the scenario passed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod bench_files;
pub mod bench_screen;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
pub use test_support::netns::Firewalled;
use test_support::signaling::{Launch, SignalingProcess};
pub use test_support::{netns, AppWindow, Coturn, SmtpOptions, SmtpServer, SmtpTls, Xvfb, PASSWORD};

/// Longest a scenario may run.
const SCENARIO_LIMIT: Duration = Duration::from_secs(240);

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// `target/<profile>/<name>` ([`test_support::binaries::binary`]).
pub(crate) fn binary(name: &str) -> PathBuf {
    test_support::binaries::binary(name)
}

/// What a scenario needs besides signaling.
#[derive(Default)]
pub struct Needs {
    /// An X server for the agent (sharing and control), with a test pattern drawn on it.
    pub xvfb: bool,
    /// coturn on loopback; signaling hands out its credentials and both peers use relay only.
    pub turn: bool,
    /// An application window with this title on the X server (needs `xvfb`), open while the
    /// scenario runs.
    pub app_window: Option<&'static str>,
    /// Longest the scenario may run, when longer than the usual 240 s (the random walks).
    pub time_limit: Option<Duration>,
    /// An SMTP server on loopback (STARTTLS, AUTH) as the site's mail relay; the scenario reads
    /// the delivered messages from the folder in `E2E_MAIL` (`0001.json`, … see test-support).
    pub smtp: bool,
    /// The browser the console runs in: Chromium unless told.
    pub browser: Browser,
    /// The customer's agent behind a firewall that drops UDP and lets TCP through only to 443
    /// and signaling (a network namespace, [`test_support::netns::Firewalled`]); coturn listens
    /// on this machine's side of the link over UDP, TCP and TLS on 443, and signaling hands out
    /// all three in that order. The console stays outside, unrestricted.
    pub udp_blocked_agent: bool,
}

/// The browser engine of a scenario.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Browser {
    /// Debian's `chromium`, over the DevTools protocol.
    #[default]
    Chromium,
    /// Debian's `firefox-esr`, over WebDriver BiDi.
    Firefox,
}

/// The signaling process of a scenario or benchmark, with the accounts `alice` (site admin)
/// and `bob` (CSR).
pub struct Signaling(SignalingProcess);

impl Signaling {
    pub fn start(extra: &[String], envs: &[(String, String)]) -> Signaling {
        Signaling::start_in(None, extra, envs)
    }

    /// Signaling on `ip`, an address of this machine other than loopback.
    pub fn start_at(ip: &str, extra: &[String], envs: &[(String, String)]) -> Signaling {
        let exe = std::env::var_os("BENCH_SIGNALING").map(PathBuf::from);
        let ip = ip.parse().expect("an IP address");
        Signaling(SignalingProcess::start(Launch { exe, ip, args: extra.to_vec(), envs: envs.to_vec(), ..Launch::default() }))
    }

    /// Signaling inside network namespace `netns` (`ip netns exec`), listening on its address
    /// `ip`; on loopback when `None`.
    pub fn start_in(place: Option<(&str, &str)>, extra: &[String], envs: &[(String, String)]) -> Signaling {
        // Benchmarks may pin a binary (the shared target directory is rebuilt by others).
        let exe = std::env::var_os("BENCH_SIGNALING").map(PathBuf::from);
        let (netns, ip) = place.map_or((None, "127.0.0.1"), |(n, ip)| (Some(n.to_owned()), ip));
        let ip = ip.parse().expect("an IP address");
        Signaling(SignalingProcess::start(Launch { exe, ip, netns, args: extra.to_vec(), envs: envs.to_vec(), ..Launch::default() }))
    }
}

impl std::ops::Deref for Signaling {
    type Target = SignalingProcess;
    fn deref(&self) -> &SignalingProcess {
        &self.0
    }
}

/// Installs playwright-core from the committed package-lock.json once (`npm ci`), under a file
/// lock so that test processes running at once do not race.
pub(crate) fn ensure_playwright(dir: &Path) {
    if dir.join("node_modules/playwright-core/package.json").exists() {
        return;
    }
    let lock = std::fs::File::create(dir.join(".npm-ci.lock")).expect("lock file");
    // SAFETY: flock on a file descriptor we own; released when `lock` is dropped.
    unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) };
    if !dir.join("node_modules/playwright-core/package.json").exists() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .status()
            .unwrap_or_else(|e| panic!("npm is needed for the browser tests (./tests/run.sh installs it): {e}"));
        assert!(ok.success(), "npm ci failed in {}", dir.display());
    }
}

/// Runs `scenarios/<name>.mjs` against a fresh stack; panics with its output if it fails.
pub fn run_scenario(name: &str, needs: Needs) {
    let e2e = root().join("tests/e2e");
    ensure_playwright(&e2e);
    let xvfb = needs.xvfb.then(|| Xvfb::with_pattern(1280, 720));
    let _window = needs.app_window.map(|title| xvfb.as_ref().expect("an application window needs xvfb").open_window(title));
    let firewall = needs.udp_blocked_agent.then(Firewalled::new);
    let turn = match &firewall {
        Some(fw) => Some(Coturn::start_on(&fw.host_ip, Some(443))),
        None => needs.turn.then(Coturn::start),
    };
    let mut extra = vec![];
    if let Some(t) = &turn {
        let urls = [Some(&t.url), firewall.as_ref().map(|_| &t.tcp_url), t.tls_url.as_ref()];
        extra.extend(["--turn-urls".into(), urls.into_iter().flatten().cloned().collect::<Vec<_>>().join(",")]);
    }
    let mut envs: Vec<(String, String)> = vec![];
    if let Some(t) = &turn {
        // The secret goes through the environment, not the command line (config.rs).
        envs.push(("SIGNALING_TURN_SECRET".into(), t.secret.clone()));
    }
    let smtp = needs.smtp.then(|| {
        SmtpServer::start(SmtpOptions {
            tls: SmtpTls::StartTls,
            login: Some(("relay".into(), "relay-secret".into())),
            ..Default::default()
        })
    });
    if let Some(m) = &smtp {
        // The URL carries the relay's password: the environment, not the command line.
        envs.push(("SIGNALING_SMTP_URL".into(), m.url()));
        extra.extend(["--smtp-from".into(), "Example Support <support@example.com>".into()]);
    }
    let sig = match &firewall {
        Some(fw) => Signaling::start_at(&fw.host_ip, &extra, &envs),
        None => Signaling::start(&extra, &envs),
    };
    if let Some(fw) = &firewall {
        fw.block(&[443, sig.port]);
    }
    let work = tempfile::tempdir().expect("work dir");
    // The agent inside the firewalled network, trusting coturn's certificate.
    let agent = match (&firewall, &turn) {
        (Some(fw), Some(t)) => {
            let wrapper = work.path().join("agent-behind-firewall");
            let ca = t.ca.as_ref().expect("coturn's certificate");
            let script = format!(
                "#!/bin/sh\nexec ip netns exec {} env SUPPORT_AGENT_CA={} {} \"$@\"\n",
                fw.name,
                ca.display(),
                binary("agent").display()
            );
            std::fs::write(&wrapper, script).expect("wrapper written");
            std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("wrapper made executable");
            wrapper
        }
        _ => binary("agent"),
    };
    // README's screenshots are refreshed on request only, so a test run leaves the tree clean.
    let shots = if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        root().join("docs/screenshots")
    } else {
        root().join("target/e2e-screenshots")
    };
    let _ = std::fs::create_dir_all(&shots);
    let mut cmd = Command::new("node");
    cmd.arg(e2e.join("scenarios").join(format!("{name}.mjs")))
        .current_dir(&e2e)
        .env("E2E_BASE", &sig.base)
        .env("E2E_AGENT", &agent)
        .env("E2E_PASSWORD", PASSWORD)
        .env("E2E_WORK", work.path())
        .env("E2E_SCREENSHOTS", &shots)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(x) = &xvfb {
        cmd.env("E2E_DISPLAY", &x.display);
    }
    if needs.browser == Browser::Firefox {
        cmd.env("E2E_BROWSER", "firefox");
    }
    if let Some(m) = &smtp {
        cmd.env("E2E_MAIL", m.folder());
    }
    if let Some(t) = &turn {
        if firewall.is_none() {
            cmd.env("E2E_RELAY", "1");
        }
        cmd.env("E2E_TURN_LOG", &t.log);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("node runs (./tests/run.sh installs nodejs)");
    let out = collect(&mut child);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for node") {
            break s;
        }
        if started.elapsed() > needs.time_limit.unwrap_or(SCENARIO_LIMIT) {
            let _ = child.kill();
            break child.wait().expect("node killed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (out.0.join().unwrap_or_default(), out.1.join().unwrap_or_default());
    eprintln!("--- scenario {name} ({:.1} s)\n{stdout}\n{stderr}", started.elapsed().as_secs_f64());
    if !status.success() || !stdout.contains("SCENARIO PASSED") {
        panic!("scenario {name} failed ({status}).\n--- signaling log:\n{}", tail(&sig.log(), 60));
    }
    if let Some(fw) = &firewall {
        let dropped = fw.udp_dropped();
        eprintln!("the firewall dropped {dropped} UDP packets of the customer's computer");
        assert!(dropped > 0, "the agent never tried UDP: the test proves nothing about the firewall");
    }
    drop(turn);
    drop(smtp);
}

pub(crate) type Pipes = (std::thread::JoinHandle<String>, std::thread::JoinHandle<String>);

pub(crate) fn collect(child: &mut Child) -> Pipes {
    let mut o = child.stdout.take().expect("stdout");
    let mut e = child.stderr.take().expect("stderr");
    let a = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = o.read_to_string(&mut s);
        s
    });
    let b = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = e.read_to_string(&mut s);
        s
    });
    (a, b)
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<_> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
