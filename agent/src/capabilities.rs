//! What CSRs ask for on the control channel, each checked by the consent gate before it
//! touches the customer's computer: system information (S14), basic and advanced file
//! transfer (S11–S13, refused during application sharing, S12).

use crate::files::{self, TransferEnd};
use crate::session::{AgentEvent, PendingTransfer, Planned, Session};
use crate::sysreport;
use crate::ui::{size, CustomerUi, Notice};
use agent_core::consent::GateInput;
use agent_core::transfer::Outgoing;
use protocol::peer::{PeerMessage, SystemReport, TransferId, FILE_CHANNEL_PREFIX};
use protocol::{Capability, ErrorCode, ParticipantId, RequestId, PROTOCOL_VERSION};
use std::sync::Arc;
use webrtc::data_channel::{DataChannel, RTCDataChannelInit};

/// Most entries sent in one folder listing (≈ 100 bytes each on the wire).
const MAX_LISTING: usize = 1000;

impl<U: CustomerUi> Session<U> {
    pub(crate) async fn on_peer_message(&mut self, csr: ParticipantId, msg: PeerMessage) {
        match msg {
            PeerMessage::Hello { protocol_version, .. } if protocol_version != PROTOCOL_VERSION => {
                self.peer_error(&csr, ErrorCode::ProtocolVersionMismatch).await;
            }
            PeerMessage::Hello { .. } | PeerMessage::Bye => {}
            PeerMessage::Error { error } => tracing::warn!(%csr, code = %error.code, "the console reported an error"),
            PeerMessage::SystemInfoRequest => self.report_requested(csr).await,
            PeerMessage::FileOffer { transfer, name, size: bytes, sha256 } => {
                if self.app_shared() {
                    return self.refuse(&csr, transfer, ErrorCode::ApplicationSharingActive).await;
                }
                let from = self.name_of(&csr);
                self.offers.insert(transfer.clone(), (csr, name.clone(), bytes, sha256));
                self.ui.show(Notice::FileOffered { transfer, from, name, size: bytes });
            }
            PeerMessage::ListDir { request, path } => {
                let listing = match (self.gate.check(Capability::AdvancedFileTransfer), &self.share) {
                    (Err(code), _) => Err(code),
                    (Ok(()), None) => Err(ErrorCode::PathNotAllowed),
                    (Ok(()), Some(share)) => share.list(&path).map_err(|e| e.code()),
                };
                match listing {
                    Ok(mut entries) => {
                        // One listing must fit one data-channel message.
                        let truncated = entries.len() > MAX_LISTING;
                        entries.truncate(MAX_LISTING);
                        self.to_peer(&csr, &PeerMessage::DirListing { request, path, entries, truncated }).await
                    }
                    Err(code) => self.peer_error(&csr, code).await,
                }
            }
            PeerMessage::PushFile { transfer, consent, dir, name, size: bytes, sha256 } => {
                let what = format!(
                    "send you {name} ({}) into {}",
                    size(bytes),
                    if dir.is_empty() { "your shared folder".into() } else { dir.clone() }
                );
                let plan = PendingTransfer::Push { csr: csr.clone(), dir, name, size: bytes, sha256 };
                self.advanced_request(csr, transfer, consent, what, plan).await;
            }
            PeerMessage::PullFile { transfer, consent, path } => {
                let file = self.share.as_ref().map(|s| s.file(&path).map_err(|e| e.code()));
                let file = file.unwrap_or(Err(ErrorCode::PathNotAllowed));
                match file {
                    Ok(p) => {
                        let bytes = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                        let what = format!("copy {path} ({}) from your computer", size(bytes));
                        let plan = PendingTransfer::Pull { csr: csr.clone(), path: p };
                        self.advanced_request(csr, transfer, consent, what, plan).await;
                    }
                    Err(code) if self.gate.check(Capability::AdvancedFileTransfer).is_err() => {
                        let _ = code;
                        self.refuse(&csr, transfer, ErrorCode::ConsentRequired).await;
                    }
                    Err(code) => self.refuse(&csr, transfer, code).await,
                }
            }
            PeerMessage::TransferStart { transfer, offset } => self.start_sending(csr, transfer, offset).await,
            PeerMessage::TransferDone { transfer, saved_as } => {
                self.ui.show(Notice::Info(format!("{} received your file ({transfer}) as {saved_as}.", self.name_of(&csr))));
            }
            PeerMessage::TransferFailed { transfer, error } => {
                self.planned.remove(&transfer);
                self.ui.show(Notice::Problem(format!("Transfer {transfer} stopped: {}", error.message)));
            }
            PeerMessage::SystemInfo { .. } | PeerMessage::DirListing { .. } | PeerMessage::TransferHeader { .. } => {
                self.peer_error(&csr, ErrorCode::InvalidMessage).await;
            }
            PeerMessage::FileAccept { .. } | PeerMessage::FileDecline { .. } => self.peer_error(&csr, ErrorCode::InvalidMessage).await,
            // What only the agent sends.
            PeerMessage::Sources { .. }
            | PeerMessage::ShareStarted { .. }
            | PeerMessage::ShareStopped { .. }
            | PeerMessage::RenegotiationNeeded
            | PeerMessage::MediaStarted { .. }
            | PeerMessage::MediaStopped { .. } => self.peer_error(&csr, ErrorCode::InvalidMessage).await,
            PeerMessage::ListSources { .. }
            | PeerMessage::StartShare { .. }
            | PeerMessage::StopShare
            | PeerMessage::KeyframeRequest
            | PeerMessage::Input { .. }
            | PeerMessage::Clipboard { .. }
            | PeerMessage::StartMedia { .. }
            | PeerMessage::StopMedia { .. } => self.on_media_message(csr, msg).await,
        }
    }

