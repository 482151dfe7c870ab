//! What can go wrong with a private key: parsing it, matching it to a certificate, exporting it,
//! and the key store that holds it. A store's own failure (a Transit server down, a PKCS#11
//! token removed) keeps its cause as [`std::error::Error::source`].

/// A boxed cause of a key store failure.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of keys and key stores; never secret material in a message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A private (or public) key could not be parsed or is of an unsupported kind.
    #[error("unusable private key in {what}: {detail}")]
    Parse {
        /// Where the key came from (a file, a record, an identity).
        what: String,
        /// What is wrong with it.
        detail: String,
    },

    /// The private key is not the one the certificate was issued for.
    #[error("the private key does not match the certificate of {label:?}")]
    Mismatch {
        /// The identity (or source) whose key and certificate disagree.
        label: String,
    },

    /// The key may not leave the store that holds it.
    #[error("the private key of {label:?} cannot be exported: it is held by {location} and never leaves it")]
    NotExportable {
        /// The identity whose key was asked for.
        label: String,
        /// Where the key lives ([`super::KeyRef::describe`]).
        location: String,
    },

    /// No key store for this scheme is configured.
    #[error("no {scheme:?} key store is configured (known: {known})")]
    UnknownStore {
        /// The scheme asked for.
        scheme: String,
        /// The schemes that are configured, comma separated.
        known: String,
    },

    /// The store does not hold the key a reference names.
    #[error("no key {id:?} in the {store} key store{}", note.as_deref().map(|n| format!(": {n}")).unwrap_or_default())]
    UnknownKey {
        /// The store's scheme.
        store: String,
        /// The key's name within the store.
        id: String,
        /// Why that may be (for example: keys held in memory end with their process).
        note: Option<String>,
    },

    /// The store cannot do this at all.
    #[error("the {store} key store cannot {operation}")]
    Unsupported {
        /// The store's scheme.
        store: String,
        /// What was asked, as a verb phrase (`import keys`).
        operation: String,
    },

    /// The token (PKCS#11) or server (Transit) that should hold the key is not there.
    #[error("{store} key store: {what} is not available: {detail}")]
    StoreAbsent {
        /// The store's scheme.
        store: String,
        /// What is missing (`PKCS#11 token "idtest"`, `the Transit server at …`).
        what: String,
        /// What was found instead (the tokens present, the connection error).
        detail: String,
    },

    /// The PIN (or token) was refused.
    #[error("{store} key store: the {credential} for {what} was refused{}", if *locked { " and is now locked" } else { "" })]
    CredentialRefused {
        /// The store's scheme.
        store: String,
        /// `PIN`, `token`.
        credential: String,
        /// The token or server it was for.
        what: String,
        /// The credential is locked (too many wrong attempts): no further try is possible.
        locked: bool,
    },

    /// A PIN (or token) is needed and none was given.
    #[error("{store} key store: {what} needs a {credential} and none was given ({sources})")]
    CredentialRequired {
        /// The store's scheme.
        store: String,
        /// `PIN`, `token`.
        credential: String,
        /// The token or server it is for.
        what: String,
        /// Where it is looked for, for the message (`WALLET_PKCS11_PIN, pin-source=…`).
        sources: String,
    },

    /// The credential works but is not allowed to do this with the key.
    #[error("{store} key store: permission denied to {operation} ({detail})")]
    PermissionDenied {
        /// The store's scheme.
        store: String,
        /// What was refused, naming the key (`sign with transit key "ca"`).
        operation: String,
        /// The server's or token's words.
        detail: String,
    },

    /// The key exists but is not a non-exportable P-256 signing key, or its token cannot do
    /// ECDSA with it.
    #[error("{store} key store: {location} cannot be used: {detail}")]
    UnsuitableKey {
        /// The store's scheme.
        store: String,
        /// Where the key lives ([`super::KeyRef::describe`] or the spec given).
        location: String,
        /// What is wrong (`it is a rsa-2048 key, not ecdsa-p256`, `the token does not support CKM_ECDSA`).
        detail: String,
    },

    /// The store failed for a reason of its own; `source` is the cause when there is one.
    #[error("{store} key store: {detail}")]
    Store {
        /// The store's scheme.
        store: String,
        /// What the store was doing and what went wrong.
        detail: String,
        /// The underlying error (a transport, the store's own API).
        #[source]
        source: Option<Cause>,
    },

    /// `WALLET_CRYPTO_PROVIDER` (or a caller) named a crypto provider this build does not have.
    #[error("no crypto provider {name:?} in this build (known: {known})")]
    UnknownProvider {
        /// The name asked for.
        name: String,
        /// The providers compiled in, comma separated.
        known: String,
    },
}

impl KeyError {
    /// A key that does not parse.
    pub fn parse(what: impl Into<String>, detail: impl Into<String>) -> Self {
        KeyError::Parse { what: what.into(), detail: detail.into() }
    }

    /// A store failure without a further cause.
    pub fn store(store: impl Into<String>, detail: impl Into<String>) -> Self {
        KeyError::Store { store: store.into(), detail: detail.into(), source: None }
    }

    /// A store failure caused by `source`.
    pub fn store_caused_by(store: impl Into<String>, detail: impl Into<String>, source: impl Into<Cause>) -> Self {
        KeyError::Store { store: store.into(), detail: detail.into(), source: Some(source.into()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_store_failure_keeps_its_cause_through_the_library_error() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let err: crate::Error = KeyError::store_caused_by("transit", "cannot sign with key org1-admin", io).into();
        assert_eq!(err.to_string(), "transit key store: cannot sign with key org1-admin");
        let cause = err.source().expect("the cause is kept");
        assert_eq!(cause.to_string(), "connection refused");
        assert!(cause.downcast_ref::<std::io::Error>().is_some());
    }

    #[test]
    fn messages_name_what_and_where() {
        let e = KeyError::NotExportable { label: "alice".into(), location: "memory:alice-1".into() };
        assert!(e.to_string().contains("\"alice\"") && e.to_string().contains("memory:alice-1"), "{e}");
        let e = KeyError::UnknownKey { store: "memory".into(), id: "k".into(), note: Some("gone".into()) };
        assert_eq!(e.to_string(), "no key \"k\" in the memory key store: gone");
        let e = KeyError::UnknownKey { store: "memory".into(), id: "k".into(), note: None };
        assert_eq!(e.to_string(), "no key \"k\" in the memory key store");
        assert!(KeyError::store("pkcs11", "x").source().is_none());
    }
}
