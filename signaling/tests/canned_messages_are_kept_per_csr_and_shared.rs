//! Issue 16, canned messages: each CSR keeps their own snippets, which no one else sees or
//! changes; site admins keep shared ones that every CSR sees after their own. Keys are short
//! words (what follows "/" in the chat box), unique per owner; texts are chat-sized; each CSR
//! and the site have a bounded number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_snippets_stay_own_and_shared_ones_reach_everyone() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await; // site admin
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;

    let (status, own) = bob.post("/api/snippets", json!({"key": "/Printer", "text": "Please switch the printer off and on again."})).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!((own["key"].as_str(), own["shared"].as_bool()), (Some("printer"), Some(false)), "the key without its slash, lower case");
    let (status, _) = bob.post("/api/snippets", json!({"key": "printer", "text": "again"})).await;
    assert_eq!(status, 409, "a key is once per owner");
    let (status, _) = bob.post("/api/snippets", json!({"key": "hours", "text": "x", "shared": true})).await;
    assert_eq!(status, 403, "only site admins keep shared ones");
    let (status, shared) = alice.post("/api/snippets", json!({"key": "hours", "text": "We are here 8–18 h.", "shared": true})).await;
    assert_eq!(status, 200, "{shared}");
    // Carol may have her own "printer": keys are per owner.
    let (status, _) = carol.post("/api/snippets", json!({"key": "printer", "text": "Carol's way"})).await;
    assert_eq!(status, 200);

    let (_, seen) = bob.get("/api/snippets").await;
    let keys: Vec<(&str, bool)> =
        seen.as_array().unwrap().iter().map(|s| (s["key"].as_str().unwrap(), s["shared"].as_bool().unwrap())).collect();
    assert_eq!(keys, vec![("printer", false), ("hours", true)], "own first, then shared; never Carol's");
    let (_, carols) = carol.get("/api/snippets").await;
    assert!(carols.as_array().unwrap().iter().any(|s| s["text"] == "Carol's way"));
    assert!(!carols.to_string().contains("switch the printer"), "Bob's stay Bob's: {carols}");

    // Changing: one's own, or shared ones as a site admin; someone else's is not found.
    let id = own["id"].as_str().unwrap();
    let (status, _) = carol.put(&format!("/api/snippets/{id}"), json!({"key": "printer", "text": "mine now"})).await;
    assert_eq!(status, 404);
    let (status, _) =
        bob.put(&format!("/api/snippets/{id}"), json!({"key": "printer", "text": "Turn the printer off, wait 10 s, on."})).await;
    assert_eq!(status, 200);
    let sid = shared["id"].as_str().unwrap();
    let (status, _) = bob.delete(&format!("/api/snippets/{sid}")).await;
    assert_eq!(status, 403);
    let (status, _) = alice.delete(&format!("/api/snippets/{sid}")).await;
    assert_eq!(status, 200);
    let (_, seen) = bob.get("/api/snippets").await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    assert_eq!(seen[0]["text"], "Turn the printer off, wait 10 s, on.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snippets_are_bounded_in_key_text_and_number() {
    let server = Server::start(&[]).await;
    let mut bob = server.login("bob").await;
    for bad in [
        json!({"key": "", "text": "x"}),
        json!({"key": "two words", "text": "x"}),
        json!({"key": "k".repeat(33), "text": "x"}),
        json!({"key": "ok", "text": "   "}),
        json!({"key": "ok", "text": "x".repeat(4001)}),
    ] {
        let (status, body) = bob.post("/api/snippets", bad.clone()).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_message")), "{bad}: {body}");
    }
    for i in 0..200 {
        let (status, _) = bob.post("/api/snippets", json!({"key": format!("k{i}"), "text": "x"})).await;
        assert_eq!(status, 200);
    }
    let (status, body) = bob.post("/api/snippets", json!({"key": "one-more", "text": "x"})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("too_many_snippets")), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_snippets_are_kept_by_its_leads_and_offered_to_its_members_only() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await; // site admin
    common::queue::team(&mut alice, "Printers", &[("bob", "csr"), ("carol", "lead")]).await;
    let (_, teams) = alice.get("/api/admin/teams").await;
    let team = teams[0]["id"].as_i64().unwrap();
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;

    // Carol, the lead, keeps the team's; Bob, a CSR of the team, may not.
    let (status, made) =
        carol.post("/api/snippets", json!({"key": "jam", "text": "Open tray 2 and pull the sheet.", "team_id": team})).await;
    assert_eq!(status, 200, "{made}");
    assert_eq!((made["team"].as_str(), made["shared"].as_bool()), (Some("Printers"), Some(false)));
    let (status, body) = bob.post("/api/snippets", json!({"key": "jam2", "text": "x", "team_id": team})).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let (status, body) = carol.post("/api/snippets", json!({"key": "x", "text": "x", "team_id": 999})).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = carol.post("/api/snippets", json!({"key": "jam", "text": "again", "team_id": team})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("already_exists")), "a key is the team's once");
    // The same key may be someone's own too.
    let (status, _) = bob.post("/api/snippets", json!({"key": "jam", "text": "My own words."})).await;
    assert_eq!(status, 200);

    // Bob sees his own first, then the team's; Alice (in no team) does not see the team's.
    let (_, list) = bob.get("/api/snippets").await;
    let seen: Vec<(String, Option<String>)> =
        list.as_array().unwrap().iter().map(|s| (s["text"].as_str().unwrap().to_owned(), s["team"].as_str().map(str::to_owned))).collect();
    assert_eq!(seen, vec![("My own words.".to_owned(), None), ("Open tray 2 and pull the sheet.".to_owned(), Some("Printers".to_owned()))]);
    let (_, list) = alice.get("/api/snippets").await;
    assert!(list.as_array().unwrap().is_empty(), "{list}");

    // Only a lead (or a site admin) changes or deletes it.
    let id = made["id"].as_str().unwrap();
    let (status, _) = bob.put(&format!("/api/snippets/{id}"), json!({"key": "jam", "text": "changed"})).await;
    assert_eq!(status, 403);
    let (status, _) =
        carol.put(&format!("/api/snippets/{id}"), json!({"key": "jam", "text": "Open tray 2, pull the sheet, close it."})).await;
    assert_eq!(status, 200);
    let (status, _) = bob.delete(&format!("/api/snippets/{id}")).await;
    assert_eq!(status, 403);
    let (status, _) = alice.delete(&format!("/api/snippets/{id}")).await;
    assert_eq!(status, 200, "a site admin may delete any team's");
}
