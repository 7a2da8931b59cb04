//! HTTP `Range: bytes=…` for recording downloads (RFC 9110 §14), one range only: what a
//! video player sends to seek. Several ranges, or another unit, get the whole file.

/// The part of the file asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    /// Bytes in the part (at least one).
    pub len: u64,
}

/// Why a `Range` header gives no part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Not a single byte range this server answers: send the whole file (200).
    Ignored,
    /// A byte range outside the file: 416.
    NotSatisfiable,
}

/// Reads `header` for a file of `size` bytes.
pub fn parse(header: &str, size: u64) -> Result<ByteRange, Unusable> {
    let spec = header.trim().strip_prefix("bytes=").ok_or(Unusable::Ignored)?;
    if spec.contains(',') {
        return Err(Unusable::Ignored);
    }
    let (first, last) = spec.trim().split_once('-').ok_or(Unusable::Ignored)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| Unusable::Ignored);
    let (start, end) = match (first.trim().is_empty(), last.trim().is_empty()) {
        // `bytes=-N`: the last N bytes.
        (true, false) => {
            let n = number(last)?;
            if n == 0 || size == 0 {
                return Err(Unusable::NotSatisfiable);
            }
            (size.saturating_sub(n), size - 1)
        }
        // `bytes=A-`: from A to the end.
        (false, true) => (number(first)?, size.saturating_sub(1)),
        (false, false) => {
            let (a, b) = (number(first)?, number(last)?);
            if b < a {
                return Err(Unusable::Ignored);
            }
            (a, b.min(size.saturating_sub(1)))
        }
        (true, true) => return Err(Unusable::Ignored),
    };
    if start >= size {
        return Err(Unusable::NotSatisfiable);
    }
    Ok(ByteRange { start, len: end - start + 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ranges_a_player_sends_are_answered() {
        assert_eq!(parse("bytes=0-", 1000), Ok(ByteRange { start: 0, len: 1000 }));
        assert_eq!(parse("bytes=100-199", 1000), Ok(ByteRange { start: 100, len: 100 }));
        assert_eq!(parse("bytes=900-5000", 1000), Ok(ByteRange { start: 900, len: 100 }));
        assert_eq!(parse("bytes=-10", 1000), Ok(ByteRange { start: 990, len: 10 }));
        assert_eq!(parse("bytes=-5000", 1000), Ok(ByteRange { start: 0, len: 1000 }));
    }

    #[test]
    fn other_ranges_get_the_whole_file_or_416() {
        assert_eq!(parse("bytes=1000-", 1000), Err(Unusable::NotSatisfiable));
        assert_eq!(parse("bytes=-0", 1000), Err(Unusable::NotSatisfiable));
        assert_eq!(parse("bytes=0-1,5-6", 1000), Err(Unusable::Ignored));
        assert_eq!(parse("items=0-1", 1000), Err(Unusable::Ignored));
        assert_eq!(parse("bytes=5-1", 1000), Err(Unusable::Ignored));
        assert_eq!(parse("bytes=x-", 1000), Err(Unusable::Ignored));
    }
}
