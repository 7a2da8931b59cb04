//! Invitations by e-mail: a CSR types an address in the console's invite dialog and the
//! site's relay (`--smtp-url`) delivers the invitation — the customer's link and code (S5), or
//! the note to a CSR invited into the session (S17). An e-mailed invitation is the invitation
//! the dialog shows: same expiry, same withdrawal; the record notes the mail with the address
//! masked (`c***@example.com`).
//!
//! Budget (docs/security.md): the address is checked by [`crate::mail_text::check_address`];
//! each CSR sends at most [`PER_CSR_PER_HOUR`] mails an hour (`too_many_emails`), each session
//! at most [`PER_SESSION`] (`session_emails_used_up`); a send is bounded by `--smtp-timeout`
//! and [`crate::mailer::MAX_SENDING`] at once. Mails go only to the address in the request.

use crate::api_sessions::seat;
use crate::auth::Csr;
use crate::db::sessions as store;
use crate::error::ApiJson;
use crate::error::ApiPath;
use crate::idempotency::{self, Action};
use crate::mail_text::{self, CsrInvitation, CustomerInvitation, MailText};
use crate::mailer::MailError;
use crate::ratelimit::RateLimiter;
use crate::secrets;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Invitation mails one CSR may send in an hour (all sessions together).
pub const PER_CSR_PER_HOUR: u32 = 20;
/// Invitation mails one session may send (customers and CSRs together).
pub const PER_SESSION: u32 = 10;

type MailResult<T> = Result<T, MailError>;

/// The mail budgets of the site.
pub struct MailBudget {
    per_csr: RateLimiter<i64>,
    /// Mails of each session on their way now; a session's sent mails are counted in its
    /// record. Held across that count and the record entry, so two sends never both take the
    /// last one.
    sending: tokio::sync::Mutex<HashMap<String, u32>>,
}

impl Default for MailBudget {
    fn default() -> Self {
        Self { per_csr: RateLimiter::new(PER_CSR_PER_HOUR, PER_CSR_PER_HOUR), sending: Default::default() }
    }
}

/// `GET /api/mail`: whether the console may offer e-mail.
pub async fn status(State(st): State<AppState>, Csr(_): Csr) -> Json<Value> {
    Json(json!({"set_up": st.mailer.is_some()}))
}

#[derive(Deserialize)]
pub struct EmailInvitation {
    /// The address the CSR typed.
    to: String,
    /// The invitation's link as the dialog shows it (its last part is the token).
    link: String,
}

/// `POST /api/sessions/{id}/invitations/{inv}/email`: mails the customer invitation `inv`,
/// which the caller's dialog shows, to `to`. With an `Idempotency-Key`, a repeat (a double
/// click) sends nothing more and gets the first answer.
pub async fn email_invitation(
    State(st): State<AppState>,
    Csr(a): Csr,
    headers: HeaderMap,
    ApiPath((session, inv)): ApiPath<(String, String)>,
    ApiJson(b): ApiJson<EmailInvitation>,
) -> MailResult<Json<Value>> {
    if st.mailer.is_none() {
        return Err(ErrorCode::EmailNotSetUp.into());
    }
    let key = idempotency::key_of(&headers)?;
    let me = crate::api_sessions::acting_seat(&st, &session, &a).await?;
    let to = mail_text::check_address(&b.to)?;
    let token = b.link.trim().rsplit('/').next().unwrap_or_default().to_owned();
    if token.is_empty() || token.len() > 64 || !token.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
        return Err(ErrorCode::InvitationInvalid.into());
    }
    let (t, now) = (token.clone(), st.clock.now_ms());
    let found = st.db.call(move |c| crate::join_page::usable_with_code(c, &t, now)).await.map_err(crate::error::ApiError::from)?;
    // An invitation with a code of its own: the mail carries only the link, as the page does.
    let (usable, code) = found?;
    if usable.id != inv || usable.session != session {
        return Err(ErrorCode::InvitationInvalid.into());
    }
    let grouped = code.as_deref().map(secrets::grouped);
    let site = mail_text::site_name(&st.config.public_url);
    let link = format!("{}/join/{token}", st.config.public_url);
    let text = CustomerInvitation {
        site: &site,
        public_url: &st.config.public_url,
        csr_name: &a.display_name,
        link: &link,
        code: grouped.as_deref(),
        expires_at_ms: usable.expires_at,
        now_ms: now,
    }
    .text();
    let key = key.map(|k| format!("{session}/{inv}/{k}"));
    let detail = json!({"invitation": inv, "to": mail_text::mask(&to)});
    let st2 = st.clone();
    let sent = st
        .idempotency
        .once(a.id, Action::EmailInvitation, key, now, || async move {
            send(&st2, a.id, &session, &me.id, &to, &text, "invitation_emailed", detail).await
        })
        .await?;
    Ok(Json(sent))
}

