//! The support queue, customer side (issue 16, rule S3): from a team's page (`/help/<slug>`,
//! `help_page.rs`) a customer asks for help with a name, a short description and maybe an
//! e-mail address, and gets a ticket; with it the page asks for news every few seconds (place,
//! estimate, and, once a CSR took them, an invitation into the session), writes short messages
//! to the team, or leaves. No sign-in; every input is bounded (`queue_rules.rs`,
//! docs/security.md) and the ticket rides in bodies, never in an address.

use crate::auth::ClientIp;
use crate::db::queue::{self as store, Polled};
use crate::db::teams;
use crate::error::{ApiJson, ApiResult};
use crate::queue_rules as rules;
use crate::ratelimit::RateLimiter;
use crate::secrets;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest ticket accepted (ours are 43 characters).
const MAX_TICKET: usize = 200;
/// A CSR counts as at their console for this long after its queue panel last asked.
const CONSOLE_SEEN: Duration = Duration::from_secs(60);

/// The queue's rate limits and who is at their console.
pub struct QueueBudget {
    /// Requests for help per client address: 5 at once, then 20 an hour.
    pub asks: RateLimiter<IpAddr>,
    /// Queue calls (news, leave, messages) per client address: 120 at once, then 2 a second —
    /// several customers behind one address, each page asking every 3 s.
    pub calls: RateLimiter<IpAddr>,
    /// Messages per place: 3 at once, then one every 30 s (and at most 20 in all).
    pub messages: RateLimiter<String>,
    /// When each CSR's queue panel last asked (for "someone is available").
    seen: Mutex<HashMap<i64, Instant>>,
}

impl Default for QueueBudget {
    fn default() -> Self {
        Self {
            asks: RateLimiter::new(5, 20),
            calls: RateLimiter::new(120, 7200),
            messages: RateLimiter::new(3, 120),
            seen: Mutex::default(),
        }
    }
}

impl QueueBudget {
    /// A CSR's console shows the queue now.
    pub fn seen(&self, account: i64, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, at| now.saturating_duration_since(*at) < CONSOLE_SEEN);
        seen.insert(account, now);
    }

    /// How many of `accounts` are at their console.
    fn present(&self, accounts: &[i64], now: Instant) -> i64 {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        accounts.iter().filter(|a| seen.get(a).is_some_and(|at| now.saturating_duration_since(*at) < CONSOLE_SEEN)).count() as i64
    }
}

fn limited(st: &AppState, ok: bool) -> ApiResult<()> {
    if ok {
        return Ok(());
    }
    st.metrics.refused(ErrorCode::RateLimited);
    Err(ErrorCode::RateLimited.into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    /// The team's slug.
    team: String,
    name: String,
    description: String,
    email: Option<String>,
}

/// A customer asks a team for help: their ticket, and how often to ask for news.
pub async fn ask(State(st): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<Ask>) -> ApiResult<Json<Value>> {
    limited(&st, st.queue.asks.try_take(&ip, st.clock.now()))?;
    let req = rules::check_request(&b.name, &b.description, b.email.as_deref())?;
    let slug = b.team;
    let team = st.db.call(move |c| teams::by_slug(c, &slug)).await?.ok_or(ErrorCode::NotFound)?;
    let ticket = secrets::token();
    let (t2, addr, now) = (ticket.clone(), ip.to_string(), st.clock.now_ms());
    let id = st.db.call(move |c| store::join(c, team.id, &req, &addr, &t2, now)).await?.inspect_err(|code| st.metrics.refused(*code))?;
    st.webhooks.wake();
    tracing::info!(team = %team.slug, entry = %id, "a customer asked for help");
    Ok(Json(json!({"ticket": ticket, "team": team.name, "poll_ms": rules::POLL_MS})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    ticket: String,
}

fn ticket_ok(t: &str) -> ApiResult<()> {
    if t.is_empty() || t.len() > MAX_TICKET {
        return Err(ErrorCode::NotInQueue.into());
    }
    Ok(())
}

/// The waiting page asks for news: `waiting` (place, how many wait, estimate, whether someone is
/// available, the messages written), `taking`, or `ready` with the invitation into the session.
pub async fn news(State(st): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<Ticket>) -> ApiResult<Json<Value>> {
    limited(&st, st.queue.calls.try_take(&ip, st.clock.now()))?;
    ticket_ok(&b.ticket)?;
    let ttl = i64::try_from(st.config.invitation_ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
    let now = st.clock.now_ms();
    let polled = st
        .db
        .call(move |c| {
            let polled = store::poll(c, &b.ticket, now, ttl)?;
            // Who of the team could take them: not set to away (and, below, at their console).
            let members = match &polled {
                Ok(Polled::Waiting { team_id, .. }) => store::available_members(c, *team_id)?,
                _ => vec![],
            };
            Ok(polled.map(|p| (p, members)))
        })
        .await?
        .inspect_err(|code| st.metrics.refused(*code))?;
    Ok(Json(match polled {
        (Polled::Waiting { place, waiting, recent_waits, messages, .. }, members) => {
            let available = st.queue.present(&members, st.clock.now());
            json!({
                "state": "waiting", "place": place, "waiting": waiting, "available": available > 0,
                "estimate_ms": rules::estimate(&recent_waits, place, available), "messages": messages, "poll_ms": rules::POLL_MS,
            })
        }
        (Polled::Taking, _) => json!({"state": "taking", "poll_ms": 1000}),
        (Polled::Ready { link_token, name }, _) => json!({"state": "ready", "invitation": link_token, "name": name}),
    }))
}

/// The customer leaves the queue.
pub async fn leave(State(st): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<Ticket>) -> ApiResult<Json<Value>> {
    limited(&st, st.queue.calls.try_take(&ip, st.clock.now()))?;
    ticket_ok(&b.ticket)?;
    let now = st.clock.now_ms();
    if !st.db.call(move |c| store::leave(c, &b.ticket, now)).await? {
        return Err(ErrorCode::NotInQueue.into());
    }
    st.webhooks.wake();
    Ok(Json(json!({"left": true})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Written {
    ticket: String,
    text: String,
}

/// A short message from the waiting customer to the team.
pub async fn write(State(st): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<Written>) -> ApiResult<Json<Value>> {
    limited(&st, st.queue.calls.try_take(&ip, st.clock.now()))?;
    ticket_ok(&b.ticket)?;
    let text = rules::check_message(&b.text)?;
    let t = b.ticket.clone();
    let place = st.db.call(move |c| store::waiting_id(c, &t)).await?.ok_or(ErrorCode::NotInQueue)?;
    limited(&st, st.queue.messages.try_take(&place, st.clock.now()))?;
    let now = st.clock.now_ms();
    st.db.call(move |c| store::write(c, &b.ticket, &text, now)).await?.inspect_err(|code| st.metrics.refused(*code))?;
    Ok(Json(json!({"sent": true})))
}
