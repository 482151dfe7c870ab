//! Record keys as KV paths: `PREFIX/<kind>/<name>`, with the name escaped so that no user text
//! ever becomes a path separator or a `.`/`..` segment.
//!
//! Escaping keeps names readable in the Vault UI: ASCII letters, digits and `-_.@` stay as they
//! are (except a leading `.`); every other byte becomes `~XX` (two uppercase hex digits); the
//! empty name is `~`. The encoding is a bijection onto its canonical outputs, and a listed key
//! that is not canonical (someone else's secret) is ignored rather than misread.

use crate::backend::{BackendError, RecordKey};
use crate::error::Result;

fn kept(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'@')
}

/// The path segment for a record name.
pub(crate) fn encode_name(name: &str) -> String {
    if name.is_empty() {
        return "~".into();
    }
    let mut out = String::with_capacity(name.len());
    for (i, byte) in name.bytes().enumerate() {
        if kept(byte) && !(i == 0 && byte == b'.') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("~{byte:02X}"));
        }
    }
    out
}

/// The record name of a path segment, or `None` if the segment is not one [`encode_name`]
/// would write.
pub(crate) fn decode_name(segment: &str) -> Option<String> {
    if segment == "~" {
        return Some(String::new());
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'~' {
            let hex = segment.get(i + 1..i + 3)?;
            if hex.bytes().any(|b| b.is_ascii_lowercase()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let name = String::from_utf8(out).ok()?;
    (encode_name(&name) == segment).then_some(name)
}

/// Check that a record kind can be a path segment as it is: ASCII letters, digits, `-_.`,
/// not starting with `.`.
pub(crate) fn check_kind(kind: &str) -> Result<()> {
    let ok = !kind.is_empty()
        && !kind.starts_with('.')
        && kind.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(BackendError::Unsupported(format!(
            "record kind {kind:?} in the vault backend (kinds are ASCII letters, digits, '-', '_' and '.')"
        ))
        .into())
    }
}

/// Where a record lives below the wallet's prefix: `<kind>/<escaped name>`.
pub(crate) fn record_path(key: &RecordKey) -> Result<String> {
    check_kind(&key.kind)?;
    Ok(format!("{}/{}", key.kind, encode_name(&key.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_never_hold_a_separator() {
        for name in [
            "alice",
            "",
            "a/b",
            "/leading",
            "trailing/",
            ".",
            "..",
            "../escape",
            ".hidden",
            "a.b",
            "user1@org1.example.com",
            "with  two spaces",
            "100%",
            "~tilde~7E",
            "?query#fragment&x=1",
            "ünïcødé ✓ 名前",
            "back\\slash",
        ] {
            let segment = encode_name(name);
            assert!(!segment.contains('/') && segment != "." && segment != ".." && !segment.is_empty(), "{name:?}");
            assert!(!segment.starts_with('.'), "{name:?} -> {segment}");
            assert_eq!(decode_name(&segment).as_deref(), Some(name), "{name:?} -> {segment}");
        }
        assert_eq!(encode_name("root/alice"), "root~2Falice");
        assert_eq!(encode_name("user1@org1.example.com"), "user1@org1.example.com");
    }

    #[test]
    fn segments_that_encode_would_not_write_are_foreign() {
        for foreign in ["a~2f", "a~2", "a~", "~~", "a b", "%41", ".x", "a~41"] {
            assert_eq!(decode_name(foreign), None, "{foreign:?}");
        }
    }

    #[test]
    fn kinds_are_plain_segments() {
        for good in ["identity", "ca-cert", "ca_id", "v1.2"] {
            check_kind(good).unwrap();
        }
        for bad in ["", ".", "..", "a/b", "a b", ".x", "ü"] {
            assert!(check_kind(bad).is_err(), "{bad:?}");
        }
    }
}
