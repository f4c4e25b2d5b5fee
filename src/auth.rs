//! Credentials: argon2id password hashes, random tokens and their SHA-256 digests, and the
//! password rules. No SQL and no HTTP here.

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

/// Passwords too common to accept, whatever the other rules say (lower case): the most used
/// passwords of leaked lists that pass "8 characters with letters and digits", Chinese ones
/// (pinyin, QQ, dates) among them, and the product's own words.
const COMMON_PASSWORDS: &[&str] = &[
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword1",
    "pass1234",
    "pass12345",
    "abc12345",
    "abc123456",
    "abcd1234",
    "abcd12345",
    "a1234567",
    "a12345678",
    "a123456789",
    "aa123456",
    "aa12345678",
    "aaa12345",
    "qwer1234",
    "qwerty123",
    "qwerty12",
    "1qaz2wsx",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "zaq12wsx",
    "qazwsx123",
    "asdf1234",
    "asd12345",
    "zxcv1234",
    "zxc12345",
    "test1234",
    "test12345",
    "admin123",
    "admin1234",
    "admin12345",
    "admin888",
    "root1234",
    "user1234",
    "welcome1",
    "welcome123",
    "iloveyou1",
    "woaini1314",
    "woaini520",
    "woaini123",
    "5201314a",
    "a5201314",
    "wang1234",
    "zhang123",
    "li123456",
    "liu123456",
    "chen1234",
    "huang123",
    "qq123456",
    "qq1234567",
    "qq12345678",
    "abc123abc",
    "aini1314",
    "love1234",
    "love12345",
    "11111111a",
    "a11111111",
    "1234abcd",
    "12345abc",
    "123456ab",
    "123456abc",
    "123456qq",
    "123qweasd",
    "qweasd123",
    "123abc456",
    "abc123456789",
    "dangjian1",
    "dangjian123",
    "dangjian2021",
    "shezu123",
    "minzheng1",
    "yangquan1",
    "yangquan123",
    "china123",
    "china1234",
    "beijing1",
    "shanghai1",
    "changeme1",
    "letmein1",
    "monkey123",
    "dragon123",
    "sunshine1",
    "football1",
    "baseball1",
    "master123",
    "superman1",
    "trustno1",
    "michael1",
    "jordan23",
    "secret123",
    "hello123",
    "hello1234",
];

/// Password rules, checked when a user chooses a password: at least 8 characters, with letters
/// and digits, not a common password, not the user name. Returns the reason in Chinese when the
/// password is refused.
pub fn check_new_password(password: &str, username: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("密码至少8位".into());
    }
    let letters = password.chars().any(|c| c.is_alphabetic());
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err("密码须同时包含字母和数字".into());
    }
    let lower = password.to_lowercase();
    if lower == username.trim().to_lowercase() {
        return Err("密码不能与用户名相同".into());
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err("这是常见的密码，容易被猜中，请换一个".into());
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
        assert!(check_new_password("kv7dq2mz", "wang").is_ok());
        assert!(check_new_password("abc123", "wang").is_err(), "short");
        assert!(check_new_password("abcdefgh", "wang").is_err(), "no digit");
        assert!(check_new_password("12345678", "wang").is_err(), "no letter");
        // Common ones (the review's examples), whatever their case; the user's own name.
        assert!(check_new_password("password1", "wang").is_err());
        assert!(check_new_password("PassWord1", "wang").is_err());
        assert!(check_new_password("abc12345", "wang").is_err());
        assert!(check_new_password("zhang2021x", "zhang2021x").is_err());
        assert!(check_new_password("Zhang2021X", "zhang2021x").is_err());
    }
}
