//! Starting a downloaded agent: signaling appends the invitation it was downloaded for to the
//! executable (`protocol::download`). Started with no arguments, the agent reads the end of
//! its own file (at most [`download::TAIL_BYTES`]) and joins that invitation under the name of
//! the computer's account, so the customer types nothing. Without a trailer, or with any
//! argument, the command line is used as it is.
//!
//! The name: a customer who opens a file expects no questions, and the representative already
//! knows whom they are talking to, so the account's full name (or login name) is used; one
//! that would be refused (a role word, `root`) becomes "Customer".

use protocol::download::{self, DownloadConfig, TrailerError};
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes of `/etc/passwd` read at most to find the account's name.
const PASSWD_BYTES: u64 = 1024 * 1024;
/// The longest name taken from the account (signaling's limit).
const NAME_CHARS: usize = protocol::limits::MAX_NAME_CHARS;

/// The arguments of `agent join <link> --name <name>` when this agent was started with no
/// arguments and its file carries an invitation; `None` otherwise. Says on the terminal what
/// it does, and why not when the trailer is damaged.
pub fn downloaded_args() -> Option<Vec<OsString>> {
    if std::env::args_os().len() > 1 {
        return None;
    }
    let config = match own_invitation() {
        Ok(found) => found?,
        Err(e) => {
            eprintln!("{e}");
            return None;
        }
    };
    let name = customer_name(&local_account());
    let site = config.link.split("/join/").next().unwrap_or_default();
    let left = minutes_left(config.expires_at, now_ms());
    println!("This support agent was downloaded for an invitation from {site} ({left}); joining as {name}.");
    Some(join_args(&config, &name, has_display()))
}

/// `agent join <link> --name <name>` (and `--window` where there is a display).
pub fn join_args(config: &DownloadConfig, name: &str, window: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["agent", "join", &config.link, "--name", name].into_iter().map(OsString::from).collect();
    // The customer's window where there is a display; the terminal on a computer without one.
    if window {
        args.push("--window".into());
    }
    args
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

/// Why the invitation in this agent's file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("{0}")]
    Trailer(#[from] TrailerError),
}

/// The invitation at the end of this agent's own file, if any. A file that cannot be read is
/// taken as one without an invitation (the command line decides).
pub fn own_invitation() -> Result<Option<DownloadConfig>, LaunchError> {
    let exe = std::env::current_exe().unwrap_or_else(|_| "/proc/self/exe".into());
    match read_tail(&exe) {
        Ok(tail) => Ok(download::decode_tail(&tail)?),
        Err(e) => {
            tracing::debug!(error = %e, "cannot read this agent's own file; no invitation in it");
            Ok(None)
        }
    }
}

/// The last [`download::TAIL_BYTES`] of `path` (all of it when smaller).
pub fn read_tail(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(download::TAIL_BYTES as u64)))?;
    let mut tail = Vec::with_capacity(download::TAIL_BYTES);
    file.take(download::TAIL_BYTES as u64).read_to_end(&mut tail)?;
    Ok(tail)
}

/// The computer's account this agent runs as.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LocalAccount {
    /// The full name from the account database (the first part of its GECOS field).
    pub full_name: Option<String>,
    pub login: Option<String>,
}

/// The account of this process: its line in `/etc/passwd`, else `$USER`.
fn local_account() -> LocalAccount {
    use std::os::unix::fs::MetadataExt as _;
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    let mut passwd = String::new();
    if let Ok(f) = std::fs::File::open("/etc/passwd") {
        let _ = f.take(PASSWD_BYTES).read_to_string(&mut passwd);
    }
    let found = uid.and_then(|uid| account_in_passwd(&passwd, uid));
    found.unwrap_or_else(|| LocalAccount { full_name: None, login: std::env::var("USER").ok() })
}

/// The account with `uid` in the text of `/etc/passwd`.
pub fn account_in_passwd(passwd: &str, uid: u32) -> Option<LocalAccount> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        let [login, _, id, _, gecos, ..] = fields.as_slice() else { return None };
        (id.parse::<u32>().ok()? == uid).then(|| LocalAccount {
            full_name: gecos.split(',').next().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
            login: Some((*login).to_owned()).filter(|s| !s.is_empty()),
        })
    })
}

