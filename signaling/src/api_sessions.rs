//! Sessions over HTTP: start (S1, S3, S4), invite customers (S5) and CSRs (S17), customers
//! join by code or link (S2), notes (S15), end with notes (S19, S20), and the record (S22).

use crate::auth::{ClientIp, Csr};
use crate::db::accounts::{self, Account};
use crate::db::sessions::{self as store, ParticipantRow, Presented, SessionSummary};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::idempotency::{self, Action};
use crate::live_session::Command;
use crate::notices::Invited;
use crate::secrets;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::rules::{Role, Session};
use protocol::{ErrorCode, ParticipantId, SessionId};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Longest notes accepted (S15, S20).
pub const MAX_NOTES: usize = 64 * 1024;
const MAX_NAME: usize = protocol::limits::MAX_NAME_CHARS;

#[derive(Deserialize)]
pub struct StartSession {
    session_type_id: Option<i64>,
    tracking_code: Option<String>,
    /// A one-click preset of the caller (S3), instead of type and tracking code.
    preset_id: Option<i64>,
}

#[derive(Serialize)]
pub struct Started {
    pub session_id: SessionId,
    pub participant_id: ParticipantId,
}

/// S4: start with a session type (and a tracking code when the type needs one), or S3 with a
/// saved preset. The starting CSR is the host.
/// With an `Idempotency-Key`, a repeat of the request (a double click) gets the same session.
pub async fn start(
    State(st): State<AppState>,
    Csr(a): Csr,
    headers: HeaderMap,
    ApiJson(b): ApiJson<StartSession>,
) -> ApiResult<Json<Value>> {
    let key = idempotency::key_of(&headers)?;
    let (account, now) = (a.id, st.clock.now_ms());
    let st2 = st.clone();
    let started = st.idempotency.once(account, Action::StartSession, key, now, || async move { start_new(&st2, &a, b).await }).await?;
    Ok(Json(started))
}

