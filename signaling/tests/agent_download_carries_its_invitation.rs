//! The join page's one-click download (`GET /join/{token}/agent`): the configured agent
//! binary followed by a trailer that names this site and this invitation only. A download
//! joins its own invitation's session and no other; once the invitation is withdrawn, used or
//! expired, it is refused with the stable code. Without a binary, the page says the download
//! is not available here and offers the code. The service runs in this process on a manual
//! clock; the "binary" is a file of known bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use protocol::download::{decode_tail, DownloadConfig, TAIL_BYTES};
use serde_json::{json, Value};
use std::path::PathBuf;

/// A stand-in executable of `len` known bytes in `dir`.
fn binary(dir: &std::path::Path, len: usize) -> (PathBuf, Vec<u8>) {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 253) as u8).collect();
    let path = dir.join("agent-under-test");
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

async fn start_with_binary(len: usize) -> (InProcess, Vec<u8>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = binary(dir.path(), len);
    let s = InProcess::start(|c| {
        c.agent_binary = Some(path);
        c.invitation_ttl = Some(600);
    })
    .await;
    (s, bytes, dir)
}

/// A new invitation: (id, code as shown, link).
async fn invite(csr: &mut Http, session: &str) -> (String, String, String) {
    let (status, body) = csr.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
    assert_eq!(status, 200, "invite: {body}");
    let field = |k: &str| body[k].as_str().unwrap().to_owned();
    (field("id"), field("code"), field("link"))
}

/// The download for `link`: status, headers, body.
async fn download(link: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = reqwest::get(format!("{link}/agent")).await.unwrap();
    let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// The invitation a downloaded file carries.
fn carried(file: &[u8]) -> DownloadConfig {
    decode_tail(&file[file.len().saturating_sub(TAIL_BYTES)..]).unwrap().expect("a trailer at the end of the download")
}

/// Joins as the downloaded agent does: with the link its trailer carries.
async fn join_with(s: &InProcess, config: &DownloadConfig) -> (u16, Value) {
    s.http().post("/api/join", json!({"link": config.link, "name": "Dana"})).await
}

#[tokio::test]
async fn a_download_joins_the_session_of_its_own_invitation_and_no_other() {
    let (s, bytes, _dir) = start_with_binary(3 * 1024 * 1024 + 17).await;
    let mut alice = s.login("alice").await;
    let mut bob = s.login("bob").await;
    let (session_a, _) = alice.start_session().await;
    let (session_b, _) = bob.start_session().await;
    let (_, _, link_a) = invite(&mut alice, &session_a).await;
    let (_, _, link_b) = invite(&mut bob, &session_b).await;

    let (status, headers, file) = download(&link_a).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-disposition"], "attachment; filename=\"support-agent\"");
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["content-length"].to_str().unwrap(), file.len().to_string());
    assert_eq!(&file[..bytes.len()], &bytes[..], "the agent itself comes first, unchanged");
    let config_a = carried(&file);
    assert_eq!(config_a.link, link_a, "the download names this site and this invitation");
    assert_eq!(config_a.expires_at, s.running.state.clock.now_ms() + 600_000, "and when it expires");

    // B's download is another invitation's: each carries its own.
    let (_, _, file_b) = download(&link_b).await;
    assert_eq!(carried(&file_b).link, link_b);

    let (status, joined) = join_with(&s, &config_a).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["session_id"], session_a.as_str(), "A's download joins A's session");
    // It admits one customer: started again, it is told so.
    let (status, refused) = join_with(&s, &config_a).await;
    assert_eq!((status, refused["code"].as_str()), (410, Some("invitation_used")));
    // B's invitation was not touched by A's download.
    assert_eq!(reqwest::get(&link_b).await.unwrap().status(), 200);
    let (status, joined) = join_with(&s, &carried(&file_b)).await;
    assert_eq!((status, joined["session_id"].as_str()), (200, Some(session_b.as_str())));
}

