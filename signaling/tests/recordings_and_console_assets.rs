//! The console's files as signaling serves them (content types, a strict CSP, revalidation by
//! ETag), and S16 recordings uploaded by the console: stored with the session only after the
//! customer allowed recording, within the size limit, and readable from the record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

async fn upload(s: &Server, http: &Http, session: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/sessions/{session}/recordings", s.base()))
        .header("cookie", http.cookie.clone().unwrap_or_default())
        .header("content-type", "video/webm")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_is_kept_with_the_session_only_after_the_customers_grant_and_within_the_limit() {
    let server = Server::start(&["--max-recording-mib", "1"]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let webm = webm_bytes(300 * 1024);

    // Nothing is stored before the customer allowed recording (S16, S21).
    let (st, e) = upload(&server, &alice, &session, webm.clone()).await;
    assert_eq!((st, e["code"].as_str()), (409, Some("consent_required")), "{e}");

    let mut a = Peer::csr(&server, &alice, &session).await;
    let (code, _) = alice.invite(&session).await;
    let (cus, token) = join(&server, json!({"code": code})).await;
    let mut c = Peer::customer(&server, &token).await;
    a.send(json!({"type": "consent_request", "request": "rec1", "customer": cus, "capability": "recording"})).await;
    c.asked("rec1").await;
    c.send(json!({"type": "consent_answer", "request": "rec1", "granted": true})).await;
    a.event("consent_granted").await;

    // A CSR without a seat cannot add one.
    let bob = server.login("bob").await;
    let (st, e) = upload(&server, &bob, &session, webm.clone()).await;
    assert_eq!((st, e["code"].as_str()), (403, Some("not_in_session")));

    let (st, saved) = upload(&server, &alice, &session, webm.clone()).await;
    assert_eq!(st, 200, "{saved}");
    assert_eq!(saved["bytes"], webm.len());
    let id = saved["recording"].as_str().unwrap().to_owned();

    // Over the limit: refused with a stable code, nothing kept.
    let (st, e) = upload(&server, &alice, &session, vec![0u8; 1024 * 1024 + 1]).await;
    assert_eq!((st, e["code"].as_str()), (413, Some("file_too_large")), "{e}");

    // The record names the recording, and the file reads back whole.
    let (_, detail) = alice.get(&format!("/api/sessions/{session}")).await;
    let entries: Vec<_> = detail["record"].as_array().unwrap().iter().filter(|e| e["kind"] == "recording_saved").collect();
    assert_eq!(entries.len(), 1, "{detail}");
    assert_eq!(entries[0]["detail"]["recording"], id.as_str());
    let resp = reqwest::Client::new()
        .get(format!("{}/api/sessions/{session}/recordings/{id}", server.base()))
        .header("cookie", alice.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "video/webm");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), webm);
    // Only participants (and site admins) read it; odd ids never reach the file system.
    let (st, _) = Http::anonymous(&server).get(&format!("/api/sessions/{session}/recordings/{id}")).await;
    assert_eq!(st, 401);
    let (st, _) = alice.get(&format!("/api/sessions/{session}/recordings/..%2Fsignaling")).await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_served_with_its_content_types_a_strict_csp_and_etags() {
    let server = Server::start(&[]).await;
    let client = reqwest::Client::new();
    let page = client.get(format!("{}/", server.base())).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-cache");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="/console/js/main.js"></script>"#));
    assert!(!html.contains("<script>") && !html.contains("style="), "no inline code, the CSP would block it");

    for (path, kind) in [("/console/js/main.js", "text/javascript; charset=utf-8"), ("/console/style.css", "text/css; charset=utf-8")] {
        let r = client.get(format!("{}{path}", server.base())).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], kind);
        let etag = r.headers()["etag"].clone();
        // Unchanged files are revalidated, not sent again.
        let again = client.get(format!("{}{path}", server.base())).header("if-none-match", etag).send().await.unwrap();
        assert_eq!(again.status(), 304);
    }
    let (st, e) = Http::anonymous(&server).get("/console/js/missing.js").await;
    assert_eq!((st, e["code"].as_str()), (404, Some("not_found")));
}
