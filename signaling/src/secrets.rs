//! Unguessable secrets: invitation codes and links, participant tokens, login cookies,
//! password hashes. Only hashes of bearer secrets are stored.

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Digits in an invitation code read out over the phone ("123 456 789").
pub const CODE_DIGITS: usize = 9;

/// The phone code of the invitation whose link carries `link_token`: SHA-256 of the token,
/// reduced to nine digits. The token is 256 random bits, so the code is as uniform over 10^9
/// values as a drawn one (bias below 10^-9), and nothing but the token need be kept: the link's
/// page shows the code (for an agent already installed) without the code being stored. Knowing
/// the code says nothing about the link.
/// A nine-digit code as the customer reads it: "123 456 789".
pub fn grouped(code: &str) -> String {
    match (code.get(0..3), code.get(3..6), code.get(6..9)) {
        (Some(a), Some(b), Some(c)) => format!("{a} {b} {c}"),
        _ => code.to_owned(),
    }
}

pub fn code_of_link(link_token: &str) -> String {
    let digest = Sha256::digest([b"invitation-code:".as_slice(), link_token.as_bytes()].concat());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let n = u64::from_be_bytes(first) % 10u64.pow(CODE_DIGITS as u32);
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

/// argon2id memory blocks for one hash with the default parameters (19 MiB).
pub fn password_memory() -> Vec<Block> {
    vec![Block::default(); Params::default().block_count()]
}

/// argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    hash_password_in(password, &mut password_memory())
}

/// Like [`hash_password`], in the caller's memory (see `password_checks`): no allocation, so
/// a burst of sign-ins cannot grow the heap.
pub fn hash_password_in(password: &str, memory: &mut [Block]) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let hash = compute(password, &salt.as_salt(), Algorithm::Argon2id, Version::V0x13, &params, memory)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(PasswordError)?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the stored hash; an error when the stored hash is unreadable
/// (a damaged account row), which is not the same as a wrong password.
pub fn verify_password(password: &str, stored: &str) -> Result<bool, PasswordError> {
    verify_password_in(password, stored, &mut password_memory())
}

/// Like [`verify_password`], in the caller's memory (a hash made with more memory than given
/// gets its own, once).
pub fn verify_password_in(password: &str, stored: &str, memory: &mut [Block]) -> Result<bool, PasswordError> {
    let hash = PasswordHash::new(stored).map_err(PasswordError)?;
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return Err(PasswordError(argon2::password_hash::Error::PhcStringField));
    };
    let algorithm = Algorithm::try_from(hash.algorithm).map_err(PasswordError)?;
    let version = hash.version.map(Version::try_from).transpose().map_err(|e| PasswordError(e.into()))?.unwrap_or_default();
    let params = Params::try_from(&hash).map_err(PasswordError)?;
    let computed = compute(password, &salt, algorithm, version, &params, memory)?;
    // `Output` compares in constant time.
    Ok(computed == expected)
}

fn compute(
    password: &str,
    salt: &argon2::password_hash::Salt<'_>,
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    memory: &mut [Block],
) -> Result<Output, PasswordError> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(PasswordError)?;
    let ctx = Argon2::new(algorithm, version, params.clone());
    let mut own;
    let memory = if memory.len() >= params.block_count() {
        memory
    } else {
        own = vec![Block::default(); params.block_count()];
        &mut own[..]
    };
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    Output::init_with(len, |out| ctx.hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut *memory).map_err(Into::into))
        .map_err(PasswordError)
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
    fn codes_have_nine_digits_follow_their_link_and_typing_noise_is_ignored() {
        let link = token();
        let c = code_of_link(&link);
        assert!(c.len() == CODE_DIGITS && c.chars().all(|d| d.is_ascii_digit()), "{c}");
        assert_eq!(code_of_link(&link), c, "the same link always shows the same code");
        assert_ne!(code_of_link(&token()), c);
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

    #[test]
    fn hashes_made_by_the_crate_verify_in_reused_memory_and_the_other_way_round() {
        use argon2::password_hash::PasswordHasher;
        let mut memory = password_memory();
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default().hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(verify_password_in("correct horse battery", &theirs, &mut memory).unwrap());
        assert!(!verify_password_in("correct horse batterY", &theirs, &mut memory).unwrap());
        let ours = hash_password_in("another password", &mut memory).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        use argon2::password_hash::PasswordVerifier;
        assert!(Argon2::default().verify_password(b"another password", &parsed).is_ok());
        // A hash with less memory than the pool's blocks verifies too.
        let small = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(4096, 1, 1, None).unwrap());
        let small = small.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(verify_password_in("pw", &small, &mut memory).unwrap());
        // And one with more memory gets its own.
        let big = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(24 * 1024, 1, 1, None).unwrap());
        let big = big.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(verify_password_in("pw", &big, &mut memory).unwrap());
    }
}
