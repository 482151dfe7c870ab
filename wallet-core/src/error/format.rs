//! Errors of interchange files and encoded records: PEM, X.509, `.id`, MSP folders,
//! SerializedIdentity, and the versions of what this library stores.

/// The cause of a format error, when a parser below us reported one.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Input that should be in a known format is not. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Input text that should be PEM is not, or holds no block of the expected type.
    #[error("malformed PEM in {what}: {detail}")]
    Pem {
        what: String,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    /// A certificate could not be parsed or is unusable.
    #[error("unusable certificate in {what}: {detail}")]
    Certificate {
        what: String,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    /// An interchange file (.id, MSP folder, SerializedIdentity…) or a stored record is not valid.
    #[error("invalid {format} in {what}: {detail}")]
    Invalid {
        format: &'static str,
        what: String,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    /// Data written by a format version this build does not understand.
    #[error("unsupported {what} version {found} (this build reads {supported})")]
    UnsupportedVersion { what: String, found: String, supported: String },
}

impl FormatError {
    /// Malformed PEM, with no cause below it.
    pub fn pem(what: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Pem { what: what.into(), detail: detail.into(), source: None }
    }

    /// Text the PEM parser refused; its error is the cause.
    pub fn pem_parse(what: impl Into<String>, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Pem { what: what.into(), detail: cause.to_string(), source: Some(Box::new(cause)) }
    }

    /// An unusable certificate, with no cause below it.
    pub fn certificate(what: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Certificate { what: what.into(), detail: detail.into(), source: None }
    }

    /// A certificate a parser or encoder refused; `detail` says what we tried, `cause` why it failed.
    pub fn certificate_caused(
        what: impl Into<String>,
        detail: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Certificate { what: what.into(), detail: detail.into(), source: Some(Box::new(cause)) }
    }

    /// An invalid file or record of `format`, with no cause below it.
    pub fn invalid(format: &'static str, what: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid { format, what: what.into(), detail: detail.into(), source: None }
    }

    /// An invalid file or record of `format` that a parser refused; its error is the cause.
    pub fn invalid_caused(
        format: &'static str,
        what: impl Into<String>,
        detail: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Invalid { format, what: what.into(), detail: detail.into(), source: Some(Box::new(cause)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_parser_s_error_is_the_source_and_the_message_is_unchanged() {
        let cause = std::io::Error::other("bad base64");
        let e = crate::Error::from(FormatError::pem_parse("the file", cause));
        assert_eq!(e.to_string(), "malformed PEM in the file: bad base64");
        assert_eq!(e.source().map(ToString::to_string).as_deref(), Some("bad base64"));
        let e = crate::Error::from(FormatError::pem("the file", "no CERTIFICATE block"));
        assert!(e.source().is_none());
    }
}
