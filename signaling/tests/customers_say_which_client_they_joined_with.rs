//! Issue 14: a customer's `hello` says which client they joined with (`client`: `browser` or
//! `agent`, `agent` when absent), and the roster lists it for each customer, so the console
//! opens no WebRTC link to a customer in the browser. A reload in the browser (a second hello
//! with the same token) is the same participant back, never a new one; anything but the two
//! words is refused with `invalid_message` before the token is looked at.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roster_lists_each_customers_client_and_a_browser_reload_is_the_same_seat() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, alice_id) = alice.start_session().await;
    let mut a = Peer::csr(&server, &alice, &session).await;

    let (code, _) = alice.invite(&session).await;
    let (dana, dana_token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    let (code, _) = alice.invite(&session).await;
    let (eve, eve_token) = join(&server, json!({"code": code, "name": "Eve"})).await;

    let mut d = Peer::browser(&server, &dana_token).await;
    let _e = Peer::customer(&server, &eve_token).await;
    let r = a.roster(|r| r["participants"].as_array().unwrap().iter().filter(|p| p["online"] == true).count() == 3).await;
    assert_eq!(entry(&r, &dana)["client"], "browser", "Dana joined in the browser");
    assert_eq!(entry(&r, &eve)["client"], "agent", "a hello without `client` is the agent");
    assert!(entry(&r, &alice_id).get("client").is_none(), "CSRs have no client kind: {r}");

    // A reload: the new page says hello with the same token before the old socket is gone.
    a.send(json!({"type": "chat", "text": "before the reload"})).await;
    d.until("chat", |v| v["type"] == "chat").await;
    let mut d2 = Peer::browser(&server, &dana_token).await;
    let history = d2.until("chat_history", |v| v["type"] == "chat_history").await;
    assert_eq!(history["lines"][0]["text"], "before the reload", "the reloaded page gets the chat so far");
    assert_eq!(d.closed().await, None, "the old socket of the same seat is closed, with no error");
    // Nothing changed for the others: Dana never went offline and is not new (Alice's console,
    // opened again, reads the same two customers, Dana online in the browser).
    let mut heard = vec![];
    while let Ok(Some(v)) = tokio::time::timeout(std::time::Duration::from_millis(700), a.next()).await {
        heard.push(v);
    }
    let about_dana = |v: &&serde_json::Value| v["type"] == "event" && (v["id"] == dana.as_str());
    assert!(!heard.iter().any(|v| about_dana(&v)), "no joined, left or presence change for Dana: {heard:#?}");
    let mut a = Peer::csr(&server, &alice, &session).await;
    let r = a.roster(|_| true).await;
    let customers: Vec<_> = r["participants"].as_array().unwrap().iter().filter(|p| p["role"] == "customer").collect();
    assert_eq!(customers.len(), 2, "the same two customers, no new participant: {r}");
    assert_eq!((entry(&r, &dana)["online"].clone(), entry(&r, &dana)["client"].clone()), (json!(true), json!("browser")));
    // Dana is still there for chat, as the same participant.
    d2.send(json!({"type": "chat", "to": [alice_id], "text": "back"})).await;
    let line = a.until("chat", |v| v["type"] == "chat" && v["text"] == "back").await;
    assert_eq!(line["from"], dana.as_str());

    // The same seat later from the agent: the roster says so.
    drop(d2);
    a.roster(|r| entry(r, &dana)["online"] == false).await;
    let _d3 = Peer::customer(&server, &dana_token).await;
    let r = a.roster(|r| entry(r, &dana)["online"] == true).await;
    assert_eq!(entry(&r, &dana)["client"], "agent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hello_with_another_client_word_is_refused_as_invalid() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (code, _) = alice.invite(&session).await;
    let (_, token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    for client in [json!("phone"), json!(7), json!({"kind": "browser"}), json!("x".repeat(10_000))] {
        let mut p = Peer::open(&server, None).await;
        p.send(json!({"type": "hello", "protocol_version": 1, "token": token, "client": client})).await;
        assert_eq!(p.closed().await.as_deref(), Some("invalid_message"), "client {client} is refused");
    }
    // The seat is unharmed.
    Peer::customer(&server, &token).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invitation_page_offers_the_browser_with_the_token_in_the_fragment_and_join_serves_the_code_page() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (_, link) = alice.invite(&session).await;
    let token = link.rsplit('/').next().unwrap();
    let page = reqwest::get(&link).await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!(r#"href="/join#invitation={token}""#)), "{page}");
    assert!(page.contains("Join in your browser — no download"), "{page}");
    // The customer page: the console's static file, under the console's CSP, no token in it.
    let resp = reqwest::get(format!("{}/join", server.base())).await.unwrap();
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let body = resp.text().await.unwrap();
    assert!(body.contains("/console/js/customer/main.js"), "{body}");
    // Its modules are served like the console's.
    let js = reqwest::get(format!("{}/console/js/customer/session.js", server.base())).await.unwrap();
    assert_eq!(js.status(), 200);
}
