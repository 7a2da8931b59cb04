//! S7 after a reload, a reconnection or a late join: every connection gets the chat so far
//! that its participant may read (`chat_history`, from the record), oldest first, even after
//! signaling restarted; a line to someone else is never in it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::{json, Value};

fn texts(history: &Value) -> Vec<String> {
    history["lines"].as_array().unwrap().iter().map(|l| l["text"].as_str().unwrap().to_owned()).collect()
}

async fn history(p: &mut Peer) -> Value {
    p.until("chat_history", |v| v["type"] == "chat_history").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_connection_gets_the_chat_so_far_that_its_participant_may_read() {
    let mut server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, alice_id) = alice.start_session().await;
    let mut a = Peer::csr(&server, &alice, &session).await;
    assert!(texts(&history(&mut a).await).is_empty(), "a new session has no chat");

    let (code, _) = alice.invite(&session).await;
    let (dana_id, dana_token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    let (code, _) = alice.invite(&session).await;
    let (eve_id, eve_token) = join(&server, json!({"code": code, "name": "Eve"})).await;
    let mut dana = Peer::customer(&server, &dana_token).await;
    let mut eve = Peer::customer(&server, &eve_token).await;

    a.send(json!({"type": "chat", "text": "hello all"})).await;
    dana.until("chat", |v| v["type"] == "chat").await;
    a.send(json!({"type": "chat", "to": [eve_id], "text": "only for Eve"})).await;
    eve.until("chat", |v| v["type"] == "chat" && v["text"] == "only for Eve").await;
    dana.send(json!({"type": "chat", "to": [alice_id], "text": "the printer says E42"})).await;
    a.until("chat", |v| v["type"] == "chat" && v["text"] == "the printer says E42").await;

    // Alice reloads: her whole conversation, in order, with who wrote to whom.
    let mut a2 = Peer::csr(&server, &alice, &session).await;
    let h = history(&mut a2).await;
    assert_eq!(texts(&h), ["hello all", "only for Eve", "the printer says E42"]);
    assert_eq!(h["lines"][2]["from"], dana_id.as_str());
    assert_eq!(h["lines"][2]["to"], json!([alice_id]));

    // Signaling restarts; Dana reconnects and sees what was hers to read, not Eve's line.
    server.restart().await;
    let mut dana2 = Peer::customer(&server, &dana_token).await;
    assert_eq!(texts(&history(&mut dana2).await), ["hello all", "the printer says E42"]);
    let mut eve2 = Peer::customer(&server, &eve_token).await;
    assert_eq!(texts(&history(&mut eve2).await), ["hello all", "only for Eve"]);
}
