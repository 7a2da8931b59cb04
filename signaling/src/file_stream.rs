//! A file sent as a response body in pieces: what a download holds in memory does not depend
//! on the file's size (recordings, the agent binary).

/// Bytes read from disk at once.
pub const READ_CHUNK: usize = 256 * 1024;

/// `len` bytes of `file` from `start`, read on blocking threads [`READ_CHUNK`] at a time: the
/// memory a download takes does not depend on the file's size.
pub fn read(file: std::fs::File, start: u64, len: u64) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> {
    futures_util::stream::try_unfold((Some(file), start, len), |(file, at, left)| async move {
        let Some(mut file) = file else { return Ok(None) };
        if left == 0 {
            return Ok(None);
        }
        let want = left.min(READ_CHUNK as u64) as usize;
        let read = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Seek, SeekFrom};
            file.seek(SeekFrom::Start(at))?;
            let mut buf = vec![0u8; want];
            let mut got = 0;
            while got < want {
                match file.read(&mut buf[got..])? {
                    0 => break,
                    n => got += n,
                }
            }
            buf.truncate(got);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await
        .map_err(std::io::Error::other)??;
        let (file, buf) = read;
        if buf.is_empty() {
            // The file got shorter than it said: end the body; the client sees it cut.
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "file shorter than its size"));
        }
        let n = buf.len() as u64;
        Ok(Some((buf, (Some(file), at + n, left - n))))
    })
}
