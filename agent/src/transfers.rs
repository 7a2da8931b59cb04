//! Carrying out the core's file and system-information commands (S11–S14): opening files off
//! the session task, holding what is opened until the core says go, starting the transfer
//! tasks of `files`, listing the shared folder, collecting the report.

use crate::events::{AgentEvent, Grants};
use crate::files;
use crate::peer::CsrPeer;
use agent_core::agent::{Destination, Input, PullReady};
use agent_core::transfer::{Incoming, Limits, Outgoing, SharedRoot};
use protocol::peer::{PeerMessage, TransferId, FILE_CHANNEL_PREFIX};
use protocol::{Capability, ErrorCode, ParticipantId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, RTCDataChannelInit};

/// Most entries sent in one folder listing (≈ 100 bytes each on the wire).
const MAX_LISTING: usize = 1000;

/// What is opened for transfers the core agreed to, until they start.
pub struct Transfers {
    download_dir: PathBuf,
    share: Option<SharedRoot>,
    limits: Limits,
    incoming: HashMap<TransferId, Incoming>,
    outgoing: HashMap<TransferId, Outgoing>,
    channels: HashMap<TransferId, Arc<dyn DataChannel>>,
}

impl Transfers {
    pub fn new(download_dir: PathBuf, shared_root: &std::path::Path, limits: Limits) -> Self {
        let share = SharedRoot::new(shared_root).ok();
        Self { download_dir, share, limits, incoming: HashMap::new(), outgoing: HashMap::new(), channels: HashMap::new() }
    }

    pub fn shares_a_folder(&self) -> bool {
        self.share.is_some()
    }

    /// A CSR opened `file:<transfer>`; kept until the core says whether it is wanted.
    pub fn channel_opened(&mut self, transfer: TransferId, channel: Arc<dyn DataChannel>) {
        if let Some(old) = self.channels.insert(transfer, channel) {
            tokio::spawn(async move {
                let _ = old.close().await;
            });
        }
    }

    pub fn open_incoming(
        &self,
        transfer: TransferId,
        to: Destination,
        name: String,
        size: u64,
        sha256: String,
        events: mpsc::Sender<AgentEvent>,
    ) {
        let dir = match to {
            Destination::Downloads => Ok(self.download_dir.clone()),
            Destination::Shared { dir } => {
                self.share.as_ref().map(|s| s.dir(&dir).map_err(|e| e.code())).unwrap_or(Err(ErrorCode::PathNotAllowed))
            }
        };
        let limits = self.limits.clone();
        tokio::spawn(async move {
            let result = match dir {
                Ok(d) => files::open_incoming(d, name, size, sha256, limits).await.map(Box::new),
                Err(code) => Err(code),
            };
            let _ = events.send(AgentEvent::IncomingOpened { transfer, result }).await;
        });
    }

    /// The opened file is kept; the core hears only where the transfer starts.
    pub fn incoming_opened(&mut self, transfer: TransferId, result: Result<Box<Incoming>, ErrorCode>) -> Input {
        let result = result.map(|inc| {
            let offset = inc.offset();
            self.incoming.insert(transfer.clone(), *inc);
            offset
        });
        Input::IncomingOpened { transfer, result }
    }

    pub fn open_pull(&self, transfer: TransferId, path: PathBuf, events: mpsc::Sender<AgentEvent>) {
        let limits = self.limits.clone();
        tokio::spawn(async move {
            let result = match tokio::task::spawn_blocking(move || Outgoing::open(&path, &limits)).await {
                Ok(r) => r.map_err(|e| e.code()),
                Err(_) => Err(ErrorCode::Internal),
            };
            let _ = events.send(AgentEvent::PullOpened { transfer, result }).await;
        });
    }

    pub fn pull_opened(&mut self, transfer: TransferId, result: Result<(Outgoing, agent_core::transfer::FileMeta), ErrorCode>) -> Input {
        let result = result.map(|(out, meta)| {
            self.outgoing.insert(transfer.clone(), out);
            PullReady { name: meta.name, size: meta.size, sha256: meta.sha256 }
        });
        Input::PullOpened { transfer, result }
    }

    /// Where a pulled file is and how big, for the customer's question.
    pub fn describe_pull(&self, path: &str) -> Result<(PathBuf, u64), ErrorCode> {
        let share = self.share.as_ref().ok_or(ErrorCode::PathNotAllowed)?;
        let p = share.file(path).map_err(|e| e.code())?;
        let bytes = std::fs::metadata(&p).map(|m| m.len()).map_err(|_| ErrorCode::FileUnreadable)?;
        Ok((p, bytes))
    }

    pub fn list(&self, request: String, path: String) -> PeerMessage {
        let listing = match &self.share {
            None => Err(ErrorCode::PathNotAllowed),
            Some(share) => share.list(&path).map_err(|e| e.code()),
        };
        match listing {
            Ok(mut entries) => {
                // One listing must fit one data-channel message.
                let truncated = entries.len() > MAX_LISTING;
                entries.truncate(MAX_LISTING);
                PeerMessage::DirListing { request, path, entries, truncated }
            }
            Err(code) => PeerMessage::Error { error: code.into() },
        }
    }

    /// Starts writing what arrives on the channel into the opened file.
    pub fn receive(
        &mut self,
        transfer: TransferId,
        needs: Option<(ParticipantId, Capability)>,
        grants: Grants,
        events: mpsc::Sender<AgentEvent>,
    ) {
        match (self.incoming.remove(&transfer), self.channels.remove(&transfer)) {
            (Some(inc), Some(channel)) => {
                tokio::spawn(files::receive(transfer, inc, channel, needs, grants, events));
            }
            (inc, channel) => {
                if let Some(i) = inc {
                    i.suspend();
                }
                drop(channel);
            }
        }
    }

    /// Opens `file:<transfer>` towards the CSR and streams the opened file from `offset`.
    pub async fn send(
        &mut self,
        peer: Option<&CsrPeer>,
        transfer: TransferId,
        offset: u64,
        needs: (ParticipantId, Capability),
        grants: Grants,
        events: mpsc::Sender<AgentEvent>,
    ) -> Result<(), ErrorCode> {
        let mut outgoing = self.outgoing.remove(&transfer).ok_or(ErrorCode::UnknownRequest)?;
        outgoing.start_at(offset).map_err(|e| e.code())?;
        let peer = peer.ok_or(ErrorCode::TransferInterrupted)?;
        let init = RTCDataChannelInit { ordered: true, ..Default::default() };
        let channel = peer
            .pc
            .create_data_channel(&format!("{FILE_CHANNEL_PREFIX}{transfer}"), Some(init))
            .await
            .map_err(|_| ErrorCode::TransferInterrupted)?;
        tokio::spawn(files::send(transfer, outgoing, channel, needs, grants, events));
        Ok(())
    }

    /// Forgets a transfer the core gave up: its channel closes, a partial file stays for a resume.
    pub fn drop_transfer(&mut self, transfer: &TransferId) {
        if let Some(i) = self.incoming.remove(transfer) {
            i.suspend();
        }
        self.outgoing.remove(transfer);
        if let Some(c) = self.channels.remove(transfer) {
            tokio::spawn(async move {
                let _ = c.close().await;
            });
        }
    }
}

/// S14: collected off the session task; the core shows it before anything is sent.
pub fn collect_report(csr: ParticipantId, events: mpsc::Sender<AgentEvent>) {
    tokio::task::spawn_blocking(move || {
        let report = Box::new(crate::sysreport::collect());
        let _ = events.blocking_send(AgentEvent::Done(Input::ReportReady { csr, report }));
    });
}
