//! The socket side of the TURN stream bridge (a thin driver over [`super::framing`]).
//!
//! One bridge per stream server: a UDP socket on 127.0.0.1 that the crate's TURN client takes
//! for a TURN server over UDP. Each local sender (one per peer connection's socket) gets its own
//! TCP or TLS connection to the real server, opened on its first datagram; every datagram is
//! written as one frame (ChannelData padded to 4 bytes), every frame read is sent back to that
//! sender as one datagram, both at once, with no queue of our own between them.
//!
//! Budgets (docs/security.md): at most [`MAX_STREAMS`] streams per bridge; connecting and the TLS
//! handshake end after [`CONNECT_TIMEOUT`]; a stream nobody sent on for [`IDLE_TIMEOUT`] is
//! closed; at most [`QUEUED_DATAGRAMS`] datagrams wait for a stream (then they are dropped, as UDP
//! would); the deframer bounds what one stream may buffer.

use super::framing::{outgoing_padding, Deframer, Retransmissions};
use super::url::{local_url, route, Route, StreamTarget, Transport};
use protocol::signal::IceServer;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{mpsc, Mutex};

/// Streams one bridge keeps open at once (one per peer connection of this agent).
pub const MAX_STREAMS: usize = 16;
/// Connecting and the TLS handshake, together.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A stream on which the crate sent nothing this long is closed (its allocation, refreshed every
/// few minutes while in use, has expired by then).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Datagrams waiting while a stream connects or is slow to take them.
pub const QUEUED_DATAGRAMS: usize = 256;

/// The bridges of one agent, shared by its peer connections: one per stream server, started on
/// first use and kept for the session.
#[derive(Clone, Default)]
pub struct Bridges {
    ports: Arc<Mutex<HashMap<StreamTarget, u16>>>,
    /// A PEM file of extra CA certificates for `turns:` servers (the system's are always trusted).
    ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for Bridges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridges").field("ca_file", &self.ca_file).finish_non_exhaustive()
    }
}

impl Bridges {
    /// Bridges trusting the system's CAs and those in `ca_file`.
    pub fn new(ca_file: Option<PathBuf>) -> Self {
        Self { ports: Arc::default(), ca_file }
    }

    /// The ICE servers as the crate takes them: each TURN-over-TCP or TLS URL replaced by its
    /// local bridge, in the same place, so the order signaling chose is kept. A URL that cannot be
    /// bridged is left out (and logged); a server left without URLs is dropped.
    pub async fn rewrite(&self, servers: &[IceServer]) -> Vec<IceServer> {
        let mut out = Vec::with_capacity(servers.len());
        for server in servers {
            let mut urls = Vec::with_capacity(server.urls.len());
            for url in &server.urls {
                match route(url) {
                    Ok(Route::Direct) => urls.push(url.clone()),
                    Ok(Route::Bridge(target)) => match self.local_port(&target).await {
                        Ok(port) => urls.push(local_url(port)),
                        Err(e) => tracing::warn!(%url, error = %e, "turn_bridge_unavailable"),
                    },
                    Err(e) => tracing::warn!(%url, error = %e, "turn url skipped"),
                }
            }
            if !urls.is_empty() {
                out.push(IceServer { urls, ..server.clone() });
            }
        }
        out
    }

    async fn local_port(&self, target: &StreamTarget) -> std::io::Result<u16> {
        let mut ports = self.ports.lock().await;
        if let Some(port) = ports.get(target) {
            return Ok(*port);
        }
        let socket = UdpSocket::bind(("127.0.0.1", 0)).await?;
        let port = socket.local_addr()?.port();
        let tls = match target.transport {
            Transport::Tcp => None,
            Transport::Tls => Some(super::tls::client_config(self.ca_file.as_deref()).map_err(std::io::Error::other)?),
        };
        tokio::spawn(run(Arc::new(socket), target.clone(), tls));
        ports.insert(target.clone(), port);
        Ok(port)
    }
}

