//! Text shown on a terminal that may come from outside: certificate fields (CN, SANs,
//! attribute values, subjects), labels, file names, server answers. Control characters (ESC,
//! BEL, CR, DEL, the C1 range) and bidirectional controls are shown escaped as `\u{…}`, so an
//! imported certificate cannot move the cursor, change colours, rewrite a line, ring the bell or
//! make one name display as another. Line feeds and tabs, which our own output uses, stay.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every character a terminal would act on escaped.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            write!(out, "\\u{{{:x}}}", u32::from(c)).expect("writing to a String");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text (as serde_json writes it) with the characters it leaves raw that a terminal acts
/// on (DEL, the C1 range, bidirectional controls) written as `\uXXXX` escapes: the same JSON
/// value, safe to show. They can only occur inside strings, where the escape means the same.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(needs_escape) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if needs_escape(c) {
            // All of these are in the Basic Multilingual Plane: one \uXXXX each.
            write!(out, "\\u{:04x}", u32::from(c)).expect("writing to a String");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || wallet_core::identity::is_bidi_control(c)
}

/// `eprintln!` with the line escaped: warnings and per-item reports that quote outside text.
macro_rules! eprintln_escaped {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::safe_text::escape(&format!($($arg)*)))
    };
}
pub(crate) use eprintln_escaped;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_escaped_and_the_rest_kept() {
        assert!(matches!(escape("plain text\twith a tab\nand lines"), Cow::Borrowed(_)));
        assert_eq!(escape("caf\u{e9} \u{1F600}"), "caf\u{e9} \u{1F600}");
        assert_eq!(escape("CN=\u{1b}[2J\u{7}evil"), "CN=\\u{1b}[2J\\u{7}evil");
        assert_eq!(escape("a\rb\u{7f}c\u{9b}d"), "a\\u{d}b\\u{7f}c\\u{9b}d");
        assert_eq!(escape("user\u{202e}nimda"), "user\\u{202e}nimda");
        assert_eq!(escape("x\u{2066}y\u{2069}"), "x\\u{2066}y\\u{2069}");
    }

    #[test]
    fn json_keeps_its_value_and_loses_the_raw_controls() {
        let value = serde_json::json!({ "cn": "a\u{1b}b\u{7f}c\u{9b}d\u{202e}e\u{e9}", "n": 1 });
        let raw = serde_json::to_string_pretty(&value).unwrap();
        let safe = escape_json(&raw);
        assert!(!safe.chars().any(|c| c == '\u{7f}' || c == '\u{9b}' || c == '\u{202e}'), "{safe}");
        assert!(safe.contains("\\u007f") && safe.contains("\\u202e") && safe.contains('\u{e9}'), "{safe}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap(), value);
    }
}
