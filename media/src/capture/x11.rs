//! X11 capture through MIT-SHM, written for this product instead of `scrap`: scrap's segment
//! is created world-readable (mode 0777), so any local user could read the customer's screen,
//! and it hides X errors behind stale frames. Here the picture lives in a `memfd` handed to
//! the server (MIT-SHM 1.2), which no other process can open, or, on older servers, a SysV
//! segment of mode 0600 removed as soon as the server attached it. Every X error surfaces.
//!
//! The buffer holds two pictures; each capture goes into the other half, so whether the screen
//! changed is one comparison, without copying the picture.

use super::{CaptureError, Captured, ScreenCapture, Sources, Surface};
use crate::frame::BgraFrame;
use protocol::media::{MonitorInfo, ShareTarget, WindowInfo};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::{Duration, Instant};
use x11rb::connection::{Connection, RequestConnection};
use x11rb::errors::{ConnectionError, ReplyError};
use x11rb::protocol::randr::ConnectionExt as _;
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, ImageFormat, MapState, Window};
use x11rb::protocol::ErrorKind;
use x11rb::rust_connection::RustConnection;

fn connect(display: Option<&str>) -> Result<(RustConnection, Window), CaptureError> {
    let (conn, screen) = x11rb::connect(display).map_err(|e| CaptureError::NoDisplay(e.to_string()))?;
    let root = conn.setup().roots.get(screen).map(|s| s.root).ok_or_else(|| CaptureError::NoDisplay("no such screen".into()))?;
    Ok((conn, root))
}

fn conn_err(e: ConnectionError) -> CaptureError {
    CaptureError::NoDisplay(e.to_string())
}

/// Maps a failed request: a window that disappeared is `SourceGone`, anything else is the
/// server's own words.
fn reply_err(e: ReplyError) -> CaptureError {
    match e {
        ReplyError::X11Error(x) if matches!(x.error_kind, ErrorKind::Window | ErrorKind::Drawable) => CaptureError::SourceGone,
        ReplyError::X11Error(x) if x.error_kind == ErrorKind::Match => {
            CaptureError::Server("the window is not entirely on the screen (BadMatch); move it into view".into())
        }
        ReplyError::X11Error(x) => CaptureError::Server(format!("{:?} on request {}", x.error_kind, x.major_opcode)),
        ReplyError::ConnectionError(c) => conn_err(c),
    }
}

/// The monitors of the screen, as RandR 1.5 reports them; the whole screen when RandR has none.
fn monitors(conn: &RustConnection, root: Window) -> Result<Vec<MonitorInfo>, CaptureError> {
    let from_randr = conn.randr_get_monitors(root, true).ok().and_then(|c| c.reply().ok());
    let mut list = Vec::new();
    if let Some(reply) = from_randr {
        for (i, m) in reply.monitors.iter().enumerate() {
            let name = conn.get_atom_name(m.name).ok().and_then(|c| c.reply().ok()).map(|r| String::from_utf8_lossy(&r.name).into_owned());
            list.push(MonitorInfo {
                index: i as u32,
                name: name.unwrap_or_else(|| format!("Monitor {}", i + 1)),
                x: m.x.into(),
                y: m.y.into(),
                width: m.width.into(),
                height: m.height.into(),
                primary: m.primary,
            });
        }
    }
    if list.is_empty() {
        let g = conn.get_geometry(root).map_err(conn_err)?.reply().map_err(reply_err)?;
        list.push(MonitorInfo {
            index: 0,
            name: "Screen".into(),
            x: 0,
            y: 0,
            width: g.width.into(),
            height: g.height.into(),
            primary: true,
        });
    }
    if !list.iter().any(|m| m.primary) {
        list[0].primary = true;
    }
    Ok(list)
}

fn atom(conn: &RustConnection, name: &str) -> Result<u32, CaptureError> {
    Ok(conn.intern_atom(false, name.as_bytes()).map_err(conn_err)?.reply().map_err(reply_err)?.atom)
}

/// The title of a window: `_NET_WM_NAME` (UTF-8) or else `WM_NAME`.
fn title(conn: &RustConnection, w: Window, net_wm_name: u32, utf8: u32) -> Option<String> {
    let read = |prop: u32, ty: u32| {
        let r = conn.get_property(false, w, prop, ty, 0, 1024).ok()?.reply().ok()?;
        (!r.value.is_empty()).then(|| String::from_utf8_lossy(&r.value).into_owned())
    };
    read(net_wm_name, utf8).or_else(|| read(AtomEnum::WM_NAME.into(), AtomEnum::STRING.into()))
}