    async fn refuse(&self, csr: &ParticipantId, transfer: TransferId, code: ErrorCode) {
        self.to_peer(csr, &PeerMessage::TransferFailed { transfer, error: code.into() }).await;
    }

    /// S13: an advanced transfer needs the activity's grant, no application sharing (S12), and
    /// its own grant, which the customer gives seeing exactly what the transfer is.
    async fn advanced_request(
        &mut self,
        csr: ParticipantId,
        transfer: TransferId,
        consent: RequestId,
        what: String,
        plan: PendingTransfer,
    ) {
        if let Err(code) = self.gate.check(Capability::AdvancedFileTransfer) {
            return self.refuse(&csr, transfer, code).await;
        }
        if self.app_shared() {
            return self.refuse(&csr, transfer, ErrorCode::ApplicationSharingActive).await;
        }
        self.awaiting_consent.insert(consent.clone(), (transfer, plan));
        let out = self.gate.handle(GateInput::Described { request: consent, what });
        self.apply_gate(out).await;
    }

    /// Called with every answer the customer gives: a per-transfer grant starts its transfer.
    pub(crate) async fn start_if_transfer(&mut self, consent: RequestId, granted: bool) {
        let Some((transfer, plan)) = self.awaiting_consent.remove(&consent) else { return };
        let csr = match &plan {
            PendingTransfer::Push { csr, .. } | PendingTransfer::Pull { csr, .. } => csr.clone(),
        };
        if !granted {
            return self.refuse(&csr, transfer, ErrorCode::Declined).await;
        }
        if let Err(code) = self.gate.take_transfer(&consent) {
            return self.refuse(&csr, transfer, code).await;
        }
        match plan {
            PendingTransfer::Push { csr, dir, name, size: bytes, sha256 } => {
                let dir = self.share.as_ref().map(|s| s.dir(&dir).map_err(|e| e.code())).unwrap_or(Err(ErrorCode::PathNotAllowed));
                let incoming = match dir {
                    Ok(d) => files::open_incoming(d, name, bytes, sha256, self.opts.limits.clone()).await,
                    Err(code) => Err(code),
                };
                match incoming {
                    Ok(incoming) => {
                        let offset = incoming.offset();
                        self.planned.insert(
                            transfer.clone(),
                            Planned::Receive {
                                csr: csr.clone(),
                                incoming: Box::new(incoming),
                                needs: Some(Capability::AdvancedFileTransfer),
                            },
                        );
                        self.to_peer(&csr, &PeerMessage::TransferStart { transfer, offset }).await;
                    }
                    Err(code) => self.refuse(&csr, transfer, code).await,
                }
            }
            PendingTransfer::Pull { csr, path } => {
                let limits = self.opts.limits.clone();
                let opened = tokio::task::spawn_blocking(move || Outgoing::open(&path, &limits)).await;
                match opened {
                    Ok(Ok((outgoing, meta))) => {
                        self.planned.insert(transfer.clone(), Planned::Send { csr: csr.clone(), outgoing });
                        let header = PeerMessage::TransferHeader { transfer, name: meta.name, size: meta.size, sha256: meta.sha256 };
                        self.to_peer(&csr, &header).await;
                    }
                    Ok(Err(e)) => self.refuse(&csr, transfer, e.code()).await,
                    Err(_) => self.refuse(&csr, transfer, ErrorCode::Internal).await,
                }
            }
        }
    }

    /// S11 basic: the customer chose to download an offered file.
    pub(crate) async fn accept_offer(&mut self, transfer: TransferId) {
        let Some((csr, name, bytes, sha256)) = self.offers.remove(&transfer) else { return };
        if self.app_shared() {
            self.ui.show(Notice::Problem(ErrorCode::ApplicationSharingActive.message().into()));
            return self.refuse(&csr, transfer, ErrorCode::ApplicationSharingActive).await;
        }
        match files::open_incoming(self.opts.download_dir.clone(), name.clone(), bytes, sha256, self.opts.limits.clone()).await {
            Ok(incoming) => {
                let offset = incoming.offset();
                self.planned.insert(transfer.clone(), Planned::Receive { csr: csr.clone(), incoming: Box::new(incoming), needs: None });
                self.ui.show(Notice::Info(format!("Downloading {name} ({})…", size(bytes))));
                self.to_peer(&csr, &PeerMessage::FileAccept { transfer, offset }).await;
            }
            Err(code) => {
                self.ui.show(Notice::Problem(format!("{name}: {}", code.message())));
                self.refuse(&csr, transfer, code).await;
            }
        }
    }

