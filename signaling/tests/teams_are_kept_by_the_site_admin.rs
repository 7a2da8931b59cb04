//! Teams (issue 16): the site admin creates teams, puts accounts in them as lead or CSR and
//! gives session types to them; nobody else may.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn the_site_admin_makes_teams_with_leads_and_csrs_and_gives_them_session_types() {
    let s = Server::start(&[]).await;
    let mut alice = s.login("alice").await;
    let mut bob = s.login("bob").await;

    let (status, team) = alice.post("/api/admin/teams", json!({"name": "Printers & Scanners"})).await;
    assert_eq!(status, 200, "{team}");
    assert_eq!(team["slug"], "printers-scanners", "the slug follows the name");
    let id = team["id"].as_i64().unwrap();

    let (status, body) = alice.post("/api/admin/teams", json!({"name": "printers & scanners"})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("already_exists")), "names are unique, whatever the case");
    for bad in [json!({"name": ""}), json!({"name": "x".repeat(81)}), json!({"name": "Ok", "slug": "Not A Slug"}), json!({"name": "日本"})]
    {
        let (status, body) = alice.post("/api/admin/teams", bad.clone()).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_message")), "{bad}");
    }

    let (_, accounts) = alice.get("/api/admin/accounts").await;
    let account = |user: &str| accounts.as_array().unwrap().iter().find(|a| a["username"] == user).unwrap()["id"].as_i64().unwrap();
    let (bob_id, carol_id) = (account("bob"), account("carol"));
    let (status, body) = alice.put(&format!("/api/admin/teams/{id}/members/{bob_id}"), json!({"role": "lead"})).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = alice.put(&format!("/api/admin/teams/{id}/members/{carol_id}"), json!({"role": "csr"})).await;
    assert_eq!(status, 200);
    let (status, body) = alice.put(&format!("/api/admin/teams/{id}/members/{carol_id}"), json!({"role": "boss"})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_message")), "only lead or csr");

    let (status, t) = alice.post("/api/admin/session-types", json!({"name": "Printer help"})).await;
    assert_eq!(status, 200, "{t}");
    let (status, t) = alice.patch(&format!("/api/admin/session-types/{}", t["id"]), json!({"team_id": id})).await;
    assert_eq!((status, t["team_id"].as_i64()), (200, Some(id)), "{t}");
    assert_eq!(t["tracking_required"], false, "what was not sent stays");

    let (_, teams) = alice.get("/api/admin/teams").await;
    let t0 = &teams[0];
    assert_eq!(t0["name"], "Printers & Scanners");
    let members: Vec<(&str, &str)> =
        t0["members"].as_array().unwrap().iter().map(|m| (m["username"].as_str().unwrap(), m["role"].as_str().unwrap())).collect();
    assert_eq!(members, [("bob", "lead"), ("carol", "csr")]);
    assert_eq!(t0["session_type_ids"], json!([t["id"]]));

    let (status, renamed) = alice.patch(&format!("/api/admin/teams/{id}"), json!({"slug": "printers"})).await;
    assert_eq!((status, renamed["slug"].as_str(), renamed["name"].as_str()), (200, Some("printers"), Some("Printers & Scanners")));
    let (status, _) = alice.delete(&format!("/api/admin/teams/{id}/members/{carol_id}")).await;
    assert_eq!(status, 200);
    let (status, body) = alice.delete(&format!("/api/admin/teams/{id}/members/{carol_id}")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));

    // A team lead is no site admin.
    for (status, body) in [bob.get("/api/admin/teams").await, bob.post("/api/admin/teams", json!({"name": "Mine"})).await] {
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    }
}
