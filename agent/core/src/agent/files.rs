//! Files and system information as decisions (S11–S14): offers, advanced transfers and the
//! report, each bound to the CSR it belongs to; S12 read from what signaling runs, through the
//! shared policy.

use super::io::{Command, Destination, PullReady, TransferEnd};
use super::Ctx;
use crate::consent::GateInput;
use crate::customer::{report_summary, size, Direction, Notice, TransferState, TransferView};
use protocol::peer::{PeerMessage, SystemReport, TransferId};
use protocol::policy::{displayable, is_deceptive_file_name, visible_file_name};
use protocol::{Activity, Capability, ErrorCode, ParticipantId, RequestId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

/// Most offers and transfers one agent keeps open at once: a CSR cannot grow them without limit.
const MAX_OPEN: usize = 64;

#[derive(Debug)]
struct Offer {
    csr: ParticipantId,
    name: String,
    size: u64,
    sha256: String,
}

/// What a per-transfer grant will start.
#[derive(Debug)]
enum Plan {
    Push { dir: String, name: String, size: u64, sha256: String },
    Pull { path: PathBuf },
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    /// The driver opens the file.
    Opening,
    /// Incoming: waiting for the CSR's `file:` channel. Outgoing: for the CSR's start offset.
    Agreed,
    Running,
}

#[derive(Debug)]
struct Transfer {
    csr: ParticipantId,
    /// The advanced grant it runs under; `None` for a basic download the customer chose.
    needs: Option<Capability>,
    incoming: bool,
    name: String,
    /// The CSR's name when it was agreed, for the customer's row (they may leave meanwhile).
    who: String,
    size: u64,
    /// Bytes in place, as the transfer task last reported.
    done: u64,
    phase: Phase,
}

impl Transfer {
    fn new(csr: ParticipantId, who: String, needs: Option<Capability>, incoming: bool, name: String, size: u64) -> Self {
        Transfer { csr, needs, incoming, name, who, size, done: 0, phase: Phase::Opening }
    }

    /// The customer's row of this transfer now.
    fn view(&self, transfer: &TransferId, state: TransferState) -> Notice {
        Notice::Transfer(TransferView {
            transfer: transfer.clone(),
            name: visible_file_name(&self.name),
            csr_name: self.who.clone(),
            direction: if self.incoming { Direction::ToYou } else { Direction::FromYou },
            done: self.done,
            total: self.size,
            state,
        })
    }
}

/// Why a transfer stopped, in the customer's words (the codes' messages speak to CSRs).
fn why(code: ErrorCode) -> String {
    match code {
        ErrorCode::ConsentRevoked => "the permission was taken back".into(),
        ErrorCode::TransferInterrupted => "the connection was cut off".into(),
        ErrorCode::Declined => "declined".into(),
        other => other.message().into(),
    }
}

#[derive(Debug)]
pub(super) struct FileTable {
    shared_folder: bool,
    offers: BTreeMap<TransferId, Offer>,
    awaiting: BTreeMap<RequestId, (ParticipantId, TransferId, Plan)>,
    transfers: BTreeMap<TransferId, Transfer>,
    collecting: BTreeSet<ParticipantId>,
    report: Option<(ParticipantId, SystemReport)>,
    finished: Vec<(ParticipantId, Capability)>,
}

fn to_peer(out: &mut VecDeque<Command>, csr: &ParticipantId, msg: PeerMessage) {
    out.push_back(Command::ToPeer { csr: csr.clone(), msg });
}

fn refuse(out: &mut VecDeque<Command>, csr: &ParticipantId, transfer: TransferId, code: ErrorCode) {
    to_peer(out, csr, PeerMessage::TransferFailed { transfer, error: code.into() });
}

fn show(out: &mut VecDeque<Command>, n: Notice) {
    out.push_back(Command::Show(n));
}

impl FileTable {
    pub(super) fn new(shared_folder: bool) -> Self {
        Self {
            shared_folder,
            offers: BTreeMap::new(),
            awaiting: BTreeMap::new(),
            transfers: BTreeMap::new(),
            collecting: BTreeSet::new(),
            report: None,
            finished: vec![],
        }
    }

    pub(super) fn running(&self) -> Vec<(ParticipantId, Capability)> {
        let mut out: Vec<_> = self.transfers.values().filter_map(|t| t.needs.map(|c| (t.csr.clone(), c))).collect();
        out.extend(self.report.iter().map(|(c, _)| (c.clone(), Capability::SystemInfo)));
        out
    }

    fn full(&self) -> bool {
        self.offers.len() + self.transfers.len() + self.awaiting.len() >= MAX_OPEN
    }

    /// A control-channel message about files or system information; may return what the
    /// consent gate must be told (a per-transfer question's description).
    pub(super) fn on_message(
        &mut self,
        ctx: &Ctx<'_>,
        csr: ParticipantId,
        msg: PeerMessage,
        out: &mut VecDeque<Command>,
    ) -> Option<GateInput> {
        match msg {
            PeerMessage::Hello { protocol_version, .. } if protocol_version != protocol::PROTOCOL_VERSION => {
                to_peer(out, &csr, PeerMessage::Error { error: ErrorCode::ProtocolVersionMismatch.into() });
            }
            PeerMessage::Hello { .. } | PeerMessage::Bye | PeerMessage::Error { .. } => {}
            PeerMessage::SystemInfoRequest => match ctx.gate.check(&csr, Capability::SystemInfo) {
                Ok(()) if self.collecting.insert(csr.clone()) => out.push_back(Command::CollectReport { csr }),
                Ok(()) => {}
                Err(code) => to_peer(out, &csr, PeerMessage::Error { error: code.into() }),
            },
            PeerMessage::FileOffer { transfer, name, size: bytes, sha256 } => self.offer(ctx, csr, transfer, name, bytes, sha256, out),
            PeerMessage::ListDir { request, path } => match (ctx.gate.check(&csr, Capability::AdvancedFileTransfer), self.shared_folder) {
                (Err(code), _) => to_peer(out, &csr, PeerMessage::Error { error: code.into() }),
                (Ok(()), false) => to_peer(out, &csr, PeerMessage::Error { error: ErrorCode::PathNotAllowed.into() }),
                (Ok(()), true) => out.push_back(Command::ListDir { csr, request, path }),
            },
            PeerMessage::PushFile { transfer, consent, dir, name, size: bytes, sha256 } => {
                if let Err(code) = self.advanced_allowed(ctx, &csr, &name) {
                    refuse(out, &csr, transfer, code);
                    return None;
                }
                let where_to = if dir.is_empty() {
                    "your shared folder".to_owned()
                } else {
                    format!("{} in your shared folder", displayable(&dir, false))
                };
                let what = format!("send you {} ({}) into {where_to}", visible_file_name(&name), size(bytes));
                self.awaiting.insert(consent.clone(), (csr, transfer, Plan::Push { dir, name, size: bytes, sha256 }));
                return Some(GateInput::Described { request: consent, what });
            }
            PeerMessage::PullFile { transfer, consent, path } => {
                if let Err(code) = self.advanced_allowed(ctx, &csr, &path) {
                    refuse(out, &csr, transfer, code);
                    return None;
                }
                out.push_back(Command::DescribePull { csr, transfer, consent, path });
            }
            PeerMessage::TransferStart { transfer, offset } => match self.transfers.get_mut(&transfer) {
                Some(t) if t.csr == csr && !t.incoming && t.phase == Phase::Agreed => {
                    t.phase = Phase::Running;
                    t.done = offset.min(t.size);
                    show(out, t.view(&transfer, TransferState::Running));
                    let needs = (csr.clone(), t.needs.unwrap_or(Capability::AdvancedFileTransfer));
                    out.push_back(Command::Send { csr, transfer, offset, needs });
                }
                _ => refuse(out, &csr, transfer, ErrorCode::UnknownRequest),
            },
            PeerMessage::TransferDone { transfer, saved_as } => {
                let name = ctx.name(&csr);
                show(
                    out,
                    Notice::Info(format!(
                        "{name} received your file ({}) as {}.",
                        displayable(&transfer, false),
                        visible_file_name(&saved_as)
                    )),
                );
            }
            PeerMessage::TransferFailed { transfer, error } => {
                let owned = self.transfers.get(&transfer).filter(|t| t.csr == csr);
                if let Some(t) = owned {
                    show(out, t.view(&transfer, TransferState::Failed(displayable(&error.message, false))));
                    self.transfers.remove(&transfer);
                    out.push_back(Command::DropTransfer { transfer: transfer.clone() });
                    show(
                        out,
                        Notice::Problem(format!(
                            "Transfer {} stopped: {}",
                            displayable(&transfer, false),
                            displayable(&error.message, false)
                        )),
                    );
                }
                if self.offers.get(&transfer).is_some_and(|o| o.csr == csr) {
                    self.offers.remove(&transfer);
                }
            }
            // What only the agent sends, or answers only the customer gives.
            _ => to_peer(out, &csr, PeerMessage::Error { error: ErrorCode::InvalidMessage.into() }),
        }
        None
    }

    fn advanced_allowed(&self, ctx: &Ctx<'_>, csr: &ParticipantId, name: &str) -> Result<(), ErrorCode> {
        ctx.gate.check(csr, Capability::AdvancedFileTransfer)?;
        if let Some(code) = ctx.blocked(Activity::Capability(Capability::FileTransferItem)) {
            return Err(code);
        }
        if !self.shared_folder || is_deceptive_file_name(name) {
            return Err(ErrorCode::PathNotAllowed);
        }
        if self.full() {
            return Err(ErrorCode::RateLimited);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn offer(
        &mut self,
        ctx: &Ctx<'_>,
        csr: ParticipantId,
        transfer: TransferId,
        name: String,
        bytes: u64,
        sha256: String,
        out: &mut VecDeque<Command>,
    ) {
        if let Some(code) = ctx.blocked(Activity::BasicFileTransfer) {
            return refuse(out, &csr, transfer, code);
        }
        let from = ctx.name(&csr);
        if is_deceptive_file_name(&name) {
            show(
                out,
                Notice::Problem(format!(
                    "{from} offered a file whose name hides what it is ({}); it was refused.",
                    visible_file_name(&name)
                )),
            );
            return refuse(out, &csr, transfer, ErrorCode::PathNotAllowed);
        }
        if self.full() || self.offers.contains_key(&transfer) {
            return refuse(out, &csr, transfer, ErrorCode::RateLimited);
        }
        show(
            out,
            Notice::FileOffered {
                transfer: transfer.clone(),
                from,
                name: visible_file_name(&name),
                size: bytes,
                save_to: "your download folder".into(),
            },
        );
        self.offers.insert(transfer, Offer { csr, name, size: bytes, sha256 });
    }

    /// S11 basic: the customer chose to download an offered file.
    pub(super) fn accept(&mut self, ctx: &Ctx<'_>, transfer: TransferId, out: &mut VecDeque<Command>) {
        let Some(o) = self.offers.remove(&transfer) else { return };
        if let Some(code) = ctx.blocked(Activity::BasicFileTransfer) {
            show(out, Notice::Problem(code.message().into()));
            return refuse(out, &o.csr, transfer, code);
        }
        out.push_back(Command::OpenIncoming {
            transfer: transfer.clone(),
            to: Destination::Downloads,
            name: o.name.clone(),
            size: o.size,
            sha256: o.sha256,
        });
        let who = ctx.name(&o.csr);
        self.transfers.insert(transfer, Transfer::new(o.csr, who, None, true, o.name, o.size));
    }

    pub(super) fn decline(&mut self, transfer: TransferId, out: &mut VecDeque<Command>) {
        if let Some(o) = self.offers.remove(&transfer) {
            to_peer(out, &o.csr, PeerMessage::FileDecline { transfer });
        }
    }

    /// Who asked the per-transfer question `request`, if it is one.
    pub(super) fn asker(&self, request: &RequestId) -> Option<ParticipantId> {
        self.awaiting.get(request).map(|(csr, ..)| csr.clone())
    }

    /// The customer answered a per-transfer question; `taken` is the gate's verdict on using
    /// its one-shot grant.
    pub(super) fn answered(&mut self, ctx: &Ctx<'_>, request: &RequestId, taken: Result<(), ErrorCode>, out: &mut VecDeque<Command>) {
        let Some((csr, transfer, plan)) = self.awaiting.remove(request) else { return };
        if let Err(code) = taken {
            return refuse(out, &csr, transfer, code);
        }
        let who = ctx.name(&csr);
        let needs = Some(Capability::AdvancedFileTransfer);
        match plan {
            Plan::Push { dir, name, size: bytes, sha256 } => {
                out.push_back(Command::OpenIncoming {
                    transfer: transfer.clone(),
                    to: Destination::Shared { dir },
                    name: name.clone(),
                    size: bytes,
                    sha256,
                });
                self.transfers.insert(transfer, Transfer::new(csr, who, needs, true, name, bytes));
            }
            Plan::Pull { path } => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                out.push_back(Command::OpenPull { transfer: transfer.clone(), path });
                self.transfers.insert(transfer, Transfer::new(csr, who, needs, false, name, 0));
            }
        }
    }

    pub(super) fn pull_described(
        &mut self,
        ctx: &Ctx<'_>,
        csr: ParticipantId,
        transfer: TransferId,
        consent: RequestId,
        result: Result<(PathBuf, u64), ErrorCode>,
        out: &mut VecDeque<Command>,
    ) -> Option<GateInput> {
        match result {
            Ok((path, bytes)) if ctx.gate.check(&csr, Capability::AdvancedFileTransfer).is_ok() => {
                let shown = visible_file_name(&path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
                let what = format!("copy {shown} ({}) from your computer", size(bytes));
                self.awaiting.insert(consent.clone(), (csr, transfer, Plan::Pull { path }));
                Some(GateInput::Described { request: consent, what })
            }
            Ok(_) => {
                refuse(out, &csr, transfer, ErrorCode::ConsentRequired);
                None
            }
            Err(code) => {
                refuse(out, &csr, transfer, code);
                None
            }
        }
    }

    pub(super) fn incoming_opened(
        &mut self,
        ctx: &Ctx<'_>,
        transfer: TransferId,
        result: Result<u64, ErrorCode>,
        out: &mut VecDeque<Command>,
    ) {
        let Some(t) = self.transfers.get_mut(&transfer).filter(|t| t.phase == Phase::Opening && t.incoming) else {
            out.push_back(Command::DropTransfer { transfer });
            return;
        };
        match result {
            Ok(offset) => {
                t.phase = Phase::Agreed;
                t.done = offset.min(t.size);
                let csr = t.csr.clone();
                if t.needs.is_none() {
                    show(out, Notice::Info(format!("Downloading {} from {}…", visible_file_name(&t.name), ctx.name(&csr))));
                    to_peer(out, &csr, PeerMessage::FileAccept { transfer, offset });
                } else {
                    to_peer(out, &csr, PeerMessage::TransferStart { transfer, offset });
                }
            }
            Err(code) => {
                let (csr, name) = (t.csr.clone(), t.name.clone());
                show(out, t.view(&transfer, TransferState::Failed(why(code))));
                self.transfers.remove(&transfer);
                show(out, Notice::Problem(format!("{}: {}", visible_file_name(&name), code.message())));
                refuse(out, &csr, transfer, code);
            }
        }
    }

    pub(super) fn pull_opened(&mut self, transfer: TransferId, result: Result<PullReady, ErrorCode>, out: &mut VecDeque<Command>) {
        let Some(t) = self.transfers.get_mut(&transfer).filter(|t| t.phase == Phase::Opening && !t.incoming) else {
            out.push_back(Command::DropTransfer { transfer });
            return;
        };
        match result {
            Ok(p) => {
                t.phase = Phase::Agreed;
                t.size = p.size;
                let csr = t.csr.clone();
                to_peer(out, &csr, PeerMessage::TransferHeader { transfer, name: p.name, size: p.size, sha256: p.sha256 });
            }
            Err(code) => {
                let csr = t.csr.clone();
                show(out, t.view(&transfer, TransferState::Failed(why(code))));
                self.transfers.remove(&transfer);
                refuse(out, &csr, transfer, code);
            }
        }
    }

    /// A CSR opened `file:<transfer>`: it carries bytes only for a transfer agreed with them.
    pub(super) fn channel(&mut self, csr: &ParticipantId, transfer: TransferId, out: &mut VecDeque<Command>) {
        match self.transfers.get_mut(&transfer) {
            Some(t) if &t.csr == csr && t.incoming && t.phase == Phase::Agreed => {
                t.phase = Phase::Running;
                show(out, t.view(&transfer, TransferState::Running));
                let needs = t.needs.map(|c| (csr.clone(), c));
                out.push_back(Command::Receive { transfer, needs });
            }
            _ => {
                out.push_back(Command::DropTransfer { transfer: transfer.clone() });
                refuse(out, csr, transfer, ErrorCode::UnknownRequest);
            }
        }
    }

    /// A running transfer's task reported its bytes in place; a late report (after its end) is
    /// ignored.
    pub(super) fn progress(&mut self, transfer: TransferId, done: u64, out: &mut VecDeque<Command>) {
        let Some(t) = self.transfers.get_mut(&transfer).filter(|t| t.phase == Phase::Running) else { return };
        t.done = done.min(t.size);
        show(out, t.view(&transfer, TransferState::Running));
    }

    /// A transfer task ended: the CSR it belongs to, and only they, hear of it.
    pub(super) fn transfer_ended(&mut self, ctx: &Ctx<'_>, transfer: TransferId, end: TransferEnd, out: &mut VecDeque<Command>) {
        let Some(mut t) = self.transfers.remove(&transfer) else { return };
        let state = match &end {
            TransferEnd::Failed(code) => TransferState::Failed(why(*code)),
            TransferEnd::Received { .. } | TransferEnd::Sent => {
                t.done = t.size;
                TransferState::Done
            }
        };
        show(out, t.view(&transfer, state));
        match end {
            TransferEnd::Received { saved_as } => {
                let shown = saved_as.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                show(
                    out,
                    Notice::Info(format!(
                        "Received {} (checked), saved as {}.",
                        visible_file_name(&shown),
                        visible_file_name(&saved_as.display().to_string())
                    )),
                );
                to_peer(out, &t.csr, PeerMessage::TransferDone { transfer, saved_as: shown });
            }
            TransferEnd::Sent => show(out, Notice::Info(format!("Sent {} to {}.", visible_file_name(&t.name), ctx.name(&t.csr)))),
            TransferEnd::Failed(code) => {
                show(out, Notice::Problem(format!("Transfer of {} stopped: {}", visible_file_name(&t.name), code.message())));
                to_peer(out, &t.csr, PeerMessage::TransferFailed { transfer, error: code.into() });
            }
        }
    }

    /// S14: collected under the grant; shown to the customer before anything is sent.
    pub(super) fn report_ready(&mut self, ctx: &Ctx<'_>, csr: ParticipantId, report: SystemReport, out: &mut VecDeque<Command>) {
        if !self.collecting.remove(&csr) || ctx.gate.check(&csr, Capability::SystemInfo).is_err() {
            return;
        }
        show(out, Notice::ConfirmReport { summary: format!("For {}:\n{}", ctx.name(&csr), report_summary(&report)) });
        self.report = Some((csr, report));
    }

    pub(super) fn send_report(&mut self, ctx: &Ctx<'_>, yes: bool, out: &mut VecDeque<Command>) {
        let Some((csr, report)) = self.report.take() else { return };
        self.finished.push((csr.clone(), Capability::SystemInfo));
        if !yes {
            return to_peer(out, &csr, PeerMessage::Error { error: ErrorCode::Declined.into() });
        }
        // The grant may have been revoked while the customer read the report.
        if let Err(code) = ctx.gate.check(&csr, Capability::SystemInfo) {
            return to_peer(out, &csr, PeerMessage::Error { error: code.into() });
        }
        to_peer(out, &csr, PeerMessage::SystemInfo { report });
        show(out, Notice::Info(format!("System information sent to {}.", ctx.name(&csr))));
    }

    pub(super) fn take_finished_once(&mut self) -> Vec<(ParticipantId, Capability)> {
        std::mem::take(&mut self.finished)
    }

    pub(super) fn peer_gone(&mut self, csr: &ParticipantId, out: &mut VecDeque<Command>) {
        self.offers.retain(|_, o| &o.csr != csr);
        self.awaiting.retain(|_, (c, ..)| c != csr);
        let gone: Vec<TransferId> = self.transfers.iter().filter(|(_, t)| &t.csr == csr).map(|(id, _)| id.clone()).collect();
        for transfer in gone {
            if let Some(t) = self.transfers.remove(&transfer) {
                show(out, t.view(&transfer, TransferState::Failed(why(ErrorCode::TransferInterrupted))));
            }
            out.push_back(Command::DropTransfer { transfer });
        }
        self.collecting.remove(csr);
        if self.report.as_ref().is_some_and(|(c, _)| c == csr) {
            self.report = None;
        }
    }

    pub(super) fn stop_all(&mut self, out: &mut VecDeque<Command>) {
        let csrs: BTreeSet<ParticipantId> =
            self.transfers.values().map(|t| t.csr.clone()).chain(self.offers.values().map(|o| o.csr.clone())).collect();
        for csr in csrs {
            self.peer_gone(&csr, out);
        }
        self.report = None;
        self.collecting.clear();
    }

    /// What lost its grant stops: advanced transfers not yet running are refused (running ones
    /// stop within a chunk on the snapshot and report back), a report waiting is dropped.
    pub(super) fn reconcile(&mut self, ctx: &Ctx<'_>, out: &mut VecDeque<Command>) -> Vec<(ParticipantId, Capability)> {
        let lost: Vec<TransferId> = self
            .transfers
            .iter()
            .filter(|(_, t)| t.phase != Phase::Running && t.needs.is_some_and(|c| ctx.gate.check(&t.csr, c).is_err()))
            .map(|(id, _)| id.clone())
            .collect();
        for transfer in lost {
            if let Some(t) = self.transfers.remove(&transfer) {
                show(out, t.view(&transfer, TransferState::Failed(why(ErrorCode::ConsentRevoked))));
                out.push_back(Command::DropTransfer { transfer: transfer.clone() });
                refuse(out, &t.csr, transfer, ErrorCode::ConsentRevoked);
            }
        }
        self.awaiting.retain(|_, (csr, transfer, _)| {
            let keep = ctx.gate.check(csr, Capability::AdvancedFileTransfer).is_ok();
            if !keep {
                out.push_back(Command::ToPeer {
                    csr: csr.clone(),
                    msg: PeerMessage::TransferFailed { transfer: transfer.clone(), error: ErrorCode::ConsentRevoked.into() },
                });
            }
            keep
        });
        if self.report.as_ref().is_some_and(|(csr, _)| ctx.gate.check(csr, Capability::SystemInfo).is_err()) {
            self.report = None;
            show(out, Notice::Info("The system information was not sent: its permission was taken back.".into()));
        }
        self.collecting.retain(|csr| ctx.gate.check(csr, Capability::SystemInfo).is_ok());
        self.take_finished_once()
    }
}
