//! `signaling admin …`: manage CSR accounts directly in the database (works while the
//! service is stopped).

use crate::clock::Clock;
use crate::config::{AdminAction, Config};
use crate::{api_accounts, db, secrets};
use std::io::BufRead;

/// Reads a password from standard input, or generates one when none is given.
fn password_from_stdin() -> Result<(String, bool), String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        return Ok((secrets::generated_password(), true));
    }
    if line.chars().count() < api_accounts::MIN_PASSWORD {
        return Err(protocol::ErrorCode::WeakPassword.message().into());
    }
    Ok((line, false))
}

/// Runs one admin action against the configured database.
pub fn run(config: &Config, action: AdminAction) -> Result<(), String> {
    let db = db::Db::open(&config.database_path).map_err(|e| e.to_string())?;
    match action {
        AdminAction::AddCsr { username, name, admin } => {
            let (password, generated) = password_from_stdin()?;
            let hash = secrets::hash_password(&password).map_err(|e| e.to_string())?;
            let display = name.unwrap_or_else(|| username.clone());
            let created = db
                .blocking(|c| db::accounts::create(c, &username, &display, &hash, admin, generated, Clock::System.now_ms()))
                .map_err(|e| e.to_string())?;
            if created.is_none() {
                return Err(format!("an account named `{username}` already exists"));
            }
            println!("created {}{username}", if admin { "site admin " } else { "CSR " });
            if generated {
                println!("one-time password: {password}");
            }
        }
        AdminAction::ResetPassword { username } => {
            let (password, generated) = password_from_stdin()?;
            let hash = secrets::hash_password(&password).map_err(|e| e.to_string())?;
            let found = db.blocking(|c| db::accounts::by_username(c, &username)).map_err(|e| e.to_string())?;
            let (account, _) = found.ok_or_else(|| format!("no account named `{username}`"))?;
            db.blocking(|c| db::accounts::set_password(c, account.id, &hash, generated)).map_err(|e| e.to_string())?;
            println!("password of {username} reset");
            if generated {
                println!("one-time password: {password}");
            }
        }
        AdminAction::List => {
            for a in db.blocking(|c| db::accounts::list(c)).map_err(|e| e.to_string())? {
                let flags = [(a.is_admin, "admin"), (a.disabled, "disabled"), (a.must_change_password, "must change password")];
                let flags: Vec<_> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
                println!("{}\t{}\t{}", a.username, a.display_name, flags.join(", "));
            }
        }
    }
    Ok(())
}
