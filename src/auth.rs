//! Credentials: argon2id password hashes, random tokens and their SHA-256 digests, and the
//! sign-in throttle policy. No SQL and no HTTP here.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&bytes).map_err(|e| format!("密码哈希失败：{e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("密码哈希失败：{e}"))
}

/// Checks a password against a stored hash; a malformed hash never verifies.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random token of `len` alphanumeric characters from the operating system's CSPRNG-seeded
/// thread generator.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A new random password for a first start or a reset: 16 characters.
pub fn random_password() -> String {
    random_token(16)
}

/// The stored form of a session or API token.
pub fn token_digest(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Password rules, checked when a user chooses a password: at least 8 characters, with letters
/// and digits. Returns the reason in Chinese when the password is refused.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("密码至少8位".into());
    }
    let letters = password.chars().any(|c| c.is_alphabetic());
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err("密码须同时包含字母和数字".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let h = hash_password("secret123").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("secret123", &h));
        assert!(!verify_password("secret124", &h));
        assert!(!verify_password("secret123", "not a hash"));
        assert_ne!(h, hash_password("secret123").unwrap(), "salted");
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let a = random_token(32);
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_token(32));
        // SHA-256("abc"), the FIPS 180-2 test vector.
        assert_eq!(
            token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn password_rules() {
        assert!(check_new_password("abc12345").is_ok());
        assert!(check_new_password("abc123").is_err());
        assert!(check_new_password("abcdefgh").is_err());
        assert!(check_new_password("12345678").is_err());
    }
}