    /// The CSR opened the channel for a file it sends: start writing.
    pub(crate) async fn on_file_channel(&mut self, csr: ParticipantId, transfer: TransferId, channel: Arc<dyn DataChannel>) {
        match self.planned.remove(&transfer) {
            Some(Planned::Receive { csr: owner, incoming, needs }) if owner == csr => {
                let grants = self.grants.subscribe();
                tokio::spawn(files::receive(transfer, *incoming, channel, needs, grants, self.events.clone()));
            }
            other => {
                if let Some(p) = other {
                    self.planned.insert(transfer.clone(), p);
                }
                let _ = channel.close().await;
                self.refuse(&csr, transfer, ErrorCode::UnknownRequest).await;
            }
        }
    }

    /// The CSR said where a pulled file should start: open a channel and stream.
    async fn start_sending(&mut self, csr: ParticipantId, transfer: TransferId, offset: u64) {
        let Some(Planned::Send { csr: owner, mut outgoing }) = self.planned.remove(&transfer) else {
            return self.refuse(&csr, transfer, ErrorCode::UnknownRequest).await;
        };
        if owner != csr {
            return self.refuse(&csr, transfer, ErrorCode::UnknownRequest).await;
        }
        if let Err(e) = outgoing.start_at(offset) {
            return self.refuse(&csr, transfer, e.code()).await;
        }
        let Some(pc) = self.peers.get(&csr).map(|p| p.pc.clone()) else { return };
        let init = RTCDataChannelInit { ordered: true, ..Default::default() };
        match pc.create_data_channel(&format!("{FILE_CHANNEL_PREFIX}{transfer}"), Some(init)).await {
            Ok(channel) => {
                let grants = self.grants.subscribe();
                tokio::spawn(files::send(transfer, outgoing, channel, Capability::AdvancedFileTransfer, grants, self.events.clone()));
            }
            Err(_) => self.refuse(&csr, transfer, ErrorCode::TransferInterrupted).await,
        }
    }

    pub(crate) async fn on_transfer_end(&mut self, transfer: TransferId, end: TransferEnd) {
        match end {
            TransferEnd::Received { saved_as } => {
                let shown = saved_as.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                self.ui.show(Notice::Info(format!("Received {shown} (checked), saved as {}.", saved_as.display())));
                self.broadcast_to_owner(&transfer, PeerMessage::TransferDone { transfer: transfer.clone(), saved_as: shown }).await;
            }
            TransferEnd::Sent => self.ui.show(Notice::Info(format!("Sent file ({transfer})."))),
            TransferEnd::Failed(code) => {
                self.ui.show(Notice::Problem(format!("Transfer {transfer} stopped: {}", code.message())));
                self.broadcast_to_owner(&transfer, PeerMessage::TransferFailed { transfer: transfer.clone(), error: code.into() }).await;
            }
        }
    }

    /// Transfer ids are the CSR's; tell every connected CSR (only the owner knows the id).
    async fn broadcast_to_owner(&self, _transfer: &TransferId, msg: PeerMessage) {
        for csr in self.peers.keys() {
            self.to_peer(csr, &msg).await;
        }
    }

    /// S14: collect only with the grant, show it, send only on the customer's yes.
    async fn report_requested(&mut self, csr: ParticipantId) {
        if let Err(code) = self.gate.check(Capability::SystemInfo) {
            return self.peer_error(&csr, code).await;
        }
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let report = Box::new(sysreport::collect());
            let _ = events.blocking_send(AgentEvent::ReportReady { csr, report });
        });
    }

    pub(crate) fn on_report(&mut self, csr: ParticipantId, report: SystemReport) {
        if self.gate.check(Capability::SystemInfo).is_err() {
            return;
        }
        self.ui.show(Notice::ConfirmReport { summary: sysreport::summary(&report) });
        self.report = Some((csr, report));
    }

    pub(crate) async fn send_report(&mut self, yes: bool) {
        let Some((csr, report)) = self.report.take() else { return };
        if !yes {
            return self.peer_error(&csr, ErrorCode::Declined).await;
        }
        // The grant may have been revoked while the customer read the report.
        if let Err(code) = self.gate.check(Capability::SystemInfo) {
            return self.peer_error(&csr, code).await;
        }
        self.to_peer(&csr, &PeerMessage::SystemInfo { report }).await;
        self.ui.show(Notice::Info(format!("System information sent to {}.", self.name_of(&csr))));
    }
}