#[derive(Deserialize)]
pub struct EmailCsr {
    to: String,
}

/// `POST /api/sessions/{id}/csrs/{participant}/email`: tells a CSR invited into the session
/// (S17) by mail where to find it.
pub async fn email_csr_invitation(
    State(st): State<AppState>,
    Csr(a): Csr,
    headers: HeaderMap,
    ApiPath((session, participant)): ApiPath<(String, String)>,
    ApiJson(b): ApiJson<EmailCsr>,
) -> MailResult<Json<Value>> {
    if st.mailer.is_none() {
        return Err(ErrorCode::EmailNotSetUp.into());
    }
    let key = idempotency::key_of(&headers)?;
    let me = seat(&st, &session, &a).await?;
    let to = mail_text::check_address(&b.to)?;
    let sid = session.clone();
    let (summary, people) =
        st.db.call(move |c| Ok((store::summary(c, &sid)?, store::participants(c, &sid)?))).await.map_err(crate::error::ApiError::from)?;
    let summary = summary.ok_or(ErrorCode::NotFound)?;
    if summary.ended_at.is_some() {
        return Err(ErrorCode::SessionEnded.into());
    }
    let invited = people.iter().any(|p| p.id == participant && p.role == "csr" && p.account_id.is_some() && p.id != me.id);
    if !invited {
        return Err(ErrorCode::UnknownParticipant.into());
    }
    let site = mail_text::site_name(&st.config.public_url);
    let text = CsrInvitation {
        site: &site,
        public_url: &st.config.public_url,
        csr_name: &a.display_name,
        session_id: &session,
        session_type: &summary.session_type,
        tracking_code: summary.tracking_code.as_deref(),
    }
    .text();
    let key = key.map(|k| format!("{session}/{participant}/{k}"));
    let detail = json!({"participant": participant, "to": mail_text::mask(&to)});
    let (st2, now) = (st.clone(), st.clock.now_ms());
    let sent = st
        .idempotency
        .once(a.id, Action::EmailCsrInvitation, key, now, || async move {
            send(&st2, a.id, &session, &me.id, &to, &text, "csr_invitation_emailed", detail).await
        })
        .await?;
    Ok(Json(sent))
}

/// Takes the budgets, sends, and records the mail in the session's record.
#[allow(clippy::too_many_arguments)]
async fn send(
    st: &AppState,
    account: i64,
    session: &str,
    actor: &str,
    to: &str,
    text: &MailText,
    kind: &'static str,
    detail: Value,
) -> MailResult<Value> {
    let mailer = st.mailer.as_ref().ok_or(ErrorCode::EmailNotSetUp)?;
    reserve(st, session).await?;
    let outcome = async {
        if !st.mail_budget.per_csr.try_take(&account, st.clock.now()) {
            return Err(MailError::from(ErrorCode::TooManyEmails));
        }
        mailer.send(to, text).await
    }
    .await;
    let mut sending = st.mail_budget.sending.lock().await;
    if outcome.is_ok() {
        let (s, a, d, now) = (session.to_owned(), actor.to_owned(), detail.clone(), st.clock.now_ms());
        if let Err(e) = st.db.call(move |c| store::emailed(c, &s, &a, kind, &d, now)).await {
            // Sent, but not recorded: say so in the log; the CSR's dialog says it was sent.
            tracing::error!(session, error = %e, "an invitation mail was sent but could not be recorded");
        }
    }
    if let Some(n) = sending.get_mut(session) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            sending.remove(session);
        }
    }
    drop(sending);
    match outcome {
        Ok(()) => {
            tracing::info!(session, kind, to = %detail["to"], "invitation mailed");
            Ok(json!({"sent": true, "to": detail["to"]}))
        }
        Err(e) => {
            tracing::info!(session, code = %e.code, words = %e.words, "invitation mail not sent");
            st.metrics.refused(e.code);
            Err(e)
        }
    }
}

/// Counts one more mail of `session` on its way, or refuses when the session has used its
/// mails up (sent ones from the record, plus those on their way).
async fn reserve(st: &AppState, session: &str) -> MailResult<()> {
    let mut sending = st.mail_budget.sending.lock().await;
    let sid = session.to_owned();
    let sent = st.db.call(move |c| store::emails_sent(c, &sid)).await.map_err(crate::error::ApiError::from)?;
    let on_the_way = sending.entry(session.to_owned()).or_insert(0);
    if sent.saturating_add(*on_the_way) >= PER_SESSION {
        if *on_the_way == 0 {
            sending.remove(session);
        }
        st.metrics.refused(ErrorCode::SessionEmailsUsedUp);
        return Err(ErrorCode::SessionEmailsUsedUp.into());
    }
    *on_the_way += 1;
    Ok(())
}
