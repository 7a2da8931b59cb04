//! Issue 16: `GET /api/openapi.json` describes every `/api` route, and the document is valid
//! OpenAPI 3.1 by the reference validator (`openapi-spec-validator`, from PyPI into a private
//! virtual environment of the test run). The router and the document come from one table
//! (`api_routes.rs`); no `/api` route may be added to the router outside it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned validator, installed once per target directory under a lock.
const VALIDATOR: &str = "openapi-spec-validator==0.7.1";

fn validator() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi-venv");
    let python = dir.join("bin/python");
    let lock = std::fs::File::create(Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi-venv.lock")).unwrap();
    let _held = FileLock::hold(&lock);
    let ready = dir.join(".installed");
    if !ready.exists() {
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&dir).status().unwrap().success();
        assert!(ok, "python3 -m venv (./tests/run.sh installs python3-venv)");
        let ok = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", VALIDATOR])
            .status()
            .unwrap()
            .success();
        assert!(ok, "pip install {VALIDATOR} (PyPI)");
        std::fs::write(&ready, VALIDATOR).unwrap();
    }
    python
}

/// An exclusive `flock` on a file, released on drop.
struct FileLock<'a>(&'a std::fs::File);

impl<'a> FileLock<'a> {
    fn hold(f: &'a std::fs::File) -> FileLock<'a> {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a file descriptor this process owns for the lock's lifetime.
        assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);
        FileLock(f)
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as above.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_api_route_and_validates() {
    let server = Server::start(&[]).await;
    let (status, doc) = Http::anonymous(&server).get("/api/openapi.json").await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"].as_str(), Some(server.base().as_str()));

    // Every `.route("/api…")` the service has is in the table the document is made from: the
    // router's sources hold none elsewhere.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!text.contains(".route(\"/api"), "{} adds an /api route outside api_routes.rs", path.display());
    }
    let table = std::fs::read_to_string(src.join("api_routes.rs")).unwrap();
    let mut listed = 0;
    for line in table.lines().map(str::trim) {
        let Some((method, rest)) = line.split_once(" \"/api") else { continue };
        if !["get", "post", "put", "patch", "delete"].contains(&method) {
            continue;
        }
        let path = format!("/api{}", rest.split('"').next().unwrap());
        assert!(doc["paths"][&path][method].is_object(), "{method} {path} is described");
        listed += 1;
    }
    let described: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(described, listed, "one operation per route of the table");
    assert!(listed >= 38);

    // Valid, by the reference validator.
    let file = server.dir.join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let python = tokio::task::spawn_blocking(validator).await.unwrap();
    let out = Command::new(python)
        .args([
            "-c",
            "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('valid')",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("valid"), "{}", String::from_utf8_lossy(&out.stderr));
}