/// Reads what the crate sends and hands each datagram to its sender's stream.
async fn run(socket: Arc<UdpSocket>, target: StreamTarget, tls: Option<Arc<rustls::ClientConfig>>) {
    let mut streams: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>> = HashMap::new();
    let mut buf = vec![0u8; super::framing::MAX_FRAME];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else { return };
        let datagram = &buf[..n];
        if let Err(e) = outgoing_padding(datagram) {
            tracing::debug!(code = e.code(), len = n, head = ?&datagram[..n.min(8)], "datagram not sent to the TURN stream");
            continue;
        }
        streams.retain(|_, tx| !tx.is_closed());
        let tx = match streams.get(&from) {
            Some(tx) => tx.clone(),
            None if streams.len() >= MAX_STREAMS => {
                tracing::warn!(code = "turn_bridge_too_many_streams", "datagram dropped");
                continue;
            }
            // Only this machine's sockets are served.
            None if !from.ip().is_loopback() && !is_local(&from) => continue,
            None => {
                let (tx, rx) = mpsc::channel(QUEUED_DATAGRAMS);
                tokio::spawn(stream(socket.clone(), from, target.clone(), tls.clone(), rx));
                streams.insert(from, tx.clone());
                tx
            }
        };
        // Full: the stream cannot keep up; dropping is what the UDP path would do.
        let _ = tx.try_send(datagram.to_vec());
    }
}

/// Whether `addr` is an address of this machine (the crate's socket may be bound to the address
/// that routes to signaling, not to loopback).
fn is_local(addr: &SocketAddr) -> bool {
    std::net::UdpSocket::bind((addr.ip(), 0)).is_ok()
}

/// One stream to the TURN server for the crate's socket at `peer`.
async fn stream(
    socket: Arc<UdpSocket>,
    peer: SocketAddr,
    target: StreamTarget,
    tls: Option<Arc<rustls::ClientConfig>>,
    rx: mpsc::Receiver<Vec<u8>>,
) {
    let connected = tokio::time::timeout(CONNECT_TIMEOUT, async {
        let tcp = TcpStream::connect((target.host.as_str(), target.port)).await?;
        let _ = tcp.set_nodelay(true);
        match tls {
            None => Ok::<_, std::io::Error>(Box::new(tcp) as Box<dyn Stream>),
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from(target.host.clone())
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                let tls = tokio_rustls::TlsConnector::from(config).connect(name, tcp).await?;
                Ok(Box::new(tls) as Box<dyn Stream>)
            }
        }
    })
    .await;
    let conn = match connected {
        Ok(Ok(conn)) => {
            tracing::debug!(host = %target.host, port = target.port, ?peer, "TURN stream connected");
            conn
        }
        Ok(Err(e)) => {
            tracing::warn!(host = %target.host, port = target.port, error = %e, code = "turn_bridge_connect_failed", "TURN stream");
            return;
        }
        Err(_) => {
            tracing::warn!(host = %target.host, port = target.port, code = "turn_bridge_connect_timeout", "TURN stream");
            return;
        }
    };
    if let Err(e) = pump(conn, socket, peer, rx).await {
        tracing::info!(host = %target.host, port = target.port, error = %e, "TURN stream closed");
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

#[derive(Debug, thiserror::Error)]
enum PumpError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{}", .0.code())]
    Frame(#[from] super::framing::FrameError),
    #[error("turn_bridge_idle")]
    Idle,
}

/// Both directions of one stream, in one task: a datagram from the crate is written at once, a
/// frame read is sent to the crate at once.
async fn pump(conn: Box<dyn Stream>, socket: Arc<UdpSocket>, peer: SocketAddr, mut rx: mpsc::Receiver<Vec<u8>>) -> Result<(), PumpError> {
    let (mut read, mut write) = tokio::io::split(conn);
    let mut deframer = Deframer::new();
    let mut retransmissions = Retransmissions::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = Vec::with_capacity(super::framing::MAX_FRAME + 3);
    loop {
        tokio::select! {
            datagram = rx.recv() => {
                let Some(datagram) = datagram else { return Ok(()) };
                out.clear();
                // Whatever else is already waiting goes in the same write; a request the crate
                // sent again (it thinks it speaks UDP) is sent once.
                for d in std::iter::once(datagram).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
                    if retransmissions.first_time(&d) {
                        let pad = outgoing_padding(&d)?;
                        out.extend_from_slice(&d);
                        out.resize(out.len() + pad, 0);
                    }
                }
                if out.is_empty() {
                    continue;
                }
                tracing::trace!(bytes = out.len(), "to the TURN server");
                write.write_all(&out).await?;
                write.flush().await?;
            }
            read_n = read.read(&mut buf) => {
                let n = read_n?;
                if n == 0 {
                    return Ok(());
                }
                deframer.feed(&buf[..n])?;
                tracing::trace!(bytes = n, "from the TURN server");
                while let Some(frame) = deframer.next_frame()? {
                    socket.send_to(&frame, peer).await?;
                }
            }
            () = tokio::time::sleep(IDLE_TIMEOUT) => return Err(PumpError::Idle),
        }
    }
}