/// The name the representative sees: the full name, else the login name, unless signaling
/// would refuse it or it names no person; then "Customer".
pub fn customer_name(account: &LocalAccount) -> String {
    let usable = |name: &&String| {
        let name = name.trim();
        !name.is_empty() && !name.eq_ignore_ascii_case("root") && protocol::names::claims_role(name, []).is_none()
    };
    let picked = account.full_name.iter().chain(account.login.iter()).find(usable);
    picked.map_or_else(|| "Customer".to_owned(), |n| n.trim().chars().filter(|c| !c.is_control()).take(NAME_CHARS).collect())
}

/// "expires in about N minutes" or "expired", by this computer's clock (signaling decides).
fn minutes_left(expires_at: i64, now: i64) -> String {
    match (expires_at - now) / 60_000 {
        n if n > 0 => format!("it expires in about {n} minutes"),
        _ if expires_at > now => "it expires in less than a minute".to_owned(),
        _ => "it may have expired".to_owned(),
    }
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn config() -> DownloadConfig {
        DownloadConfig { v: download::VERSION, link: "https://help.example.com/join/tok".into(), expires_at: 0 }
    }

    #[test]
    fn the_invitation_is_read_from_the_end_of_a_large_file_and_absent_from_a_plain_one() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&vec![0x7f; 3 * download::TAIL_BYTES + 17]).unwrap();
        assert_eq!(download::decode_tail(&read_tail(f.path()).unwrap()).unwrap(), None);
        f.write_all(&download::encode(&config()).unwrap()).unwrap();
        let tail = read_tail(f.path()).unwrap();
        assert_eq!(tail.len(), download::TAIL_BYTES, "only the end is read");
        assert_eq!(download::decode_tail(&tail).unwrap(), Some(config()));
        let small = tempfile::NamedTempFile::new().unwrap();
        assert!(read_tail(small.path()).unwrap().is_empty());
    }

    #[test]
    fn a_download_joins_its_link_under_the_given_name() {
        let args: Vec<String> = join_args(&config(), "Dana Smith", false).into_iter().map(|a| a.into_string().unwrap()).collect();
        assert_eq!(args, ["agent", "join", "https://help.example.com/join/tok", "--name", "Dana Smith"]);
        let args: Vec<String> = join_args(&config(), "Dana Smith", true).into_iter().map(|a| a.into_string().unwrap()).collect();
        assert_eq!(args.last().map(String::as_str), Some("--window"), "with a display it opens the window");
    }

    #[test]
    fn the_account_is_found_by_its_uid_with_its_full_name() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      dana:x:1000:1000:Dana Smith,Room 4,,:/home/dana:/bin/bash\n\
                      kim:x:1001:1001::/home/kim:/bin/sh\nbroken line\n";
        let dana = account_in_passwd(passwd, 1000).unwrap();
        assert_eq!(dana, LocalAccount { full_name: Some("Dana Smith".into()), login: Some("dana".into()) });
        assert_eq!(account_in_passwd(passwd, 1001).unwrap().full_name, None);
        assert_eq!(account_in_passwd(passwd, 4242), None);
    }

    #[test]
    fn the_name_shown_is_a_persons_or_customer() {
        let account =
            |full: Option<&str>, login: Option<&str>| LocalAccount { full_name: full.map(str::to_owned), login: login.map(str::to_owned) };
        assert_eq!(customer_name(&account(Some("Dana Smith"), Some("dana"))), "Dana Smith");
        assert_eq!(customer_name(&account(None, Some("kim"))), "kim");
        assert_eq!(customer_name(&account(Some("root"), Some("root"))), "Customer");
        assert_eq!(customer_name(&account(Some("IT Support"), Some("admin"))), "Customer", "role words are refused by signaling");
        assert_eq!(customer_name(&account(Some("System administrator"), Some("dana"))), "dana");
        assert_eq!(customer_name(&LocalAccount::default()), "Customer");
        assert_eq!(customer_name(&account(Some(&"x".repeat(500)), None)).chars().count(), NAME_CHARS);
    }

    #[test]
    fn the_time_left_is_said_plainly() {
        assert_eq!(minutes_left(30 * 60_000, 0), "it expires in about 30 minutes");
        assert_eq!(minutes_left(30_000, 0), "it expires in less than a minute");
        assert_eq!(minutes_left(0, 1), "it may have expired");
    }
}
