//! Issue 12, finding 8: body-less cross-site posts (a `text/plain` or form post a page of
//! another site can send with the CSR's cookie) are refused with `cross_site_request` before
//! anything happens; the console's own requests and programs without `Origin` still work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Server;
use std::time::Instant;

#[tokio::test]
async fn cross_site_posts_without_a_body_are_refused_and_change_nothing() {
    let s = Server::start(&[]).await;
    let alice = s.login("alice").await;
    let cookie = alice.cookie.clone().unwrap();
    let mut admin = s.login("alice").await;
    let (session, _) = admin.start_session().await;
    let (_, accounts) = admin.get("/api/admin/accounts").await;
    let bob = accounts.as_array().unwrap().iter().find(|a| a["username"] == "bob").unwrap()["id"].as_i64().unwrap();
    let client = reqwest::Client::new();
    let targets = [format!("/api/sessions/{session}/invitations"), format!("/api/admin/accounts/{bob}/password-reset")];
    let attacks: [&[(&str, &str)]; 4] = [
        &[("origin", "https://evil.example"), ("content-type", "text/plain")],
        &[("origin", "https://evil.example"), ("content-type", "application/x-www-form-urlencoded")],
        &[("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")],
        &[("origin", "null")],
    ];
    let t = Instant::now();
    let mut refused = 0;
    for path in &targets {
        for headers in attacks {
            let mut req = client.post(format!("{}{path}", s.base())).header("cookie", &cookie);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!((status, body["code"].as_str()), (403, Some("cross_site_request")), "{path} {headers:?}");
            refused += 1;
        }
    }
    // Nothing happened: bob still signs in with his password, the session has no invitation.
    s.login("bob").await;
    let (_, read) = admin.get(&format!("/api/sessions/{session}")).await;
    assert!(read["invitations"].as_array().is_none_or(|i| i.is_empty()), "{read}");

    // The console (same origin) and programs (no Origin, no Sec-Fetch-Site) go on working.
    let own = client
        .post(format!("{}{}", s.base(), targets[0]))
        .header("cookie", &cookie)
        .header("origin", s.base())
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
    let program =
        client.post(format!("{}{}", s.base(), targets[0])).header("cookie", &cookie).json(&serde_json::json!({})).send().await.unwrap();
    assert_eq!(program.status().as_u16(), 200);
    println!("abuse: cross_site_posts refused={refused}/{} ms={} ok", targets.len() * attacks.len(), t.elapsed().as_millis());
}
