//! Helpers for the support queue's tests (issue 16): teams, customers asking for help, news.

use super::Http;
use serde_json::{json, Value};

/// Creates team `name` (as site admin `admin`) with `members` (user name, `lead` or `csr`);
/// returns its slug.
pub async fn team(admin: &mut Http, name: &str, members: &[(&str, &str)]) -> String {
    let (status, team) = admin.post("/api/admin/teams", json!({"name": name})).await;
    assert_eq!(status, 200, "team {name}: {team}");
    let (_, accounts) = admin.get("/api/admin/accounts").await;
    for (user, role) in members {
        let id = accounts.as_array().unwrap().iter().find(|a| a["username"] == *user).unwrap()["id"].clone();
        let (status, body) = admin.put(&format!("/api/admin/teams/{}/members/{id}", team["id"]), json!({"role": role})).await;
        assert_eq!(status, 200, "{body}");
    }
    team["slug"].as_str().unwrap().to_owned()
}

/// A customer asks `team` for help; their ticket.
pub async fn ask(customer: &mut Http, team: &str, name: &str, description: &str) -> String {
    let (status, body) = customer.post("/api/waiting", json!({"team": team, "name": name, "description": description})).await;
    assert_eq!(status, 200, "ask {name}: {body}");
    body["ticket"].as_str().unwrap().to_owned()
}

/// What the waiting page is told now (status, body).
pub async fn news(customer: &mut Http, ticket: &str) -> (u16, Value) {
    customer.post("/api/waiting/news", json!({"ticket": ticket})).await
}

/// The place of a waiting customer; panics otherwise.
pub async fn place(customer: &mut Http, ticket: &str) -> i64 {
    let (status, body) = news(customer, ticket).await;
    assert_eq!((status, body["state"].as_str()), (200, Some("waiting")), "{body}");
    body["place"].as_i64().unwrap()
}

/// The names waiting in the queue panel of `csr`, in order.
pub async fn waiting_names(csr: &mut Http) -> Vec<String> {
    let (status, body) = csr.get("/api/queue").await;
    assert_eq!(status, 200, "{body}");
    body["waiting"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap().to_owned()).collect()
}

/// Two teams and their CSRs, signed in: Printers (Bob) and Billing (Carol), and a customer's page.
pub struct TwoTeams {
    pub printers: String,
    pub billing: String,
    pub bob: Http,
    pub carol: Http,
    pub page: Http,
}

/// [`TwoTeams`] on `s`, made by the site admin Alice.
pub async fn two_teams(s: &super::InProcess) -> TwoTeams {
    let mut alice = s.login("alice").await;
    let printers = team(&mut alice, "Printers", &[("bob", "csr")]).await;
    let billing = team(&mut alice, "Billing", &[("carol", "csr")]).await;
    TwoTeams { printers, billing, bob: s.login("bob").await, carol: s.login("carol").await, page: s.http() }
}
