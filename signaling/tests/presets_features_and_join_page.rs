//! S3 one-click starts from a saved preset, S11 feature switches set by the site admin, and
//! the join page an invitation link opens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_click_preset_starts_a_session_with_its_type_and_tracking_code() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (_, t) = alice.post("/api/admin/session-types", json!({"name": "Warranty", "tracking_required": true})).await;
    let type_id = t["id"].as_i64().unwrap();
    let (st, e) = alice.post("/api/presets", json!({"name": "RMA", "session_type_id": type_id})).await;
    assert_eq!((st, e["code"].as_str()), (400, Some("tracking_code_required")));
    let (st, preset) = alice.post("/api/presets", json!({"name": "RMA", "session_type_id": type_id, "tracking_code": "RMA-1"})).await;
    assert_eq!(st, 200, "{preset}");
    let (st, started) = alice.post("/api/sessions", json!({"preset_id": preset["id"]})).await;
    assert_eq!(st, 200, "{started}");
    let (_, detail) = alice.get(&format!("/api/sessions/{}", started["session_id"].as_str().unwrap())).await;
    assert_eq!(detail["session"]["session_type"], "Warranty");
    assert_eq!(detail["session"]["tracking_code"], "RMA-1");
    // Presets are personal.
    let mut bob = server.login("bob").await;
    let (st, _) = bob.post("/api/sessions", json!({"preset_id": preset["id"]})).await;
    assert_eq!(st, 404);
    let (_, list) = bob.get("/api/presets").await;
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn features_switched_off_by_the_site_admin_are_refused() {
    let server = Server::start(&["--features", "basic_file_transfer,advanced_file_transfer,video"]).await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let switches = json!({"basic_file_transfer": false, "advanced_file_transfer": true, "recording": true, "video": true});
    let (st, _) = bob.put("/api/admin/features", switches.clone()).await;
    assert_eq!(st, 403, "only site admins switch features");
    let (st, f) = alice.put("/api/admin/features", switches).await;
    assert_eq!(st, 200);
    // Recording is outside what this deployment allows, whatever the switch says.
    assert_eq!(f["effective"]["recording"], false);
    assert_eq!(f["effective"]["basic_file_transfer"], false);

    let (session, _) = alice.start_session().await;
    let mut a = Peer::csr(&server, &alice, &session).await;
    // The console learns the features in force from the roster, to hide what is off.
    let roster = a.roster(|_| true).await;
    assert_eq!(roster["features"]["basic_file_transfer"], false);
    assert_eq!(roster["features"]["advanced_file_transfer"], true);
    let (code, _) = alice.invite(&session).await;
    let (cus, token) = join(&server, json!({"code": code})).await;
    let _c = Peer::customer(&server, &token).await;
    assert_eq!(a.refused(json!({"type": "activity_start", "activity": "basic_file_transfer"})).await, "feature_disabled");
    let rec = json!({"type": "consent_request", "request": "r", "customer": cus, "capability": "recording"});
    assert_eq!(a.refused(rec).await, "feature_disabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invitation_link_opens_a_page_that_tells_the_customer_what_to_run() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (_, link) = alice.invite(&session).await;
    let resp = reqwest::get(&link).await.unwrap();
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains(&format!("agent join {link}")), "{page}");
    assert!(page.contains("Nothing on your computer is"));
    // Opening the page does not use the invitation up.
    join(&server, json!({"link": link})).await;
    let page = reqwest::get(&link).await.unwrap().text().await.unwrap();
    assert!(page.contains("already used"), "{page}");
    let resp = reqwest::get(format!("{}/join/%3Cscript%3E", server.base())).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(!resp.text().await.unwrap().contains("<script>"));
}
