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

/// One customer computer behind a corporate firewall: a network namespace joined to this
/// machine by a veth pair (`host_ip` on this side, `inside_ip` inside). Until [`Firewalled::block`]
/// everything passes; after it, every UDP packet over the link is dropped (both ways) and TCP
/// reaches only the ports allowed, the way networks that allow only HTTPS do. Removed on drop.
pub struct Firewalled {
    pub name: String,
    pub host_ip: String,
    pub inside_ip: String,
    host_if: String,
    inside_if: String,
}

fn sysctl(ns: Option<&str>, setting: &str) {
    let out = command(ns, "sysctl").args(["-q", "-w", setting]).output().unwrap_or_else(|e| panic!("sysctl: {e}"));
    assert!(out.status.success(), "sysctl -w {setting}: {}", String::from_utf8_lossy(&out.stderr));
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap_or_else(|e| panic!("ip (iproute2): {e}"));
    assert!(out.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

impl Firewalled {
    /// A fresh namespace and link, named after this process (tests run one per process).
    pub fn new() -> Firewalled {
        let n = std::process::id() % 100_000;
        let name = format!("fw{n}");
        let (host_if, inside_if) = (format!("fw{n}h"), format!("fw{n}c"));
        let subnet = n % 250 + 1;
        let (host_ip, inside_ip) = (format!("10.231.{subnet}.1"), format!("10.231.{subnet}.2"));
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        let _ = Command::new("ip").args(["link", "del", &host_if]).output();
        ip(&["netns", "add", &name]);
        let fw = Firewalled { name: name.clone(), host_ip: host_ip.clone(), inside_ip: inside_ip.clone(), host_if, inside_if };
        ip(&["link", "add", &fw.host_if, "type", "veth", "peer", "name", &fw.inside_if]);
        ip(&["link", "set", &fw.inside_if, "netns", &name]);
        // No IPv6 on the link: its addresses would appear a second after the link comes up
        // (duplicate address detection), and a browser started meanwhile sees the network change
        // and drops what it was loading (net::ERR_NETWORK_CHANGED).
        sysctl(None, &format!("net.ipv6.conf.{}.disable_ipv6=1", fw.host_if));
        sysctl(Some(&name), &format!("net.ipv6.conf.{}.disable_ipv6=1", fw.inside_if));
        ip(&["addr", "add", &format!("{host_ip}/30"), "dev", &fw.host_if]);
        ip(&["link", "set", &fw.host_if, "up"]);
        ip(&["-n", &name, "addr", "add", &format!("{inside_ip}/30"), "dev", &fw.inside_if]);
        ip(&["-n", &name, "link", "set", &fw.inside_if, "up"]);
        ip(&["-n", &name, "link", "set", "lo", "up"]);
        ip(&["-n", &name, "route", "add", "default", "via", &host_ip]);
        // Settled before anything uses it: both ends up with their carrier.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let up = |ns: Option<&str>, dev: &str| {
            let out = command(ns, "ip")
                .args(["-o", "link", "show", "dev", dev])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
            out.is_ok_and(|l| l.contains("LOWER_UP"))
        };
        while !(up(None, &fw.host_if) && up(Some(&name), &fw.inside_if)) {
            assert!(std::time::Instant::now() < deadline, "the veth link {} did not come up", fw.host_if);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        fw
    }

    /// Drops UDP over the link and TCP to any port but `allowed_tcp` (nftables, inside).
    pub fn block(&self, allowed_tcp: &[u16]) {
        let ports = allowed_tcp.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
        let rules = format!(
            "table inet firewall {{\n\
             chain out {{ type filter hook output priority 0; policy accept;\n\
               oifname \"{i}\" meta l4proto udp counter drop\n\
               oifname \"{i}\" tcp dport != {{ {ports} }} counter drop\n}}\n\
             chain in {{ type filter hook input priority 0; policy accept;\n\
               iifname \"{i}\" meta l4proto udp counter drop\n}}\n}}\n",
            i = self.inside_if
        );
        let mut child = command(Some(&self.name), "nft")
            .args(["-f", "-"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("nft (Debian package nftables, installed by ./tests/run.sh): {e}"));
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(rules.as_bytes()).expect("rules written");
        assert!(child.wait().expect("nft").success(), "nft refused the firewall rules:\n{rules}");
    }

    /// UDP packets the firewall dropped so far (leaving and arriving).
    pub fn udp_dropped(&self) -> u64 {
        let out = command(Some(&self.name), "nft").args(["list", "table", "inet", "firewall"]).output().expect("nft");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("udp") && l.contains("drop"))
            .filter_map(|l| l.split("packets ").nth(1)?.split_whitespace().next()?.parse::<u64>().ok())
            .sum()
    }
}

impl Default for Firewalled {
    fn default() -> Self {
        Firewalled::new()
    }
}

impl Drop for Firewalled {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.host_if]).output();
        let _ = Command::new("ip").args(["netns", "del", &self.name]).output();
    }
}
