//! `--tls-cert` / `--tls-key`: signaling serves HTTPS itself (rustls), sends HSTS, and a
//! plain-HTTP client gets nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::signaling::{Launch, SignalingProcess};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// A self-signed certificate for `localhost`, made now (no key in the repository): the
/// certificate and key files in `dir`.
fn make_certificate(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).expect("certificate written");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("key written");
    (cert, key)
}

/// A TLS connection to the service trusting only `cert`.
async fn tls_connect(port: u16, cert: &std::path::Path) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(cert).expect("test certificate")).expect("root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    connector.connect(ServerName::try_from("localhost").expect("name"), tcp).await
}

/// One HTTPS request; the whole answer.
async fn https_get(port: u16, cert: &std::path::Path, path: &str) -> std::io::Result<String> {
    let mut tls = tls_connect(port, cert).await?;
    tls.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn built_in_tls_serves_https_with_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = make_certificate(dir.path());
    let launch = Launch {
        exe: Some(common::BIN.into()),
        args: vec!["--tls-cert".into(), cert.display().to_string(), "--tls-key".into(), key.display().to_string()],
        ..Launch::default()
    };
    let mut s = SignalingProcess::prepare(launch);
    s.spawn();
    let deadline = Instant::now() + Duration::from_secs(20);
    let answer = loop {
        match https_get(s.port, &cert, "/healthz").await {
            Ok(a) if a.starts_with("HTTP/1.1 200") => break a,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("no HTTPS answer ({other:?}); log:\n{}", s.log()),
        }
    };
    assert!(answer.to_ascii_lowercase().contains("strict-transport-security: max-age=31536000"), "{answer}");
    assert!(!s.is_up(), "plain HTTP is not served on the TLS port");

    // WebSockets work over it too (wss://): a hello without credentials is answered.
    let tls = tls_connect(s.port, &cert).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(format!("wss://localhost:{}/ws", s.port), tls).await.unwrap();
    let hello = serde_json::json!({"type": "hello", "protocol_version": 1});
    ws.send(Message::Text(hello.to_string().into())).await.unwrap();
    let answer = ws.next().await.unwrap().unwrap();
    assert!(answer.to_text().unwrap().contains("unauthenticated"), "{answer:?}");
}
