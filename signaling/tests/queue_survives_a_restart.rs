//! The support queue is kept in the database (issue 16, S3): customers waiting when signaling
//! stops are still waiting, in the same order, when it is back, and are taken as before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::queue::*;
use common::*;
use serde_json::json;

#[tokio::test]
async fn waiting_customers_keep_their_places_and_messages_across_a_restart() {
    let first = InProcess::start(|_| {}).await;
    let mut alice = first.login("alice").await;
    let slug = team(&mut alice, "Printers", &[("bob", "csr")]).await;
    let mut page = first.http();
    let dana = ask(&mut page, &slug, "Dana", "The printer jams").await;
    let erik = ask(&mut page, &slug, "Erik", "Paper tray").await;
    let (status, _) = page.post("/api/waiting/messages", json!({"ticket": erik, "text": "Still here"})).await;
    assert_eq!(status, 200);
    let mut bob = first.login("bob").await;
    bob.put("/api/queue/availability", json!({"available": true})).await;
    let dir = first.dir.clone();
    first.running.stop().await.unwrap();

    let second = InProcess::restart_on(dir).await;
    let mut page = second.http();
    assert_eq!((place(&mut page, &dana).await, place(&mut page, &erik).await), (1, 2));
    let mut bob = second.login("bob").await;
    let (_, q) = bob.get("/api/queue").await;
    let names: Vec<&str> = q["waiting"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Dana", "Erik"]);
    assert_eq!(q["waiting"][1]["messages"][0]["text"], "Still here");

    let (status, taken) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!((status, taken["customer"]["name"].as_str()), (200, Some("Dana")), "{taken}");
    let (_, body) = news(&mut page, &dana).await;
    assert_eq!(body["state"], "ready");
    let (status, seat) = page.post("/api/join", json!({"link": body["invitation"], "name": "Dana"})).await;
    assert_eq!((status, seat["session_id"].as_str()), (200, taken["session_id"].as_str()), "{seat}");
    assert_eq!(place(&mut page, &erik).await, 1);
}
