//! Wallet URIs: a scheme that names a [`super::Provider`], and the rest, which it reads.

use super::BackendError;
use crate::error::{Error, Result};
use std::path::PathBuf;

/// A parsed wallet URI: `scheme:rest`. Parsing knows no scheme but `file`'s spellings; which
/// schemes exist is the [registry](super::providers)'s business.
///
/// - `memory:` — scheme `memory`, rest empty.
/// - `file:PATH`, `file://PATH` — scheme `file`, rest `PATH`.
/// - a bare path (`./w`, `/srv/w`, `w`, `C:\w`) — scheme `file`, rest the whole text. A
///   one-letter "scheme" is a Windows drive letter, so `C:\w` is a path.
/// - `vault://host/mount/wallet`, `keychain:org1` … — that scheme, the rest after the colon.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BackendUri {
    scheme: String,
    rest: String,
    text: String,
}

impl BackendUri {
    /// Parse a wallet URI (see the type's documentation).
    pub fn parse(uri: &str) -> Result<Self> {
        if uri.is_empty() {
            return Err(invalid(uri, "it is empty"));
        }
        let make =
            |scheme: &str, rest: &str| Self { scheme: scheme.to_owned(), rest: rest.to_owned(), text: uri.to_owned() };
        if let Some(rest) = uri.strip_prefix("file:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(invalid(uri, "file: needs a path, e.g. file:./mywallet"));
            }
            return Ok(make("file", path));
        }
        if let Some((scheme, rest)) = uri.split_once(':') {
            let looks_like_scheme = scheme.len() > 1 // keep Windows drive letters (C:\…) as paths
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.');
            if looks_like_scheme {
                return Ok(make(&scheme.to_ascii_lowercase(), rest));
            }
        }
        Ok(make("file", uri))
    }

    /// The scheme, lowercase (`file` for bare paths).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// What follows the scheme: a path for `file`, empty for `memory:`.
    pub fn rest(&self) -> &str {
        &self.rest
    }

    /// The rest as a path (what `file` reads).
    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.rest)
    }

    /// The text it was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// A [`BackendError::InvalidUri`] about this URI.
    pub fn invalid(&self, detail: impl Into<String>) -> Error {
        invalid(&self.text, detail)
    }
}

impl std::fmt::Display for BackendUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for BackendUri {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

fn invalid(uri: &str, detail: impl Into<String>) -> Error {
    BackendError::InvalidUri { uri: uri.to_owned(), detail: detail.into() }.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str) -> (String, String) {
        let parsed = BackendUri::parse(uri).unwrap();
        (parsed.scheme().to_owned(), parsed.rest().to_owned())
    }

    #[test]
    fn file_spellings_memory_and_other_schemes() {
        let p = |s: &str, r: &str| (s.to_owned(), r.to_owned());
        assert_eq!(parts("memory:"), p("memory", ""));
        assert_eq!(parts("file:./w"), p("file", "./w"));
        assert_eq!(parts("file:///srv/w"), p("file", "/srv/w"));
        assert_eq!(parts("file://rel/w"), p("file", "rel/w"));
        assert_eq!(parts("./a:b"), p("file", "./a:b"));
        assert_eq!(parts("/srv/w"), p("file", "/srv/w"));
        assert_eq!(parts("w"), p("file", "w"));
        assert_eq!(parts(r"C:\Users\me\w"), p("file", r"C:\Users\me\w"));
        assert_eq!(parts("c:/w"), p("file", "c:/w"));
        assert_eq!(parts("Vault://127.0.0.1:8200/kv/w"), p("vault", "//127.0.0.1:8200/kv/w"));
        assert_eq!(parts("keychain:org1"), p("keychain", "org1"));
        assert_eq!(BackendUri::parse("file:x").unwrap().to_string(), "file:x");
    }

    #[test]
    fn empty_uris_and_empty_file_paths_are_refused() {
        for bad in ["", "file:", "file://"] {
            let err = BackendUri::parse(bad).unwrap_err();
            assert!(matches!(err, Error::Backend(BackendError::InvalidUri { .. })), "{bad:?}: {err}");
        }
    }
}
