//! coturn (Debian package `coturn`) on 127.0.0.1 with `use-auth-secret`: relays between
//! loopback peers only, no TLS, no CLI; logs every request so tests can see relaying.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running coturn, stopped on drop.
pub struct Coturn {
    child: Child,
    _dir: tempfile::TempDir,
    /// `turn:127.0.0.1:<port>?transport=udp`
    pub url: String,
    /// The shared secret signaling derives credentials from.
    pub secret: String,
    /// coturn's log (one line per request).
    pub log: PathBuf,
}

impl Coturn {
    pub fn start() -> Coturn {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = crate::free_port();
        let secret = format!("e2e-{}-{}", std::process::id(), port);
        let log = dir.path().join("turn.log");
        let min_port = 40000 + (port % 200) * 100;
        let config = format!(
            "listening-ip=127.0.0.1\nrelay-ip=127.0.0.1\nlistening-port={port}\nmin-port={min_port}\nmax-port={}\n\
             use-auth-secret\nstatic-auth-secret={secret}\nrealm=support.test\nallow-loopback-peers\nno-tls\nno-dtls\nno-cli\n\
             fingerprint\nverbose\nsimple-log\nlog-file={}\npidfile={}\nuserdb={}\nno-stdout-log\n",
            min_port + 99,
            log.display(),
            dir.path().join("turn.pid").display(),
            dir.path().join("turn.db").display(),
        );
        let conf = dir.path().join("turnserver.conf");
        std::fs::write(&conf, config).expect("coturn config written");
        let child = Command::new("turnserver")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver is installed by ./tests/run.sh (Debian package coturn)");
        let turn = Coturn { child, _dir: dir, url: format!("turn:127.0.0.1:{port}?transport=udp"), secret, log };
        // coturn binds UDP; wait for its log to say it listens.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::fs::read_to_string(&turn.log).is_ok_and(|l| l.contains("listener opened on") || l.contains("Total General servers")) {
                return turn;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("coturn did not start: {}", std::fs::read_to_string(&turn.log).unwrap_or_default());
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
