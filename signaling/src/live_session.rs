//! One live session: a task that owns the rule state and the participants' outbound queues,
//! applies every action through `protocol::rules`, records it (S22), and fans out the result.

use crate::budget::{Budgets, Kind};
use crate::db::sessions::{self as store, RecordEntry};
use crate::error::ApiError;
use crate::hub::Hub;
use protocol::limits::{CHAT_HISTORY_BYTES, CHAT_HISTORY_LINES, RECORD_RESERVE_BYTES};
use protocol::rules::{Event, GrantState, Input, Role, Session};
use protocol::signal::{ClientKind, ClientMessage, IceServer, Roster, ServerMessage};
use protocol::{Capability, ErrorCode, ParticipantId, SessionId};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Messages queued for one connection before it counts as a slow consumer and is dropped.
pub const OUTBOUND_QUEUE: usize = 256;
/// How long to wait before saving again a presence change whose save failed.
const SAVE_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// The session task's side of one participant's WebSocket.
pub struct Connection {
    pub id: u64,
    pub tx: mpsc::Sender<Arc<str>>,
    /// Tells the connection why it is being closed.
    pub kick: oneshot::Sender<ErrorCode>,
}

/// What a session task is asked to do.
pub enum Command {
    Connect {
        participant: ParticipantId,
        /// What the participant said it is in `hello` (shown in the roster for customers).
        client: ClientKind,
        conn: Connection,
        ice_servers: Vec<IceServer>,
        ice_ttl: u64,
        reply: oneshot::Sender<Result<(), ErrorCode>>,
    },
    Disconnect {
        participant: ParticipantId,
        conn_id: u64,
    },
    Message {
        participant: ParticipantId,
        r#ref: Option<String>,
        msg: ClientMessage,
        /// Size of the message as received, spent from the sender's budget.
        bytes: usize,
    },
    Join {
        id: ParticipantId,
        name: String,
        role: Role,
        /// A team lead who joins to observe (issue 16).
        observer: bool,
        reply: oneshot::Sender<Result<(), ErrorCode>>,
    },
    End {
        by: ParticipantId,
        notes: Option<String>,
        reply: oneshot::Sender<Result<(), ErrorCode>>,
    },
    IsHost {
        id: ParticipantId,
        reply: oneshot::Sender<bool>,
    },
    /// Whether the participant is a team lead who observes (issue 16).
    IsObserver {
        id: ParticipantId,
        reply: oneshot::Sender<bool>,
    },
    Shutdown,
    /// Whether the customer's `recording` grant to this CSR is live (S16, S21).
    MayRecord {
        csr: ParticipantId,
        reply: oneshot::Sender<bool>,
    },
    /// The participant's login ended (account disabled or password changed): its connection
    /// closes with `reason`; with `leave` it also leaves the session (the host goes offline).
    EndSeat {
        participant: ParticipantId,
        reason: ErrorCode,
        leave: bool,
    },
}

struct LiveSession {
    id: SessionId,
    rules: Session,
    conns: HashMap<ParticipantId, Connection>,
    /// Connections dropped while sending; their presence change is applied after the command.
    dropped: Vec<ParticipantId>,
    /// Participants gone offline whose presence change could not be saved: a disconnect
    /// cannot be refused, so the save is retried.
    unsaved_offline: BTreeSet<ParticipantId>,
    hub: Arc<Hub>,
    /// What each participant may still send (budget.rs); kept across reconnections.
    budgets: HashMap<ParticipantId, Budgets>,
    /// Size of the session's record so far, as counted against its cap.
    record_bytes: u64,
    /// Each customer's client as of their last connection (the roster's `client`). Not saved:
    /// after a restart it is known again as each customer reconnects.
    clients: HashMap<ParticipantId, ClientKind>,
}

/// Why an input was not applied.
#[derive(Debug, Clone, Copy)]
enum ApplyError {
    /// The rules refuse it.
    Refused(ErrorCode),
    /// The rules allow it but the state and record could not be saved; nothing changed.
    NotSaved(ErrorCode),
}

