//! Sending one file of the customer's computer (S11 advanced pulls). The file is hashed once
//! when opened, so the `TransferHeader` can announce its SHA-256; then it is read chunk by chunk
//! from the offset the receiver asks for.

use super::names::safe_name;
use super::{to_hex, Limits, TransferError, HASH_BUF_BYTES};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// What the receiver is told about a file before its bytes (`TransferHeader`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// [`safe_name`] of the file's name: the receiver sanitizes again, but nothing odd leaves here.
    pub name: String,
    /// Size in bytes when opened.
    pub size: u64,
    /// SHA-256 of the whole file, 64 lower-case hex digits.
    pub sha256: String,
}

/// One file being sent.
#[derive(Debug)]
pub struct Outgoing {
    file: File,
    name: String,
    size: u64,
    sent: u64,
}

impl Outgoing {
    /// Opens the regular file at `path` and hashes it by streaming (never whole in memory).
    ///
    /// Anything but a regular file (a folder, a device, a pipe), or a file that cannot be read,
    /// gives `Unreadable`; a file larger than [`Limits::max_file_bytes`] gives `TooLarge`; a
    /// file that shrinks while it is hashed gives `Changed`. Blocks for as long as hashing takes.
    pub fn open(path: &Path, limits: &Limits) -> Result<(Outgoing, FileMeta), TransferError> {
        let name = safe_name(&path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        // Non-blocking, so a named pipe cannot hang the open; it is refused just below.
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| TransferError::unreadable(&name, e))?;
        let meta = file.metadata().map_err(|e| TransferError::unreadable(&name, e))?;
        if !meta.is_file() {
            let why = if meta.is_dir() { "it is a folder" } else { "it is not a regular file" };
            return Err(TransferError::Unreadable { name, why: why.to_owned() });
        }
        let size = meta.len();
        if size > limits.max_file_bytes {
            return Err(TransferError::TooLarge { name, size, max: limits.max_file_bytes });
        }
        let mut outgoing = Outgoing { file, name, size, sent: 0 };
        let sha256 = outgoing.hash()?;
        outgoing.start_at(0)?;
        let meta = FileMeta { name: outgoing.name.clone(), size, sha256 };
        Ok((outgoing, meta))
    }

    /// Hashes exactly `size` bytes from the start of the file.
    fn hash(&mut self) -> Result<String, TransferError> {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; HASH_BUF_BYTES];
        self.file.seek(SeekFrom::Start(0)).map_err(|e| TransferError::unreadable(&self.name, e))?;
        loop {
            let n = self.next_chunk(&mut buf)?;
            if n == 0 {
                return Ok(to_hex(&hasher.finalize()));
            }
            hasher.update(&buf[..n]);
        }
    }

    /// Continues from `offset` (the receiver's `FileAccept`/`TransferStart`), skipping the bytes
    /// it already holds. An offset past the end gives `Invalid`.
    pub fn start_at(&mut self, offset: u64) -> Result<(), TransferError> {
        if offset > self.size {
            return Err(TransferError::invalid(format!("offset {offset} is past the end of {} ({} bytes)", self.name, self.size)));
        }
        self.file.seek(SeekFrom::Start(offset)).map_err(|e| TransferError::unreadable(&self.name, e))?;
        self.sent = offset;
        Ok(())
    }

    /// Fills `buf` with the next bytes (callers pass [`protocol::peer::CHUNK_BYTES`]); returns how
    /// many, 0 once the whole file was read. Only a chunk at the end is shorter than `buf`.
    /// A file that shrank since it was opened gives `Changed`; an empty `buf` gives `Invalid`.
    pub fn next_chunk(&mut self, buf: &mut [u8]) -> Result<usize, TransferError> {
        let left = self.size - self.sent;
        if left == 0 {
            return Ok(0);
        }
        if buf.is_empty() {
            return Err(TransferError::invalid("a chunk buffer must not be empty"));
        }
        let want = usize::try_from(left).map_or(buf.len(), |left| left.min(buf.len()));
        let mut filled = 0;
        while filled < want {
            match self.file.read(&mut buf[filled..want]) {
                Ok(0) => return Err(TransferError::Changed { name: self.name.clone() }),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(TransferError::unreadable(&self.name, e)),
            }
        }
        self.sent += filled as u64;
        Ok(filled)
    }

    /// Bytes handed out so far, counting from the start of the file (so a resumed transfer
    /// starts at its offset).
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Size of the file as announced.
    pub fn size(&self) -> u64 {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ErrorCode;

    #[test]
    fn a_file_is_read_in_chunks_from_the_requested_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.bin");
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let (mut out, meta) = Outgoing::open(&path, &Limits::default()).unwrap();
        assert_eq!(meta, FileMeta { name: "data.bin".into(), size: 1000, sha256: to_hex(&Sha256::digest(&data)) });
        out.start_at(300).unwrap();
        let mut buf = [0u8; 256];
        let mut got = Vec::new();
        loop {
            let n = out.next_chunk(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, &data[300..]);
        assert_eq!(out.sent(), 1000);
        assert_eq!(out.start_at(1001).unwrap_err().code(), ErrorCode::InvalidMessage);
    }

    #[test]
    fn folders_pipes_and_missing_files_are_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let err = Outgoing::open(dir.path(), &Limits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::FileUnreadable);
        assert!(err.to_string().contains("folder"), "{err}");

        let fifo = dir.path().join("pipe");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        assert_eq!(Outgoing::open(&fifo, &Limits::default()).unwrap_err().code(), ErrorCode::FileUnreadable);

        let missing = Outgoing::open(&dir.path().join("missing"), &Limits::default()).unwrap_err();
        assert_eq!(missing.code(), ErrorCode::FileUnreadable);
    }

    #[test]
    fn a_file_above_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, [0u8; 100]).unwrap();
        let limits = Limits { max_file_bytes: 99, ..Limits::default() };
        assert_eq!(Outgoing::open(&path, &limits).unwrap_err().code(), ErrorCode::FileTooLarge);
    }

    #[test]
    fn a_file_that_shrinks_while_sent_is_reported_as_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, [1u8; 4096]).unwrap();
        let (mut out, _) = Outgoing::open(&path, &Limits::default()).unwrap();
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(10).unwrap();
        let err = out.next_chunk(&mut [0u8; 1024]).unwrap_err();
        assert!(matches!(err, TransferError::Changed { .. }) && err.retryable(), "{err:?}");
    }
}
