//! Harness for agent tests: a real signaling process on loopback, the real `agent` binary
//! answered through its standard input as a person would type, and a CSR console built on
//! the same `webrtc` crate (`Console`), talking to both for real.
#![allow(dead_code)]

pub mod console;
pub mod signaling;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

pub const AGENT: &str = env!("CARGO_BIN_EXE_agent");

/// The agent process, with what it printed so far.
pub struct Agent {
    child: Child,
    stdin: ChildStdin,
    lines: std_mpsc::Receiver<String>,
    pub seen: Vec<String>,
    pub download_dir: PathBuf,
    pub share_dir: PathBuf,
}

impl Agent {
    /// `agent join <invitation> --server <server>` with its own download and shared folders.
    pub fn join(invitation: &str, server: &str, dirs: &Path, extra: &[&str]) -> Agent {
        Agent::join_with(invitation, server, dirs, extra, &[])
    }

    /// As [`Agent::join`], with extra environment (`DISPLAY` of a test X server).
    pub fn join_with(invitation: &str, server: &str, dirs: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Agent {
        Agent::join_in(None, invitation, server, dirs, extra, envs)
    }

    /// As [`Agent::join_with`], inside network namespace `netns` (`ip netns exec`) if given.
    pub fn join_in(netns: Option<&str>, invitation: &str, server: &str, dirs: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Agent {
        let download_dir = dirs.join("downloads");
        let share_dir = dirs.join("shared");
        std::fs::create_dir_all(&download_dir).unwrap();
        std::fs::create_dir_all(&share_dir).unwrap();
        let mut command = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, AGENT]);
                c
            }
            None => Command::new(AGENT),
        };
        let mut child = command
            .args(["join", invitation, "--server", server, "--name", "Dana"])
            .arg("--download-dir")
            .arg(&download_dir)
            .arg("--share")
            .arg(&share_dir)
            .args(extra)
            .env("RUST_LOG", std::env::var("AGENT_LOG").unwrap_or_else(|_| "warn".into()))
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std_mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("    agent│ {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Agent { child, stdin, lines, seen: vec![], download_dir, share_dir }
    }

    /// Types a line, as the customer would.
    /// The agent's process id (benchmarks read its /proc entries).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn type_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits for a printed line containing `text`; returns it.
    pub fn expect(&mut self, text: &str) -> String {
        self.expect_within(text, Duration::from_secs(20))
    }

    pub fn expect_within(&mut self, text: &str, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!("the agent did not print {text:?} within {wait:?}; it printed:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Everything printed so far without waiting.
    pub fn drain(&mut self) -> Vec<String> {
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push(l);
        }
        self.seen.clone()
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file of `mib` MiB with varied content, and its SHA-256 (hex).
pub fn make_file(path: &Path, mib: usize) -> String {
    use sha2::{Digest, Sha256};
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut h = Sha256::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ mib as u64;
    let mut buf = vec![0u8; 1024 * 1024];
    for _ in 0..mib {
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        h.update(&buf);
        f.write_all(&buf).unwrap();
    }
    f.flush().unwrap();
    hex(&h.finalize())
}

pub fn sha256_file(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path).unwrap();
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).unwrap();
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A live session: signaling, Alice's console connected peer-to-peer with the agent.
pub struct Live {
    pub sig: signaling::Signaling,
    pub alice: console::Console,
    pub agent: Agent,
    pub customer: protocol::ParticipantId,
    pub session: String,
    pub cookie: String,
    pub dirs: tempfile::TempDir,
}

/// Starts a session, lets the agent join by code (as read over the phone), and connects
/// Alice's console to it.
pub async fn live(agent_args: &[&str]) -> Live {
    live_with(agent_args, &[]).await
}

/// As [`live`], with extra environment for the agent.
pub async fn live_with(agent_args: &[&str], envs: &[(&str, &str)]) -> Live {
    live_offering(agent_args, envs, |sdp| sdp.to_owned()).await
}

/// [`live_with`] with the console's offers rewritten by `offer_edit` (another stack's wording).
pub async fn live_offering(agent_args: &[&str], envs: &[(&str, &str)], offer_edit: fn(&str) -> String) -> Live {
    let sig = signaling::Signaling::start(&[]).await;
    let mut j = joined(sig, agent_args, envs).await;
    j.alice.offer_edit = offer_edit;
    j.alice.connect(&j.customer).await;
    j
}

/// Alice's session on `sig` with the agent joined and online, before any peer connection.
pub async fn joined(sig: signaling::Signaling, agent_args: &[&str], envs: &[(&str, &str)]) -> Live {
    let cookie = sig.login("alice").await;
    let started = sig.post(&cookie, "/api/sessions", serde_json::json!({"session_type_id": 1})).await;
    let session = started["session_id"].as_str().unwrap().to_owned();
    let mut alice = console::Console::open(&sig.base, &cookie, &session).await;
    let inv = sig.post(&cookie, &format!("/api/sessions/{session}/invitations"), serde_json::json!({})).await;
    let dirs = tempfile::tempdir().unwrap();
    let mut agent = Agent::join_with(inv["code"].as_str().unwrap(), &sig.base, dirs.path(), agent_args, envs);
    agent.expect("Connected to support session");
    let customer = alice.customer_online().await;
    Live { sig, alice, agent, customer, session, cookie, dirs }
}

/// Alice asks for `capability`; the customer answers `answer` at the agent's prompt.
pub async fn consent(l: &mut Live, capability: protocol::Capability, request: &str, prompt: &str, answer: &str) -> bool {
    l.alice.ask(&l.customer, capability, request).await;
    l.agent.expect(prompt);
    l.agent.type_line(answer);
    l.alice.answer(request).await
}
