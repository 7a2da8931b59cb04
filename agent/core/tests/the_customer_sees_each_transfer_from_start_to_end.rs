//! The customer's row of each transfer, both ways: the core says when a transfer starts, how
//! far its task got, and how it ended (done, or failed with a reason), and nothing after that.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use agent_core::agent::{Input, TransferEnd};
use agent_core::consent::Answer;
use agent_core::customer::{CustomerAction, Direction, Notice, TransferState, TransferView};
use common::pair::{id, Pair, ALICE};
use protocol::peer::PeerMessage;
use protocol::{Capability, ErrorCode};

/// The transfer rows shown so far, oldest first.
fn rows(p: &Pair) -> Vec<TransferView> {
    p.shown.iter().filter_map(|n| if let Notice::Transfer(v) = n { Some(v.clone()) } else { None }).collect()
}

fn last_row(p: &Pair) -> TransferView {
    rows(p).pop().expect("a transfer row")
}

/// Alice offers `manual.pdf` (1000 bytes), Dana downloads it, Alice's channel opens.
fn offered_and_started(p: &mut Pair) {
    let offer = PeerMessage::FileOffer { transfer: "t1".into(), name: "manual.pdf".into(), size: 1000, sha256: "00".into() };
    p.peer(ALICE, offer);
    p.customer(CustomerAction::AcceptFile("t1".into()));
    p.deliver_all();
    assert!(rows(p).is_empty(), "no row before bytes can move");
    p.feed(Input::FileChannel { csr: id(ALICE), transfer: "t1".into() });
}

/// Alice, allowed advanced transfer, pulls `logs.txt` (10 bytes in the harness) and starts it.
fn pulled_and_started(p: &mut Pair) {
    p.ask(ALICE, Capability::AdvancedFileTransfer).unwrap();
    assert!(p.answer(Answer::ForSession));
    let consent = p.ask(ALICE, Capability::FileTransferItem).unwrap();
    p.peer(ALICE, PeerMessage::PullFile { transfer: "t2".into(), consent, path: "logs.txt".into() });
    p.deliver_all();
    assert!(p.answer(Answer::Once));
    p.deliver_all();
    p.peer(ALICE, PeerMessage::TransferStart { transfer: "t2".into(), offset: 0 });
}

#[test]
fn a_downloaded_file_shows_a_row_that_starts_moves_and_ends_done() {
    let mut p = Pair::new();
    offered_and_started(&mut p);
    let start = last_row(&p);
    assert_eq!(
        start,
        TransferView {
            transfer: "t1".into(),
            name: "manual.pdf".into(),
            csr_name: "Alice".into(),
            direction: Direction::ToYou,
            done: 0,
            total: 1000,
            state: TransferState::Running,
        }
    );
    p.feed(Input::TransferProgress { transfer: "t1".into(), done: 400 });
    assert_eq!((last_row(&p).done, last_row(&p).state), (400, TransferState::Running));
    p.feed(Input::TransferEnded { transfer: "t1".into(), end: TransferEnd::Received { saved_as: "/tmp/manual.pdf".into() } });
    let end = last_row(&p);
    assert_eq!((end.done, end.total, end.state), (1000, 1000, TransferState::Done));
    assert_eq!(rows(&p).len(), 3, "start, one report, end");
}

#[test]
fn a_pulled_file_shows_a_row_leaving_the_computer_and_a_revocation_fails_it_with_a_reason() {
    let mut p = Pair::new();
    pulled_and_started(&mut p);
    let start = last_row(&p);
    assert_eq!((start.name.as_str(), start.direction, start.total), ("logs.txt", Direction::FromYou, 10));
    p.feed(Input::TransferProgress { transfer: "t2".into(), done: 4 });
    p.customer(CustomerAction::Revoke(Capability::AdvancedFileTransfer));
    p.deliver_all();
    let end = last_row(&p);
    assert_eq!((end.done, end.state), (4, TransferState::Failed("the permission was taken back".into())));
}

#[test]
fn reports_after_the_end_or_about_unknown_transfers_show_nothing_and_bytes_never_pass_the_size() {
    let mut p = Pair::new();
    offered_and_started(&mut p);
    p.feed(Input::TransferProgress { transfer: "t1".into(), done: 5000 });
    assert_eq!(last_row(&p).done, 1000, "a report is capped at the file's size");
    p.feed(Input::TransferEnded { transfer: "t1".into(), end: TransferEnd::Failed(ErrorCode::ChecksumMismatch) });
    let shown = rows(&p).len();
    assert!(matches!(last_row(&p).state, TransferState::Failed(_)));
    p.feed(Input::TransferProgress { transfer: "t1".into(), done: 900 });
    p.feed(Input::TransferProgress { transfer: "nope".into(), done: 1 });
    assert_eq!(rows(&p).len(), shown, "a late report does not bring the row back");
}

#[test]
fn a_transfer_the_csr_gives_up_or_leaves_ends_failed() {
    let mut p = Pair::new();
    offered_and_started(&mut p);
    let error = ErrorCode::TransferInterrupted.into();
    p.peer(ALICE, PeerMessage::TransferFailed { transfer: "t1".into(), error });
    assert!(matches!(last_row(&p).state, TransferState::Failed(ref why) if why.contains("cut off")), "{:?}", last_row(&p));
    let mut p = Pair::new();
    pulled_and_started(&mut p);
    p.feed(Input::PeerGone { csr: id(ALICE) });
    assert_eq!(last_row(&p).state, TransferState::Failed("the connection was cut off".into()));
}
