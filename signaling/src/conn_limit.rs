//! Caps on open TCP connections, in all and per client address. A connection that has not
//! yet sent a whole request head ("new") is what silent and slow-header attacks hold; when a
//! cap is reached, the oldest new connection (of that address, or of anyone for the total
//! cap) is closed to make room, so an attacker cannot keep out the CSR or customer who sends
//! a request at once. Only when no new connection is left is the incoming one refused.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// The caps.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub total: usize,
    pub per_address: usize,
}

/// Open connections, shared by the accept loop and the connection tasks.
#[derive(Clone)]
pub struct Registry {
    caps: Caps,
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    open: usize,
    by_address: HashMap<IpAddr, usize>,
    /// Connections without a request head yet, oldest first: their address and how to close them.
    fresh: BTreeMap<u64, (IpAddr, Arc<Notify>)>,
}

/// Whether an incoming connection may be served.
pub enum Admission {
    Admitted(Conn),
    /// At a cap with no new connection to close: refuse this one.
    Refused,
}

/// One open connection; dropping it frees its place.
pub struct Conn {
    id: u64,
    addr: IpAddr,
    /// Counts against the per-address cap (not for trusted proxies).
    capped: bool,
    /// Notified when the connection must close to make room for another.
    pub evicted: Arc<Notify>,
    registry: Registry,
}

impl Registry {
    pub fn new(caps: Caps) -> Registry {
        Registry { caps, inner: Arc::default() }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a new connection from `addr`; `exempt` (a trusted proxy, whose clients are many)
    /// skips the per-address cap.
    pub fn admit(&self, addr: IpAddr, exempt: bool) -> Admission {
        let mut inner = self.lock();
        if !exempt && inner.by_address.get(&addr).copied().unwrap_or(0) >= self.caps.per_address {
            let oldest = inner.fresh.iter().find(|(_, (a, _))| *a == addr).map(|(id, _)| *id);
            match oldest.and_then(|id| inner.fresh.remove(&id)) {
                Some((_, evict)) => evict.notify_one(),
                None => return Admission::Refused,
            }
        } else if inner.open >= self.caps.total {
            match inner.fresh.pop_first() {
                Some((_, (_, evict))) => evict.notify_one(),
                None => return Admission::Refused,
            }
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let evicted = Arc::new(Notify::new());
        inner.open += 1;
        if !exempt {
            *inner.by_address.entry(addr).or_default() += 1;
        }
        inner.fresh.insert(id, (addr, evicted.clone()));
        Admission::Admitted(Conn { id, addr, capped: !exempt, evicted, registry: self.clone() })
    }

    /// Closes every connection that has not sent a request head (at shutdown).
    pub fn close_fresh(&self) {
        for (_, (_, evict)) in std::mem::take(&mut self.lock().fresh) {
            evict.notify_one();
        }
    }

    /// Open connections now.
    pub fn open(&self) -> usize {
        self.lock().open
    }
}

impl Conn {
    /// A handle that marks this connection started, for the request handler.
    pub fn start_handle(&self) -> Started {
        Started { registry: self.registry.clone(), id: self.id }
    }
}

/// Marks one connection started (see [`Conn::started`]).
#[derive(Clone)]
pub struct Started {
    registry: Registry,
    id: u64,
}

impl Started {
    /// The connection sent a request head: it is no longer closed to make room.
    pub fn mark(&self) {
        self.registry.lock().fresh.remove(&self.id);
    }
}

/// Places for WebSockets that have not said `hello` yet: few in all and per address, apart
/// from the places of signed-in participants, so sockets that never sign in cannot take them.
#[derive(Clone)]
pub struct Pool {
    caps: Caps,
    inner: Arc<Mutex<(usize, HashMap<IpAddr, usize>)>>,
}

/// A place in a [`Pool`]; dropping it frees the place.
pub struct PoolSlot {
    pool: Pool,
    addr: IpAddr,
}

impl Pool {
    pub fn new(caps: Caps) -> Pool {
        Pool { caps, inner: Arc::default() }
    }

    /// A place for `addr`, or `None` when the pool or the address's share is full.
    pub fn try_take(&self, addr: IpAddr) -> Option<PoolSlot> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (open, by_address) = &mut *inner;
        let mine = by_address.entry(addr).or_default();
        if *open >= self.caps.total || *mine >= self.caps.per_address {
            if *mine == 0 {
                by_address.remove(&addr);
            }
            return None;
        }
        *mine += 1;
        *open += 1;
        Some(PoolSlot { pool: self.clone(), addr })
    }

    /// Places taken now.
    pub fn taken(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).0
    }
}

impl Drop for PoolSlot {
    fn drop(&mut self) {
        let mut inner = self.pool.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (open, by_address) = &mut *inner;
        *open = open.saturating_sub(1);
        if let Some(n) = by_address.get_mut(&self.addr) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                by_address.remove(&self.addr);
            }
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        inner.open = inner.open.saturating_sub(1);
        inner.fresh.remove(&self.id);
        if self.capped {
            if let Some(n) = inner.by_address.get_mut(&self.addr) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    inner.by_address.remove(&self.addr);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(a: Admission) -> Conn {
        match a {
            Admission::Admitted(c) => c,
            Admission::Refused => panic!("refused"),
        }
    }

    #[test]
    fn a_full_address_makes_room_by_closing_its_oldest_silent_connection() {
        let r = Registry::new(Caps { total: 100, per_address: 2 });
        let ip: IpAddr = [127, 0, 0, 2].into();
        let first = admitted(r.admit(ip, false));
        let second = admitted(r.admit(ip, false));
        second.start_handle().mark();
        let third = admitted(r.admit(ip, false));
        // The first was told to close; the one with a request was not.
        assert!(!r.lock().fresh.contains_key(&first.id));
        drop(first);
        third.start_handle().mark();
        assert!(matches!(r.admit(ip, false), Admission::Refused), "all busy: refused");
        let _proxy = admitted(r.admit(ip, true));
        assert_eq!(r.open(), 3);
    }

    #[test]
    fn the_total_cap_closes_the_oldest_new_connection_of_anyone() {
        let r = Registry::new(Caps { total: 2, per_address: 10 });
        let a = admitted(r.admit([127, 0, 0, 2].into(), false));
        let b = admitted(r.admit([127, 0, 0, 3].into(), false));
        b.start_handle().mark();
        let c = admitted(r.admit([127, 0, 0, 4].into(), false));
        assert!(!r.lock().fresh.contains_key(&a.id));
        drop(a);
        c.start_handle().mark();
        assert!(matches!(r.admit([127, 0, 0, 5].into(), false), Admission::Refused));
        drop((b, c));
        assert_eq!(r.open(), 0);
        assert!(r.lock().by_address.is_empty());
    }

    #[test]
    fn the_pool_caps_each_address_and_all() {
        let pool = Pool::new(Caps { total: 3, per_address: 2 });
        let a: IpAddr = [127, 0, 0, 2].into();
        let held = [pool.try_take(a), pool.try_take(a)];
        assert!(held.iter().all(Option::is_some));
        assert!(pool.try_take(a).is_none(), "address full");
        let other = pool.try_take([127, 0, 0, 3].into());
        assert!(other.is_some());
        assert!(pool.try_take([127, 0, 0, 4].into()).is_none(), "pool full");
        drop(held);
        assert_eq!(pool.taken(), 1);
    }
}
