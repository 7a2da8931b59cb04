//! The participant WebSocket: `hello` with version and credentials, then messages in both
//! directions until either side closes. Generic over `Sink`/`Stream` so tests can drive it
//! with channels; axum's socket is one such pair.

use crate::auth;
use crate::client_addr::ClientAddr;
use crate::conn_limit::PoolSlot;
use crate::db::sessions as store;
use crate::edge::Linger;
use crate::live_session::{Command, Connection, OUTBOUND_QUEUE};
use crate::origin::origin_allowed;
use crate::state::AppState;
use crate::turn;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use protocol::signal::{ClientKind, ClientMessage, ServerMessage};
use protocol::{decode_client, ErrorCode, ParticipantId, SessionId, PROTOCOL_VERSION};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{interval, timeout, timeout_at, Instant, MissedTickBehavior};

/// How long a new connection may take to say `hello`, from the upgrade, whatever it sends
/// before (Pings included).
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Ping interval; a connection silent for three intervals is closed as dead.
const PING_EVERY: Duration = Duration::from_secs(15);
/// Frames above this are cut by the WebSocket layer itself; between the protocol limit
/// (64 KiB) and this, the sender gets a `message_too_large` error and the connection stays.
const FRAME_LIMIT: usize = 1024 * 1024;
/// Bytes read from the socket at once. tungstenite zero-fills this much of its read buffer
/// before every read, so the whole of it stays resident for as long as the connection lives:
/// with its default (128 KiB) an idle participant cost ~133 KiB of RSS; with one page, ~10 KiB
/// (tests/loadgen, `signaling_scale`). Larger frames still arrive whole, in more reads.
const READ_BUFFER: usize = 4 * 1024;
/// A write that cannot complete in this time means the client stopped reading: give up on it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// A socket's place: among signed-in participants, or among those still to say `hello`.
pub enum Slot {
    Main(OwnedSemaphorePermit),
    Pending(PoolSlot),
}

pub async fn upgrade(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    linger: Option<Extension<Linger>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // Browsers send Origin; a page of another site must not ride on a CSR's cookie.
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let cfg = &st.config;
        if !origin_allowed(origin, &cfg.public_url, cfg.listen, cfg.tls.is_some()) {
            return crate::error::ApiError(ErrorCode::Forbidden).into_response();
        }
    }
    let cookie = auth::cookie_token(&headers);
    // A signed-in CSR takes a participant's place at once; anyone else waits for `hello` in
    // the small pool of pending sockets, capped per address, so sockets that never sign in
    // cannot keep CSRs and customers out.
    let signed_in = cookie.is_some() && auth::account_from_headers(&st, &headers).await.is_ok();
    let slot = if signed_in {
        st.ws_slots.clone().try_acquire_owned().ok().map(Slot::Main)
    } else {
        st.edge.pending.try_take(client).map(Slot::Pending)
    };
    let Some(slot) = slot else {
        st.metrics.refused(ErrorCode::Unavailable);
        return crate::error::ApiError(ErrorCode::Unavailable).into_response();
    };
    ws.max_message_size(FRAME_LIMIT).max_frame_size(FRAME_LIMIT).read_buffer_size(READ_BUFFER).on_upgrade(
        move |socket: WebSocket| async move {
            let (sink, stream) = socket.split();
            let linger = linger.map(|Extension(l)| l);
            serve(st.clone(), cookie, slot, linger, sink, stream).await;
        },
    )
}

/// Serves one participant connection to the end.
pub async fn serve<Si, St, E>(st: AppState, cookie: Option<String>, slot: Slot, linger: Option<Linger>, mut sink: Si, mut stream: St)
where
    Si: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    // Whoever closes, the socket closes gently: a client still sending (a frame over the
    // limit, say) reads the error and the close frame instead of a reset.
    if let Some(linger) = &linger {
        linger.on_close();
    }
    let (session, participant, client) = match handshake(&st, cookie, &mut stream).await {
        Ok(found) => found,
        Err(code) => {
            st.metrics.refused(code);
            let _ = close(&mut sink, code, None).await;
            return;
        }
    };
    // Signed in: from the pending pool to a participant's place, if one is free.
    let Some(_place) = promote(&st, slot) else {
        st.metrics.refused(ErrorCode::Unavailable);
        let _ = close(&mut sink, ErrorCode::Unavailable, None).await;
        return;
    };
    st.metrics.connections.fetch_add(1, Relaxed);
    serve_participant(&st, session, participant, client, &mut sink, &mut stream).await;
    st.metrics.connections.fetch_sub(1, Relaxed);
}

