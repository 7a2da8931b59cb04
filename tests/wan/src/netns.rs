//! Network namespaces: created and removed with iproute2 (`ip netns …`), entered by a thread of
//! this process with `setns` so that sockets and TUN devices can be opened inside them.

use crate::error::WanError;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::process::Command;

/// Runs an `ip` command, turning a failure into an error that carries its stderr.
pub fn ip(args: &[&str]) -> Result<(), WanError> {
    let out = Command::new("ip").args(args).output().map_err(WanError::io("running `ip` (is iproute2 installed?)"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(WanError::Command { command: format!("ip {}", args.join(" ")), stderr: String::from_utf8_lossy(&out.stderr).trim().to_string() })
}

/// Whether the named namespace exists (`ip netns add` makes /run/netns/NAME).
pub fn exists(name: &str) -> bool {
    std::path::Path::new(&format!("/run/netns/{name}")).exists()
}

/// Creates the namespace with its loopback up.
pub fn create(name: &str) -> Result<(), WanError> {
    if exists(name) {
        return Err(WanError::NamespaceExists(name.to_string()));
    }
    ip(&["netns", "add", name])?;
    ip(&["-n", name, "link", "set", "lo", "up"])
}

/// Removes the namespace if it exists. Processes still running inside keep its network alive
/// (without the emulator's link) until they exit.
pub fn remove(name: &str) -> Result<(), WanError> {
    if exists(name) {
        ip(&["netns", "del", name])?;
    }
    Ok(())
}

/// Runs `f` on a fresh thread that has entered the named namespace, and returns its result.
/// Sockets and TUN devices opened by `f` stay in that namespace when used from any thread.
pub fn within<T: Send + 'static>(name: &str, f: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    let ns = File::open(format!("/run/netns/{name}"))?;
    std::thread::spawn(move || {
        // SAFETY: setns on a valid namespace fd only changes this (short-lived) thread's namespace.
        if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(io::Error::last_os_error());
        }
        f()
    })
    .join()
    .map_err(|_| io::Error::other("namespace thread panicked"))?
}
