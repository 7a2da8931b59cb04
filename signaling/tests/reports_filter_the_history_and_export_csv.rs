//! Issue 16, reports: the history narrowed by CSR, dates, session type and tracking code, the
//! same list as CSV (quoted, with cells a spreadsheet would run as formulas made plain text),
//! each CSR seeing their own sessions and a site admin all of them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

async fn start(csr: &mut Http, tracking: &str) -> String {
    // Sessions started in the same millisecond are listed by id: these start a moment apart.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (status, body) = csr.post("/api/sessions", json!({"session_type_id": 1, "tracking_code": tracking})).await;
    assert_eq!(status, 200, "{body}");
    body["session_id"].as_str().unwrap().to_owned()
}

async fn csv(csr: &mut Http, query: &str) -> (u16, String) {
    let resp = reqwest::Client::new()
        .get(format!("{}/api/sessions.csv?{query}", csr.base))
        .header("cookie", csr.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert!(status != 200 || resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    (status, resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_is_narrowed_by_csr_date_type_and_tracking_code_and_exported_as_csv() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await; // site admin
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let b1 = start(&mut bob, "TICKET-100").await;
    let b2 = start(&mut bob, "=HYPERLINK(\"http://evil\",\"click\")").await;
    let c1 = start(&mut carol, "ticket-200").await;
    let (status, _) = bob.post(&format!("/api/sessions/{b1}/end"), json!({"notes": "Printer fixed, \"really\", twice\nsecond line"})).await;
    assert_eq!(status, 200);

    let ids = |v: &serde_json::Value| v.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    // A CSR sees their own; an admin everyone's, narrowed as asked.
    let (_, mine) = bob.get("/api/sessions").await;
    assert_eq!(ids(&mine), vec![b2.clone(), b1.clone()]);
    let (_, all) = alice.get("/api/sessions").await;
    assert_eq!(ids(&all), vec![c1.clone(), b2.clone(), b1.clone()]);
    let (_, carols) = alice.get("/api/sessions?csr=carol").await;
    assert_eq!(ids(&carols), vec![c1.clone()]);
    let (_, tickets) = alice.get("/api/sessions?tracking=TICKET-").await;
    assert_eq!(ids(&tickets), vec![c1.clone(), b1.clone()], "any case");
    let (_, typed) = alice.get("/api/sessions?session_type=1&tracking=100").await;
    assert_eq!(ids(&typed), vec![b1.clone()]);
    let started_b2 = mine[0]["started_at"].as_i64().unwrap();
    let (_, since) = alice.get(&format!("/api/sessions?from={started_b2}")).await;
    assert_eq!(ids(&since), vec![c1.clone(), b2.clone()]);
    let (_, until) = alice.get(&format!("/api/sessions?to={started_b2}")).await;
    assert_eq!(ids(&until), vec![b1.clone()]);
    let (status, _) = alice.get(&format!("/api/sessions?tracking={}", "x".repeat(129))).await;
    assert_eq!(status, 400);

    // The CSV: a header, a line per session, notes whole and quoted, a formula made plain.
    let (status, text) = csv(&mut bob, "").await;
    assert_eq!(status, 200);
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next(),
        Some("session_id,session_type,tracking_code,started_by,started_at,ended_at,duration_seconds,notes,rating,feedback,team")
    );
    assert!(text.contains(&format!("{b2},Support,\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\",bob,")), "{text}");
    assert!(text.contains(&format!("{b1},Support,TICKET-100,bob,")), "{text}");
    assert!(text.contains("\"Printer fixed, \"\"really\"\", twice\nsecond line\""), "{text}");
    assert!(!text.contains(&c1), "Carol's session is not Bob's to export");
    let (_, carols_csv) = csv(&mut alice, "csr=carol").await;
    assert_eq!(carols_csv.matches("\r\n").count(), 2, "{carols_csv}");
    assert!(carols_csv.contains(&c1));
}
