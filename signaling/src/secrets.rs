//! Unguessable secrets: invitation codes and links, participant tokens, login cookies,
//! password hashes. Only hashes of bearer secrets are stored.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Digits in an invitation code read out over the phone ("123 456 789").
pub const CODE_DIGITS: usize = 9;

/// A fresh invitation code, uniformly drawn from 10^9 values by the OS generator.
pub fn invitation_code() -> String {
    let n: u64 = rand::rngs::OsRng.gen_range(0..10u64.pow(CODE_DIGITS as u32));
    format!("{n:0width$}", width = CODE_DIGITS)
}

/// Keeps only the digits of what a customer typed ("123 456-789" → "123456789").
pub fn normalize_code(typed: &str) -> String {
    typed.chars().filter(char::is_ascii_digit).collect()
}

/// A 256-bit bearer token, URL-safe.
pub fn token() -> String {
    let bytes: [u8; 32] = rand::rngs::OsRng.gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A short random id for rows that are not secrets (sessions, participants).
pub fn id(prefix: &str) -> String {
    let bytes: [u8; 9] = rand::rngs::OsRng.gen();
    format!("{prefix}_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database stores for a bearer secret.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
}

/// Hashing failed, or a stored hash cannot be read: never a reason to store or accept an
/// empty hash.
#[derive(Debug, Clone, thiserror::Error)]
#[error("password hash: {0}")]
pub struct PasswordError(pub argon2::password_hash::Error);

/// argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(PasswordError)?.to_string())
}

/// Whether `password` matches the stored hash; an error when the stored hash is unreadable
/// (a damaged account row), which is not the same as a wrong password.
pub fn verify_password(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let hash = PasswordHash::new(stored).map_err(PasswordError)?;
    match Argon2::default().verify_password(password.as_bytes(), &hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(PasswordError(e)),
    }
}

/// A generated password for first start and resets: 16 characters from 56, ≈ 93 bits.
pub fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_nine_digits_and_typing_noise_is_ignored() {
        let c = invitation_code();
        assert_eq!(c.len(), CODE_DIGITS);
        assert_eq!(normalize_code("123 456-789\n"), "123456789");
    }

    #[test]
    fn password_hash_is_argon2id_and_verifies() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h).unwrap());
        assert!(!verify_password("wrong", &h).unwrap());
        assert!(verify_password("x", "not a hash").is_err(), "an unreadable hash is an error, not a mismatch");
        assert!(verify_password("x", "").is_err());
    }
}
