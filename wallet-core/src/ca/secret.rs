//! Enrolment secrets: generation, storage form and comparison.
//!
//! A secret is never stored in a form that gives it back. Two storage forms, tagged in the stored
//! string (reasoning in `docs/ca.md`):
//!
//! - `sha256$<salt>$<digest>` for secrets this CA generated: 24 characters drawn uniformly from
//!   62 by the OS generator, about 143 bits. Guessing one is out of reach whatever the hash costs,
//!   so a salted SHA-256 is enough and costs a microsecond per enrolment.
//! - `argon2id$m=…,t=…,p=…$<salt>$<digest>` for secrets a person chose: those may be weak, so
//!   each guess must be made expensive.
//!
//! Comparison is constant-time (`subtle`).

use super::CaError;
use base64::{engine::general_purpose::STANDARD_NO_PAD as B64, Engine};
use rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of a generated secret, in characters of `[A-Za-z0-9]` (≈ 142.9 bits).
pub const GENERATED_SECRET_LEN: usize = 24;

/// Argon2id cost for person-chosen secrets: 19 MiB, 2 passes, 1 lane (OWASP's baseline).
const ARGON2_M_KIB: u32 = 19 * 1024;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

/// An enrolment secret: zeroized on drop, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wrap a secret (a person-chosen one, which is stored with Argon2id).
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    /// A new random secret from the operating system's generator: 24 alphanumeric characters.
    pub fn generate() -> Self {
        const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut out = Zeroizing::new(String::with_capacity(GENERATED_SECRET_LEN));
        let mut buf = Zeroizing::new([0u8; 64]);
        while out.len() < GENERATED_SECRET_LEN {
            OsRng.fill_bytes(buf.as_mut());
            // Rejection sampling: 248 = 4 × 62, so bytes below it map uniformly.
            for &b in buf.iter().filter(|&&b| b < 248) {
                if out.len() == GENERATED_SECRET_LEN {
                    break;
                }
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
        Self(out)
    }

    /// The secret text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How a secret came to be, which decides how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretOrigin {
    /// Made by [`Secret::generate`]: high entropy, fast hash.
    Generated,
    /// Given by a person: possibly weak, slow hash.
    Chosen,
}

/// The stored form of `secret`.
pub(crate) fn hash_secret(secret: &Secret, origin: SecretOrigin) -> String {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    match origin {
        SecretOrigin::Generated => {
            let digest = sha256_salted(&salt, secret.expose().as_bytes());
            format!("sha256${}${}", B64.encode(salt), B64.encode(digest))
        }
        SecretOrigin::Chosen => {
            let digest = argon2id(secret.expose().as_bytes(), &salt, ARGON2_M_KIB, ARGON2_T, ARGON2_P)
                .expect("built-in Argon2id parameters are valid");
            format!(
                "argon2id$m={ARGON2_M_KIB},t={ARGON2_T},p={ARGON2_P}${}${}",
                B64.encode(salt),
                B64.encode(digest.as_slice())
            )
        }
    }
}

/// Whether `secret` matches the stored form. Constant-time in the digest comparison.
pub(crate) fn verify_secret(secret: &str, stored: &str, record: &str) -> Result<bool, CaError> {
    let damaged = |detail: &str| CaError::Registry { record: record.to_owned(), detail: detail.to_owned() };
    let mut parts = stored.split('$');
    let scheme = parts.next().unwrap_or_default();
    let (params, salt, digest) = match scheme {
        "sha256" => (None, parts.next(), parts.next()),
        "argon2id" => (parts.next(), parts.next(), parts.next()),
        _ => return Err(damaged("unknown secret hash scheme")),
    };
    let salt = B64.decode(salt.unwrap_or_default()).map_err(|_| damaged("secret salt is not base64"))?;
    let digest = B64.decode(digest.unwrap_or_default()).map_err(|_| damaged("secret digest is not base64"))?;
    let computed: Zeroizing<Vec<u8>> = match params {
        None => Zeroizing::new(sha256_salted(&salt, secret.as_bytes()).to_vec()),
        Some(p) => {
            let (m, t, p) = parse_argon2_params(p).ok_or_else(|| damaged("bad Argon2id parameters"))?;
            argon2id(secret.as_bytes(), &salt, m, t, p).ok_or_else(|| damaged("bad Argon2id parameters"))?
        }
    };
    Ok(computed.len() == digest.len() && bool::from(computed.as_slice().ct_eq(&digest)))
}

fn sha256_salted(salt: &[u8], secret: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"wallet-ca-secret-v1");
    h.update(salt);
    h.update(secret);
    h.finalize().into()
}

fn argon2id(secret: &[u8], salt: &[u8], m: u32, t: u32, p: u32) -> Option<Zeroizing<Vec<u8>>> {
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(m, t, p, Some(32)).ok()?;
    let mut out = Zeroizing::new(vec![0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password_into(secret, salt, &mut out).ok()?;
    Some(out)
}

fn parse_argon2_params(s: &str) -> Option<(u32, u32, u32)> {
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in s.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return None,
        }
    }
    Some((m?, t?, p?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_long_random_and_printable() {
        let a = Secret::generate();
        let b = Secret::generate();
        assert_eq!(a.expose().len(), GENERATED_SECRET_LEN);
        assert!(a.expose().bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
        // 24 symbols of log2(62) bits each.
        assert!(GENERATED_SECRET_LEN as f64 * 62f64.log2() >= 128.0);
        assert_eq!(format!("{a:?}"), "Secret(<redacted>)");
    }

    #[test]
    fn both_storage_forms_verify_and_reject() {
        for origin in [SecretOrigin::Generated, SecretOrigin::Chosen] {
            let s = Secret::new("user2pw");
            let stored = hash_secret(&s, origin);
            assert!(!stored.contains("user2pw"));
            assert!(verify_secret("user2pw", &stored, "r").unwrap(), "{origin:?}");
            assert!(!verify_secret("user2pW", &stored, "r").unwrap(), "{origin:?}");
            assert!(!verify_secret("", &stored, "r").unwrap(), "{origin:?}");
            // Salted: the same secret stores differently each time.
            assert_ne!(stored, hash_secret(&s, origin));
        }
        assert!(hash_secret(&Secret::new("x"), SecretOrigin::Chosen).starts_with("argon2id$m=19456,t=2,p=1$"));
        assert!(verify_secret("x", "md5$abc$def", "r").is_err());
    }
}
