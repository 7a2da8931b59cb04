//! Is an upload a WebM file? Reads only its EBML header: the magic `1A 45 DF A3`, then the
//! header's elements until `DocType`, which must be `webm`. Without I/O: fed the first bytes
//! of the body, it says whether it needs more.

/// The EBML magic every Matroska/WebM file starts with.
const EBML: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];
/// The DocType element inside the EBML header.
const DOC_TYPE: u32 = 0x4282;
/// A longer header is not something a browser's MediaRecorder writes.
pub const MAX_HEADER: usize = 1024;

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A WebM header.
    WebM,
    /// Anything else (another type, a Matroska file that is not WebM, a damaged header).
    NotWebm,
    /// The header is not complete yet.
    NeedMore,
}

/// An EBML variable-size integer at the start of `b`: (value, bytes used). `keep_marker` keeps
/// the length bits (element ids are written that way). `None` when `b` is too short; `Some`
/// with `usize::MAX` when it cannot be valid.
fn vint(b: &[u8], keep_marker: bool) -> Option<(u64, usize)> {
    let first = *b.first()?;
    if first == 0 {
        return Some((u64::MAX, usize::MAX));
    }
    let len = first.leading_zeros() as usize + 1;
    let bytes = b.get(..len)?;
    let mut v = u64::from(if keep_marker { first } else { first & (0xFF >> len) });
    for &x in &bytes[1..] {
        v = (v << 8) | u64::from(x);
    }
    Some((v, len))
}

/// Checks the first bytes of an upload.
pub fn check(head: &[u8]) -> Verdict {
    let want = head.len().min(EBML.len());
    if head[..want] != EBML[..want] {
        return Verdict::NotWebm;
    }
    let Some((size, n)) = vint(&head[EBML.len().min(head.len())..], false) else { return Verdict::NeedMore };
    if n == usize::MAX || size as usize > MAX_HEADER {
        return Verdict::NotWebm;
    }
    let start = EBML.len() + n;
    let end = start + size as usize;
    let Some(body) = head.get(start..end) else { return Verdict::NeedMore };
    let mut at = 0;
    while at < body.len() {
        let Some((id, idn)) = vint(&body[at..], true) else { return Verdict::NotWebm };
        if idn > 4 {
            return Verdict::NotWebm;
        }
        let Some((len, lenn)) = vint(&body[at + idn..], false) else { return Verdict::NotWebm };
        if lenn == usize::MAX {
            return Verdict::NotWebm;
        }
        let data_at = at + idn + lenn;
        let Some(data) = body.get(data_at..data_at.saturating_add(len as usize)) else { return Verdict::NotWebm };
        if id == u64::from(DOC_TYPE) {
            let doc_type = data.split(|&b| b == 0).next().unwrap_or_default();
            return if doc_type == b"webm" { Verdict::WebM } else { Verdict::NotWebm };
        }
        at = data_at + data.len();
    }
    Verdict::NotWebm
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// The EBML header Chromium's MediaRecorder writes, followed by the start of a Segment.
    pub fn chromium_header() -> Vec<u8> {
        let mut h = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F];
        h.extend([0x42, 0x86, 0x81, 0x01, 0x42, 0xF7, 0x81, 0x01, 0x42, 0xF2, 0x81, 0x04, 0x42, 0xF3, 0x81, 0x08]);
        h.extend([0x42, 0x82, 0x84, b'w', b'e', b'b', b'm', 0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02]);
        h.extend([0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        h
    }

    #[test]
    fn a_browser_recording_is_webm_and_its_header_may_arrive_in_pieces() {
        let h = chromium_header();
        assert_eq!(check(&h), Verdict::WebM);
        for cut in 0..36 {
            assert_eq!(check(&h[..cut]), Verdict::NeedMore, "{cut} bytes");
        }
    }

    #[test]
    fn other_files_are_not_webm() {
        assert_eq!(check(b"<html><body>hello</body></html>"), Verdict::NotWebm);
        assert_eq!(check(b"MZ\x90\x00\x03"), Verdict::NotWebm, "a Windows program");
        let mut mkv = chromium_header();
        mkv[24..28].copy_from_slice(b"mkv\0");
        assert_eq!(check(&mkv), Verdict::NotWebm, "Matroska that is not WebM");
        let mut no_doc_type = chromium_header();
        no_doc_type[21] = 0x43;
        assert_eq!(check(&no_doc_type), Verdict::NotWebm);
        assert_eq!(check(&[0x1A, 0x45, 0xDF, 0xA3, 0x00]), Verdict::NotWebm, "invalid size");
        assert_eq!(check(&[0x1A, 0x45, 0xDF, 0xA3, 0x44, 0x01]), Verdict::NotWebm, "a header over the limit");
    }
}