impl From<ApplyError> for ErrorCode {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Refused(code) | ApplyError::NotSaved(code) => code,
        }
    }
}

pub async fn run(id: SessionId, mut rules: Session, mut rx: mpsc::Receiver<Command>, hub: Arc<Hub>) {
    // After a restart nobody is connected yet; presence comes back as they reconnect.
    let ids: Vec<_> = rules.members().iter().map(|m| m.id.clone()).collect();
    for p in ids {
        if let Err(code) = rules.handle(Input::Presence { id: p.clone(), online: false }) {
            tracing::warn!(session = %id, participant = %p, %code, "presence of a resumed participant refused");
        }
    }
    let sid = id.0.clone();
    let record_bytes = match hub.db.call(move |c| store::record_size(c, &sid)).await {
        Ok(n) => n,
        Err(e) => {
            // Counted from here on; the cap applies to what this run adds.
            tracing::error!(session = %id, error = %e, "cannot read the size of the session record");
            0
        }
    };
    let mut s = LiveSession {
        id,
        rules,
        conns: HashMap::new(),
        dropped: vec![],
        unsaved_offline: BTreeSet::new(),
        hub,
        budgets: HashMap::new(),
        record_bytes,
        clients: HashMap::new(),
    };
    loop {
        let cmd = if s.unsaved_offline.is_empty() {
            rx.recv().await
        } else {
            tokio::select! {
                cmd = rx.recv() => cmd,
                _ = tokio::time::sleep(SAVE_RETRY) => {
                    s.retry_unsaved().await;
                    continue;
                }
            }
        };
        let Some(cmd) = cmd else { break };
        s.command(cmd).await;
        while let Some(p) = s.dropped.pop() {
            if !s.conns.contains_key(&p) {
                s.went_offline(p).await;
            }
        }
        if s.rules.is_ended() {
            break;
        }
    }
    s.hub.remove(&s.id);
    // Dropping the outbound queues closes every remaining connection.
}