#[tokio::test]
async fn a_download_is_refused_with_its_code_once_the_invitation_is_withdrawn_or_expired() {
    let (s, _, _dir) = start_with_binary(64 * 1024).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (withdrawn_id, _, withdrawn) = invite(&mut alice, &session).await;
    let (_, _, expiring) = invite(&mut alice, &session).await;
    let withdrawn_file = download(&withdrawn).await.2;
    let expiring_file = download(&expiring).await.2;

    let (status, _) = alice.delete(&format!("/api/sessions/{session}/invitations/{withdrawn_id}")).await;
    assert_eq!(status, 200);
    let (status, body) = join_with(&s, &carried(&withdrawn_file)).await;
    assert_eq!((status, body["code"].as_str()), (410, Some("invitation_revoked")));
    assert!(body["message"].as_str().unwrap().contains("withdrawn"), "the agent shows why: {body}");
    // And no new download is made for it: the page says why, with the code.
    let (status, _, page) = download(&withdrawn).await;
    assert_eq!(status, 410);
    assert!(String::from_utf8(page).unwrap().contains("invitation_revoked"));

    s.advance(600);
    let (status, body) = join_with(&s, &carried(&expiring_file)).await;
    assert_eq!((status, body["code"].as_str()), (410, Some("invitation_expired")));
    let (status, _, page) = download(&expiring).await;
    assert_eq!(status, 410);
    assert!(String::from_utf8(page).unwrap().contains("invitation_expired"));
    // A made-up token gets no agent either.
    let (status, _, _) = download(&format!("{}/join/not-an-invitation", s.base())).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_page_offers_the_download_and_the_code_for_an_agent_already_installed() {
    let (s, _, _dir) = start_with_binary(1024).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (_, code, link) = invite(&mut alice, &session).await;
    let page = reqwest::get(&link).await.unwrap().text().await.unwrap();
    let token = link.rsplit('/').next().unwrap();
    assert!(page.contains(&format!("href=\"./{token}/agent\"")), "{page}");
    assert!(page.contains("Download the support agent (Linux, 64-bit)"));
    assert!(page.contains("chmod +x support-agent"));
    assert!(page.contains(&code), "the code the CSR reads out is on the page: {code}");
    assert!(page.contains(&format!("agent join {link}")));
}

#[tokio::test]
async fn without_an_agent_binary_the_page_says_so_and_the_download_has_a_stable_code() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-agent-here");
    let s = InProcess::start(|c| c.agent_binary = Some(missing)).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (_, code, link) = invite(&mut alice, &session).await;
    let page = reqwest::get(&link).await.unwrap().text().await.unwrap();
    assert!(page.contains("cannot be downloaded from this site"), "{page}");
    assert!(page.contains("agent_download_unavailable"));
    assert!(!page.contains("Download the support agent"), "no button that cannot work");
    assert!(page.contains(&code), "the code route instead: {code}");
    let (status, _, body) = download(&link).await;
    assert_eq!(status, 404);
    assert!(String::from_utf8(body).unwrap().contains("agent_download_unavailable"));
    // The invitation itself still works with the code.
    let (status, joined) = s.http().post("/api/join", json!({"code": code, "name": "Dana"})).await;
    assert_eq!(status, 200, "{joined}");
}

#[tokio::test]
async fn downloads_running_at_once_are_bounded_per_address() {
    // Larger than the socket buffers of loopback, so a download that is not read stays open.
    let (s, bytes, _dir) = start_with_binary(48 * 1024 * 1024).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (_, _, link) = invite(&mut alice, &session).await;
    let url = format!("{link}/agent");
    // Two downloads running from one address; a third waits for one of them to end.
    let first = reqwest::get(&url).await.unwrap();
    let second = reqwest::get(&url).await.unwrap();
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    let (status, _, page) = download(&link).await;
    assert_eq!(status, 503);
    assert!(String::from_utf8(page).unwrap().contains("unavailable"));
    let whole = first.bytes().await.unwrap();
    assert_eq!(&whole[..bytes.len()], &bytes[..], "a download read to its end is whole");
    assert_eq!(carried(&whole).link, link);
    drop(second);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (status, _, file) = download(&link).await;
        if status == 200 {
            assert_eq!(file.len(), whole.len());
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the places of ended downloads come back");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn downloads_begun_from_one_address_are_rate_limited() {
    let (s, _, _dir) = start_with_binary(1024).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (_, _, link) = invite(&mut alice, &session).await;
    for i in 0..10 {
        assert_eq!(download(&link).await.0, 200, "download {i} of the burst");
    }
    let (status, _, page) = download(&link).await;
    assert_eq!(status, 429);
    assert!(String::from_utf8(page).unwrap().contains("rate_limited"));
    // Ten an hour after the burst: one more six minutes later.
    s.advance(360);
    assert_eq!(download(&link).await.0, 200);
    assert_eq!(download(&link).await.0, 429);
}
