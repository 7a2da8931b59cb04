//! A real SMTP server on 127.0.0.1 (Debian's `python3-aiosmtpd`, run by `py/smtp_server.py`):
//! plain, STARTTLS or implicit TLS with a certificate made now for `localhost`, optionally
//! requiring AUTH, optionally refusing some recipients. Every delivered message lands in a
//! folder; [`SmtpServer::wait_for`] reads them back with the body decoded.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The interpreter the Debian package installs for (a pyenv `python3` may come first in PATH).
const PYTHON: &str = "/usr/bin/python3";

/// How the server protects connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    #[default]
    None,
    /// STARTTLS offered and required before anything is accepted.
    StartTls,
    /// TLS from the first byte (smtps).
    Implicit,
}

/// What the server requires.
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    pub tls: SmtpTls,
    /// AUTH required with this user and password.
    pub login: Option<(String, String)>,
    /// Local parts (before `@`) whose RCPT TO is answered `550 5.1.1 … User unknown`.
    pub refuse: Vec<String>,
}

/// One delivered message, as the server saw it.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The text body, transfer encoding undone, lines ending in `\n`.
    pub body: String,
    /// The message as sent.
    pub raw: String,
    pub tls: bool,
    /// Who signed in, when AUTH was used.
    pub login: Option<String>,
}

/// A running SMTP server, stopped on drop.
pub struct SmtpServer {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
    pub options: SmtpOptions,
    /// The server's self-signed certificate (PEM), when it speaks TLS: the CA to trust.
    pub cert: Option<PathBuf>,
}

impl SmtpServer {
    pub fn start(options: SmtpOptions) -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail).expect("mail folder");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("py/smtp_server.py");
        let mut cmd = Command::new(PYTHON);
        cmd.arg(&script).arg("--dir").arg(&mail);
        let mut cert = None;
        if options.tls != SmtpTls::None {
            let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
            let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            std::fs::write(&c, made.cert.pem()).expect("certificate written");
            std::fs::write(&k, made.signing_key.serialize_pem()).expect("key written");
            let mode = if options.tls == SmtpTls::StartTls { "starttls" } else { "implicit" };
            cmd.args(["--tls", mode]).arg("--cert").arg(&c).arg("--key").arg(&k);
            cert = Some(c);
        }
        if let Some((user, password)) = &options.login {
            cmd.args(["--user", user, "--password", password]);
        }
        for r in &options.refuse {
            cmd.args(["--refuse", r]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("/usr/bin/python3 with aiosmtpd is installed by ./tests/run.sh (Debian package python3-aiosmtpd)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the SMTP server's first line");
        let port = line.trim().strip_prefix("listening ").and_then(|p| p.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            panic!("the SMTP server did not start (said {line:?}); is python3-aiosmtpd installed?");
        };
        SmtpServer { child, dir, port, options, cert }
    }

    /// The `--smtp-url` that reaches this server: `localhost` so the certificate's name
    /// matches, the credentials and the certificate as CA when it has them.
    pub fn url(&self) -> String {
        let scheme = if self.options.tls == SmtpTls::Implicit { "smtps" } else { "smtp" };
        let auth = self.options.login.as_ref().map(|(u, p)| format!("{u}:{p}@")).unwrap_or_default();
        let mut query = Vec::new();
        if self.options.tls == SmtpTls::StartTls {
            query.push("tls=starttls".to_owned());
        }
        if let Some(c) = &self.cert {
            query.push(format!("ca={}", c.display()));
        }
        let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        format!("{scheme}://{auth}localhost:{}{query}", self.port)
    }

    /// The folder each delivered message is written to (`0001.json`, …), for scenarios that
    /// read it themselves.
    pub fn folder(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Messages delivered so far, oldest first.
    pub fn delivered(&self) -> Vec<Delivered> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.folder())
            .expect("mail folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names.iter().map(|p| parse(&std::fs::read_to_string(p).expect("delivered message"))).collect()
    }

    /// Waits until `n` messages were delivered (or `within` passes) and returns them all.
    pub fn wait_for(&self, n: usize, within: Duration) -> Vec<Delivered> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.delivered();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn parse(text: &str) -> Delivered {
    let v: serde_json::Value = serde_json::from_str(text).expect("message JSON");
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Delivered {
        mail_from: s("mail_from"),
        rcpt_tos: v["rcpt_tos"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default(),
        from: s("from"),
        to: s("to"),
        subject: s("subject"),
        body: s("body").replace("\r\n", "\n"),
        raw: s("raw"),
        tls: v["tls"].as_bool().unwrap_or(false),
        login: v["login"].as_str().map(str::to_owned),
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