impl LiveSession {
    async fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Connect { participant, client, conn, ice_servers, ice_ttl, reply } => {
                let r = self.connect(participant, client, conn, ice_servers, ice_ttl).await;
                let _ = reply.send(r);
            }
            Command::Disconnect { participant, conn_id } => {
                if self.conns.get(&participant).is_some_and(|c| c.id == conn_id) {
                    self.conns.remove(&participant);
                    self.went_offline(participant).await;
                }
            }
            Command::Message { participant, r#ref, msg, bytes } => {
                let kind = Kind::of(&msg);
                let now = self.hub.clock.now();
                if !self.budget(&participant).admit(kind, bytes, now) {
                    self.hub.metrics.refused(ErrorCode::RateLimited);
                    let why = kind.refusal(self.hub.limits.relay_kib_per_second);
                    self.send(&participant, &ServerMessage::error_saying(ErrorCode::RateLimited, why, r#ref));
                    return;
                }
                if let Err(code) = self.message(&participant, msg).await {
                    self.hub.metrics.refused(code);
                    self.send(&participant, &ServerMessage::error(code, r#ref));
                }
            }
            Command::Join { id, name, role, observer, reply } => {
                let input = if observer { Input::Observe { id: id.clone(), name } } else { Input::Join { id: id.clone(), name, role } };
                let r = self.apply(input, &id).await.map_err(ErrorCode::from);
                let _ = reply.send(r);
            }
            Command::End { by, notes, reply } => {
                let _ = reply.send(self.end(&by, notes).await);
            }
            Command::IsHost { id, reply } => {
                let _ = reply.send(self.rules.host() == &id);
            }
            Command::IsObserver { id, reply } => {
                let _ = reply.send(self.rules.member(&id).is_some_and(|m| m.observer));
            }
            Command::Shutdown => {
                for (_, c) in self.conns.drain() {
                    let _ = c.kick.send(ErrorCode::Unavailable);
                }
            }
            Command::MayRecord { csr, reply } => {
                let rules = &self.rules;
                let mut customers = rules.members().iter().filter(|m| m.role == Role::Customer);
                let _ = reply.send(customers.any(|m| rules.is_granted(&m.id, protocol::Capability::Recording, &csr)));
            }
            Command::EndSeat { participant, reason, leave } => {
                if let Some(c) = self.conns.remove(&participant) {
                    let _ = c.kick.send(reason);
                }
                let left = leave && self.apply(Input::Leave { id: participant.clone() }, &participant).await.is_ok();
                if !left {
                    self.went_offline(participant).await;
                }
            }
        }
    }

    /// The budgets of one participant, full at their first message.
    fn budget(&mut self, p: &ParticipantId) -> &mut Budgets {
        let (kib, now) = (self.hub.limits.relay_kib_per_second, self.hub.clock.now());
        self.budgets.entry(p.clone()).or_insert_with(|| Budgets::new(kib, now))
    }

    /// A participant's connection is gone: saves them as offline, or keeps retrying the save.
    async fn went_offline(&mut self, p: ParticipantId) {
        match self.apply(Input::Presence { id: p.clone(), online: false }, &p).await {
            Ok(()) => {
                self.unsaved_offline.remove(&p);
            }
            Err(ApplyError::NotSaved(_)) => {
                tracing::warn!(session = %self.id, participant = %p, "going offline not saved; retrying");
                self.unsaved_offline.insert(p);
            }
            Err(ApplyError::Refused(code)) => {
                // Someone who left or was never seated has no presence to save.
                tracing::debug!(session = %self.id, participant = %p, %code, "offline presence refused");
                self.unsaved_offline.remove(&p);
            }
        }
    }

    async fn retry_unsaved(&mut self) {
        let pending: Vec<_> = std::mem::take(&mut self.unsaved_offline).into_iter().collect();
        for p in pending {
            // A participant who came back meanwhile is online again; nothing to save.
            if !self.conns.contains_key(&p) {
                self.went_offline(p).await;
            }
        }
    }

    async fn connect(
        &mut self,
        p: ParticipantId,
        client: ClientKind,
        conn: Connection,
        ice_servers: Vec<IceServer>,
        ice_ttl: u64,
    ) -> Result<(), ErrorCode> {
        let role = self.rules.member(&p).ok_or(ErrorCode::NotInSession)?.role;
        // Each (re)connection is recorded (online, offline): a reconnect loop is held to a rate.
        let now = self.hub.clock.now();
        if !self.budget(&p).admit_connect(now) {
            self.hub.metrics.refused(ErrorCode::RateLimited);
            return Err(ErrorCode::RateLimited);
        }
        let welcome = ServerMessage::Welcome {
            protocol_version: protocol::PROTOCOL_VERSION,
            session: self.id.clone(),
            you: p.clone(),
            role,
            ice_servers,
            ice_credential_ttl: ice_ttl,
        };
        // A reconnect replaces the old connection of the same participant (the old socket's
        // queue is dropped, so it closes; its disconnect no longer matches and changes nothing).
        self.conns.insert(p.clone(), conn);
        let before = if role == Role::Customer { self.clients.insert(p.clone(), client) } else { None };
        let changed = role == Role::Customer && before != Some(client);
        // The seat moved between the browser and the agent (not a first connection, nor one
        // after a restart, where the kind before is unknown).
        let moved = before.is_some_and(|b| b != client);
        self.unsaved_offline.remove(&p);
        self.send(&p, &welcome);
        self.send(&p, &ServerMessage::Roster { roster: self.roster() });
        self.send_chat_history(&p).await;
        let was_online = self.rules.member(&p).is_some_and(|m| m.online);
        if let Err(e) = self.apply(Input::Presence { id: p.clone(), online: true }, &p).await {
            // Not online after all: the participant is told why and may reconnect.
            self.conns.remove(&p);
            return Err(e.into());
        }
        if moved {
            self.end_grants_of_moved_seat(&p).await;
        }
        // Back on another kind of client without going offline in between (a reload is quick):
        // the presence change pushed no roster, so the others learn the new kind here.
        if changed && was_online {
            self.broadcast(&ServerMessage::Roster { roster: self.roster() });
        }
        Ok(())
    }

    /// A customer's seat moved between the browser and the agent: what they allowed there ends
    /// (as if they had revoked it), and support asks again. The same words mean more in the
    /// agent ("see your screen" is the whole desktop there, one tab in a browser). Questions
    /// not answered yet stay, for the new client to show.
    async fn end_grants_of_moved_seat(&mut self, p: &ParticipantId) {
        let mut granted: Vec<Capability> = vec![];
        for g in self.rules.grants().iter().filter(|g| &g.customer == p && matches!(g.state, GrantState::Granted { .. })) {
            if !granted.contains(&g.capability) {
                granted.push(g.capability);
            }
        }
        for capability in granted {
            // Revoking "see" ends "control" too: the second revoke then finds nothing.
            match self.apply(Input::Revoke { by: p.clone(), capability }, p).await {
                Ok(()) | Err(ApplyError::Refused(ErrorCode::NotFound)) => {}
                Err(e) => tracing::warn!(participant = %p, ?capability, error = ?e, "a moved seat's grant could not be ended"),
            }
        }
    }

    /// The roster as the rules have it, with each customer's client.
    fn roster(&self) -> Roster {
        let mut roster = self.rules.roster(&self.id);
        for p in &mut roster.participants {
            p.client = self.clients.get(&p.id).copied();
        }
        roster
    }

    /// S7: the chat so far that `p` may read, read from the record (it holds every line, and
    /// survives a restart of signaling). Read here, in the task that also writes new lines,
    /// so no line is missed or sent twice around a (re)connection.
    /// Bounded (protocol::limits): the last lines, `more` when older ones were left out.
    async fn send_chat_history(&mut self, p: &ParticipantId) {
        let (id, reader) = (self.id.0.clone(), p.0.clone());
        match self.hub.db.call(move |c| store::chat_lines(c, &id, &reader, CHAT_HISTORY_LINES, CHAT_HISTORY_BYTES)).await {
            Ok((lines, more)) => self.send(p, &ServerMessage::ChatHistory { lines, more }),
            // The live session goes on without the earlier lines; new ones still arrive.
            Err(e) => tracing::error!(session = %self.id, participant = %p, error = %e, "cannot read the chat history"),
        }
    }

    async fn message(&mut self, from: &ParticipantId, msg: ClientMessage) -> Result<(), ErrorCode> {
        let from = from.clone();
        let input = match msg {
            ClientMessage::Hello { .. } => return Err(ErrorCode::InvalidMessage),
            ClientMessage::Ping => {
                self.send(&from, &ServerMessage::Pong);
                return Ok(());
            }
            ClientMessage::Signal { to, payload } => {
                self.rules.check_relay(&from, &to)?;
                if !self.conns.contains_key(&to) {
                    return Err(ErrorCode::ParticipantOffline);
                }
                self.send(&to, &ServerMessage::Signal { from, payload });
                self.hub.metrics.messages_relayed.fetch_add(1, Relaxed);
                return Ok(());
            }
            ClientMessage::Chat { to, text } => return self.chat(from, to, text).await,
            ClientMessage::End { notes } => return self.end(&from, notes).await,
            ClientMessage::ConsentRequest { request, customer, capability } => {
                Input::RequestConsent { by: from.clone(), customer, capability, request }
            }
            ClientMessage::ConsentAnswer { request, granted, scope } => Input::AnswerConsent { by: from.clone(), request, granted, scope },
            ClientMessage::ConsentRevoke { capability } => Input::Revoke { by: from.clone(), capability },
            ClientMessage::ConsentOffer { request, csr, capability } => Input::OfferConsent { by: from.clone(), csr, capability, request },
            ClientMessage::ActivityStart { activity, customer } => Input::Start { by: from.clone(), activity, customer },
            ClientMessage::ActivityStop { activity, customer } => Input::Stop { by: from.clone(), activity, customer },
            ClientMessage::Promote { customer } => Input::Promote { by: from.clone(), customer },
            ClientMessage::TransferControl { to } => Input::TransferControl { by: from.clone(), to },
            ClientMessage::TakeOver => Input::TakeOver { by: from.clone() },
            ClientMessage::Leave => Input::Leave { id: from.clone() },
        };
        Ok(self.apply(input, &from).await?)
    }

    /// S7: delivered to the chosen recipients and the sender, and kept in the record.
    async fn chat(&mut self, from: ParticipantId, to: Vec<ParticipantId>, text: String) -> Result<(), ErrorCode> {
        self.rules.check_chat(&from, &to)?;
        if text.trim().is_empty() {
            return Err(ErrorCode::InvalidMessage);
        }
        let at_ms = self.hub.clock.now_ms();
        let recipients: Vec<ParticipantId> =
            if to.is_empty() { self.rules.members().iter().map(|m| m.id.clone()).collect() } else { to.clone() };
        let detail = serde_json::json!({"to": to, "text": text});
        let msg = ServerMessage::Chat { from: from.clone(), to, text, at_ms: u64::try_from(at_ms).unwrap_or(0) };
        let json = encode(&msg).ok_or(ErrorCode::Internal)?;
        let entry = RecordEntry { at_ms, kind: "chat".into(), actor: Some(from.0.clone()), detail };
        // Chat is what can fill a record; at the cap it is refused, and events go on.
        if self.record_bytes + entry.size() > self.hub.limits.record_cap {
            return Err(ErrorCode::RecordFull);
        }
        self.persist(vec![entry]).await?;
        for r in recipients.iter().chain(std::iter::once(&from)).collect::<std::collections::BTreeSet<_>>() {
            self.send_raw(r, json.clone());
            self.hub.metrics.messages_relayed.fetch_add(1, Relaxed);
        }
        Ok(())
    }

    /// S19, S20: the host's final notes are saved with the end.
    async fn end(&mut self, by: &ParticipantId, notes: Option<String>) -> Result<(), ErrorCode> {
        if self.rules.is_ended() {
            return Err(ErrorCode::SessionEnded);
        }
        if let (Some(notes), true) = (notes, self.rules.host() == by) {
            let (id, actor) = (self.id.0.clone(), by.0.clone());
            let now = self.hub.clock.now_ms();
            self.hub.db.call(move |c| store::save_notes(c, &id, &notes, &actor, now)).await.map_err(|e| ApiError::from(e).0)?;
        }
        self.apply(Input::End { by: by.clone() }, by).await?;
        for (_, c) in self.conns.drain() {
            let _ = c.kick.send(ErrorCode::SessionEnded);
        }
        Ok(())
    }

    /// Runs one input through the rules; on success records and broadcasts what changed.
    /// When the state and record cannot be saved, the state is rolled back and the input
    /// refused: nothing half-happens.
    async fn apply(&mut self, input: Input, actor: &ParticipantId) -> Result<(), ApplyError> {
        // Beyond the cap and its reserve nothing new starts; what ends or answers something
        // (an answer, a revoke, a stop, leaving, presence, the end) is always recorded.
        if starts_something(&input) && self.record_bytes >= self.hub.limits.record_cap + RECORD_RESERVE_BYTES {
            return Err(ApplyError::Refused(ErrorCode::RecordFull));
        }
        let before = self.rules.clone();
        let events = self.rules.handle(input).map_err(ApplyError::Refused)?;
        if events.is_empty() {
            return Ok(());
        }
        let at_ms = self.hub.clock.now_ms();
        let prepared = events
            .iter()
            .map(|e| {
                let json = encode(&ServerMessage::Event { at_ms: u64::try_from(at_ms).unwrap_or(0), event: e.clone() });
                Some((record_entry(e, actor, at_ms)?, json?))
            })
            .collect::<Option<Vec<_>>>();
        let Some(prepared) = prepared else {
            self.rules = before;
            return Err(ApplyError::NotSaved(ErrorCode::Internal));
        };
        let (entries, jsons): (Vec<_>, Vec<_>) = prepared.into_iter().unzip();
        if let Err(code) = self.persist(entries).await {
            self.rules = before;
            return Err(ApplyError::NotSaved(code));
        }
        for (event, json) in events.iter().zip(jsons) {
            let audience: Vec<_> = self.conns.keys().filter(|p| self.may_see(p, event)).cloned().collect();
            for p in audience {
                self.send_raw(&p, json.clone());
            }
        }
        self.broadcast(&ServerMessage::Roster { roster: self.roster() });
        for event in &events {
            if let Event::Left { id } = event {
                if let Some(c) = self.conns.remove(id) {
                    let _ = c.kick.send(ErrorCode::NotInSession);
                }
            }
        }
        Ok(())
    }

    /// Consent and activity events about one customer go to the CSRs and that customer only:
    /// other customers do not learn what someone else shares.
    fn may_see(&self, p: &ParticipantId, event: &Event) -> bool {
        let about = event.about_customer();
        about.is_none_or(|c| c == p || self.rules.member(p).is_some_and(|m| m.role == Role::Csr))
    }

    async fn persist(&mut self, entries: Vec<RecordEntry>) -> Result<(), ErrorCode> {
        let (id, state) = (self.id.0.clone(), self.rules.clone());
        let size: u64 = entries.iter().map(RecordEntry::size).sum();
        self.hub.db.call(move |c| store::save(c, &id, &state, &entries)).await.map_err(|e| {
            self.hub.metrics.state_save_failures.fetch_add(1, Relaxed);
            tracing::error!(session = %self.id, error = %e, "cannot save the session state and record; the change is not made");
            if e.is_transient() {
                ErrorCode::Unavailable
            } else {
                ErrorCode::Internal
            }
        })?;
        self.record_bytes += size;
        Ok(())
    }

    fn broadcast(&mut self, msg: &ServerMessage) {
        let Some(json) = encode(msg) else { return };
        let ids: Vec<_> = self.conns.keys().cloned().collect();
        for p in ids {
            self.send_raw(&p, json.clone());
        }
    }

    fn send(&mut self, to: &ParticipantId, msg: &ServerMessage) {
        if let Some(json) = encode(msg) {
            self.send_raw(to, json);
        }
    }

    /// Queues without waiting: a participant that cannot keep up is disconnected instead of
    /// stalling the session for everyone else.
    fn send_raw(&mut self, to: &ParticipantId, json: Arc<str>) {
        let Some(conn) = self.conns.get(to) else { return };
        if let Err(e) = conn.tx.try_send(json) {
            let full = matches!(e, mpsc::error::TrySendError::Full(_));
            if let Some(c) = self.conns.remove(to) {
                if full {
                    tracing::warn!(session = %self.id, participant = %to, "slow consumer disconnected");
                    self.hub.metrics.refused(ErrorCode::SlowConsumer);
                    let _ = c.kick.send(ErrorCode::SlowConsumer);
                }
            }
            self.dropped.push(to.clone());
        }
    }
}

/// Whether an input starts something new that the record must then hold (refused when the
/// record is full), rather than ending or answering something already recorded.
fn starts_something(input: &Input) -> bool {
    matches!(
        input,
        Input::Join { .. }
            | Input::Observe { .. }
            | Input::TakeOver { .. }
            | Input::Promote { .. }
            | Input::TransferControl { .. }
            | Input::RequestConsent { .. }
            | Input::OfferConsent { .. }
            | Input::Start { .. }
    )
}

/// The message as JSON; `None` (reported) when it cannot be encoded.
fn encode(msg: &ServerMessage) -> Option<Arc<str>> {
    match serde_json::to_string(msg) {
        Ok(json) => Some(json.into()),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a server message");
            None
        }
    }
}

/// The record entry for one event: its tag as kind, the whole event as detail; `None`
/// (reported) when the event cannot be encoded.
fn record_entry(event: &Event, actor: &ParticipantId, at_ms: i64) -> Option<RecordEntry> {
    let detail = match serde_json::to_value(event) {
        Ok(detail) => detail,
        Err(e) => {
            tracing::error!(error = %e, "cannot encode an event for the session record");
            return None;
        }
    };
    let kind = detail.get("event").and_then(|v| v.as_str()).unwrap_or("event").to_owned();
    Some(RecordEntry { at_ms, kind, actor: Some(actor.0.clone()), detail })
}
