//! The connection edge: accepting TCP (and optionally TLS) connections under the caps of
//! [`crate::conn_limit`], serving HTTP/1.1 with a deadline for request heads, and a graceful
//! shutdown that ends within a bounded time whatever clients do.

use crate::client_addr::{canonical, client_addr, ClientAddr, TrustedProxies};
use crate::conn_limit::{Admission, Caps, Conn, Pool, Registry};
use crate::state::AppState;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future as _;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout, Instant};

/// From opening a connection (or the end of the previous response) to the end of a request
/// head: a client silent or slower than this is disconnected. Browsers send a head at once
/// and open a new connection when an idle one was closed, so this is also the keep-alive time.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A request body that stops arriving (no byte for this long while the handler waits for
/// it) ends the request: a half-sent body cannot hold a connection and a handler forever.
pub const BODY_STALL_TIMEOUT: Duration = Duration::from_secs(15);
/// A response write that makes no progress for this long (the client stopped reading) ends
/// the connection: a download or any answer cannot hold its connection, and the places it
/// took (a running agent download, say), for ever. WebSockets give up sooner on their own.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a TLS handshake may take.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Graceful shutdown: time for the live sessions to tell their participants and save.
const HUB_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);
/// Graceful shutdown: time for requests in progress to finish and sockets to close, after
/// which what is left is cut. With the above, the service exits within about 7 s.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// WebSockets that have not said `hello` yet, in all and per client address.
pub const PENDING_SOCKETS: Caps = Caps { total: 1000, per_address: 20 };
/// Connections besides WebSockets (pages, API calls, notices) counted in the total cap.
const HTTP_HEADROOM: usize = 2048;
/// Descriptors kept for the database, logs and recordings when the open-files limit caps the
/// total (see `open_files.rs`).
const SPARE_FILES: usize = 256;

/// What the request handlers share with the edge.
pub struct Edge {
    pub trusted_proxies: TrustedProxies,
    /// WebSockets waiting for `hello`.
    pub pending: Pool,
    /// Becomes true when the service starts shutting down.
    pub closing: watch::Sender<bool>,
}

impl Edge {
    pub fn new(trusted_proxies: TrustedProxies) -> Edge {
        Edge { trusted_proxies, pending: Pool::new(PENDING_SOCKETS), closing: watch::channel(false).0 }
    }
}

/// The caps on TCP connections for a service with `max_connections` WebSockets: room for
/// those, the pending ones and HTTP, at most what the open-files limit allows.
pub fn connection_caps(max_connections: usize, per_address: usize) -> Caps {
    let wanted = max_connections + PENDING_SOCKETS.total + HTTP_HEADROOM;
    let files = crate::open_files::soft_limit().map_or(usize::MAX, |n| n.saturating_sub(SPARE_FILES).max(64));
    Caps { total: wanted.min(files), per_address }
}

