//! Shared harness of the transfer tests: real files in temporary folders, moved chunk by chunk
//! from an `Outgoing` into an `Incoming` the way the agent's driver moves them over a data
//! channel.
#![allow(dead_code)] // each test file uses part of it

use agent_core::transfer::{Incoming, Outgoing};
use protocol::peer::CHUNK_BYTES;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Deterministic, incompressible-looking bytes (xorshift), so every offset differs.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// SHA-256 as the wire carries it.
pub fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file on disk.
pub fn sha_of_file(path: &Path) -> String {
    sha_hex(&std::fs::read(path).unwrap())
}

/// The names in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Every path under `dir`, recursively, sorted.
pub fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.symlink_metadata().unwrap().is_dir() {
            paths.extend(tree(&path));
        }
        paths.push(path);
    }
    paths.sort();
    paths
}

/// Moves chunks of `CHUNK_BYTES` from `outgoing` into `incoming` until `limit` bytes moved or
/// the file ends; `after_chunk` sees the receiver after every chunk. Returns the bytes moved.
pub fn pump(outgoing: &mut Outgoing, incoming: &mut Incoming, limit: u64, mut after_chunk: impl FnMut(&Incoming)) -> u64 {
    let mut buf = vec![0u8; CHUNK_BYTES];
    let mut moved = 0u64;
    while moved < limit {
        let n = outgoing.next_chunk(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        assert!(n <= CHUNK_BYTES);
        incoming.write(&buf[..n]).unwrap();
        moved += n as u64;
        after_chunk(incoming);
    }
    moved
}

pub mod pair;