/// Application windows: the window manager's client list when one runs, else the mapped
/// top-level windows that have a title.
fn windows(conn: &RustConnection, root: Window) -> Result<Vec<WindowInfo>, CaptureError> {
    let (client_list, net_wm_name, utf8) = (atom(conn, "_NET_CLIENT_LIST")?, atom(conn, "_NET_WM_NAME")?, atom(conn, "UTF8_STRING")?);
    let managed = conn.get_property(false, root, client_list, AtomEnum::WINDOW, 0, 4096).map_err(conn_err)?.reply().map_err(reply_err)?;
    let candidates: Vec<Window> = match managed.value32() {
        Some(ids) if managed.value_len > 0 => ids.collect(),
        _ => conn.query_tree(root).map_err(conn_err)?.reply().map_err(reply_err)?.children,
    };
    let mut list = Vec::new();
    for w in candidates {
        let Ok(Ok(attrs)) = conn.get_window_attributes(w).map(|c| c.reply()) else { continue };
        if attrs.map_state != MapState::VIEWABLE || attrs.override_redirect {
            continue;
        }
        let Some(title) = title(conn, w, net_wm_name, utf8) else { continue };
        let Ok(Ok(g)) = conn.get_geometry(w).map(|c| c.reply()) else { continue };
        if g.width < 2 || g.height < 2 {
            continue;
        }
        list.push(WindowInfo { id: w.into(), title, width: g.width.into(), height: g.height.into() });
    }
    Ok(list)
}

/// Lists what `display` can share.
pub fn sources(display: Option<&str>) -> Result<Sources, CaptureError> {
    let (conn, root) = connect(display)?;
    Ok(Sources { monitors: monitors(&conn, root)?, windows: windows(&conn, root)? })
}

/// Shared memory the server writes pictures into, mapped here, private to this process.
struct ShmBuffer {
    seg: shm::Seg,
    ptr: *mut u8,
    len: usize,
    /// A SysV segment (detached with `shmdt`) rather than a memfd mapping (`munmap`).
    sysv: bool,
}

// SAFETY: the mapping is owned by this value alone and only read through `&self`/`&mut self`.
unsafe impl Send for ShmBuffer {}

impl ShmBuffer {
    fn new(conn: &RustConnection, len: usize) -> Result<ShmBuffer, CaptureError> {
        let seg = conn.generate_id().map_err(|e| CaptureError::SharedMemory(e.to_string()))?;
        match Self::with_memfd(conn, seg, len) {
            Ok(b) => Ok(b),
            Err(_) => Self::with_sysv(conn, seg, len),
        }
    }

    /// MIT-SHM 1.2: an anonymous file passed to the server; nothing is left in any namespace.
    fn with_memfd(conn: &RustConnection, seg: shm::Seg, len: usize) -> Result<ShmBuffer, CaptureError> {
        let fail = |what: &str| CaptureError::SharedMemory(format!("{what}: {}", std::io::Error::last_os_error()));
        // SAFETY: plain syscalls on a file descriptor this function owns; the mapping is checked.
        unsafe {
            let fd = libc::memfd_create(c"remote-support-capture".as_ptr(), libc::MFD_CLOEXEC);
            if fd < 0 {
                return Err(fail("memfd_create"));
            }
            let fd = OwnedFd::from_raw_fd(fd);
            if libc::ftruncate(std::os::fd::AsRawFd::as_raw_fd(&fd), len as libc::off_t) != 0 {
                return Err(fail("ftruncate"));
            }
            let ptr = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                0,
            );
            if ptr == libc::MAP_FAILED {
                return Err(fail("mmap"));
            }
            let buf = ShmBuffer { seg, ptr: ptr as *mut u8, len, sysv: false };
            // The server keeps its own copy of the descriptor; ours closes when `fd` drops.
            conn.shm_attach_fd(seg, fd, false).map_err(conn_err)?.check().map_err(reply_err)?;
            Ok(buf)
        }
    }

    /// MIT-SHM 1.1: a SysV segment readable by its owner only, removed from the namespace as
    /// soon as the server attached it.
    fn with_sysv(conn: &RustConnection, seg: shm::Seg, len: usize) -> Result<ShmBuffer, CaptureError> {
        // SAFETY: the segment id comes from shmget; the mapping is checked before use.
        unsafe {
            let id = libc::shmget(libc::IPC_PRIVATE, len, libc::IPC_CREAT | 0o600);
            if id < 0 {
                return Err(CaptureError::SharedMemory(format!("shmget: {}", std::io::Error::last_os_error())));
            }
            let ptr = libc::shmat(id, std::ptr::null(), 0);
            let attached = conn.shm_attach(seg, id as u32, false).map_err(conn_err).and_then(|c| c.check().map_err(reply_err));
            libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut());
            if ptr as isize == -1 {
                return Err(CaptureError::SharedMemory(format!("shmat: {}", std::io::Error::last_os_error())));
            }
            if let Err(e) = attached {
                libc::shmdt(ptr);
                return Err(e);
            }
            Ok(ShmBuffer { seg, ptr: ptr.cast(), len, sysv: true })
        }
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` bytes for the lifetime of `self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    fn release(&mut self, conn: &RustConnection) {
        let _ = conn.shm_detach(self.seg);
        let _ = conn.flush();
        // SAFETY: unmapping what `new` mapped, once.
        unsafe {
            if self.sysv {
                libc::shmdt(self.ptr.cast());
            } else {
                libc::munmap(self.ptr.cast(), self.len);
            }
        }
    }
}

