//! File bytes over data channels (S11–S13). A receive task writes what arrives on
//! `file:<id>` into an [`Incoming`]; a send task streams an [`Outgoing`] with backpressure.
//! Both look at the grant snapshot before every chunk, so a revocation stops a transfer
//! within one chunk (S21); what arrived stays as a partial file to resume from.

use crate::events::{AgentEvent, Grants};
use agent_core::agent::{Input, TransferEnd};
use agent_core::transfer::{Incoming, Outgoing};
use bytes::BytesMut;
use protocol::peer::{TransferId, CHUNK_BYTES};
use protocol::{Capability, ErrorCode, ParticipantId};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};

/// Fewest time between two progress reports of one transfer.
const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Tells the core how far a transfer got, at most every [`REPORT_EVERY`]. Never waits: a report
/// that finds the session's queue full is dropped, the next one carries the total.
struct Progress {
    transfer: TransferId,
    events: mpsc::Sender<AgentEvent>,
    last: Instant,
}

impl Progress {
    fn new(transfer: &TransferId, events: &mpsc::Sender<AgentEvent>) -> Self {
        Progress { transfer: transfer.clone(), events: events.clone(), last: Instant::now() }
    }

    fn report(&mut self, done: u64) {
        if self.last.elapsed() < REPORT_EVERY {
            return;
        }
        self.last = Instant::now();
        let _ = self.events.try_send(AgentEvent::Done(Input::TransferProgress { transfer: self.transfer.clone(), done }));
    }
}

/// Receives into `incoming` until complete, the channel closes, or the needed grant ends.
pub async fn receive(
    transfer: TransferId,
    incoming: Incoming,
    channel: Arc<dyn DataChannel>,
    needs: Option<(ParticipantId, Capability)>,
    grants: Grants,
    events: mpsc::Sender<AgentEvent>,
) {
    let allowed = |g: &Grants| needs.as_ref().is_none_or(|n| g.borrow().contains(n));
    // A resumed partial may already hold every byte (or the file is empty).
    let end = if incoming.is_complete() {
        finish(incoming).await
    } else {
        receive_chunks(incoming, &channel, allowed, &grants, Progress::new(&transfer, &events)).await
    };
    let _ = channel.close().await;
    let _ = events.send(AgentEvent::Done(Input::TransferEnded { transfer, end })).await;
}

async fn finish(incoming: Incoming) -> TransferEnd {
    match tokio::task::spawn_blocking(move || incoming.finish()).await {
        Ok(Ok(saved_as)) => TransferEnd::Received { saved_as },
        Ok(Err(e)) => TransferEnd::Failed(e.code()),
        Err(_) => TransferEnd::Failed(ErrorCode::Internal),
    }
}

async fn receive_chunks(
    mut incoming: Incoming,
    channel: &Arc<dyn DataChannel>,
    allowed: impl Fn(&Grants) -> bool,
    grants: &Grants,
    mut progress: Progress,
) -> TransferEnd {
    loop {
        let Some(ev) = channel.poll().await else { break stop(incoming, ErrorCode::TransferInterrupted) };
        match ev {
            DataChannelEvent::OnMessage(m) if !m.is_string => {
                if !allowed(grants) {
                    break stop(incoming, ErrorCode::ConsentRevoked);
                }
                if let Err(e) = incoming.write(&m.data) {
                    incoming.discard();
                    break TransferEnd::Failed(e.code());
                }
                if incoming.is_complete() {
                    break finish(incoming).await;
                }
                progress.report(incoming.received());
            }
            DataChannelEvent::OnMessage(_) => {
                incoming.discard();
                break TransferEnd::Failed(ErrorCode::InvalidMessage);
            }
            DataChannelEvent::OnClose => break stop(incoming, ErrorCode::TransferInterrupted),
            _ => {}
        }
    }
}

/// Opens (or resumes) a file to receive, off the async threads: resuming re-hashes what
/// arrived before, which takes a while for big files.
pub async fn open_incoming(
    dir: PathBuf,
    name: String,
    size: u64,
    sha256: String,
    limits: agent_core::transfer::Limits,
) -> Result<Incoming, ErrorCode> {
    let opened = tokio::task::spawn_blocking(move || Incoming::open(&dir, &name, size, &sha256, &limits)).await;
    match opened {
        Ok(r) => r.map_err(|e| e.code()),
        Err(_) => Err(ErrorCode::Internal),
    }
}

/// Keeps what arrived for a later resume.
fn stop(incoming: Incoming, code: ErrorCode) -> TransferEnd {
    incoming.suspend();
    TransferEnd::Failed(code)
}

/// Sends `outgoing` from its current offset; `send` pauses while the channel's buffer is full.
pub async fn send(
    transfer: TransferId,
    mut outgoing: Outgoing,
    channel: Arc<dyn DataChannel>,
    needs: (ParticipantId, Capability),
    grants: Grants,
    events: mpsc::Sender<AgentEvent>,
) {
    let end = send_all(&mut outgoing, &channel, &needs, &grants, Progress::new(&transfer, &events)).await;
    let _ = events.send(AgentEvent::Done(Input::TransferEnded { transfer, end })).await;
}

async fn send_all(
    outgoing: &mut Outgoing,
    channel: &Arc<dyn DataChannel>,
    needs: &(ParticipantId, Capability),
    grants: &Grants,
    mut progress: Progress,
) -> TransferEnd {
    // Wait for the channel to open.
    loop {
        match channel.poll().await {
            Some(DataChannelEvent::OnOpen) => break,
            Some(DataChannelEvent::OnClose) | None => return TransferEnd::Failed(ErrorCode::TransferInterrupted),
            _ => {}
        }
    }
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        if !grants.borrow().contains(needs) {
            return TransferEnd::Failed(ErrorCode::ConsentRevoked);
        }
        let n = match outgoing.next_chunk(&mut buf) {
            Ok(0) => return TransferEnd::Sent,
            Ok(n) => n,
            Err(e) => return TransferEnd::Failed(e.code()),
        };
        // `send` waits while the channel holds SEND_BUFFER_LIMIT unsent bytes: memory stays
        // bounded whatever the file size.
        if channel.send(BytesMut::from(&buf[..n])).await.is_err() {
            return TransferEnd::Failed(ErrorCode::TransferInterrupted);
        }
        progress.report(outgoing.sent());
    }
}
