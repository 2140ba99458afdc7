//! Secret material: argon2id password hashes and API tokens. Only hashes are stored, in the
//! credential store beside the log (never in it); the log only says that a credential changed.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::{OsRng, RngCore};
use ulid::Ulid;

/// Credential-store key of a user's password hash.
pub fn password_key(user_id: Ulid) -> Vec<u8> {
    format!("password/{user_id}").into_bytes()
}

/// Credential-store key of a token: the BLAKE3 hash of the token, so the store never holds a
/// usable token. Tokens are 256 random bits, so a fast hash is enough (unlike passwords).
pub fn token_key(token: &str) -> Vec<u8> {
    format!("token/{}", blake3::hash(token.as_bytes()).to_hex()).into_bytes()
}

/// Credential-store key from a token id to its `token_key`, so a revoke can delete the hash.
pub fn token_id_key(token_id: Ulid) -> Vec<u8> {
    format!("token-id/{token_id}").into_bytes()
}

/// What a token key maps to: the user and the token's id.
pub fn token_value(user_id: Ulid, token_id: Ulid) -> Vec<u8> {
    let mut v = Vec::with_capacity(32);
    v.extend_from_slice(&user_id.to_bytes());
    v.extend_from_slice(&token_id.to_bytes());
    v
}

/// The inverse of [`token_value`].
pub fn parse_token_value(v: &[u8]) -> Option<(Ulid, Ulid)> {
    if v.len() != 32 {
        return None;
    }
    let user: [u8; 16] = v[..16].try_into().ok()?;
    let token: [u8; 16] = v[16..].try_into().ok()?;
    Some((Ulid::from_bytes(user), Ulid::from_bytes(token)))
}

/// A fresh API token: `ldk_` and 64 hex digits of OS randomness.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("ldk_{}", hex::encode(bytes))
}

/// A fresh 20-character password for the first admin.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// The argon2id hash of `password` (PHC string). CPU-heavy: call from a blocking task.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// A real argon2id hash of a random password, computed once: unknown users are checked
/// against it so that a login for a missing user costs the same as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_password()).unwrap_or_default())
}

/// Whether `password` matches a stored hash. CPU-heavy: call from a blocking task.
pub fn verify_password(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "wrong"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn tokens_are_random_and_keyed_by_hash() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 68);
        assert!(!String::from_utf8(token_key(&a)).unwrap().contains(&a[4..]));
        let (user, token) = (Ulid::new(), Ulid::new());
        assert_eq!(
            parse_token_value(&token_value(user, token)),
            Some((user, token))
        );
    }
}
