//! Issue 16, the satisfaction survey: when the host ends a session, each customer still seated
//! may rate it (1–5, with a comment) once, with their seat's token, within 24 hours. The rating
//! shows in the history and its filters, the CSV export, the API (with an API token) and a
//! signed `session.rated` webhook. A customer who left, a second answer, a bad rating or a
//! guessed token get nowhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn answer(s: &InProcess, token: &str, rating: i64, comment: &str) -> (u16, Value) {
    s.http().post("/api/survey", json!({"token": token, "rating": rating, "comment": comment})).await
}

/// A customer redeems `code` and connects as the agent does; (token, their socket).
async fn customer(s: &InProcess, code: &str, name: &str) -> (String, Peer) {
    let (status, body) = s.http().post("/api/join", json!({"code": code, "name": name})).await;
    assert_eq!(status, 200, "join: {body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let mut p = Peer::open_at(&s.ws_url(), None).await;
    p.send(json!({"type": "hello", "protocol_version": 1, "token": token})).await;
    assert_eq!(p.recv().await["type"], "welcome");
    (token, p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_rates_the_ended_session_and_the_rating_reaches_history_csv_api_and_webhook() {
    let s = InProcess::start(|_| {}).await;
    let (url, mut hooks) = receiver().await;
    let mut alice = s.login("alice").await;
    let (status, _) = alice.post("/api/admin/webhooks", json!({"url": url, "events": ["session.rated"]})).await;
    assert_eq!(status, 200);
    let (session, _) = alice.start_session().await;
    let (code, _) = alice.invite(&session).await;
    let (dana, _d) = customer(&s, &code, "Dana").await;
    let (code2, _) = alice.invite(&session).await;
    let (eve, mut e) = customer(&s, &code2, "Eve").await;

    // While it is live there is no survey.
    assert_eq!(answer(&s, &dana, 5, "").await.1["code"], "survey_closed");
    // Eve leaves before the end: no survey for her.
    e.send(json!({"type": "leave"})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = alice.post(&format!("/api/sessions/{session}/end"), json!({"notes": "Printer fixed."})).await;
    assert_eq!(status, 200);
    assert_eq!(answer(&s, &eve, 5, "").await.1["code"], "survey_closed", "no survey for a customer who left");

    // Bad answers are refused with their codes; nothing is kept.
    assert_eq!(answer(&s, &dana, 0, "").await.1["code"], "invalid_message");
    assert_eq!(answer(&s, &dana, 6, "").await.1["code"], "invalid_message");
    assert_eq!(answer(&s, &dana, 4, &"x".repeat(1001)).await.1["code"], "message_too_large");
    assert_eq!(answer(&s, "not-a-token", 4, "").await.1["code"], "survey_closed");
    // The answer, once.
    let (status, body) = answer(&s, &dana, 4, "Quick and kind, =1+1").await;
    assert_eq!(status, 200, "{body}");
    let (status, again) = answer(&s, &dana, 1, "changed my mind").await;
    assert_eq!((status, again["code"].as_str()), (410, Some("survey_closed")));

    // History (list and the session's page), and its rating filter.
    let (_, list) = alice.get("/api/sessions").await;
    let row = list.as_array().unwrap().iter().find(|r| r["id"] == session.as_str()).unwrap().clone();
    assert_eq!((row["rating"].as_f64(), row["feedback"].as_str()), (Some(4.0), Some("Quick and kind, =1+1")));
    let (_, detail) = alice.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(detail["session"]["rating"].as_f64(), Some(4.0));
    let (_, high) = alice.get("/api/sessions?min_rating=5").await;
    assert!(high.as_array().unwrap().is_empty(), "a 4 is not 5 or more: {high}");
    let (_, fours) = alice.get("/api/sessions?min_rating=4&max_rating=4").await;
    assert_eq!(fours.as_array().unwrap().len(), 1);

    // CSV: the rating and the comment (a formula neutralised, quoted for its comma).
    let csv = reqwest::Client::new()
        .get(format!("{}/api/sessions.csv", alice.base))
        .header("cookie", alice.cookie.clone().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",rating,feedback,team"), "{header}");
    let line = csv.lines().find(|l| l.starts_with(&session)).unwrap();
    assert!(line.ends_with(",4,\"Quick and kind, =1+1\","), "{line}: rated, and of no team");

    // The API with a token.
    let (status, made) = alice.post("/api/admin/tokens", json!({"name": "ticket system", "scopes": ["read_sessions"]})).await;
    assert_eq!(status, 200, "{made}");
    let secret = made["secret"].as_str().unwrap();
    let api: Value =
        reqwest::Client::new().get(format!("{}/api/sessions", s.base())).bearer_auth(secret).send().await.unwrap().json().await.unwrap();
    assert_eq!(api[0]["rating"].as_f64(), Some(4.0));

    // The webhook.
    let body = tokio::time::timeout(WAIT, hooks.recv()).await.expect("a delivery").unwrap();
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["type"], "session.rated");
    assert_eq!((event["data"]["session_id"].as_str(), event["data"]["rating"].as_i64()), (Some(session.as_str()), Some(4)));
    assert_eq!(event["data"]["comment"], "Quick and kind, =1+1");
    assert_eq!(event["data"]["notes"], "Printer fixed.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_survey_closes_a_day_after_the_end() {
    let s = InProcess::start(|_| {}).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (code, _) = alice.invite(&session).await;
    let (dana, _d) = customer(&s, &code, "Dana").await;
    let (status, _) = alice.post(&format!("/api/sessions/{session}/end"), json!({})).await;
    assert_eq!(status, 200);
    s.clock.advance(Duration::from_secs(24 * 3600 + 1));
    assert_eq!(answer(&s, &dana, 5, "late").await.1["code"], "survey_closed");
    let (_, list) = alice.get("/api/sessions").await;
    assert!(list[0]["rating"].is_null(), "{list}");
}
