//! Network namespaces (`ip netns`) for the tests and benchmarks over an emulated link: processes start
//! inside one with `ip netns exec`, and sockets of this process are made inside one by a thread
//! that joined it (`setns` changes only the calling thread).

use std::ffi::OsStr;
use std::os::fd::AsRawFd;
use std::process::Command;

/// `program` run inside `netns` (through `ip netns exec`, which execs it: the pid stays the
/// program's), or as is when `None`.
pub fn command(netns: Option<&str>, program: impl AsRef<OsStr>) -> Command {
    match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Runs `f` on a thread inside `netns` (on this thread when `None`); sockets it opens stay in
/// that namespace, and so do processes it starts.
pub fn within<T: Send>(netns: Option<&str>, f: impl FnOnce() -> T + Send) -> T {
    let Some(ns) = netns else { return f() };
    std::thread::scope(|s| {
        s.spawn(|| {
            let file = std::fs::File::open(format!("/var/run/netns/{ns}")).unwrap_or_else(|e| panic!("network namespace {ns}: {e}"));
            // SAFETY: setns on a descriptor we own; it moves only this (scoped) thread.
            let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(r, 0, "cannot enter network namespace {ns}: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .expect("thread in the namespace")
    })
}
