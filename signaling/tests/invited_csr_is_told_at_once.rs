//! S17: a CSR invited into a session is told at once on their console's notice stream
//! (`GET /api/notices`, Server-Sent Events), wherever the console is; a console opened later
//! still gets the notice until the CSR opens the session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

/// An open notice stream of one CSR.
struct Notices {
    resp: reqwest::Response,
    seen: String,
}

impl Notices {
    async fn open(http: &Http) -> Notices {
        let resp = reqwest::Client::new()
            .get(format!("{}/api/notices", http.base))
            .header("cookie", http.cookie.clone().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Notices { resp, seen: String::new() }
    }

    /// Waits until the stream carried `text`; panics after [`WAIT`].
    async fn expect(&mut self, text: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.seen.contains(text) {
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                other => panic!("the stream did not carry {text:?} (got {other:?}); it carried {:?}", self.seen),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invited_csr_gets_a_notice_with_who_and_which_session() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let mut bobs = Notices::open(&bob).await;
    let (st, s) = alice.post("/api/sessions", json!({"session_type_id": 1, "tracking_code": "CASE-4711"})).await;
    assert_eq!(st, 200);
    let session = s["session_id"].as_str().unwrap().to_owned();
    let (st, _) = alice.post(&format!("/api/sessions/{session}/csrs"), json!({"username": "bob"})).await;
    assert_eq!(st, 200);
    bobs.expect("event: invited").await;
    bobs.expect(&session).await;
    bobs.expect("\"by\":\"Alice\"").await;
    bobs.expect("\"tracking_code\":\"CASE-4711\"").await;

    // A console opened later (another tab, a sign-in) still gets it …
    let mut later = Notices::open(&bob).await;
    later.expect(&session).await;
    // … until Bob opens the session.
    let mut bob = bob;
    let (st, _) = bob.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(st, 200);
    let mut after = Notices::open(&bob).await;
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(500), after.expect(&session)).await;
    assert!(quiet.is_err(), "a notice of an opened session is not repeated");

    // The stream needs a login.
    let (st, e) = Http::anonymous(&server).get("/api/notices").await;
    assert_eq!((st, e["code"].as_str()), (401, Some("unauthenticated")));
}
