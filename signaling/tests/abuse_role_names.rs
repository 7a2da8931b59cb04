//! Issue 12, finding 8: a customer cannot name themselves "Alice (support)". Names that claim
//! a role, or hold the name of a CSR of the session, are refused at join with
//! `name_not_allowed`, and the invitation stays usable for a proper name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_names_that_claim_a_role_are_refused_and_the_invitation_still_works() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (code, _) = alice.invite(&session).await;
    let mut anon = Http::anonymous(&server);
    let mut refused = 0;
    for name in ["Alice (support)", "CSR Dana", "Admin", "Helpdesk", "Tech Support", "Alice", "ａｄｍｉｎ"] {
        let (status, body) = anon.post("/api/join", json!({"code": code, "name": name})).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("name_not_allowed")), "{name}: {body}");
        assert!(body["message"].as_str().unwrap().contains("Give your own name"), "{body}");
        refused += 1;
    }
    // The same invitation admits the customer under their own name.
    let (dana, token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    let mut p = Peer::customer(&server, &token).await;
    let roster = p.roster(|r| r["participants"].as_array().unwrap().len() == 2).await;
    assert_eq!(entry(&roster, &dana)["name"], "Dana");
    assert_eq!(entry(&roster, &dana)["role"], "customer", "the role comes with every name");
    println!("abuse: role_names refused={refused} proper_name_joined=yes ok");
}
