//! Shared harness: runs the real `signaling` binary on loopback with its own database, and
//! talks to it as the console and the agent do — over HTTP and WebSocket. [`InProcess`] runs
//! the same service inside the test on a manual clock.
#![allow(dead_code)]

pub mod edge;
pub mod queue;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const BIN: &str = env!("CARGO_BIN_EXE_signaling");
use test_support::signaling::{Account, Launch, SignalingProcess};
pub use test_support::PASSWORD;

/// `alice` (site admin), `bob` and `carol` (CSRs).
const ACCOUNTS: &[Account] = &[
    Account { user: "alice", name: "Alice", admin: true },
    Account { user: "bob", name: "Bob", admin: false },
    Account { user: "carol", name: "Carol", admin: false },
];

/// One signaling process with its data folder; restartable on the same port and database.
pub struct Server {
    process: SignalingProcess,
    /// The data folder (`signaling.db` in it).
    pub dir: PathBuf,
    pub port: u16,
}

impl Server {
    /// Creates accounts `alice` (site admin), `bob` and `carol` (CSRs), then starts.
    pub async fn start(extra: &[&str]) -> Server {
        Self::start_with_env(extra, &[]).await
    }

    /// Like [`Server::start`], with extra environment variables for the service.
    pub async fn start_with_env(extra: &[&str], env: &[(&str, &str)]) -> Server {
        let launch = Launch {
            exe: Some(BIN.into()),
            accounts: ACCOUNTS,
            args: extra.iter().map(|s| s.to_string()).collect(),
            envs: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Launch::default()
        };
        let process = SignalingProcess::prepare(launch);
        let mut s = Server { dir: process.dir.path().to_path_buf(), port: process.port, process };
        s.run().await;
        s
    }

    /// Runs `signaling admin …` against this server's database, with `stdin` as input.
    pub fn admin(&self, args: &[&str], stdin: &str) -> std::process::Output {
        self.process.admin(args, stdin)
    }

