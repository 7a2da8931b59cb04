//! Helpers of the connection-edge abuse tests: sizes, many loopback addresses, raw sockets.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Whether the abuse suite runs at the full size (`ABUSE_FULL=1`).
pub fn full() -> bool {
    std::env::var("ABUSE_FULL").is_ok_and(|v| v == "1")
}

/// `small` normally, `full` with `ABUSE_FULL=1`.
pub fn size(small: usize, full_size: usize) -> usize {
    if full() {
        full_size
    } else {
        small
    }
}

/// Raises this process's open-files soft limit to its hard limit; returns the new limit.
pub fn raise_open_files() -> libc::rlim_t {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct they are given.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
    lim.rlim_cur
}

/// The `i`-th of many loopback client addresses: 127.10.x.y (all of 127/8 is loopback).
pub fn loopback(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 10, (i / 250) as u8, (i % 250 + 1) as u8))
}

/// A TCP connection to `port` on 127.0.0.1 from the address `from`.
pub async fn connect_from(from: IpAddr, port: u16) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// Whether the server closed `conn`: reads until EOF or reset within `within`.
pub async fn closed_by_server(conn: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// One raw HTTP/1.1 request on a new connection; the whole answer (status line and headers
/// included) as text.
pub async fn raw_request(port: u16, request: impl AsRef<str>) -> String {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    conn.write_all(request.as_ref().as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Resident memory of a process, in MiB, from /proc.
pub fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0);
    kib / 1024
}