/// A drawable and the rectangle of it to read: x, y, width, height.
type Area = (u32, i16, i16, u16, u16);

/// A capture of one monitor (a rectangle of the root window) or one window.
pub struct X11Capture {
    conn: RustConnection,
    root: Window,
    target: ShareTarget,
    /// The picture's size; the buffer holds two of them.
    width: u16,
    height: u16,
    buf: Option<ShmBuffer>,
    /// Which half holds the newest picture, and whether the other half holds a valid one.
    newest: usize,
    have_previous: bool,
    /// The monitor's rectangle on the root window and when it was read.
    monitor_rect: Option<(Instant, Area)>,
}

impl X11Capture {
    pub fn open(display: Option<&str>, target: ShareTarget) -> Result<X11Capture, CaptureError> {
        let (conn, root) = connect(display)?;
        conn.extension_information(shm::X11_EXTENSION_NAME)
            .map_err(conn_err)?
            .ok_or_else(|| CaptureError::Unsupported("the X server has no MIT-SHM extension".into()))?;
        let mut c = X11Capture { conn, root, target, width: 0, height: 0, buf: None, newest: 0, have_previous: false, monitor_rect: None };
        c.area()?;
        Ok(c)
    }

    /// The drawable to read and the rectangle within it.
    fn area(&mut self) -> Result<Area, CaptureError> {
        match self.target {
            ShareTarget::Monitor { index } => {
                // Monitors change rarely; asking RandR costs round trips, so once a second.
                if let Some((at, rect)) = self.monitor_rect {
                    if at.elapsed() < Duration::from_secs(1) {
                        return Ok(rect);
                    }
                }
                let m = monitors(&self.conn, self.root)?.into_iter().find(|m| m.index == index).ok_or(CaptureError::SourceGone)?;
                let rect = (self.root, m.x as i16, m.y as i16, m.width as u16, m.height as u16);
                self.monitor_rect = Some((Instant::now(), rect));
                Ok(rect)
            }
            ShareTarget::Window { id } => {
                let w = u32::try_from(id).map_err(|_| CaptureError::SourceGone)?;
                let g = self.conn.get_geometry(w).map_err(conn_err)?.reply().map_err(reply_err)?;
                Ok((w, 0, 0, g.width, g.height))
            }
        }
    }

    fn ensure_buffer(&mut self, width: u16, height: u16) -> Result<(), CaptureError> {
        if self.buf.is_some() && (width, height) == (self.width, self.height) {
            return Ok(());
        }
        if let Some(mut old) = self.buf.take() {
            old.release(&self.conn);
        }
        let frame = width as usize * height as usize * 4;
        self.buf = Some(ShmBuffer::new(&self.conn, frame * 2)?);
        (self.width, self.height, self.have_previous) = (width, height, false);
        Ok(())
    }
}

impl ScreenCapture for X11Capture {
    fn capture(&mut self) -> Result<Captured<'_>, CaptureError> {
        let (drawable, x, y, w, h) = self.area()?;
        self.ensure_buffer(w, h)?;
        let frame = w as usize * h as usize * 4;
        let half = 1 - self.newest;
        let Some(buf) = &self.buf else { return Err(CaptureError::SharedMemory("no buffer".into())) };
        let reply = self
            .conn
            .shm_get_image(drawable, x, y, w, h, !0, ImageFormat::Z_PIXMAP.into(), buf.seg, (half * frame) as u32)
            .map_err(conn_err)?
            .reply()
            .map_err(reply_err)?;
        if reply.size as usize != frame {
            return Err(CaptureError::Server(format!(
                "expected a 32-bit picture of {frame} bytes, got {} (depth {})",
                reply.size, reply.depth
            )));
        }
        let bytes = buf.bytes();
        let (now, before) = (&bytes[half * frame..][..frame], &bytes[self.newest * frame..][..frame]);
        let changed = !self.have_previous || now != before;
        self.newest = half;
        self.have_previous = true;
        Ok(Captured { frame: BgraFrame { width: w.into(), height: h.into(), stride: u32::from(w) * 4, data: now }, changed })
    }

    fn surface(&mut self) -> Result<Surface, CaptureError> {
        let (drawable, x, y, w, h) = self.area()?;
        if drawable == self.root {
            return Ok(Surface { x: x.into(), y: y.into(), width: w.into(), height: h.into() });
        }
        let t = self.conn.translate_coordinates(drawable, self.root, 0, 0).map_err(conn_err)?.reply().map_err(reply_err)?;
        Ok(Surface { x: t.dst_x.into(), y: t.dst_y.into(), width: w.into(), height: h.into() })
    }
}

impl Drop for X11Capture {
    fn drop(&mut self) {
        if let Some(mut b) = self.buf.take() {
            b.release(&self.conn);
        }
    }
}
