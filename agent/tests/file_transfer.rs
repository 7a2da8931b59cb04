//! File transfer through the real agent (S11–S13): basic and advanced transfers of 200 MiB
//! both ways with matching SHA-256, an interrupted transfer that resumes, a hostile file name
//! that lands safely, revocation mid-transfer, and the S12 refusal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::console::{Console, Seen};
use common::*;
use protocol::peer::{PeerMessage, CHUNK_BYTES};
use protocol::signal::{ClientMessage, ServerMessage};
use protocol::{Activity, Capability, ErrorCode};
use std::time::Duration;

const BIG_MIB: usize = 200;

async fn offer(l: &mut Live, transfer: &str, name: &str, size: u64, sha: &str) {
    l.alice.to_agent(&PeerMessage::FileOffer { transfer: transfer.into(), name: name.into(), size, sha256: sha.into() }).await;
}

async fn accepted(c: &mut Console, transfer: &str) -> u64 {
    c.peer_msg("accept", |m| match m {
        PeerMessage::FileAccept { transfer: t, offset } if t == transfer => Some(*offset),
        _ => None,
    })
    .await
}

async fn outcome(c: &mut Console, transfer: &str) -> Result<String, ErrorCode> {
    c.peer_msg("transfer outcome", |m| match m {
        PeerMessage::TransferDone { transfer: t, saved_as } if t == transfer => Some(Ok(saved_as.clone())),
        PeerMessage::TransferFailed { transfer: t, error } if t == transfer => Some(Err(error.code)),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_transfer_of_200_mib_arrives_intact_under_the_offered_name() {
    let mut l = live(&[]).await;
    let src = l.dirs.path().join("manual.pdf");
    let sha = make_file(&src, BIG_MIB);
    let size = (BIG_MIB * 1024 * 1024) as u64;
    offer(&mut l, "t1", "manual.pdf", size, &sha).await;
    l.agent.expect("Alice (support) offers file 1: manual.pdf (200.0 MiB), saved to your download folder. Download it? [y/N]");
    l.agent.type_line("y");
    assert_eq!(accepted(&mut l.alice, "t1").await, 0);
    let t0 = std::time::Instant::now();
    l.alice.send_file("t1", &src, 0, None, None).await;
    assert_eq!(outcome(&mut l.alice, "t1").await, Ok("manual.pdf".into()));
    eprintln!("basic 200 MiB CSR→customer in {:?}", t0.elapsed());
    assert_eq!(sha256_file(&l.agent.download_dir.join("manual.pdf")), sha);
    // A refused offer sends nothing.
    offer(&mut l, "t2", "other.bin", 10, &"0".repeat(64)).await;
    l.agent.expect("offers file 2");
    l.agent.type_line("n");
    l.alice.peer_msg("decline", |m| matches!(m, PeerMessage::FileDecline { transfer } if transfer == "t2").then_some(())).await;
    assert!(!l.agent.download_dir.join("other.bin").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_file_name_lands_inside_the_download_folder_without_overwriting() {
    let mut l = live(&[]).await;
    let src = l.dirs.path().join("payload");
    let sha = make_file(&src, 1);
    std::fs::write(l.agent.download_dir.join("evil.sh"), b"the customer's own file").unwrap();
    let before: Vec<_> = std::fs::read_dir(l.dirs.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    offer(&mut l, "h1", "../../evil.sh", 1024 * 1024, &sha).await;
    l.agent.expect("offers file 1");
    l.agent.type_line("accept 1");
    accepted(&mut l.alice, "h1").await;
    l.alice.send_file("h1", &src, 0, None, None).await;
    let saved = outcome(&mut l.alice, "h1").await.unwrap();
    assert_eq!(saved, "evil (1).sh");
    assert_eq!(std::fs::read(l.agent.download_dir.join("evil.sh")).unwrap(), b"the customer's own file");
    assert_eq!(sha256_file(&l.agent.download_dir.join("evil (1).sh")), sha);
    let after: Vec<_> = std::fs::read_dir(l.dirs.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after, "nothing was written outside the download folder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_transfer_resumes_from_what_arrived() {
    let mut l = live(&[]).await;
    let src = l.dirs.path().join("backup.tar");
    let sha = make_file(&src, 32);
    let size = 32 * 1024 * 1024;
    offer(&mut l, "r1", "backup.tar", size, &sha).await;
    l.agent.expect("offers file 1");
    l.agent.type_line("y");
    assert_eq!(accepted(&mut l.alice, "r1").await, 0);
    // The connection of this transfer breaks after 12 MiB.
    let sent = l.alice.send_file("r1", &src, 0, Some(12 * 1024 * 1024), None).await;
    assert_eq!(outcome(&mut l.alice, "r1").await, Err(ErrorCode::TransferInterrupted));
    assert!(!l.agent.download_dir.join("backup.tar").exists(), "a partial file never takes the final name");
    // Offered again: the agent asks for the rest only.
    offer(&mut l, "r2", "backup.tar", size, &sha).await;
    l.agent.expect("offers file 2");
    l.agent.type_line("y");
    let offset = accepted(&mut l.alice, "r2").await;
    assert!(offset > 0 && offset <= sent, "resumes at {offset} after {sent} sent");
    let rest = l.alice.send_file("r2", &src, offset, None, None).await;
    assert_eq!(rest, size - offset, "only the missing bytes moved");
    assert_eq!(outcome(&mut l.alice, "r2").await, Ok("backup.tar".into()));
    assert_eq!(sha256_file(&l.agent.download_dir.join("backup.tar")), sha);
}

async fn open_advanced(l: &mut Live) {
    assert!(consent(l, Capability::AdvancedFileTransfer, "a1", "asks to open file transfer with your computer", "y").await);
}

/// Asks the per-transfer consent through signaling and describes it on the control channel.
async fn push(l: &mut Live, transfer: &str, consent: &str, name: &str, size: u64, sha: &str) {
    l.alice.ask(&l.customer, Capability::FileTransferItem, consent).await;
    let msg = PeerMessage::PushFile {
        transfer: transfer.into(),
        consent: consent.into(),
        dir: String::new(),
        name: name.into(),
        size,
        sha256: sha.into(),
    };
    l.alice.to_agent(&msg).await;
}

/// The console tells signaling a per-transfer grant is in use, then used up (S13, S22).
/// Starts or stops the per-transfer activity in signaling and waits until it is recorded. The
/// customer's yes travels to signaling on the agent's own link while the agent's reply reaches
/// the console peer to peer, so a start can arrive before the grant is recorded: then signaling
/// says the consent is pending and the console asks again, as the browser console does.
async fn item_activity(l: &mut Live, start: bool) {
    use protocol::rules::Event;
    let activity = Activity::Capability(Capability::FileTransferItem);
    for _ in 0..100 {
        let customer = Some(l.customer.clone());
        let msg =
            if start { ClientMessage::ActivityStart { activity, customer } } else { ClientMessage::ActivityStop { activity, customer } };
        l.alice.send(msg).await;
        let recorded = l
            .alice
            .server("the activity recorded", |m| match m {
                ServerMessage::Event {
                    event: Event::ActivityStarted { activity: a, .. } | Event::ActivityStopped { activity: a, .. },
                    ..
                } if *a == activity => Some(true),
                ServerMessage::Error { error } if start && matches!(error.code, ErrorCode::ConsentPending | ErrorCode::ConsentRequired) => {
                    Some(false)
                }
                ServerMessage::Error { error } => panic!("signaling refused the item activity: {error:?}"),
                _ => None,
            })
            .await;
        if recorded {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the customer's grant never reached signaling");
}

async fn started(c: &mut Console, transfer: &str) -> Result<u64, ErrorCode> {
    c.peer_msg("transfer start", |m| match m {
        PeerMessage::TransferStart { transfer: t, offset } if t == transfer => Some(Ok(*offset)),
        PeerMessage::TransferFailed { transfer: t, error } if t == transfer => Some(Err(error.code)),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advanced_transfer_moves_200_mib_each_way_with_a_yes_for_each_file() {
    let mut l = live(&[]).await;
    // Before the grant, browsing is refused.
    l.alice.to_agent(&PeerMessage::ListDir { request: "l0".into(), path: String::new() }).await;
    let code = l.alice.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, ErrorCode::ConsentRequired);
    open_advanced(&mut l).await;

    // The CSR browses the shared folder (read-only listing).
    let pull_src = l.agent.share_dir.join("logs.bin");
    let pull_sha = make_file(&pull_src, BIG_MIB);
    std::fs::create_dir(l.agent.share_dir.join("Documents")).unwrap();
    l.alice.to_agent(&PeerMessage::ListDir { request: "l1".into(), path: String::new() }).await;
    let entries =
        l.alice.peer_msg("listing", |m| if let PeerMessage::DirListing { entries, .. } = m { Some(entries.clone()) } else { None }).await;
    let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, vec!["Documents", "logs.bin"]);

    // CSR → customer, asked for by name and size.
    let src = l.dirs.path().join("driver.run");
    let sha = make_file(&src, BIG_MIB);
    let size = (BIG_MIB * 1024 * 1024) as u64;
    push(&mut l, "p1", "c1", "driver.run", size, &sha).await;
    l.agent.expect("Alice (support) asks to send you driver.run (200.0 MiB) into your shared folder. Allow? [y] for this session, [once] until it stops, [N]o");
    l.agent.type_line("y");
    assert_eq!(started(&mut l.alice, "p1").await, Ok(0));
    item_activity(&mut l, true).await;
    let t0 = std::time::Instant::now();
    l.alice.send_file("p1", &src, 0, None, None).await;
    assert_eq!(outcome(&mut l.alice, "p1").await, Ok("driver.run".into()));
    item_activity(&mut l, false).await;
    eprintln!("advanced 200 MiB CSR→customer in {:?}", t0.elapsed());
    assert_eq!(sha256_file(&l.agent.share_dir.join("driver.run")), sha);

    // Customer → CSR.
    l.alice.ask(&l.customer, Capability::FileTransferItem, "c2").await;
    l.alice.to_agent(&PeerMessage::PullFile { transfer: "g1".into(), consent: "c2".into(), path: "logs.bin".into() }).await;
    l.agent.expect("asks to copy logs.bin (200.0 MiB) from your computer. Allow? [y] for this session, [once] until it stops, [N]o");
    l.agent.type_line("y");
    let (name, psize, psha) = l
        .alice
        .peer_msg("header", |m| match m {
            PeerMessage::TransferHeader { transfer, name, size, sha256 } if transfer == "g1" => Some((name.clone(), *size, sha256.clone())),
            _ => None,
        })
        .await;
    assert_eq!((name.as_str(), psize, psha.as_str()), ("logs.bin", size, pull_sha.as_str()));
    l.alice.to_agent(&PeerMessage::TransferStart { transfer: "g1".into(), offset: 0 }).await;
    let channel =
        l.alice.until("file channel", |s| if let Seen::FileChannel(id, ch) = s { (id == "g1").then(|| ch.clone()) } else { None }).await;
    let t0 = std::time::Instant::now();
    item_activity(&mut l, true).await;
    let (got, got_sha) = Console::receive_file(channel, &l.dirs.path().join("pulled.bin"), size).await;
    eprintln!("advanced 200 MiB customer→CSR in {:?}", t0.elapsed());
    assert_eq!((got, got_sha), (size, pull_sha));
    item_activity(&mut l, false).await;

    // One yes, one transfer: the same consent cannot start a second one.
    l.alice.to_agent(&PeerMessage::PullFile { transfer: "g2".into(), consent: "c2".into(), path: "logs.bin".into() }).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!l
        .agent
        .drain()
        .iter()
        .any(|line| line.contains("Allow?") && line.contains("logs.bin") && !line.contains("200.0 MiB) from your computer. Allow?")));
    // A path outside the shared folder is refused whatever was granted.
    l.alice.ask(&l.customer, Capability::FileTransferItem, "c3").await;
    l.alice.to_agent(&PeerMessage::PullFile { transfer: "g3".into(), consent: "c3".into(), path: "../../etc/passwd".into() }).await;
    let code = l.alice.peer_msg("refusal", |m| match m {
        PeerMessage::TransferFailed { transfer, error } if transfer == "g3" => Some(error.code),
        _ => None,
    });
    assert_eq!(code.await, ErrorCode::PathNotAllowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_file_transfer_mid_transfer_stops_it_within_one_chunk() {
    let mut l = live(&[]).await;
    open_advanced(&mut l).await;
    let src = l.dirs.path().join("big.iso");
    let sha = make_file(&src, 64);
    let size = 64 * 1024 * 1024;
    push(&mut l, "p1", "c1", "big.iso", size, &sha).await;
    l.agent.expect("asks to send you big.iso");
    l.agent.type_line("y");
    assert_eq!(started(&mut l.alice, "p1").await, Ok(0));
    // Paced so the moment of revocation is observable: one chunk every 40 ms.
    let share = l.agent.share_dir.clone();
    let send = l.alice.send_file("p1", &src, 0, None, Some(Duration::from_millis(40)));
    let revoke = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let partial = || part_size(&share);
        let before = partial();
        l.agent.type_line("revoke files");
        tokio::time::sleep(Duration::from_millis(800)).await;
        (before, partial())
    };
    let (sent, (before, after)) = tokio::join!(send, revoke);
    assert!(before > 0, "bytes were flowing before the revocation");
    assert!(after - before <= CHUNK_BYTES as u64, "after the revocation at most one chunk was applied: {before} → {after}");
    assert!(sent > after + CHUNK_BYTES as u64 || sent < size, "the console kept sending; the agent did not apply it");
    assert_eq!(outcome(&mut l.alice, "p1").await, Err(ErrorCode::ConsentRevoked));
    assert!(!share.join("big.iso").exists());
}

/// Size of the partial file in `dir` (hidden, ends in .part).
fn part_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s12_no_file_transfer_while_an_application_is_viewed() {
    let mut l = live(&[]).await;
    assert!(consent(&mut l, Capability::ApplicationView, "v1", "asks to see one of your application windows", "y").await);
    let customer = l.customer.clone();
    l.alice
        .send(ClientMessage::ActivityStart { activity: Activity::Capability(Capability::ApplicationView), customer: Some(customer) })
        .await;
    l.alice
        .server("started", |m| {
            matches!(m, ServerMessage::Event { event: protocol::rules::Event::ActivityStarted { .. }, .. }).then_some(())
        })
        .await;
    l.alice.server("roster", |m| matches!(m, ServerMessage::Roster { roster } if !roster.running.is_empty()).then_some(())).await;
    // Signaling refuses the activity …
    l.alice.send(ClientMessage::ActivityStart { activity: Activity::BasicFileTransfer, customer: None }).await;
    let code = l.alice.server("refusal", |m| if let ServerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, ErrorCode::ApplicationSharingActive);
    // … and the agent refuses a file offered anyway, without asking the customer.
    offer(&mut l, "s1", "notes.txt", 3, &"0".repeat(64)).await;
    assert_eq!(outcome(&mut l.alice, "s1").await, Err(ErrorCode::ApplicationSharingActive));
    assert!(!l.agent.drain().iter().any(|line| line.contains("offers file")));
}
