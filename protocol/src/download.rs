//! The invitation a downloaded agent carries. Signaling serves the agent binary for one
//! invitation (`GET /join/{token}/agent`) with this trailer appended after the last byte of
//! the executable, which the loader ignores:
//!
//! ```text
//! [ agent executable ][ config: JSON, ≤ 4 KiB ][ config length: u32 LE ][ MAGIC: 8 bytes ]
//! ```
//!
//! The agent, started with no arguments, reads the last [`TAIL_BYTES`] of its own file and
//! joins the invitation with no typing. The config holds the invitation link itself (the
//! 256-bit secret signaling checks at `POST /api/join`, like any link): it is bound to that
//! one invitation and refused once it is used, withdrawn or expired (docs/security.md).
//! Sans-IO: [`encode`] and [`decode_tail`] work on bytes only.

use serde::{Deserialize, Serialize};

/// The last bytes of a downloaded agent.
pub const MAGIC: &[u8; 8] = b"RSAGENT1";
/// The version of the config's format this build writes and reads.
pub const VERSION: u32 = 1;
/// Largest config; anything that says it is larger is damaged.
pub const MAX_CONFIG_BYTES: usize = 4096;
/// Length field and magic after the config.
pub const FOOTER_BYTES: usize = 4 + MAGIC.len();
/// How much of its own file's end an agent reads to find the trailer: never more.
pub const TAIL_BYTES: usize = MAX_CONFIG_BYTES + FOOTER_BYTES;

/// What a download says about the invitation it was made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadConfig {
    /// Format version ([`VERSION`]).
    pub v: u32,
    /// The invitation link, `<site>/join/<token>`: names the site and proves the invitation.
    pub link: String,
    /// When the invitation expires (ms since the Unix epoch); signaling decides, this is for
    /// what the agent says.
    pub expires_at: i64,
}

/// Why the end of a file that looks like a download cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrailerError {
    #[error("the invitation at the end of this file is cut or damaged: download the agent again")]
    Damaged,
    #[error("this agent was downloaded in a newer format ({0}) than it reads: download it again")]
    Version(u32),
}

/// The trailer for `config`: its JSON, length and magic. `None` when the config would be
/// larger than [`MAX_CONFIG_BYTES`] (a public URL of kilobytes).
pub fn encode(config: &DownloadConfig) -> Option<Vec<u8>> {
    let json = serde_json::to_vec(config).ok()?;
    if json.len() > MAX_CONFIG_BYTES {
        return None;
    }
    let len = u32::try_from(json.len()).ok()?;
    let mut out = json;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(MAGIC);
    Some(out)
}

/// Reads the trailer from `tail`, the last bytes of a file (up to [`TAIL_BYTES`], fewer for a
/// smaller file). `Ok(None)`: no trailer (an agent that was not downloaded for an invitation).
pub fn decode_tail(tail: &[u8]) -> Result<Option<DownloadConfig>, TrailerError> {
    let Some(rest) = tail.strip_suffix(MAGIC.as_slice()) else { return Ok(None) };
    let Some((before, len)) = rest.split_last_chunk::<4>() else { return Err(TrailerError::Damaged) };
    let len = u32::from_le_bytes(*len) as usize;
    if len > MAX_CONFIG_BYTES || len > before.len() {
        return Err(TrailerError::Damaged);
    }
    let json = &before[before.len() - len..];
    // The version first, so a newer format is named as such rather than as damage.
    #[derive(Deserialize)]
    struct Versioned {
        v: u32,
    }
    let v = serde_json::from_slice::<Versioned>(json).map_err(|_| TrailerError::Damaged)?.v;
    if v != VERSION {
        return Err(TrailerError::Version(v));
    }
    let config: DownloadConfig = serde_json::from_slice(json).map_err(|_| TrailerError::Damaged)?;
    if !(config.link.starts_with("http://") || config.link.starts_with("https://")) || !config.link.contains("/join/") {
        return Err(TrailerError::Damaged);
    }
    Ok(Some(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> DownloadConfig {
        DownloadConfig { v: VERSION, link: "https://help.example.com/join/abcDEF_123".into(), expires_at: 1_700_000_000_000 }
    }

    fn download(binary: &[u8]) -> Vec<u8> {
        let mut file = binary.to_vec();
        file.extend(encode(&config()).unwrap());
        file
    }

    fn tail(file: &[u8]) -> &[u8] {
        &file[file.len().saturating_sub(TAIL_BYTES)..]
    }

    #[test]
    fn a_download_reads_back_from_the_end_of_the_file_whatever_came_before() {
        for binary in [vec![], vec![0u8; 3], vec![0x7f; 100_000], b"ELF...RSAGENT1 in the middle".to_vec()] {
            assert_eq!(decode_tail(tail(&download(&binary))), Ok(Some(config())), "{} bytes before", binary.len());
        }
    }

    #[test]
    fn a_file_without_a_trailer_is_just_an_agent() {
        assert_eq!(decode_tail(b""), Ok(None));
        assert_eq!(decode_tail(&[0x7f, b'E', b'L', b'F', 0, 0, 0, 0]), Ok(None));
        assert_eq!(decode_tail(b"RSAGENT1 is not at the very end"), Ok(None));
    }

    #[test]
    fn a_cut_or_altered_trailer_is_damaged_not_trusted() {
        let file = download(b"binary");
        // A length that points before the file, past the bound, or a config cut short.
        let mut huge = file.clone();
        let at = huge.len() - FOOTER_BYTES;
        huge[at..at + 4].copy_from_slice(&(MAX_CONFIG_BYTES as u32 + 1).to_le_bytes());
        assert_eq!(decode_tail(tail(&huge)), Err(TrailerError::Damaged));
        assert_eq!(decode_tail(&file[file.len() - FOOTER_BYTES - 5..]), Err(TrailerError::Damaged));
        assert_eq!(decode_tail(&file[file.len() - 10..]), Err(TrailerError::Damaged));
        // JSON that is not a config, and a link that names no invitation.
        let mut junk = b"{\"v\":1}".to_vec();
        junk.extend(7u32.to_le_bytes());
        junk.extend(MAGIC);
        assert_eq!(decode_tail(&junk), Err(TrailerError::Damaged));
        let odd = DownloadConfig { link: "file:///etc/passwd".into(), ..config() };
        assert_eq!(decode_tail(&encode(&odd).unwrap()), Err(TrailerError::Damaged));
    }

    #[test]
    fn a_newer_format_is_named_as_such() {
        let newer = DownloadConfig { v: 2, ..config() };
        assert_eq!(decode_tail(&encode(&newer).unwrap()), Err(TrailerError::Version(2)));
    }

    #[test]
    fn a_config_over_the_bound_is_not_written() {
        let long = DownloadConfig { link: format!("https://{}/join/x", "a".repeat(MAX_CONFIG_BYTES)), ..config() };
        assert_eq!(encode(&long), None);
    }
}