    async fn run(&mut self) {
        self.process.spawn();
        for _ in 0..400 {
            if self.process.is_up() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("signaling did not come up: {}", self.log());
    }

    pub fn log(&self) -> String {
        self.process.log()
    }

    /// Stops the process the hard way (as a crash would) and starts it again.
    pub async fn restart(&mut self) {
        self.kill();
        self.run().await;
    }

    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// SIGTERM; the time to exit and whether it exited successfully, `None` if not in `within`.
    pub fn terminate(&mut self, within: Duration) -> Option<(Duration, bool)> {
        self.process.terminate(within)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process's resident memory now, in MiB (VmRSS from /proc).
    pub fn rss_mib(&self) -> f64 {
        let pid = self.process.pid().expect("signaling runs");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS");
        kib / 1024.0
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// Signs in and returns a client carrying the login cookie.
    pub async fn login(&self, user: &str) -> Http {
        let mut h = Http::anonymous(self);
        let (status, body) = h.post("/api/login", json!({"username": user, "password": PASSWORD})).await;
        assert_eq!(status, 200, "login {user}: {body}");
        h
    }
}

/// An HTTP client that keeps the login cookie, like a browser would.
pub struct Http {
    pub base: String,
    pub cookie: Option<String>,
    /// An API token sent as `Authorization: Bearer …` (issue 16).
    pub bearer: Option<String>,
    client: reqwest::Client,
}

impl Http {
    pub fn anonymous(s: &Server) -> Http {
        Http::at(s.base())
    }

    /// A client without a login for the service at `base`.
    pub fn at(base: String) -> Http {
        Http { base, cookie: None, bearer: None, client: reqwest::Client::new() }
    }

    /// A client without a login for the service at `base`, from loopback address `ip`.
    pub fn at_from(base: String, ip: std::net::IpAddr) -> Http {
        Http { base, cookie: None, bearer: None, client: client_from(ip) }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", c),
            None => req,
        };
        let req = match &self.bearer {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.unwrap();
        if let Some(set) = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap_or_default().to_owned();
            self.cookie = if pair.ends_with('=') { None } else { Some(pair) };
        }
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&mut self, path: &str) -> (u16, Value) {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> (u16, Value) {
        let req = self.client.post(format!("{}{path}", self.base)).json(&body);
        self.send(req).await
    }

    pub async fn put(&mut self, path: &str, body: Value) -> (u16, Value) {
        let req = self.client.put(format!("{}{path}", self.base)).json(&body);
        self.send(req).await
    }

    pub async fn patch(&mut self, path: &str, body: Value) -> (u16, Value) {
        let req = self.client.patch(format!("{}{path}", self.base)).json(&body);
        self.send(req).await
    }

    pub async fn delete(&mut self, path: &str) -> (u16, Value) {
        let req = self.client.delete(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// Starts a session of the default type; returns (session id, host participant id).
    pub async fn start_session(&mut self) -> (String, String) {
        let (status, body) = self.post("/api/sessions", json!({"session_type_id": 1})).await;
        assert_eq!(status, 200, "start: {body}");
        (body["session_id"].as_str().unwrap().into(), body["participant_id"].as_str().unwrap().into())
    }

    /// A new customer invitation: (code as shown, link).
    pub async fn invite(&mut self, session: &str) -> (String, String) {
        let (status, body) = self.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
        assert_eq!(status, 200, "invite: {body}");
        (body["code"].as_str().unwrap().into(), body["link"].as_str().unwrap().into())
    }
}

/// `n` bytes that start like a browser's WebM recording (EBML header, DocType `webm`).
pub fn webm_bytes(n: usize) -> Vec<u8> {
    let mut h = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0xF7, 0x81, 0x01, 0x42, 0xF2, 0x81, 0x04];
    h.extend([0x42, 0xF3, 0x81, 0x08, 0x42, 0x82, 0x84, b'w', b'e', b'b', b'm', 0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02]);
    h.extend((0..n.saturating_sub(h.len())).map(|i| (i * 7 % 251) as u8));
    h.truncate(n);
    h
}

/// An HTTP client bound to a loopback source address (`127.x.y.z`): many clients, many addresses.
pub fn client_from(ip: std::net::IpAddr) -> reqwest::Client {
    reqwest::Client::builder().local_address(ip).build().unwrap()
}

/// Redeems an invitation as the agent does; returns (participant id, token).
pub async fn join(s: &Server, how: Value) -> (String, String) {
    let (status, body) = Http::anonymous(s).post("/api/join", how).await;
    assert_eq!(status, 200, "join: {body}");
    (body["participant_id"].as_str().unwrap().into(), body["token"].as_str().unwrap().into())
}

/// A participant's signaling WebSocket.
pub struct Peer {
    pub id: String,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub const WAIT: Duration = Duration::from_secs(10);

impl Peer {
    /// Opens the socket (with the cookie, for CSRs) without saying hello.
    pub async fn open(s: &Server, cookie: Option<&str>) -> Peer {
        Peer::open_at(&s.ws_url(), cookie).await
    }

    /// Opens the socket at `ws_url` without saying hello.
    pub async fn open_at(ws_url: &str, cookie: Option<&str>) -> Peer {
        let mut req = ws_url.into_client_request().unwrap();
        if let Some(c) = cookie {
            req.headers_mut().insert("cookie", c.parse().unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        Peer { id: String::new(), ws }
    }

    /// A CSR joins the session's socket; waits for the welcome.
    pub async fn csr(s: &Server, http: &Http, session: &str) -> Peer {
        let mut p = Peer::open(s, http.cookie.as_deref()).await;
        p.send(json!({"type": "hello", "protocol_version": 1, "session": session})).await;
        p.welcome().await;
        p
    }

    /// A customer connects from the browser page (`client: "browser"`); waits for the welcome.
    pub async fn browser(s: &Server, token: &str) -> Peer {
        let mut p = Peer::open(s, None).await;
        p.send(json!({"type": "hello", "protocol_version": 1, "token": token, "client": "browser"})).await;
        p.welcome().await;
        p
    }

    /// A customer connects with the token from `join`; waits for the welcome.
    pub async fn customer(s: &Server, token: &str) -> Peer {
        let mut p = Peer::open(s, None).await;
        p.send(json!({"type": "hello", "protocol_version": 1, "token": token})).await;
        p.welcome().await;
        p
    }

    async fn welcome(&mut self) {
        let w = self.recv().await;
        assert_eq!(w["type"], "welcome", "expected welcome, got {w}");
        self.id = w["you"].as_str().unwrap().into();
    }

    pub async fn send(&mut self, v: Value) {
        self.ws.send(Message::Text(v.to_string().into())).await.unwrap();
    }

    pub async fn send_raw(&mut self, m: Message) {
        self.ws.send(m).await.unwrap();
    }

    /// The next text message; panics after [`WAIT`].
    pub async fn recv(&mut self) -> Value {
        match self.next().await {
            Some(v) => v,
            None => panic!("{}: connection closed while waiting", self.id),
        }
    }

    /// The next text message, or None when the connection closes.
    pub async fn next(&mut self) -> Option<Value> {
        self.next_within(WAIT).await
    }

    /// [`Peer::next`] waiting up to `within` (a test that loads the machine on purpose).
    pub async fn next_within(&mut self, within: Duration) -> Option<Value> {
        loop {
            let m = tokio::time::timeout(within, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("{}: nothing received in {within:?}", self.id));
            match m {
                Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(t.as_str()).unwrap()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Skips messages until one matches; returns it.
    pub async fn until(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let mut seen = vec![];
        loop {
            match self.next().await {
                Some(v) if pred(&v) => return v,
                Some(v) => seen.push(v),
                None => panic!("{}: closed before {what}; saw {seen:#?}", self.id),
            }
        }
    }

    /// Waits for an event of this kind.
    pub async fn event(&mut self, kind: &str) -> Value {
        self.until(kind, |v| v["type"] == "event" && v["event"] == kind).await
    }

    /// Waits for the consent request with this id.
    pub async fn asked(&mut self, request: &str) -> Value {
        self.until(request, |v| v["event"] == "consent_requested" && v["request"] == request).await
    }

    /// Waits for an error and returns its code.
    pub async fn error(&mut self) -> String {
        let v = self.until("error", |v| v["type"] == "error").await;
        v["code"].as_str().unwrap().into()
    }

    /// Waits for a roster satisfying `pred`.
    pub async fn roster(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let v = self.until("roster", |v| v["type"] == "roster" && pred(&v["roster"])).await;
        v["roster"].clone()
    }

    /// Waits until the server closes the connection, returning the error it gave, if any.
    pub async fn closed(&mut self) -> Option<String> {
        let mut code = None;
        while let Some(v) = self.next().await {
            if v["type"] == "error" {
                code = v["code"].as_str().map(str::to_owned);
            }
        }
        code
    }

    /// Sends and waits for the error it causes.
    pub async fn refused(&mut self, v: Value) -> String {
        self.send(v).await;
        self.error().await
    }
}

/// The entry for `id` in a roster value.
pub fn entry<'a>(roster: &'a Value, id: &str) -> &'a Value {
    roster["participants"].as_array().unwrap().iter().find(|p| p["id"] == id).unwrap_or(&Value::Null)
}

/// The service in this process, on a manual clock, with its own database and the same
/// accounts as [`Server::start`]: `alice` (site admin), `bob` and `carol`.
pub struct InProcess {
    pub running: signaling::Running,
    pub clock: signaling::ManualClock,
    pub dir: PathBuf,
}

impl InProcess {
    /// Starts with default settings changed by `adjust`.
    pub async fn start(adjust: impl FnOnce(&mut signaling::Settings)) -> InProcess {
        let dir = std::env::temp_dir().join(format!("signaling-inproc-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut settings = signaling::Settings {
            // A fixed port, so that links (made from the public URL) point here.
            listen: Some(free_port()),
            database_url: Some(dir.join("signaling.db").display().to_string()),
            ..Default::default()
        };
        adjust(&mut settings);
        let clock = signaling::ManualClock::new();
        let state = signaling::prepare(settings.resolve().unwrap(), clock.clone().into()).unwrap();
        let hash = signaling::secrets::hash_password(PASSWORD).unwrap();
        let now = state.clock.now_ms();
        for (user, name, admin) in [("alice", "Alice", true), ("bob", "Bob", false), ("carol", "Carol", false)] {
            state.db.blocking(|c| signaling::db::accounts::create(c, user, name, &hash, admin, false, now)).unwrap();
        }
        let running = signaling::spawn(state).await.unwrap();
        InProcess { running, clock, dir }
    }

    /// Starts again on the database of `dir` (a restart), on a fresh manual clock.
    pub async fn restart_on(dir: PathBuf) -> InProcess {
        let settings = signaling::Settings {
            // A fixed port, so that links (made from the public URL) point here.
            listen: Some(free_port()),
            database_url: Some(dir.join("signaling.db").display().to_string()),
            ..Default::default()
        };
        let clock = signaling::ManualClock::new();
        let state = signaling::prepare(settings.resolve().unwrap(), clock.clone().into()).unwrap();
        let running = signaling::spawn(state).await.unwrap();
        InProcess { running, clock, dir }
    }

    pub fn base(&self) -> String {
        self.running.url()
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.running.addr())
    }

    pub fn http(&self) -> Http {
        Http::at(self.base())
    }

    /// Signs in and returns a client carrying the login cookie.
    pub async fn login(&self, user: &str) -> Http {
        let mut h = self.http();
        let (status, body) = h.post("/api/login", json!({"username": user, "password": PASSWORD})).await;
        assert_eq!(status, 200, "login {user}: {body}");
        h
    }

    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }
}

fn free_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64);
    h.finish()
}