async fn start_new(st: &AppState, a: &Account, b: StartSession) -> ApiResult<Value> {
    let account_id = a.id;
    let (type_id, tracking) = match b.preset_id {
        Some(pid) => {
            let presets = st.db.call(move |c| accounts::presets(c, account_id)).await?;
            let p = presets.into_iter().find(|p| p.id == pid).ok_or(ErrorCode::NotFound)?;
            (p.session_type_id, p.tracking_code)
        }
        None => (b.session_type_id.ok_or(ErrorCode::InvalidMessage)?, b.tracking_code),
    };
    let tracking = tracking.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if tracking.as_ref().is_some_and(|t| t.chars().count() > 128) {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let started = open_session(st, a, type_id, tracking).await?;
    Ok(serde_json::to_value(started).map_err(|_| ErrorCode::Internal)?)
}

/// Starts a session of type `type_id` with `a` as its host (S1): stored, then its task spawned.
pub(crate) async fn open_session(st: &AppState, a: &Account, type_id: i64, tracking: Option<String>) -> ApiResult<Started> {
    let account_id = a.id;
    let stype = st.db.call(move |c| accounts::session_type(c, type_id)).await?.ok_or(ErrorCode::NotFound)?;
    if stype.tracking_required && tracking.is_none() {
        return Err(ErrorCode::TrackingCodeRequired.into());
    }
    let features = st.features().await?;
    let session_id = SessionId(secrets::id("ses"));
    let host = ParticipantId(secrets::id("csr"));
    let rules = Session::start(host.clone(), a.display_name.clone(), features);
    let (sid, hid, name, snapshot) = (session_id.0.clone(), host.0.clone(), a.display_name.clone(), rules.clone());
    let now = st.clock.now_ms();
    st.db
        .call(move |c| {
            let new = store::NewSession { id: &sid, type_id, tracking: tracking.as_deref(), account_id, host_id: &hid, host_name: &name };
            store::create(c, new, &snapshot, now)
        })
        .await?;
    st.hub.spawn(session_id.clone(), rules);
    tracing::info!(session = %session_id, csr = %a.username, "session started");
    Ok(Started { session_id, participant_id: host })
}

/// The caller's seat in a session, or why they have none.
pub(crate) async fn seat(st: &AppState, session: &str, a: &Account) -> Result<ParticipantRow, ApiError> {
    let (sid, aid) = (session.to_owned(), a.id);
    st.db.call(move |c| store::csr_participant(c, &sid, aid)).await?.ok_or(ApiError(ErrorCode::NotInSession))
}

/// [`seat`] of a CSR who may act in the session: a team lead who observes invites nobody
/// (`observing`, issue 16).
pub(crate) async fn acting_seat(st: &AppState, session: &str, a: &Account) -> Result<ParticipantRow, ApiError> {
    let me = seat(st, session, a).await?;
    let id = ParticipantId(me.id.clone());
    // A session that is not live says so further on, as before.
    if st.hub.ask(&SessionId(session.to_owned()), |reply| Command::IsObserver { id, reply }).await.unwrap_or(false) {
        return Err(ErrorCode::Observing.into());
    }
    Ok(me)
}

#[derive(Serialize)]
pub struct InvitationOut {
    id: String,
    /// Nine digits, grouped for reading aloud: "123 456 789".
    code: String,
    link: String,
    expires_at: i64,
}

/// S5: a customer invitation with a code and a link; each admits one customer. With an
/// `Idempotency-Key`, a repeat of the request (a double click) gets the same invitation.
pub async fn invite_customer(
    State(st): State<AppState>,
    Csr(a): Csr,
    headers: HeaderMap,
    ApiPath(session): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let key = idempotency::key_of(&headers)?;
    acting_seat(&st, &session, &a).await?;
    let (account, now) = (a.id, st.clock.now_ms());
    let st2 = st.clone();
    // One key space per session: the same key in another session is another invitation.
    let key = key.map(|k| format!("{session}/{k}"));
    let inv =
        st.idempotency.once(account, Action::InviteCustomer, key, now, || async move { new_invitation(&st2, &a, session).await }).await?;
    Ok(Json(inv))
}

async fn new_invitation(st: &AppState, a: &Account, session: String) -> ApiResult<Value> {
    let ttl = i64::try_from(st.config.invitation_ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
    let (sid, aid, now) = (session.clone(), a.id, st.clock.now_ms());
    let inv = st
        .db
        .call(move |c| {
            let live = store::summary(c, &sid)?.is_some_and(|s| s.ended_at.is_none());
            Ok(if live { Some(store::create_invitation(c, &sid, aid, now, ttl)?) } else { None })
        })
        .await?
        .ok_or(ErrorCode::SessionEnded)?;
    let out = InvitationOut {
        id: inv.id,
        code: crate::secrets::grouped(&inv.code),
        link: format!("{}/join/{}", st.config.public_url, inv.link_token),
        expires_at: inv.expires_at,
    };
    Ok(serde_json::to_value(out).map_err(|_| ErrorCode::Internal)?)
}

pub async fn revoke_invitation(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath((session, inv)): ApiPath<(String, String)>,
) -> ApiResult<Json<Value>> {
    acting_seat(&st, &session, &a).await?;
    let sid = session.clone();
    let (inv2, now) = (inv.clone(), st.clock.now_ms());
    if !st.db.call(move |c| store::revoke_invitation(c, &sid, &inv2, now)).await? {
        return Err(ErrorCode::NotFound.into());
    }
    Ok(Json(json!({"revoked": inv})))
}

#[derive(Deserialize)]
pub struct InviteCsr {
    username: String,
}

/// S17: the host brings another CSR's account into the session.
pub async fn invite_csr(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath(session): ApiPath<String>,
    ApiJson(b): ApiJson<InviteCsr>,
) -> ApiResult<Json<Value>> {
    let me = seat(&st, &session, &a).await?;
    let username = b.username;
    let other = st.db.call(move |c| accounts::by_username(c, &username)).await?;
    let other = other.map(|(a, _)| a).filter(|o| !o.disabled).ok_or(ErrorCode::NotFound)?;
    let (sid, oid) = (session.clone(), other.id);
    if st.db.call(move |c| store::csr_participant(c, &sid, oid)).await?.is_some() {
        return Err(ErrorCode::AlreadyExists.into());
    }
    let sid = SessionId(session.clone());
    // Only the host invites CSRs: ask the session task, which knows who holds control.
    let is_host = st.hub.ask(&sid, |reply| Command::IsHost { id: ParticipantId(me.id.clone()), reply }).await?;
    if !is_host {
        return Err(ErrorCode::NotHost.into());
    }
    let pid = ParticipantId(secrets::id("csr"));
    add_participant(&st, &sid, &pid, Role::Csr, Some(other.id), &other.display_name, false).await?;
    // The invited CSR's console shows it at once, wherever it is (notices.rs).
    let s = session.clone();
    if let Some(summary) = st.db.call(move |c| store::summary(c, &s)).await? {
        let notice = Invited {
            session_id: session,
            by: a.display_name.clone(),
            session_type: summary.session_type,
            tracking_code: summary.tracking_code,
            at_ms: st.clock.now_ms(),
        };
        st.notices.invited(other.id, notice);
    }
    Ok(Json(json!({"participant_id": pid, "username": other.username})))
}

/// Stores a participant and seats them in the live session; undone if the rules refuse.
pub(crate) async fn add_participant(
    st: &AppState,
    sid: &SessionId,
    pid: &ParticipantId,
    role: Role,
    account: Option<i64>,
    name: &str,
    observer: bool,
) -> Result<(), ApiError> {
    let (s, p, n, now) = (sid.0.clone(), pid.0.clone(), name.to_owned(), st.clock.now_ms());
    if role == Role::Csr {
        st.db
            .call(move |c| {
                let seat = store::NewParticipant { session: &s, id: &p, role, account_id: account, name: &n, token: None };
                store::add_participant(c, seat, now)
            })
            .await?;
    }
    let joined =
        st.hub.ask(sid, |reply| Command::Join { id: pid.clone(), name: name.to_owned(), role, observer, reply }).await.and_then(|r| r);
    if let Err(code) = joined {
        let p = pid.0.clone();
        st.db.call(move |c| store::remove_participant(c, &p)).await?;
        return Err(code.into());
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct Join {
    /// The code read out over the phone (spaces and dashes are ignored) …
    code: Option<String>,
    /// … or the link, whole or just its last part.
    link: Option<String>,
    name: Option<String>,
}

#[derive(Serialize)]
pub struct Joined {
    session_id: String,
    participant_id: String,
    /// Bearer token for the WebSocket `hello`; keeps working for reconnects until the
    /// customer leaves or the session ends.
    token: String,
}

/// S2: a customer exchanges an invitation for a participant token. Rate-limited per
/// address, and codes also across all addresses (docs/security.md).
pub async fn join(State(st): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<Join>) -> ApiResult<Json<Joined>> {
    let now = st.clock.now();
    let presented = match (&b.code, &b.link) {
        (Some(code), None) => Secret::Code(secrets::normalize_code(code)),
        (None, Some(link)) => Secret::Link(link.trim().rsplit('/').next().unwrap_or_default().to_owned()),
        _ => return Err(ErrorCode::InvalidMessage.into()),
    };
    let is_code = matches!(presented, Secret::Code(_));
    if !st.limits.join_by_address.try_take(&ip, now) || (is_code && !st.limits.join_codes_everywhere.try_take(&(), now)) {
        st.metrics.refused(ErrorCode::RateLimited);
        return Err(ErrorCode::RateLimited.into());
    }
    let name: String = b.name.as_deref().unwrap_or("").trim().chars().filter(|c| !c.is_control()).take(MAX_NAME).collect();
    let name = if name.is_empty() { "Customer".to_owned() } else { name };
    // A name that claims a role is refused without using the invitation up; the name of one of
    // the session's CSRs is refused when redeeming. A moved seat keeps its name: no refusal.
    let claims = protocol::names::claims_role(&name, []);
    let refused = claims.is_some();
    let pid = secrets::id("cus");
    let token = secrets::token();
    let (p2, n2, t2, at) = (pid.clone(), name.clone(), token.clone(), st.clock.now_ms());
    let redeemed = st
        .db
        .call(move |c| match &presented {
            Secret::Code(code) => store::redeem(c, Presented::Code(code), &p2, &n2, refused, &t2, at),
            Secret::Link(link) => store::redeem(c, Presented::Link(link), &p2, &n2, refused, &t2, at),
        })
        .await?;
    let redeemed = match redeemed {
        Ok(r) => r,
        Err(code) => {
            if let (ErrorCode::NameNotAllowed, Some(why)) = (code, claims) {
                tracing::info!(why, "a customer's name was refused");
            }
            st.metrics.refused(code);
            return Err(code.into());
        }
    };
    st.limits.join_by_address.refund(&ip);
    if is_code {
        st.limits.join_codes_everywhere.refund(&());
    }
    match redeemed {
        store::Redeemed::Joined(session) => {
            add_participant(&st, &SessionId(session.clone()), &ParticipantId(pid.clone()), Role::Customer, None, &name, false).await?;
            tracing::info!(session = %session, participant = %pid, "customer joined");
            Ok(Json(Joined { session_id: session, participant_id: pid, token }))
        }
        store::Redeemed::Moved { session, participant } => {
            tracing::info!(session = %session, participant = %participant, "a customer's seat moved to another client");
            Ok(Json(Joined { session_id: session, participant_id: participant, token }))
        }
    }
}

/// Issue 14: a customer in the browser takes their seat to the support agent. Answers an
/// invitation for that seat only (`download`: the agent with it inside; `code` for an agent
/// already on the computer); redeemed, the seat gets a new token and the page's stops working.
pub async fn seat_agent(State(st): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<SeatToken>) -> ApiResult<Json<Value>> {
    let now = st.clock.now();
    if !st.limits.join_by_address.try_take(&ip, now) {
        st.metrics.refused(ErrorCode::RateLimited);
        return Err(ErrorCode::RateLimited.into());
    }
    let ttl = i64::try_from(st.config.invitation_ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
    let (token, at) = (b.token, st.clock.now_ms());
    let made = st.db.call(move |c| store::create_seat_move(c, &token, at, ttl)).await?;
    let (session, inv) = made.inspect_err(|code| st.metrics.refused(*code))?;
    st.limits.join_by_address.refund(&ip);
    tracing::info!(session = %session, invitation = %inv.id, "a customer asked for the agent for their seat");
    let link = format!("{}/join/{}", st.config.public_url, inv.link_token);
    Ok(Json(serde_json::json!({
        "id": inv.id,
        "code": crate::secrets::grouped(&inv.code),
        "link": link,
        "download": format!("/join/{}/agent", inv.link_token),
        "expires_at": inv.expires_at,
    })))
}

#[derive(Deserialize)]
pub struct SeatToken {
    token: String,
}

enum Secret {
    Code(String),
    Link(String),
}

#[derive(Deserialize)]
pub struct Notes {
    notes: String,
}

/// S15: any CSR of the session saves notes while it is live.
pub async fn save_notes(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath(session): ApiPath<String>,
    ApiJson(b): ApiJson<Notes>,
) -> ApiResult<Json<Value>> {
    let me = seat(&st, &session, &a).await?;
    if b.notes.len() > MAX_NOTES {
        return Err(ErrorCode::MessageTooLarge.into());
    }
    let sid = session.clone();
    let live = st.db.call(move |c| store::summary(c, &sid)).await?.is_some_and(|s| s.ended_at.is_none());
    if !live {
        return Err(ErrorCode::SessionEnded.into());
    }
    let (sid, notes, now) = (session.clone(), b.notes, st.clock.now_ms());
    st.db.call(move |c| store::save_notes(c, &sid, &notes, &me.id, now)).await?;
    Ok(Json(json!({"saved": true})))
}

#[derive(Deserialize, Default)]
pub struct End {
    notes: Option<String>,
}

/// S19, S20: the host ends the session, with final notes.
pub async fn end(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath(session): ApiPath<String>,
    ApiJson(b): ApiJson<End>,
) -> ApiResult<Json<Value>> {
    let me = seat(&st, &session, &a).await?;
    if b.notes.as_ref().is_some_and(|n| n.len() > MAX_NOTES) {
        return Err(ErrorCode::MessageTooLarge.into());
    }
    let sid = SessionId(session.clone());
    st.hub.ask(&sid, |reply| Command::End { by: ParticipantId(me.id), notes: b.notes, reply }).await??;
    st.notices.ended(&session);
    Ok(Json(json!({"ended": session})))
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
    /// `<started_at ms>:<session id>` of the last session of the previous page.
    before: Option<String>,
    /// Reports (issue 16): only sessions this CSR (user name) took part in …
    csr: Option<String>,
    /// … started in [from, to) (ms since the epoch) …
    from: Option<i64>,
    to: Option<i64>,
    /// … of this session type, or of this team's types …
    session_type: Option<i64>,
    team: Option<i64>,
    /// … whose tracking code contains this (any case) …
    tracking: Option<String>,
    /// … rated (the customers' mean) at least / at most this (1–5).
    min_rating: Option<f64>,
    max_rating: Option<f64>,
}

/// Sessions listed at once at most.
const LIST_MAX: i64 = 500;
/// Rows of a CSV export at most (about 3 MiB).
const CSV_MAX: i64 = 10_000;
/// Longest text filter (user name, tracking code).
const FILTER_CHARS: usize = 128;

impl ListQuery {
    /// The filter this query asks for, within what `a` may see.
    fn filter(&self, a: &Account) -> Result<store::ListFilter, ApiError> {
        let text = |v: &Option<String>| -> Result<Option<String>, ApiError> {
            match v.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(t) if t.chars().count() > FILTER_CHARS => Err(ErrorCode::InvalidMessage.into()),
                Some(t) => Ok(Some(t.to_owned())),
            }
        };
        Ok(store::ListFilter {
            account: if a.is_admin { None } else { Some(a.id) },
            team: self.team,
            csr: text(&self.csr)?,
            from: self.from,
            to: self.to,
            session_type: self.session_type,
            tracking: text(&self.tracking)?,
            min_rating: self.min_rating,
            max_rating: self.max_rating,
        })
    }

    fn before(&self) -> Result<Option<(i64, String)>, ApiError> {
        match self.before.as_deref() {
            None | Some("") => Ok(None),
            Some(b) => {
                let (ms, id) = b.split_once(':').ok_or(ErrorCode::InvalidMessage)?;
                Ok(Some((ms.parse::<i64>().map_err(|_| ErrorCode::InvalidMessage)?, id.to_owned())))
            }
        }
    }
}

/// The caller's sessions, newest first; a site admin sees every session. Paged with `limit`
/// and `before`, narrowed by the report filters; read on a read-only connection.
pub async fn list(State(st): State<AppState>, Csr(a): Csr, Query(q): Query<ListQuery>) -> ApiResult<Json<Vec<SessionSummary>>> {
    let filter = q.filter(&a)?;
    let limit = q.limit.unwrap_or(100).clamp(1, LIST_MAX);
    let before = q.before()?;
    Ok(Json(st.db.read(move |c| store::list(c, &filter, before.as_ref().map(|(ms, id)| (*ms, id.as_str())), limit)).await?))
}

/// The same list as CSV (reports, issue 16): newest first, at most 10,000 rows, notes whole.
pub async fn export_csv(State(st): State<AppState>, Csr(a): Csr, Query(q): Query<ListQuery>) -> ApiResult<axum::response::Response> {
    use axum::http::{header, HeaderValue};
    let filter = q.filter(&a)?;
    let rows = st.db.read(move |c| store::list_full(c, &filter, None, CSV_MAX)).await?;
    let mut resp = axum::response::Response::new(axum::body::Body::from(crate::csv::sessions(&rows)));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"sessions.csv\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Deserialize)]
pub struct RecordQuery {
    /// Entries after this one (the `next` of the previous page); from the start when absent.
    after: Option<i64>,
    /// Entries per page (0 for none: the session and participants only).
    limit: Option<usize>,
    /// Only entries whose kind starts with this (`consent_`, `recording_`, `chat`).
    kind: Option<String>,
}

/// Entries of the record per page, by default and at most.
const RECORD_PAGE: usize = 500;
const RECORD_PAGE_MAX: usize = 1000;
/// Bytes of entry details per page at most (whatever `limit` says): one page of a record full
/// of 60 KiB chat lines is a few MiB of memory, not the whole record.
const RECORD_PAGE_BYTES: usize = 1024 * 1024;

/// S22: the record, readable by CSRs who took part and by site admins, page by page, on a
/// read-only connection: `{"session","participants","record":[…],"next"}`. The JSON is written
/// on the read's blocking thread, details as stored, so a large page never occupies the
/// threads that serve other requests.
pub async fn read(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath(session): ApiPath<String>,
    Query(q): Query<RecordQuery>,
) -> ApiResult<Response> {
    let (sid, aid, admin) = (session.clone(), a.id, a.is_admin);
    let (after, limit) = (q.after.unwrap_or(0), q.limit.unwrap_or(RECORD_PAGE).min(RECORD_PAGE_MAX));
    let kind = q.kind.filter(|k| !k.is_empty());
    let body = st
        .db
        .read(move |c| {
            let Some(summary) = store::summary(c, &sid)? else { return Ok(Err(ErrorCode::NotFound)) };
            if !admin && !crate::db::team_view::may_read(c, &sid, aid)? {
                return Ok(Err(ErrorCode::NotInSession));
            }
            let page = store::record_page(c, &sid, after, limit, RECORD_PAGE_BYTES, kind.as_deref())?;
            let head = json!({"session": summary, "participants": store::participants(c, &sid)?, "next": page.next}).to_string();
            // `head` is an object; the record goes in before its closing brace.
            let mut body = String::with_capacity(head.len() + page.bytes + 200 * page.entries.len() + 16);
            body.push_str(head.strip_suffix('}').ok_or_else(|| {
                crate::db::DbError::Encode("a session", <serde_json::Error as serde::ser::Error>::custom("not an object"))
            })?);
            body.push_str(",\"record\":[");
            for (i, e) in page.entries.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                e.write_json(&mut body)?;
            }
            body.push_str("]}");
            Ok(Ok(body))
        })
        .await?;
    let body = body.map_err(ApiError)?;
    // Opening the session answers an invitation to it (notices.rs).
    st.notices.seen(a.id, &session);
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
