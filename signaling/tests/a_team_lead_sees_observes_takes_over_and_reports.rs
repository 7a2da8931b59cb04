//! The team lead (issue 16): sees the live sessions of the teams they lead and only those,
//! reads their records without a seat, joins one as an observer (the customer's roster says
//! so), runs nothing while observing, takes the session over, and finds it in the team's
//! figures and the history narrowed to the team.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::queue::*;
use common::*;
use serde_json::{json, Value};

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_team_lead_sees_observes_takes_over_and_finds_the_session_in_the_teams_figures() {
    let s = Server::start(&[]).await;
    let mut alice = s.login("alice").await;
    let slug = team(&mut alice, "Printers", &[("bob", "csr"), ("carol", "lead")]).await;
    let (_, t) = alice.post("/api/admin/session-types", json!({"name": "Printer help"})).await;
    let (_, teams) = alice.get("/api/admin/teams").await;
    let team_id = teams[0]["id"].as_i64().unwrap();
    alice.patch(&format!("/api/admin/session-types/{}", t["id"]), json!({"team_id": team_id})).await;
    let mut carol = s.login("carol").await;
    let (_, me) = carol.get("/api/me").await;
    assert_eq!(me["leads"][0]["name"], "Printers", "the console learns which teams Carol leads");

    // Dana asks the team; Bob takes her.
    let mut page = Http::anonymous(&s);
    let ticket = ask(&mut page, &slug, "Dana", "The printer jams").await;
    let mut bob = s.login("bob").await;
    let (status, taken) = bob.post("/api/queue/next", json!({})).await;
    assert_eq!(status, 200, "{taken}");
    let session = taken["session_id"].as_str().unwrap().to_owned();
    let mut bob_ws = Peer::csr(&s, &bob, &session).await;
    let (_, news) = news(&mut page, &ticket).await;
    let (status, seat) = page.post("/api/join", json!({"link": news["invitation"], "name": "Dana"})).await;
    assert_eq!(status, 200, "{seat}");
    let dana_token = seat["token"].as_str().unwrap().to_owned();
    let mut dana = Peer::browser(&s, &dana_token).await;
    // Bob also has a session of no team: not the lead's to see.
    let (other, _) = bob.start_session().await;

    // The team lead's view: the team's live session, its host and people; Bob leads nothing.
    let (status, live) = carol.get("/api/team/sessions").await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(ids(&live), vec![session.clone()], "only the sessions of Carol's team");
    assert_eq!(
        (live[0]["host"].as_str(), live[0]["team"].as_str(), live[0]["seated"].as_bool()),
        (Some("Bob"), Some("Printers"), Some(false))
    );
    assert!(live[0]["people"].as_array().unwrap().iter().any(|p| p["name"] == "Dana" && p["role"] == "customer"), "{live}");
    let (_, none) = bob.get("/api/team/sessions").await;
    assert_eq!(none, json!([]));
    let (_, all) = alice.get("/api/team/sessions").await;
    assert_eq!(ids(&all).len(), 2, "the site admin sees every live session");

    // Carol reads the record of her team's session without a seat; not Bob's other one.
    let (status, _) = carol.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200);
    let (status, body) = carol.get(&format!("/api/sessions/{other}")).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("not_in_session")));
    let (status, body) = carol.post(&format!("/api/sessions/{other}/observe"), json!({})).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "a lead observes their team's sessions only");
    let (status, body) = bob.post(&format!("/api/sessions/{session}/observe"), json!({})).await;
    assert_eq!((status, body["seated_already"].as_bool()), (200, Some(true)), "Bob is in it already: he keeps his seat");

    // Carol observes: the customer's roster says so.
    let (status, seen) = carol.post(&format!("/api/sessions/{session}/observe"), json!({})).await;
    assert_eq!((status, seen["observer"].as_bool()), (200, Some(true)), "{seen}");
    let lead = seen["participant_id"].as_str().unwrap().to_owned();
    let mut carol_ws = Peer::csr(&s, &carol, &session).await;
    let roster = dana.roster(|r| entry(r, &lead)["online"] == true).await;
    assert_eq!((entry(&roster, &lead)["name"].as_str(), entry(&roster, &lead)["observer"].as_bool()), (Some("Carol"), Some(true)));
    let (_, again) = carol.post(&format!("/api/sessions/{session}/observe"), json!({})).await;
    assert_eq!(again["participant_id"].as_str(), Some(lead.as_str()), "observing twice keeps the one seat");

    // An observer chats, and runs and asks for nothing; control is not handed to them.
    carol_ws.send(json!({"type": "chat", "text": "Hello Dana"})).await;
    let line = dana.until("chat", |v| v["type"] == "chat").await;
    assert_eq!(line["text"], "Hello Dana");
    carol_ws.send(json!({"type": "activity_start", "activity": "audio_conference"})).await;
    assert_eq!(carol_ws.error().await, "observing");
    carol_ws.send(json!({"type": "consent_request", "request": "r1", "customer": dana.id, "capability": "screen_view"})).await;
    assert_eq!(carol_ws.error().await, "not_host");
    bob_ws.send(json!({"type": "transfer_control", "to": lead})).await;
    assert_eq!(bob_ws.error().await, "observing");
    let (status, body) = carol.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("observing")), "an observer invites nobody");
    bob_ws.send(json!({"type": "take_over"})).await;
    assert_eq!(bob_ws.error().await, "forbidden", "only an observer takes over");

    // Carol takes over: she is the host and no longer observes.
    carol_ws.send(json!({"type": "take_over"})).await;
    let roster = dana.roster(|r| r["host"] == lead.as_str()).await;
    assert_eq!(entry(&roster, &lead)["observer"], Value::Null, "the lead who took over acts as host");
    let (status, _) = carol.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
    assert_eq!(status, 200, "the host invites");
    carol_ws.send(json!({"type": "end", "notes": "Paper tray replaced."})).await;
    dana.until("ended", |v| v["type"] == "event" && v["event"] == "ended").await;
    let (status, body) = page.post("/api/survey", json!({"token": dana_token, "rating": 5, "comment": "Great"})).await;
    assert_eq!(status, 200, "{body}");

    // The team's figures and history.
    let (status, figures) = carol.get("/api/reports/teams").await;
    assert_eq!(status, 200, "{figures}");
    let f = &figures[0];
    assert_eq!(f["team"], "Printers");
    assert_eq!((f["sessions"].as_i64(), f["ended"].as_i64(), f["taken_from_queue"].as_i64()), (Some(1), Some(1), Some(1)), "{f}");
    assert_eq!((f["ratings"].as_i64(), f["mean_rating"].as_f64(), f["gave_up"].as_i64()), (Some(1), Some(5.0), Some(0)), "{f}");
    assert!(f["mean_wait_ms"].as_i64().is_some() && f["mean_duration_ms"].as_i64().is_some(), "{f}");
    let (_, outside) = carol.get("/api/reports/teams?from=4102444800000").await;
    assert_eq!(outside[0]["sessions"], 0, "a period without sessions counts none");
    let (_, by_team) = alice.get(&format!("/api/sessions?team={team_id}")).await;
    assert_eq!(ids(&by_team), vec![session.clone()]);
    assert_eq!(by_team[0]["team"], "Printers");
    let (status, csv) = alice.get(&format!("/api/sessions.csv?team={team_id}")).await;
    assert_eq!(status, 200);
    let csv = csv.as_str().unwrap();
    assert!(csv.lines().nth(1).unwrap().ends_with(",5,Great,Printers"), "{csv}");
}
