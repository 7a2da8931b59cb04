//! Taking from the queue (issue 16, S3): of two CSRs who take the same customer at once,
//! exactly one gets them and the other is told `already_taken`; a CSR takes nobody while set
//! to away (`csr_away`) or while in `--max-sessions-per-csr` live sessions
//! (`too_many_sessions`); routing is by team.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::queue::*;
use common::*;
use serde_json::json;

#[tokio::test]
async fn two_csrs_taking_the_same_customer_at_once_one_gets_them() {
    let s = InProcess::start(|c| c.max_sessions_per_csr = Some(20)).await;
    let mut alice = s.login("alice").await;
    let slug = team(&mut alice, "Printers", &[("bob", "csr"), ("carol", "lead")]).await;
    let (mut bob, mut carol) = (s.login("bob").await, s.login("carol").await);
    let mut page = s.http();
    let mut tickets = vec![];
    for i in 0..5 {
        tickets.push(ask(&mut page, &slug, &format!("Customer {i}"), "help").await);
    }
    let (_, q) = bob.get("/api/queue").await;
    let ids: Vec<String> = q["waiting"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 5);
    for id in &ids {
        let path = format!("/api/queue/{id}/take");
        let ((a, body_a), (b, body_b)) = tokio::join!(bob.post(&path, json!({})), carol.post(&path, json!({})));
        let mut outcomes = [(a, body_a["code"].as_str().map(str::to_owned)), (b, body_b["code"].as_str().map(str::to_owned))];
        outcomes.sort();
        assert_eq!(outcomes, [(200, None), (409, Some("already_taken".into()))], "{body_a} {body_b}");
    }
    // Each customer is in exactly one session.
    for t in &tickets {
        let (_, body) = news(&mut page, t).await;
        assert_eq!(body["state"], "ready", "{body}");
    }
    // And "take next" from two at once on a queue of one: one customer, one session.
    let mut another = Http::at_from(s.base(), std::net::IpAddr::from([127, 0, 0, 5]));
    let last = ask(&mut another, &slug, "Last", "help").await;
    let ((a, _), (b, body_b)) = tokio::join!(bob.post("/api/queue/next", json!({})), carol.post("/api/queue/next", json!({})));
    let mut codes = [a, b];
    codes.sort();
    assert_eq!(codes[0], 200);
    assert_ne!(codes[1], 200, "{body_b}");
    assert_eq!(news(&mut page, &last).await.1["state"], "ready");
}

#[tokio::test]
async fn a_csr_takes_nobody_while_away_or_at_their_limit_or_from_other_teams() {
    let s = InProcess::start(|c| c.max_sessions_per_csr = Some(2)).await;
    let TwoTeams { printers, billing, mut bob, mut carol, mut page } = two_teams(&s).await;

    let (status, body) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "nobody waits");

    for name in ["Ana", "Ben", "Cem", "Dov"] {
        ask(&mut page, &printers, name, "help").await;
    }
    let other = ask(&mut page, &billing, "Eli", "help").await;
    let (_, q) = carol.get("/api/queue").await;
    let eli = q["waiting"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = bob.post(&format!("/api/queue/{eli}/take"), json!({})).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "not bob's team");
    assert_eq!(news(&mut page, &other).await.1["state"], "waiting");

    let (status, _) = bob.put("/api/queue/availability", json!({"available": false})).await;
    assert_eq!(status, 200);
    let (_, q) = bob.get("/api/queue").await;
    assert_eq!(q["available"], false);
    let (status, body) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("csr_away")));
    bob.put("/api/queue/availability", json!({"available": true})).await;

    let (status, first) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!((status, first["customer"]["name"].as_str()), (200, Some("Ana")), "{first}");
    let (status, second) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!((status, second["customer"]["name"].as_str()), (200, Some("Ben")));
    let (status, body) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("too_many_sessions")), "at the limit of 2");
    let (_, q) = bob.get("/api/queue").await;
    assert_eq!((q["in_sessions"].as_i64(), q["max_sessions"].as_i64()), (Some(2), Some(2)));
    assert_eq!(waiting_names(&mut bob).await, ["Cem", "Dov"], "nobody was lost to the refusal");

    // A session started by hand counts too; ending sessions makes room.
    let (status, _) = bob.post(&format!("/api/sessions/{}/end", first["session_id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 200);
    let (status, third) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!((status, third["customer"]["name"].as_str()), (200, Some("Cem")));
}
