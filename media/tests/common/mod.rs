//! A private X server for tests: Xvfb on a free display number, stopped on drop.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    /// Starts `Xvfb :N -screen 0 WxHx24` with MIT-SHM, on the first free display from 90.
    pub fn start(width: u32, height: u32) -> Xvfb {
        for n in 90..190 {
            if std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() || std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .args([format!(":{n}"), "-screen".into(), "0".into(), format!("{width}x{height}x24"), "-nolisten".into(), "tcp".into()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb is installed by ./tests/run.sh (Debian package xvfb)");
            let x = Xvfb { child, display: format!(":{n}") };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && x11rb::connect(Some(&x.display)).is_ok() {
                    return x;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            drop(x);
        }
        panic!("no free X display for Xvfb");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