/// Serves `router` on `listener` until `shutdown` completes, then shuts down within a bounded
/// time: connections waiting for a request are closed, requests in progress get
/// [`DRAIN_TIMEOUT`], participants are told `unavailable` by their sessions.
pub async fn serve(
    state: AppState,
    router: Router,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let caps = connection_caps(state.config.max_connections, state.config.connections_per_address);
    let registry = Registry::new(caps);
    let mut tasks = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let ip = canonical(peer.ip());
                    let exempt = state.edge.trusted_proxies.contains(ip);
                    let conn = match registry.admit(ip, exempt) {
                        Admission::Admitted(conn) => conn,
                        Admission::Refused => {
                            state.metrics.connections_refused.fetch_add(1, Relaxed);
                            continue;
                        }
                    };
                    let _ = tcp.set_nodelay(true);
                    tasks.spawn(serve_connection(state.clone(), router.clone(), tcp, peer, conn, tls.clone()));
                }
                // Out of descriptors or memory: wait a little rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
    drop(listener);
    tracing::info!(open = registry.open(), "shutting down");
    let started = Instant::now();
    state.edge.closing.send_replace(true);
    registry.close_fresh();
    if timeout(HUB_SHUTDOWN_TIMEOUT, state.hub.shutdown()).await.is_err() {
        tracing::warn!("live sessions did not all stop in time");
    }
    state.notices.close_all();
    let drained = timeout(DRAIN_TIMEOUT, async {
        while tasks.join_next().await.is_some() {}
        // Upgraded WebSockets run in tasks of their own; wait for them to close too.
        while registry.open() > 0 {
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(open = registry.open(), "closing connections that did not finish in time");
        tasks.abort_all();
    }
    tracing::info!(ms = started.elapsed().as_millis() as u64, "stopped");
    Ok(())
}

/// Serves one connection to its end, its eviction (to make room for another) or shutdown.
async fn serve_connection(
    state: AppState,
    router: Router,
    tcp: TcpStream,
    peer: SocketAddr,
    conn: Conn,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let evicted = conn.evicted.clone();
    let started = conn.start_handle();
    let first = AtomicBool::new(true);
    let linger = Linger::default();
    let for_requests = linger.clone();
    let trusted = state.edge.trusted_proxies.clone();
    let inner = TowerToHyperService::new(router);
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        if first.swap(false, Relaxed) {
            started.mark();
        }
        let client = client_addr(peer.ip(), req.headers(), &trusted);
        req.extensions_mut().insert(ClientAddr(client));
        req.extensions_mut().insert(ConnectInfo(peer));
        req.extensions_mut().insert(for_requests.clone());
        inner.call(req.map(|body| axum::body::Body::new(StallGuard { body, stalled_since: None })))
    });
    let io = Guarded::new(tcp, conn, &linger);
    let mut closing = state.edge.closing.subscribe();
    match tls {
        None => drive(TokioIo::new(io), service, &evicted, &mut closing).await,
        Some(acceptor) => {
            let handshake = tokio::select! {
                r = timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(io)) => r,
                _ = evicted.notified() => return,
            };
            match handshake {
                Ok(Ok(tls)) => drive(TokioIo::new(tls), service, &evicted, &mut closing).await,
                Ok(Err(e)) => tracing::debug!(error = %e, %peer, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

async fn drive<I, S>(io: I, service: S, evicted: &tokio::sync::Notify, closing: &mut watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming> + Send,
    S::Future: Send + 'static,
    S::ResBody: Send + 'static,
    <S::ResBody as hyper::body::Body>::Data: Send,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).keep_alive(true);
    let mut http = pin!(builder.serve_connection(io, service).with_upgrades());
    let mut shutting_down = *closing.borrow();
    if shutting_down {
        http.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = http.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(error = %e, "connection ended");
                }
                return;
            }
            _ = evicted.notified() => return,
            changed = closing.changed(), if !shutting_down => {
                shutting_down = true;
                if changed.is_ok() {
                    http.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Marks a connection to be closed gently: when it ends, signaling stops sending, then reads
/// and discards what the client still sends for up to [`LINGER`] before closing the socket.
/// Closing with unread input resets the connection, and a reset can destroy the close frame
/// just sent before the client reads it. For the WebSocket after a frame over the limit.
#[derive(Clone, Default)]
pub struct Linger(Arc<AtomicBool>);

impl Linger {
    pub fn on_close(&self) {
        self.0.store(true, Relaxed);
    }
}

/// How long a lingering close waits for the client to finish sending and close.
const LINGER: Duration = Duration::from_secs(2);

/// A socket that holds its place under the caps for as long as it lives, also after an
/// upgrade to a WebSocket.
struct Guarded<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> {
    io: Option<T>,
    conn: Option<Conn>,
    linger: Arc<AtomicBool>,
    /// Runs while a write waits for the client ([`WRITE_STALL_TIMEOUT`]).
    write_stall: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Guarded<T> {
    fn new(io: T, conn: Conn, linger: &Linger) -> Self {
        Guarded { io: Some(io), conn: Some(conn), linger: linger.0.clone(), write_stall: None }
    }

    fn io(&mut self) -> std::io::Result<Pin<&mut T>> {
        self.io.as_mut().map(Pin::new).ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotConnected))
    }

    /// A write that has waited [`WRITE_STALL_TIMEOUT`] without progress fails; progress resets
    /// the clock.
    fn bounded<R>(&mut self, cx: &mut Context<'_>, polled: Poll<std::io::Result<R>>) -> Poll<std::io::Result<R>> {
        if polled.is_ready() {
            self.write_stall = None;
            return polled;
        }
        let stall = self.write_stall.get_or_insert_with(|| Box::pin(sleep(WRITE_STALL_TIMEOUT)));
        match stall.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading"))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Drop for Guarded<T> {
    fn drop(&mut self) {
        if !self.linger.load(Relaxed) {
            return;
        }
        let (Some(mut io), conn) = (self.io.take(), self.conn.take()) else { return };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = timeout(LINGER, async {
                    let _ = tokio::io::AsyncWriteExt::shutdown(&mut io).await;
                    let mut scratch = [0u8; 8192];
                    while matches!(tokio::io::AsyncReadExt::read(&mut io, &mut scratch).await, Ok(n) if n > 0) {}
                })
                .await;
                drop((io, conn));
            });
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> AsyncRead for Guarded<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        self.io()?.poll_read(cx, buf)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> AsyncWrite for Guarded<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let polled = self.io()?.poll_write(cx, buf);
        self.bounded(cx, polled)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = self.io()?.poll_flush(cx);
        self.bounded(cx, polled)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.io()?.poll_shutdown(cx)
    }
    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        let polled = self.io()?.poll_write_vectored(cx, bufs);
        self.bounded(cx, polled)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.as_ref().is_some_and(|io| io.is_write_vectored())
    }
}

/// A request body that fails after [`BODY_STALL_TIMEOUT`] without a byte while it is read.
/// The clock runs only while the handler waits for data, not while it is busy elsewhere.
struct StallGuard {
    body: Incoming,
    stalled_since: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for StallGuard {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(frame) => {
                self.stalled_since = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let stall = self.stalled_since.get_or_insert_with(|| Box::pin(sleep(BODY_STALL_TIMEOUT)));
                match stall.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err("the request body stopped arriving".into()))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}
