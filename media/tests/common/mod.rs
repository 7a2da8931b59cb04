//! A private X server for tests: Xvfb on a display number it picks itself (`-displayfd`, so
//! tests running in parallel never collide), stopped on drop.
#![allow(dead_code)]

pub mod draw;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Xvfb {
    child: Child,
    /// `:N`, for `x11rb::connect(Some(..))` or `DISPLAY`.
    pub display: String,
}

impl Xvfb {
    /// Starts `Xvfb -screen 0 WxHx24` with MIT-SHM and waits until it accepts connections.
    pub fn start(width: u32, height: u32) -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp", "-noreset"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed by ./tests/run.sh (Debian package xvfb)");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).expect("Xvfb prints its display number");
        let n: u32 = line.trim().parse().unwrap_or_else(|_| panic!("Xvfb printed {line:?} instead of a display number"));
        let x = Xvfb { child, display: format!(":{n}") };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if x11rb::connect(Some(&x.display)).is_ok() {
                return x;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("Xvfb on {} did not accept connections", x.display);
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
