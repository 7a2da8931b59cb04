//! The support queue (issue 16, S3): customers who ask a team for help wait in the order they
//! asked, see their place and an estimate of the wait, may write to the team, and leave by
//! saying so or by closing the page for longer than the grace period. CSRs see only their own
//! teams' queues.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::queue::*;
use common::*;
use serde_json::json;

#[tokio::test]
async fn customers_wait_in_order_see_their_place_and_leave() {
    let s = InProcess::start(|_| {}).await;
    let TwoTeams { printers, billing, mut bob, mut carol, mut page } = two_teams(&s).await;

    let dana = ask(&mut page, &printers, "Dana", "The printer jams").await;
    s.advance(1);
    let erik = ask(&mut page, &printers, "Erik", "Paper tray").await;
    s.advance(1);
    let fay = ask(&mut page, &printers, "Fay", "Toner").await;
    let gus = ask(&mut page, &billing, "Gus", "An invoice").await;

    assert_eq!((place(&mut page, &dana).await, place(&mut page, &erik).await, place(&mut page, &fay).await), (1, 2, 3));
    assert_eq!(place(&mut page, &gus).await, 1, "each team has its own line");
    let (_, body) = news(&mut page, &erik).await;
    assert_eq!(body["waiting"], 3);
    assert_eq!(body["estimate_ms"], json!(null), "no recent waits: the page says a few minutes");
    assert_eq!(body["available"], false, "no CSR of the team has the console open");

    assert_eq!(waiting_names(&mut bob).await, ["Dana", "Erik", "Fay"], "routing by team, longest waiting first");
    assert_eq!(waiting_names(&mut carol).await, ["Gus"]);
    assert!(waiting_names(&mut s.login("alice").await).await.is_empty(), "a site admin in no team sees no queue");
    let (_, body) = news(&mut page, &erik).await;
    assert_eq!(body["available"], true, "bob's console asked just now");

    // Erik writes while waiting; bob sees it with the description.
    let (status, body) = page.post("/api/waiting/messages", json!({"ticket": erik, "text": "It says E-52"})).await;
    assert_eq!(status, 200, "{body}");
    let (_, q) = bob.get("/api/queue").await;
    let e = &q["waiting"][1];
    assert_eq!((e["description"].as_str(), e["messages"][0]["text"].as_str()), (Some("Paper tray"), Some("It says E-52")));
    assert_eq!(e["waited_ms"], 1000);
    assert_eq!(q["teams"][0]["page"], format!("{}/help/printers", s.base()));

    // Dana leaves; the others move up.
    let (status, _) = page.post("/api/waiting/leave", json!({"ticket": dana})).await;
    assert_eq!(status, 200);
    let (status, body) = news(&mut page, &dana).await;
    assert_eq!((status, body["code"].as_str()), (410, Some("not_in_queue")));
    assert_eq!((place(&mut page, &erik).await, place(&mut page, &fay).await), (1, 2));

    // Fay's page stops asking (closed); Erik's keeps asking. After the grace period Fay's
    // place is given up.
    for _ in 0..13 {
        s.advance(10);
        assert_eq!(place(&mut page, &erik).await, 1);
    }
    let (status, body) = news(&mut page, &fay).await;
    assert_eq!((status, body["code"].as_str()), (410, Some("not_in_queue")), "{body}");
    assert_eq!(waiting_names(&mut bob).await, ["Erik"]);
}

#[tokio::test]
async fn the_estimate_follows_the_recent_waits_of_the_team() {
    let s = InProcess::start(|_| {}).await;
    let mut alice = s.login("alice").await;
    let slug = team(&mut alice, "Printers", &[("bob", "csr"), ("carol", "csr")]).await;
    let mut bob = s.login("bob").await;
    let mut page = s.http();

    // Two customers were taken after waiting 2 and 4 minutes.
    for wait in [120, 240] {
        let t = ask(&mut page, &slug, "Early", "help").await;
        for _ in 0..wait / 60 {
            s.advance(60);
            place(&mut page, &t).await;
        }
        let (status, body) = bob.post("/api/queue/next", json!({})).await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = bob.post(&format!("/api/sessions/{}/end", body["session_id"].as_str().unwrap()), json!({})).await;
        assert_eq!(status, 200);
    }
    let first = ask(&mut page, &slug, "Hana", "help").await;
    let second = ask(&mut page, &slug, "Ivo", "help").await;
    waiting_names(&mut bob).await;
    let (_, body) = news(&mut page, &first).await;
    assert_eq!(body["estimate_ms"], 240_000, "the median of the recent waits (of two, the longer)");
    let (_, body) = news(&mut page, &second).await;
    assert_eq!(body["estimate_ms"], 480_000, "twice as long at place 2 with one CSR at the console");

    // Carol is at her console too: the work is shared by two.
    let mut carol = s.login("carol").await;
    waiting_names(&mut carol).await;
    let (_, body) = news(&mut page, &second).await;
    assert_eq!(body["estimate_ms"], 240_000);
    // Carol goes away: she no longer counts.
    let (status, _) = carol.put("/api/queue/availability", json!({"available": false})).await;
    assert_eq!(status, 200);
    let (_, body) = news(&mut page, &second).await;
    assert_eq!(body["estimate_ms"], 480_000);
}
