//! One live session: a task that owns the rule state and the participants' outbound queues,
//! applies every action through `protocol::rules`, records it (S22), and fans out the result.

use crate::db::sessions::{self as store, RecordEntry};
use crate::hub::Hub;
use protocol::rules::{Event, Input, Role, Session};
use protocol::signal::{ClientMessage, IceServer, ServerMessage};
use protocol::{ErrorCode, ParticipantId, SessionId};
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Messages queued for one connection before it counts as a slow consumer and is dropped.
pub const OUTBOUND_QUEUE: usize = 256;

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
    },
    Join {
        id: ParticipantId,
        name: String,
        role: Role,
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
    Shutdown,
}

struct LiveSession {
    id: SessionId,
    rules: Session,
    conns: HashMap<ParticipantId, Connection>,
    /// Connections dropped while sending; their presence change is applied after the command.
    dropped: Vec<ParticipantId>,
    hub: Arc<Hub>,
}

pub async fn run(id: SessionId, mut rules: Session, mut rx: mpsc::Receiver<Command>, hub: Arc<Hub>) {
    // After a restart nobody is connected yet; presence comes back as they reconnect.
    let ids: Vec<_> = rules.members().iter().map(|m| m.id.clone()).collect();
    for p in ids {
        let _ = rules.handle(Input::Presence { id: p, online: false });
    }
    let mut s = LiveSession { id, rules, conns: HashMap::new(), dropped: vec![], hub };
    while let Some(cmd) = rx.recv().await {
        s.command(cmd).await;
        while let Some(p) = s.dropped.pop() {
            if !s.conns.contains_key(&p) {
                let _ = s.apply(Input::Presence { id: p.clone(), online: false }, &p).await;
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
            Command::Connect { participant, conn, ice_servers, ice_ttl, reply } => {
                let r = self.connect(participant, conn, ice_servers, ice_ttl).await;
                let _ = reply.send(r);
            }
            Command::Disconnect { participant, conn_id } => {
                if self.conns.get(&participant).is_some_and(|c| c.id == conn_id) {
                    self.conns.remove(&participant);
                    let _ = self.apply(Input::Presence { id: participant.clone(), online: false }, &participant).await;
                }
            }
            Command::Message { participant, r#ref, msg } => {
                if let Err(code) = self.message(&participant, msg).await {
                    self.hub.metrics.refused(code);
                    self.send(&participant, &ServerMessage::error(code, r#ref));
                }
            }
            Command::Join { id, name, role, reply } => {
                let r = self.apply(Input::Join { id: id.clone(), name, role }, &id).await;
                let _ = reply.send(r);
            }
            Command::End { by, notes, reply } => {
                let _ = reply.send(self.end(&by, notes).await);
            }
            Command::IsHost { id, reply } => {
                let _ = reply.send(self.rules.host() == &id);
            }
            Command::Shutdown => {
                for (_, c) in self.conns.drain() {
                    let _ = c.kick.send(ErrorCode::Unavailable);
                }
            }
        }
    }

    async fn connect(&mut self, p: ParticipantId, conn: Connection, ice_servers: Vec<IceServer>, ice_ttl: u64) -> Result<(), ErrorCode> {
        let role = self.rules.member(&p).ok_or(ErrorCode::NotInSession)?.role;
        let welcome = ServerMessage::Welcome {
            protocol_version: protocol::PROTOCOL_VERSION,
            session: self.id.clone(),
            you: p.clone(),
            role,
            ice_servers,
            ice_credential_ttl: ice_ttl,
        };
        // A reconnect replaces the old connection of the same participant.
        self.conns.insert(p.clone(), conn);
        self.send(&p, &welcome);
        self.send(&p, &ServerMessage::Roster { roster: self.rules.roster(&self.id) });
        self.apply(Input::Presence { id: p.clone(), online: true }, &p).await
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
            ClientMessage::ConsentAnswer { request, granted } => Input::AnswerConsent { by: from.clone(), request, granted },
            ClientMessage::ConsentRevoke { capability } => Input::Revoke { by: from.clone(), capability },
            ClientMessage::ActivityStart { activity, customer } => Input::Start { by: from.clone(), activity, customer },
            ClientMessage::ActivityStop { activity, customer } => Input::Stop { by: from.clone(), activity, customer },
            ClientMessage::Promote { customer } => Input::Promote { by: from.clone(), customer },
            ClientMessage::TransferControl { to } => Input::TransferControl { by: from.clone(), to },
            ClientMessage::Leave => Input::Leave { id: from.clone() },
        };
        self.apply(input, &from).await
    }

    /// S7: delivered to the chosen recipients and the sender, and kept in the record.
    async fn chat(&mut self, from: ParticipantId, to: Vec<ParticipantId>, text: String) -> Result<(), ErrorCode> {
        self.rules.check_chat(&from, &to)?;
        if text.trim().is_empty() {
            return Err(ErrorCode::InvalidMessage);
        }
        let at_ms = self.hub.clock.now_ms();
        let entry =
            RecordEntry { at_ms, kind: "chat".into(), actor: Some(from.0.clone()), detail: serde_json::json!({"to": to, "text": text}) };
        self.persist(vec![entry]).await?;
        let recipients: Vec<ParticipantId> =
            if to.is_empty() { self.rules.members().iter().map(|m| m.id.clone()).collect() } else { to.clone() };
        let msg = ServerMessage::Chat { from: from.clone(), to, text, at_ms: at_ms as u64 };
        let json = encode(&msg);
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
            self.hub.db.call(move |c| store::save_notes(c, &id, &notes, &actor, now)).await.map_err(|_| ErrorCode::Internal)?;
        }
        self.apply(Input::End { by: by.clone() }, by).await?;
        for (_, c) in self.conns.drain() {
            let _ = c.kick.send(ErrorCode::SessionEnded);
        }
        Ok(())
    }

    /// Runs one input through the rules; on success records and broadcasts what changed.
    /// When the record cannot be written, the state is rolled back: nothing half-happens.
    async fn apply(&mut self, input: Input, actor: &ParticipantId) -> Result<(), ErrorCode> {
        let before = self.rules.clone();
        let events = self.rules.handle(input)?;
        if events.is_empty() {
            return Ok(());
        }
        let at_ms = self.hub.clock.now_ms();
        let entries = events.iter().map(|e| record_entry(e, actor, at_ms)).collect();
        if let Err(code) = self.persist(entries).await {
            self.rules = before;
            return Err(code);
        }
        for event in &events {
            let json = encode(&ServerMessage::Event { at_ms: at_ms as u64, event: event.clone() });
            let audience: Vec<_> = self.conns.keys().filter(|p| self.may_see(p, event)).cloned().collect();
            for p in audience {
                self.send_raw(&p, json.clone());
            }
        }
        self.broadcast(&ServerMessage::Roster { roster: self.rules.roster(&self.id) });
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
        let about = match event {
            Event::ConsentRequested { customer, .. }
            | Event::ConsentGranted { customer, .. }
            | Event::ConsentDenied { customer, .. }
            | Event::ConsentRevoked { customer, .. } => Some(customer),
            Event::ActivityStarted { customer, .. } | Event::ActivityStopped { customer, .. } => customer.as_ref(),
            _ => None,
        };
        about.is_none_or(|c| c == p || self.rules.member(p).is_some_and(|m| m.role == Role::Csr))
    }

    async fn persist(&self, entries: Vec<RecordEntry>) -> Result<(), ErrorCode> {
        let (id, state) = (self.id.0.clone(), self.rules.clone());
        self.hub.db.call(move |c| store::save(c, &id, &state, &entries)).await.map_err(|e| {
            tracing::error!(session = %self.id, error = %e, "cannot write the session record");
            if e.is_transient() {
                ErrorCode::Unavailable
            } else {
                ErrorCode::Internal
            }
        })
    }

    fn broadcast(&mut self, msg: &ServerMessage) {
        let json = encode(msg);
        let ids: Vec<_> = self.conns.keys().cloned().collect();
        for p in ids {
            self.send_raw(&p, json.clone());
        }
    }

    fn send(&mut self, to: &ParticipantId, msg: &ServerMessage) {
        self.send_raw(to, encode(msg));
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

fn encode(msg: &ServerMessage) -> Arc<str> {
    serde_json::to_string(msg).unwrap_or_default().into()
}

/// The record entry for one event: its tag as kind, the whole event as detail.
fn record_entry(event: &Event, actor: &ParticipantId, at_ms: i64) -> RecordEntry {
    let detail = serde_json::to_value(event).unwrap_or_default();
    let kind = detail.get("event").and_then(|v| v.as_str()).unwrap_or("event").to_owned();
    RecordEntry { at_ms, kind, actor: Some(actor.0.clone()), detail }
}