/// A participant's place for a socket that said `hello`: the one it holds, or one taken now
/// in exchange for its pending place.
fn promote(st: &AppState, slot: Slot) -> Option<OwnedSemaphorePermit> {
    match slot {
        Slot::Main(main) => Some(main),
        Slot::Pending(pending) => {
            let main = st.ws_slots.clone().try_acquire_owned().ok();
            drop(pending);
            main
        }
    }
}

/// Relays between a signed-in participant and their session until either side ends.
async fn serve_participant<Si, St, E>(
    st: &AppState,
    session: SessionId,
    participant: ParticipantId,
    client: ClientKind,
    mut sink: &mut Si,
    stream: &mut St,
) where
    Si: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    let (tx, mut rx) = mpsc::channel(OUTBOUND_QUEUE);
    let (kick_tx, mut kick) = oneshot::channel();
    let conn_id = NEXT_CONN.fetch_add(1, Relaxed);
    let ice_servers = match turn::ice_servers(
        &st.config.stun_urls,
        &st.config.turn_urls,
        st.config.turn_secret.as_deref(),
        participant.as_str(),
        st.clock.now_unix_secs(),
        st.config.turn_ttl,
    ) {
        Ok(servers) => servers,
        Err(e) => {
            tracing::error!(error = %e, "cannot make TURN credentials");
            st.metrics.refused(ErrorCode::Internal);
            let _ = close(&mut sink, ErrorCode::Internal, None).await;
            return;
        }
    };
    let conn = Connection { id: conn_id, tx, kick: kick_tx };
    let connected = st
        .hub
        .ask(&session, |reply| Command::Connect {
            participant: participant.clone(),
            client,
            conn,
            ice_servers,
            ice_ttl: st.config.turn_ttl,
            reply,
        })
        .await
        .and_then(|r| r);
    if let Err(code) = connected {
        let _ = close(&mut sink, code, None).await;
        return;
    }
    let mut ping = interval(PING_EVERY);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let reason: Option<ErrorCode> = loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(json) => match timeout(WRITE_TIMEOUT, sink.send(Message::Text(json.as_ref().into()))).await {
                    Ok(Ok(())) => {}
                    _ => break Some(ErrorCode::SlowConsumer),
                },
                // The session let go of this connection; it said why just before, if at all.
                None => break kick.try_recv().ok(),
            },
            code = &mut kick => {
                // Deliver what was queued before the kick (the `ended` event, say) first.
                while let Ok(json) = rx.try_recv() {
                    if !send_within(&mut sink, Message::Text(json.as_ref().into())).await { break }
                }
                break code.ok()
            }
            frame = stream.next() => {
                last_heard = Instant::now();
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        st.metrics.messages_received.fetch_add(1, Relaxed);
                        match decode_client(text.as_str()) {
                            Ok((r#ref, msg)) => {
                                let cmd = Command::Message { participant: participant.clone(), r#ref, msg, bytes: text.len() };
                                if st.hub.send(&session, cmd).await.is_err() { break Some(ErrorCode::SessionEnded) }
                            }
                            Err(e) => {
                                st.metrics.refused(e.code);
                                tracing::debug!(participant = %participant, error = %e, "refused message");
                                let msg = ServerMessage::error(e.code, e.r#ref);
                                let Some(json) = encode(&msg) else { continue };
                                if !send_within(&mut sink, Message::Text(json.into())).await { break Some(ErrorCode::SlowConsumer) }
                            }
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        st.metrics.refused(ErrorCode::MalformedMessage);
                        let msg = ServerMessage::error(ErrorCode::MalformedMessage, None);
                        let Some(json) = encode(&msg) else { continue };
                        if !send_within(&mut sink, Message::Text(json.into())).await { break Some(ErrorCode::SlowConsumer) }
                    }
                    Some(Ok(Message::Close(_))) | None => break None,
                    Some(Ok(_)) => {}
                    Some(Err(_)) => break Some(ErrorCode::MessageTooLarge),
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > PING_EVERY * 3 { break None }
                if !send_within(&mut sink, Message::Ping(Vec::new().into())).await { break Some(ErrorCode::SlowConsumer) }
            }
        }
    };
    let _ = st.hub.send(&session, Command::Disconnect { participant: participant.clone(), conn_id }).await;
    // Say why, unless the peer is already gone.
    if let Some(code) = reason {
        let _ = close(&mut sink, code, None).await;
    } else {
        let _ = timeout(WRITE_TIMEOUT, sink.send(Message::Close(None))).await;
    }
}

