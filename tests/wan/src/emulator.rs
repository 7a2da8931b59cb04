//! `wan up` as a value: two namespaces `NAME-a` and `NAME-b`, a TUN device `wan0` in each
//! (10.77.0.1/24 and 10.77.0.2/24), and two forwarding threads joining them through a [`Link`]
//! per direction. Dropping the emulator stops forwarding and removes the namespaces.

use crate::error::WanError;
use crate::forward::{self, Counters, Ends};
use crate::link::{Link, LinkConfig};
use crate::{netns, tun};
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The TUN device's name in both namespaces.
pub const IFNAME: &str = "wan0";
/// The address of side a (in namespace `NAME-a`).
pub const ADDR_A: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
/// The address of side b (in namespace `NAME-b`).
pub const ADDR_B: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
/// The MTU of both TUN devices.
pub const MTU: u32 = 1500;

/// The namespaces of the link called `name`: (side a, side b).
pub fn namespaces(name: &str) -> (String, String) {
    (format!("{name}-a"), format!("{name}-b"))
}

/// Checks that `name` makes valid namespace names.
pub fn validate_name(name: &str) -> Result<(), WanError> {
    let ok = (1..=40).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(WanError::InvalidName(name.to_string()))
    }
}

/// Removes the namespaces of the link called `name` (leftovers of a run that was killed).
pub fn down(name: &str) -> Result<(), WanError> {
    validate_name(name)?;
    let (a, b) = namespaces(name);
    netns::remove(&a).and(netns::remove(&b))
}

/// A running link: the namespaces exist and the forwarding threads run.
pub struct Emulator {
    name: String,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    /// Counters of a → b, then b → a.
    pub counters: [Arc<Counters>; 2],
}

impl Emulator {
    /// Creates the namespaces and starts forwarding; `config` applies to each direction (the
    /// b → a direction uses another loss seed). On failure, removes what it created.
    pub fn up(name: &str, config: &LinkConfig, coalesce: Duration) -> Result<Self, WanError> {
        validate_name(name)?;
        let (a, b) = namespaces(name);
        for ns in [&a, &b] {
            if netns::exists(ns) {
                return Err(WanError::NamespaceExists(ns.clone()));
            }
        }
        let mut emulator = Self { name: name.to_string(), stop: Arc::default(), threads: Vec::new(), counters: Default::default() };
        // On error `emulator` is dropped, which removes the namespaces.
        netns::create(&a)?;
        netns::create(&b)?;
        let tun_a = Arc::new(open_side(&a, ADDR_A)?);
        let tun_b = Arc::new(open_side(&b, ADDR_B)?);
        let reverse = LinkConfig { seed: config.seed ^ 0x5851_f42d_4c95_7f2d, ..config.clone() };
        let (stop, [c_ab, c_ba]) = (&emulator.stop, &emulator.counters);
        let ab = Ends { src: tun_a.clone(), dst: tun_b.clone() };
        let ab = forward::spawn("wan a→b", ab, Link::new(config.clone()), coalesce, c_ab.clone(), stop.clone());
        let ba = forward::spawn("wan b→a", Ends { src: tun_b, dst: tun_a }, Link::new(reverse), coalesce, c_ba.clone(), stop.clone());
        emulator.threads = vec![ab, ba];
        Ok(emulator)
    }

    /// Waits until a UDP probe goes a → b and its answer b → a (retrying lost ones); returns the
    /// round trip of the probe that made it.
    pub fn wait_reachable(&self, timeout: Duration) -> Result<Duration, WanError> {
        let (a, b) = namespaces(&self.name);
        let bind = |ns: &str, ip: Ipv4Addr| {
            netns::within(ns, move || {
                let s = UdpSocket::bind(SocketAddr::from((ip, 0)))?;
                s.set_read_timeout(Some(Duration::from_millis(200)))?;
                Ok(s)
            })
            .map_err(WanError::io(format!("binding a probe socket in {ns}")))
        };
        let (sa, sb) = (bind(&a, ADDR_A)?, bind(&b, ADDR_B)?);
        let to_b = sb.local_addr().map_err(WanError::io("probe address"))?;
        let start = Instant::now();
        let mut buf = [0u8; 16];
        while start.elapsed() < timeout {
            let sent = Instant::now();
            let _ = sa.send_to(b"wan probe", to_b);
            let Ok((_, from)) = sb.recv_from(&mut buf) else { continue };
            let _ = sb.send_to(b"wan reply", from);
            if sa.recv_from(&mut buf).is_ok() {
                return Ok(sent.elapsed());
            }
        }
        Err(WanError::Unreachable(timeout))
    }

    /// Stops forwarding and removes the namespaces.
    pub fn down(mut self) -> Result<(), WanError> {
        self.shut()
    }

    fn shut(&mut self) -> Result<(), WanError> {
        self.stop.store(true, Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        down(&self.name)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Err(e) = self.shut() {
            eprintln!("wan: cleaning up {}: {e}", self.name);
        }
    }
}

/// Opens the TUN device inside `ns` and gives it its address, MTU and link state.
fn open_side(ns: &str, addr: Ipv4Addr) -> Result<File, WanError> {
    let tun = tun::open_in(ns, IFNAME).map_err(WanError::io(format!("opening TUN device {IFNAME} in {ns} (is /dev/net/tun there?)")))?;
    netns::ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", IFNAME])?;
    netns::ip(&["-n", ns, "link", "set", IFNAME, "mtu", &MTU.to_string(), "up"])?;
    Ok(tun)
}
