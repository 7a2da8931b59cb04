//! `cargo run -p signaling` on a fresh machine: the database folder is created, a site admin
//! with a one-time password is printed (never logged), and the console URL is shown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_creates_the_database_and_prints_a_one_time_admin_password() {
    let dir = std::env::temp_dir().join(format!("signaling-first-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(BIN)
        .current_dir(std::env::temp_dir())
        .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", &format!("sqlite://{}/data/s.db", dir.display())])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password = None;
    let mut console = None;
    for line in lines.by_ref().take(6) {
        let line = line.unwrap();
        if let Some(p) = line.split("one-time password ").nth(1) {
            password = Some(p.trim().to_owned());
        }
        if let Some(u) = line.strip_prefix("Console: ") {
            console = Some(u.to_owned());
            break;
        }
    }
    let password = password.expect("a one-time password is printed");
    assert_eq!(console.as_deref(), Some(format!("http://127.0.0.1:{port}/").as_str()));
    assert!(dir.join("data/s.db").exists());

    let base = format!("http://127.0.0.1:{port}");
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let me: serde_json::Value = resp.json().await.unwrap();
    assert_eq!((me["is_admin"].as_bool(), me["must_change_password"].as_bool()), (Some(true), Some(true)));
    let page = reqwest::get(&base).await.unwrap().text().await.unwrap();
    assert!(page.contains("Support console"));

    // SIGTERM: a graceful stop.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(!err.contains(&password), "the password must never reach the logs");
    let _ = std::fs::remove_dir_all(&dir);
}
