//! Issue 16, webhooks: a site admin adds a webhook; when a session starts and ends, signaling
//! POSTs the event (who, type, tracking code, notes, times) to it, signed with the webhook's
//! secret (`Webhook-Signature: t=…,v1=<hex HMAC-SHA256 of "t.body">`), which the receiver here
//! verifies; an answer other than 2xx is retried after the back-off; the admin sees each
//! delivery with its tries and can send a test event. A test HTTP server on loopback receives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// What the receiver got: headers and body, in order.
type Received = mpsc::UnboundedReceiver<(HeaderMap, String)>;

/// A receiver on loopback answering the statuses in `answers` in turn, then 200.
async fn receiver(answers: Vec<u16>) -> (String, Received) {
    let (tx, rx) = mpsc::unbounded_channel();
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (tx, answers) = (tx.clone(), answers.clone());
            async move {
                let _ = tx.send((headers, body));
                StatusCode::from_u16(answers.lock().unwrap().next().unwrap_or(200)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

/// The next event received (within the test's wait), with its signature checked.
async fn next(rx: &mut Received, secret: &str) -> Value {
    let (headers, body) = tokio::time::timeout(WAIT, rx.recv()).await.expect("a delivery within the wait").unwrap();
    let sig = headers["webhook-signature"].to_str().unwrap();
    let (t, v1) = sig.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let want: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(v1.strip_prefix("v1=").unwrap(), want, "the signature verifies with the webhook's secret");
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(headers["webhook-id"].to_str().unwrap(), event["id"].as_str().unwrap());
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_events_reach_the_webhook_signed_and_a_failed_delivery_is_retried() {
    let s = InProcess::start(|c| c.webhook_retry_ms = Some(60_000)).await;
    let (url, mut got) = receiver(vec![500]).await;
    let mut alice = s.login("alice").await;
    let (status, made) = alice.post("/api/admin/webhooks", json!({"url": url, "events": ["session.started", "session.ended"]})).await;
    assert_eq!(status, 200, "{made}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    let hook = made["webhook"]["id"].as_str().unwrap().to_owned();

    // The start: the receiver answers 500 first; the try after the back-off arrives.
    let (status, started) = alice.post("/api/sessions", json!({"session_type_id": 1, "tracking_code": "TICKET-4711"})).await;
    assert_eq!(status, 200);
    let session = started["session_id"].as_str().unwrap().to_owned();
    let first = next(&mut got, &secret).await;
    assert_eq!(first["type"], "session.started");
    assert_eq!(
        (first["data"]["session_id"].as_str(), first["data"]["tracking_code"].as_str()),
        (Some(session.as_str()), Some("TICKET-4711"))
    );
    assert_eq!(first["data"]["started_by"], "alice");
    // Not again before the back-off is over…
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(got.try_recv().is_err(), "no retry before the wait");
    s.clock.advance(Duration::from_secs(61));
    let again = next(&mut got, &secret).await;
    assert_eq!(again["id"], first["id"], "the retry is the same event");

    // The end, with the notes.
    let (status, _) = alice.post(&format!("/api/sessions/{session}/end"), json!({"notes": "Printer driver reinstalled."})).await;
    assert_eq!(status, 200);
    let ended = next(&mut got, &secret).await;
    assert_eq!(ended["type"], "session.ended");
    assert_eq!(ended["data"]["notes"], "Printer driver reinstalled.");
    assert_eq!(ended["data"]["tracking_code"], "TICKET-4711");
    assert!(ended["data"]["ended_at"].as_i64().is_some());

    // The admin's log: each delivery with its tries (the sender notes an answer just after the
    // receiver has it: read until both show as delivered).
    let deadline = std::time::Instant::now() + WAIT;
    let hooks = loop {
        let (_, hooks) = alice.get("/api/admin/webhooks").await;
        let delivered = hooks[0]["deliveries"].as_array().unwrap().iter().filter(|d| d["delivered_at"].is_i64()).count();
        if delivered == 2 || std::time::Instant::now() > deadline {
            break hooks;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let log = hooks[0]["deliveries"].as_array().unwrap();
    let of = |event: &str| log.iter().find(|d| d["event"] == event).unwrap().clone();
    assert_eq!((of("session.started")["attempts"].as_i64(), of("session.started")["last_status"].as_i64()), (Some(2), Some(200)));
    assert!(of("session.started")["delivered_at"].as_i64().is_some());
    assert_eq!(of("session.ended")["attempts"], 1);
    assert!(!hooks.to_string().contains(&secret), "the list never shows the secret");

    // The test button.
    let (status, _) = alice.post(&format!("/api/admin/webhooks/{hook}/test"), json!({})).await;
    assert_eq!(status, 200);
    let ping = next(&mut got, &secret).await;
    assert_eq!((ping["type"].as_str(), ping["data"]["by"].as_str()), (Some("ping"), Some("alice")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_site_admins_manage_webhooks_and_bad_ones_are_refused() {
    let s = InProcess::start(|_| {}).await;
    let mut bob = s.login("bob").await;
    let (status, _) = bob.post("/api/admin/webhooks", json!({"url": "http://127.0.0.1:9/x", "events": ["session.ended"]})).await;
    assert_eq!(status, 403);
    let mut alice = s.login("alice").await;
    for bad in [
        json!({"url": "ftp://example.com/x", "events": ["session.ended"]}),
        json!({"url": "not a url", "events": ["session.ended"]}),
        json!({"url": "http://example.com/x", "events": []}),
        json!({"url": "http://example.com/x", "events": ["everything"]}),
        json!({"url": format!("http://example.com/{}", "x".repeat(2000)), "events": ["session.ended"]}),
    ] {
        let (status, body) = alice.post("/api/admin/webhooks", bad.clone()).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_message")), "{bad}: {body}");
    }
    for i in 0..20 {
        let (status, _) =
            alice.post("/api/admin/webhooks", json!({"url": format!("http://127.0.0.1:9/{i}"), "events": ["session.ended"]})).await;
        assert_eq!(status, 200);
    }
    let (status, body) = alice.post("/api/admin/webhooks", json!({"url": "http://127.0.0.1:9/21", "events": ["session.ended"]})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("too_many_webhooks")), "{body}");
    let (_, hooks) = alice.get("/api/admin/webhooks").await;
    let id = hooks[0]["webhook"]["id"].as_str().unwrap();
    let (status, _) = alice.delete(&format!("/api/admin/webhooks/{id}")).await;
    assert_eq!(status, 200);
    let (status, _) = alice.post(&format!("/api/admin/webhooks/{id}/test"), json!({})).await;
    assert_eq!(status, 404, "a deleted webhook gets nothing more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_events_reach_the_webhook_when_a_customer_asks_is_taken_leaves_or_stops_answering() {
    let s = InProcess::start(|_| {}).await;
    let (url, mut got) = receiver(vec![]).await;
    let mut alice = s.login("alice").await;
    let events = json!(["queue.joined", "queue.taken", "queue.left"]);
    let (status, made) = alice.post("/api/admin/webhooks", json!({"url": url, "events": events})).await;
    assert_eq!(status, 200, "{made}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    let slug = common::queue::team(&mut alice, "Printers", &[("bob", "csr")]).await;
    let mut page = s.http();

    // Dana asks, keeps her page open 20 s, and Bob takes her.
    let dana = common::queue::ask(&mut page, &slug, "Dana", "The printer jams").await;
    let joined = next(&mut got, &secret).await;
    assert_eq!(joined["type"], "queue.joined");
    assert_eq!((joined["data"]["team"].as_str(), joined["data"]["name"].as_str()), (Some("Printers"), Some("Dana")));
    assert_eq!(joined["data"]["description"], "The printer jams");
    s.clock.advance(Duration::from_secs(20));
    common::queue::news(&mut page, &dana).await;
    let mut bob = s.login("bob").await;
    let (status, taken) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!(status, 200, "{taken}");
    let event = next(&mut got, &secret).await;
    assert_eq!(event["type"], "queue.taken");
    assert_eq!((event["data"]["taken_by"].as_str(), event["data"]["session_id"].as_str()), (Some("bob"), taken["session_id"].as_str()));
    assert_eq!((event["data"]["name"].as_str(), event["data"]["waited_ms"].as_i64()), (Some("Dana"), Some(20_000)));

    // Eve gives up; Finn's page stops asking and his place is given up after the grace time.
    let eve = common::queue::ask(&mut page, &slug, "Eve", "Scanner").await;
    assert_eq!(next(&mut got, &secret).await["data"]["name"], "Eve");
    let (status, _) = page.post("/api/waiting/leave", json!({"ticket": eve})).await;
    assert_eq!(status, 200);
    let left = next(&mut got, &secret).await;
    assert_eq!(
        (left["type"].as_str(), left["data"]["name"].as_str(), left["data"]["reason"].as_str()),
        (Some("queue.left"), Some("Eve"), Some("left"))
    );
    common::queue::ask(&mut page, &slug, "Finn", "Fax").await;
    assert_eq!(next(&mut got, &secret).await["data"]["name"], "Finn");
    s.clock.advance(Duration::from_secs(121));
    let (status, _) = bob.get("/api/queue").await;
    assert_eq!(status, 200);
    let expired = next(&mut got, &secret).await;
    assert_eq!(
        (expired["type"].as_str(), expired["data"]["name"].as_str(), expired["data"]["reason"].as_str()),
        (Some("queue.left"), Some("Finn"), Some("expired"))
    );
    assert_eq!(expired["data"]["waited_ms"], 121_000);
}
