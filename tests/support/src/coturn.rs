//! coturn (Debian package `coturn`) with `use-auth-secret`, no CLI; logs every request so tests
//! can see relaying. [`Coturn::start`]: on 127.0.0.1 over UDP and TCP, relaying between loopback
//! peers. [`Coturn::start_on`]: on another address of this machine, also over TLS on the port
//! given (443 as operators run it), with a certificate for that address whose file the agent
//! is told to trust.

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
    /// `turn:<ip>:<port>?transport=tcp` (coturn listens for TCP on the UDP port).
    pub tcp_url: String,
    /// `turns:<ip>:<tls port>?transport=tcp`, with [`Coturn::start_on`] and a TLS port.
    pub tls_url: Option<String>,
    /// The TLS certificate (self-signed, naming the IP address): the CA a client must trust.
    pub ca: Option<PathBuf>,
}

impl Coturn {
    pub fn start() -> Coturn {
        Coturn::start_on("127.0.0.1", None)
    }

    /// coturn listening and relaying on `ip` (an address of this machine), and over TLS on
    /// `tls_port` when given.
    pub fn start_on(ip: &str, tls_port: Option<u16>) -> Coturn {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = crate::free_port();
        let secret = format!("e2e-{}-{}", std::process::id(), port);
        let log = dir.path().join("turn.log");
        let min_port = 40000 + (port % 200) * 100;
        let ca = tls_port.map(|_| {
            let made = rcgen::generate_simple_self_signed(vec![ip.to_owned()]).expect("certificate");
            let (c, k) = (dir.path().join("turn-cert.pem"), dir.path().join("turn-key.pem"));
            std::fs::write(&c, made.cert.pem()).expect("certificate written");
            std::fs::write(&k, made.signing_key.serialize_pem()).expect("key written");
            (c, k)
        });
        let tls = match (&ca, tls_port) {
            (Some((c, k)), Some(p)) => format!("tls-listening-port={p}\ncert={}\npkey={}\n", c.display(), k.display()),
            _ => "no-tls\n".to_owned(),
        };
        let config = format!(
            "listening-ip={ip}\nrelay-ip={ip}\nlistening-port={port}\nmin-port={min_port}\nmax-port={}\n\
             use-auth-secret\nstatic-auth-secret={secret}\nrealm=support.test\nallow-loopback-peers\n{tls}no-dtls\nno-cli\n\
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
        let turn = Coturn {
            child,
            _dir: dir,
            url: format!("turn:{ip}:{port}?transport=udp"),
            tcp_url: format!("turn:{ip}:{port}?transport=tcp"),
            tls_url: tls_port.map(|p| format!("turns:{ip}:{p}?transport=tcp")),
            ca: ca.map(|(c, _)| c),
            secret,
            log,
        };
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
