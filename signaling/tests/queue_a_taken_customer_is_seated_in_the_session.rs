//! Taking a customer from the queue (issue 16, S3): the CSR starts a session (S1) with the
//! team's session type; the customer's waiting page is given an invitation into it, redeems it
//! like any invitation and is seated; what they asked and wrote while waiting is in the record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::queue::*;
use common::*;
use serde_json::json;

#[tokio::test]
async fn the_taken_customer_is_seated_in_a_session_of_the_teams_type() {
    let s = Server::start(&[]).await;
    let mut alice = s.login("alice").await;
    let slug = team(&mut alice, "Printers", &[("bob", "csr")]).await;
    let (_, t) = alice.post("/api/admin/session-types", json!({"name": "Printer help"})).await;
    let (_, teams) = alice.get("/api/admin/teams").await;
    let (status, _) = alice.patch(&format!("/api/admin/session-types/{}", t["id"]), json!({"team_id": teams[0]["id"]})).await;
    assert_eq!(status, 200);

    // The team's page is public, names the team and runs only this origin's scripts.
    let resp = reqwest::get(format!("{}/help/{slug}", s.base())).await.unwrap();
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = resp.text().await.unwrap();
    assert!(html.contains("Get help from Printers") && html.contains("/console/js/queue/wait.js"), "{html}");
    let resp = reqwest::get(format!("{}/help/nobody", s.base())).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("not_found"));

    let mut page = Http::anonymous(&s);
    let ticket = ask(&mut page, &slug, "Dana", "The printer jams").await;
    let (status, _) = page.post("/api/waiting/messages", json!({"ticket": ticket, "text": "Model LX-200"})).await;
    assert_eq!(status, 200);

    let mut bob = s.login("bob").await;
    let (_, q) = bob.get("/api/queue").await;
    let place_id = q["waiting"][0]["id"].as_str().unwrap().to_owned();
    let (status, taken) = bob.post(&format!("/api/queue/{place_id}/take"), json!({})).await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["customer"]["name"], "Dana");
    let session = taken["session_id"].as_str().unwrap().to_owned();
    let mut csr = Peer::csr(&s, &bob, &session).await;
    assert!(waiting_names(&mut bob).await.is_empty(), "taken customers leave the list");

    // The page is told to go into the session, with an invitation for Dana.
    let (status, body) = news(&mut page, &ticket).await;
    assert_eq!((status, body["state"].as_str(), body["name"].as_str()), (200, Some("ready"), Some("Dana")), "{body}");
    // A lost answer: asked again, the page gets a fresh invitation and the first one is withdrawn.
    let lost = body["invitation"].as_str().unwrap().to_owned();
    let (_, body) = news(&mut page, &ticket).await;
    let invitation = body["invitation"].as_str().unwrap().to_owned();
    assert_ne!(invitation, lost);
    let (status, refused) = page.post("/api/join", json!({"link": lost, "name": "Dana"})).await;
    assert_eq!((status, refused["code"].as_str()), (410, Some("invitation_revoked")));

    let (status, seat) = page.post("/api/join", json!({"link": invitation, "name": "Dana"})).await;
    assert_eq!(status, 200, "{seat}");
    assert_eq!(seat["session_id"], session.as_str());
    let dana = Peer::browser(&s, seat["token"].as_str().unwrap()).await;
    let roster = csr.roster(|r| entry(r, &dana.id)["name"] == "Dana").await;
    assert_eq!(entry(&roster, &dana.id)["role"], "customer");
    let (status, body) = news(&mut page, &ticket).await;
    assert_eq!((status, body["code"].as_str()), (410, Some("not_in_queue")), "the ticket is done once seated");

    let (_, read) = bob.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(read["session"]["session_type"], "Printer help", "the team's session type");
    assert_eq!(read["session"]["started_by"], "bob", "S1: the CSR started it");
    let queued = read["record"].as_array().unwrap().iter().find(|e| e["kind"] == "queue_taken").expect("the record keeps the request");
    assert_eq!(queued["detail"]["description"], "The printer jams");
    assert_eq!(queued["detail"]["messages"][0]["text"], "Model LX-200");
}