/// Waits for `hello`, checks the version, and finds the participant it proves and the client
/// it says it is (`client`, customers only; `agent` when absent).
async fn handshake<St, E>(
    st: &AppState,
    cookie: Option<String>,
    stream: &mut St,
) -> Result<(SessionId, ParticipantId, ClientKind), ErrorCode>
where
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    // One deadline from the upgrade on: Pings and Pongs do not extend it.
    let deadline = Instant::now() + HELLO_TIMEOUT;
    let mut closing = st.edge.closing.subscribe();
    let first = loop {
        let next = tokio::select! {
            next = timeout_at(deadline, stream.next()) => next,
            _ = closing.wait_for(|c| *c) => return Err(ErrorCode::Unavailable),
        };
        match next {
            Err(_) => return Err(ErrorCode::HelloRequired),
            Ok(Some(Ok(Message::Text(t)))) => break t,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(_) => return Err(ErrorCode::HelloRequired),
        }
    };
    let (_, msg) = decode_client(first.as_str()).map_err(|e| e.code)?;
    let ClientMessage::Hello { protocol_version, session, token } = msg else { return Err(ErrorCode::HelloRequired) };
    if protocol_version != PROTOCOL_VERSION {
        return Err(ErrorCode::ProtocolVersionMismatch);
    }
    // A closed set of two words: anything else is refused before the token is looked up.
    let client = protocol::signal::hello_client(first.as_str())?;
    let row = match (token, session) {
        (Some(token), _) => st
            .db
            .call(move |c| store::participant_by_token(c, &token))
            .await
            .map_err(|e| crate::error::ApiError::from(e).0)?
            .ok_or(ErrorCode::TokenInvalid)?,
        (None, Some(session)) => {
            let mut headers = HeaderMap::new();
            if let Some(c) = cookie.and_then(|c| format!("{}={c}", auth::COOKIE).parse().ok()) {
                headers.insert(header::COOKIE, c);
            }
            let account = auth::account_from_headers(st, &headers).await.map_err(|e| e.0)?;
            if account.must_change_password {
                return Err(ErrorCode::PasswordChangeRequired);
            }
            let sid = session.0.clone();
            st.db
                .call(move |c| store::csr_participant(c, &sid, account.id))
                .await
                .map_err(|e| crate::error::ApiError::from(e).0)?
                .ok_or(ErrorCode::NotInSession)?
        }
        (None, None) => return Err(ErrorCode::Unauthenticated),
    };
    Ok((SessionId(row.session_id), ParticipantId(row.id), client))
}

/// The message as JSON; `None` (reported) when it cannot be encoded.
fn encode(msg: &ServerMessage) -> Option<String> {
    match serde_json::to_string(msg) {
        Ok(json) => Some(json),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a server message");
            None
        }
    }
}

/// Sends one frame; false when it failed or did not go out within [`WRITE_TIMEOUT`] (a client
/// that writes but never reads must not hold its connection task, and its slot, for ever).
async fn send_within<Si: Sink<Message> + Unpin>(sink: &mut Si, msg: Message) -> bool {
    matches!(timeout(WRITE_TIMEOUT, sink.send(msg)).await, Ok(Ok(())))
}

/// Sends the error as a message, then a close frame carrying the code; gives up after
/// [`WRITE_TIMEOUT`] on a client that does not read.
async fn close<Si: Sink<Message> + Unpin>(sink: &mut Si, code: ErrorCode, r#ref: Option<String>) -> Result<(), ()> {
    let said = async {
        if let Some(json) = encode(&ServerMessage::error(code, r#ref)) {
            sink.send(Message::Text(json.into())).await?;
        }
        let frame = CloseFrame { code: 4000 + crate::error::status_of(code).as_u16() % 1000, reason: code.code().into() };
        sink.send(Message::Close(Some(frame))).await
    };
    match timeout(WRITE_TIMEOUT, said).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
