//! A real signaling process for agent tests (the binary of the `signaling` package, built
//! next to this test's binary), with CSR accounts made through its admin command.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const PASSWORD: &str = "a-long-test-password";

pub struct Signaling {
    child: Child,
    pub dir: tempfile::TempDir,
    pub base: String,
    db: String,
    ip: std::net::IpAddr,
    port: u16,
}

/// target/debug/signaling, built on demand when only this package's tests were built.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let bin = dir.join("signaling");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // Benchmarks run from target/release, tests from target/debug.
        let release = dir.ends_with("release");
        let mut build = Command::new(cargo);
        build.args(["build", "-p", "signaling"]);
        if release {
            build.arg("--release");
        }
        let ok = build.status().unwrap().success();
        assert!(ok, "cannot build signaling");
    }
    bin
}

impl Signaling {
    pub async fn start(extra: &[&str]) -> Signaling {
        Signaling::start_on([127, 0, 0, 1].into(), extra).await
    }

    /// As [`Signaling::start`], listening on `ip` (an address of this thread's network
    /// namespace).
    pub async fn start_on(ip: std::net::IpAddr, extra: &[&str]) -> Signaling {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db").display().to_string();
        for (user, name) in [("alice", "Alice"), ("bob", "Bob")] {
            let mut c = Command::new(binary())
                .args(["--database-url", &db, "admin", "add-csr", user, "--name", name, "--admin"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            use std::io::Write;
            writeln!(c.stdin.take().unwrap(), "{PASSWORD}").unwrap();
            assert!(c.wait().unwrap().success());
        }
        let port = std::net::TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap().port();
        let child = Self::spawn(&dir, &db, ip, port, extra);
        let base = format!("http://{ip}:{port}");
        // Owned at once, so the process is killed and reaped on every path (Drop).
        let sig = Signaling { child, dir, base, db, ip, port };
        sig.wait_up().await;
        sig
    }

    fn spawn(dir: &tempfile::TempDir, db: &str, ip: std::net::IpAddr, port: u16, extra: &[&str]) -> Child {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.path().join("signaling.log")).unwrap();
        Command::new(binary())
            .args(["--listen", &format!("{ip}:{port}"), "--database-url", db])
            .args(extra)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    /// Kills the process (as a crash would).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port and database.
    pub async fn restart(&mut self) {
        self.kill();
        self.child = Self::spawn(&self.dir, &self.db, self.ip, self.port, &[]);
        self.wait_up().await;
    }

    async fn wait_up(&self) {
        let sig = self;
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", sig.base)).await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("signaling did not start");
    }

    /// Signs in; returns the cookie.
    pub async fn login(&self, user: &str) -> String {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/login", self.base))
            .json(&json!({"username": user, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
        resp.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
    }

    pub async fn post(&self, cookie: &str, path: &str, body: Value) -> Value {
        let resp = reqwest::Client::new().post(format!("{}{path}", self.base)).header("cookie", cookie).json(&body).send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "{path}: {v}");
        v
    }
}

impl Drop for Signaling {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
