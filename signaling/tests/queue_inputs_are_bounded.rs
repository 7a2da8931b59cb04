//! Everything a stranger sends to the support queue has a budget with a stable code (issue 16,
//! docs/security.md): the size of each field and body, requests for help and calls per
//! address, places per address and per team, messages per place, and the ticket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::queue::*;
use common::*;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};

fn code(r: &(u16, Value)) -> (u16, Option<&str>) {
    (r.0, r.1["code"].as_str())
}

#[tokio::test]
async fn fields_and_bodies_are_bounded() {
    let s = InProcess::start(|_| {}).await;
    let mut alice = s.login("alice").await;
    let slug = team(&mut alice, "Printers", &[]).await;
    let mut page = s.http();
    let asked =
        |name: Value, description: Value, email: Value| json!({"team": slug, "name": name, "description": description, "email": email});
    let cases = [
        (asked(json!("a".repeat(65)), json!("help"), Value::Null), (413, Some("message_too_large"))),
        (asked(json!("Dana"), json!("a".repeat(501)), Value::Null), (413, Some("message_too_large"))),
        (asked(json!(""), json!("help"), Value::Null), (400, Some("invalid_message"))),
        (asked(json!("Dana"), json!("help"), json!("not an address")), (400, Some("email_address_invalid"))),
        (asked(json!("Support desk"), json!("help"), Value::Null), (400, Some("name_not_allowed"))),
    ];
    for (body, want) in cases {
        assert_eq!(code(&page.post("/api/waiting", body.clone()).await), want, "{body}");
    }
    let mut other = Http::at_from(s.base(), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 9)));
    let r = other.post("/api/waiting", json!({"team": "nobody", "name": "Dana", "description": "help"})).await;
    assert_eq!(code(&r), (404, Some("not_found")));
    let r = other.post("/api/waiting", json!({"team": slug, "name": "Dana", "description": "x".repeat(9000)})).await;
    assert_eq!(code(&r), (413, Some("message_too_large")), "the body limit of the queue's routes");
    let r = other.post("/api/waiting/news", json!({"ticket": "t".repeat(201)})).await;
    assert_eq!(code(&r), (410, Some("not_in_queue")));

    let ticket = ask(&mut other, &slug, "Dana", "help").await;
    let r = other.post("/api/waiting/messages", json!({"ticket": ticket, "text": "a".repeat(501)})).await;
    assert_eq!(code(&r), (413, Some("message_too_large")));
    // 3 messages at once, then one every 30 s, 20 in all.
    for _ in 0..3 {
        assert_eq!(other.post("/api/waiting/messages", json!({"ticket": ticket, "text": "hello"})).await.0, 200);
    }
    let r = other.post("/api/waiting/messages", json!({"ticket": ticket, "text": "hello"})).await;
    assert_eq!(code(&r), (429, Some("rate_limited")));
    for _ in 3..20 {
        s.advance(30);
        assert_eq!(other.post("/api/waiting/messages", json!({"ticket": ticket, "text": "hello"})).await.0, 200);
    }
    s.advance(30);
    let r = other.post("/api/waiting/messages", json!({"ticket": ticket, "text": "hello"})).await;
    assert_eq!(code(&r), (429, Some("queue_messages_used_up")));
}

#[tokio::test]
async fn requests_places_and_calls_are_bounded_per_address_and_per_team() {
    let s = InProcess::start(|_| {}).await;
    let mut alice = s.login("alice").await;
    let slug = team(&mut alice, "Printers", &[]).await;
    let ask_from = |ip: u8| Http::at_from(s.base(), IpAddr::V4(Ipv4Addr::new(127, 0, 1, ip)));
    let body = |name: &str| json!({"team": slug, "name": name, "description": "help"});

    // 5 requests at once from one address, then one every 3 minutes; 5 places per address.
    let mut one = ask_from(1);
    let mut tickets = vec![];
    for i in 0..5 {
        let (status, asked) = one.post("/api/waiting", body(&format!("C{i}"))).await;
        assert_eq!(status, 200);
        tickets.push(asked["ticket"].as_str().unwrap().to_owned());
    }
    assert_eq!(code(&one.post("/api/waiting", body("C5")).await), (429, Some("rate_limited")));
    for _ in 0..2 {
        s.advance(90);
        for t in &tickets {
            assert!(place(&mut one, t).await > 0, "the pages stay open");
        }
    }
    assert_eq!(code(&one.post("/api/waiting", body("C5")).await), (503, Some("queue_full")), "5 places per address");

    // 100 places per team.
    for ip in 2..=20 {
        let mut c = ask_from(ip);
        for i in 0..5 {
            assert_eq!(c.post("/api/waiting", body(&format!("C{i}"))).await.0, 200);
        }
    }
    assert_eq!(code(&ask_from(21).post("/api/waiting", body("Late")).await), (503, Some("queue_full")), "100 waiting in the team");

    // Calls with a ticket: 120 at once per address, then 2 a second.
    let mut poller = ask_from(22);
    let mut last = (0, Value::Null);
    for _ in 0..121 {
        last = poller.post("/api/waiting/news", json!({"ticket": "nothing"})).await;
    }
    assert_eq!(code(&last), (429, Some("rate_limited")));
}
