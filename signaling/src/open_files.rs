//! The open-files limit: every participant's WebSocket is a descriptor, and many systems start
//! services with a soft limit of 1024 while `max_connections` defaults to 20,000. Beyond the
//! limit, accepting fails and axum retries once a second: the service stalls for everyone.

/// Descriptors kept for the database, logs, recordings and HTTP clients besides WebSockets.
const SPARE: libc::rlim_t = 256;

/// Raises the soft limit to the hard limit, and warns when even that is below what
/// `max_connections` needs.
pub fn raise(max_connections: usize) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct they are given.
    let raised = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "cannot read the open-files limit");
            return;
        }
        let want = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
        lim.rlim_cur >= lim.rlim_max || libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0
    };
    let soft = if raised { lim.rlim_max } else { lim.rlim_cur };
    if soft < max_connections as libc::rlim_t + SPARE {
        tracing::warn!(limit = soft, max_connections, "the open-files limit is below max_connections: raise LimitNOFILE / ulimit -n");
    }
}

/// The open-files soft limit now, if it can be read.
pub fn soft_limit() -> Option<usize> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return None;
    }
    usize::try_from(lim.rlim_cur).ok()
}
