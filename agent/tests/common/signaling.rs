//! A real signaling process for agent tests (`test_support::SignalingProcess`: the binary of
//! the `signaling` package as cargo built it, CSR accounts made through its admin command),
//! with what the agent tests ask of it over HTTP.

use serde_json::{json, Value};
use std::time::Duration;
use test_support::signaling::{Account, Launch, SignalingProcess};

pub use test_support::PASSWORD;

/// Both site admins, so either may start sessions of any type.
const ACCOUNTS: &[Account] = &[Account { user: "alice", name: "Alice", admin: true }, Account { user: "bob", name: "Bob", admin: true }];

pub struct Signaling {
    process: SignalingProcess,
    pub base: String,
}

impl Signaling {
    pub async fn start(extra: &[&str]) -> Signaling {
        Signaling::start_on([127, 0, 0, 1].into(), extra).await
    }

    /// As [`Signaling::start`], listening on `ip` (an address of this thread's network
    /// namespace).
    pub async fn start_on(ip: std::net::IpAddr, extra: &[&str]) -> Signaling {
        let args = extra.iter().map(|s| s.to_string()).collect();
        let mut process = SignalingProcess::prepare(Launch { accounts: ACCOUNTS, ip, args, ..Launch::default() });
        process.spawn();
        let sig = Signaling { base: process.base.clone(), process };
        sig.wait_up().await;
        sig
    }

    /// Kills the process (as a crash would).
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Starts it again on the same port and database.
    pub async fn restart(&mut self) {
        self.process.kill();
        self.process.spawn();
        self.wait_up().await;
    }

    /// Waits without blocking the test's runtime (its console keeps running).
    async fn wait_up(&self) {
        for _ in 0..400 {
            if self.process.is_up() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("signaling did not start: {}", self.process.log());
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
