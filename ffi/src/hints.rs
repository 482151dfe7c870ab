//! How a C caller fixes a library error: libwallet's wording, naming its functions.
//!
//! The library says what went wrong; this module says which call to make instead. It matches on
//! error variants only, never on message text. Fixes that need a tool libwallet does not offer
//! (repairing an index, resetting a secret) name the `wallet` command that does it.

use wallet_core::backend::keychain::KeychainError;
use wallet_core::backend::BackendError;
use wallet_core::ca::CaError;
use wallet_core::crypto::keystore::{BUILT_IN_STORES, ENV_KEY_STORE};
use wallet_core::crypto::{provider, KeyError};
use wallet_core::env::{WALLET_PASSPHRASE, WALLET_URI};
use wallet_core::error::FormatError;
use wallet_core::Error;

/// How the C caller can fix `error`, when there is something useful to say.
pub fn hint(error: &Error) -> Option<String> {
    Some(match error {
        Error::Key(e) => return key_hint(e),
        Error::Format(e) => format_hint(e).into(),
        Error::InvalidLabel { .. } => {
            "pass a label of 1 to 252 bytes (UTF-8, NFC), not '.' or '..', without '/', '\\', control or bidirectional characters, or white space at either end".into()
        }
        Error::NotFound { .. } => "wallet_wallet_list gives the labels that exist".into(),
        Error::AlreadyExists { kind: "wallet", .. } => {
            "open it with wallet_wallet_open, or pass another location to wallet_wallet_create".into()
        }
        Error::AlreadyExists { .. } => "pass another label, or remove the old one first with wallet_wallet_remove".into(),
        Error::BadSignature { .. } => "check that the message, signature and certificate belong together (and that a digest goes to the _digest variant)".into(),
        Error::InvalidDigest { .. } => "pass a 32-byte SHA-256 digest to wallet_identity_sign_digest, or the message itself to wallet_identity_sign".into(),
        Error::Io { .. } => "check that the path exists and that the process may read and write it".into(),
        Error::Backend(e) => return backend_hint(e),
        Error::Ca(e) => return ca_hint(e),
        _ => return None,
    })
}

fn format_hint(error: &FormatError) -> &'static str {
    match error {
        FormatError::Pem { .. } => "pass PEM text (-----BEGIN …-----), not DER or a truncated file",
        FormatError::Certificate { .. } => "pass the X.509 certificate as PEM (-----BEGIN CERTIFICATE-----)",
        FormatError::UnsupportedVersion { .. } => "link a newer libwallet, or export with the tool that wrote it",
        _ => "wallet_wallet_import_pem reads a PEM certificate with its PEM private key",
    }
}

fn backend_hint(error: &BackendError) -> Option<String> {
    Some(match error {
        BackendError::InvalidUri { .. } => format!(
            "pass {}, or a plain path",
            wallet_core::backend::providers()
                .iter()
                .map(|p| if p.scheme() == "file" { "file:PATH".to_owned() } else { format!("{}:", p.scheme()) })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        BackendError::NoStore { .. } => format!("create it with wallet_wallet_create (or check the URI, or {WALLET_URI})"),
        BackendError::WrongPassphrase { .. } => {
            "check the passphrase given to wallet_wallet_open; nothing was changed".into()
        }
        BackendError::PassphraseRequired { .. } => {
            format!("pass the passphrase to wallet_wallet_open, or set {WALLET_PASSPHRASE} for wallet_wallet_open_from_env")
        }
        BackendError::IndexDamaged { .. } => "the index can be rebuilt from the records: run `wallet repair` on it".into(),
        BackendError::HeaderDamaged { .. } => "the wallet header was modified or the disk is failing; every record depends on it: restore wallet.header from a backup of this wallet".into(),
        BackendError::Integrity { .. } => "the record was modified outside libwallet or the disk is failing; restore it from a backup (other records are unaffected)".into(),
        BackendError::ExcessiveCost { .. } => {
            "the wallet header demands more memory or time than this build allows; it was not written by libwallet".into()
        }
        BackendError::Conflict { .. } => "another process changed the record at the same time; make the call again".into(),
        BackendError::Io { .. } => "check that the path exists and that the process may read and write it".into(),
        // The vault backend words its own hints (server state, policy path, token).
        BackendError::Vault(e) => return e.hint(),
        BackendError::Keychain(e) => return keychain_hint(e),
        _ => return None,
    })
}

fn keychain_hint(error: &KeychainError) -> Option<String> {
    Some(match error {
        KeychainError::NoService { .. } => "start a Secret Service in the process's D-Bus session (DBUS_SESSION_BUS_ADDRESS), or open a keychain:NAME?store=keyutils wallet".into(),
        KeychainError::Locked { .. } => "unlock the keyring, then call again; nothing was changed".into(),
        KeychainError::AccessDenied { .. } => "allow the process in the keychain; for the kernel keyring, run it in a login session or under `keyctl session -`".into(),
        KeychainError::Blocked { .. } => "the container's seccomp profile blocks the kernel keyring: use store=secret-service or a passphrase wallet, or allow add_key/keyctl".into(),
        KeychainError::TooLarge { .. } => "libwallet stores only 32-byte keys in the keychain; a refusal means the keychain is full or misconfigured".into(),
        KeychainError::EntryMissing { .. } => "the keychain entry was deleted outside libwallet: remove the identity with wallet_wallet_remove and import or enrol it again; for a keychain-unlocked wallet, restore the entry or the wallet folder from a backup".into(),
        KeychainError::EntryDamaged { .. } => "the keychain entry was overwritten outside libwallet; restore it from a keychain backup".into(),
        KeychainError::NotCompiledIn { .. } => "open the wallet on the operating system whose keychain holds it, with libwallet built with the `keychain` feature".into(),
        _ => "check that the keychain works, then call again".into(),
    })
}

fn key_hint(error: &KeyError) -> Option<String> {
    Some(match error {
        KeyError::Parse { .. } => {
            "pass an ECDSA P-256 key in PKCS#8 (PRIVATE KEY) or SEC1 (EC PRIVATE KEY) PEM".into()
        }
        KeyError::Mismatch { .. } => "pass the private key that was generated with this certificate's request".into(),
        KeyError::NotExportable { .. } => {
            "the key can sign where it is but cannot be written out; use public data only (wallet_identity_get_certificate_pem, wallet_identity_serialize)".into()
        }
        KeyError::UnknownStore { .. } => format!(
            "set {ENV_KEY_STORE} to a key store this build knows ({}) before opening the wallet",
            BUILT_IN_STORES.join(", ")
        ),
        KeyError::UnknownKey { .. } => "the key is gone from its store: enrol the identity again (wallet_ca_enroll) for a new key".into(),
        KeyError::StoreAbsent { .. } => {
            "the token or Transit server holding the key is not reachable: insert the token / start the server, and check the key's module path or server address".into()
        }
        KeyError::CredentialRefused { locked: true, .. } => "the token's user PIN is locked: unlock it with the security officer PIN before calling again".into(),
        KeyError::CredentialRefused { .. } => "set the right PIN (WALLET_PKCS11_PIN / WALLET_PKCS11_PIN_FILE) or Vault token (VAULT_TOKEN) in the environment before opening the wallet".into(),
        KeyError::CredentialRequired { .. } => "set WALLET_PKCS11_PIN or WALLET_PKCS11_PIN_FILE (PKCS#11), or VAULT_ADDR and VAULT_TOKEN (Transit), before opening the wallet".into(),
        KeyError::PermissionDenied { .. } => "grant the Vault token's policy `update` on the Transit sign path of the key".into(),
        KeyError::UnsuitableKey { .. } => "use an ECDSA P-256 signing key that cannot be exported (see docs/keys.md)".into(),
        KeyError::UnknownProvider { known, .. } => format!(
            "set {} to one of: {known} (or unset it) before opening a wallet",
            provider::WALLET_CRYPTO_PROVIDER
        ),
        _ => return None,
    })
}

fn ca_hint(error: &CaError) -> Option<String> {
    Some(match error {
        CaError::UnknownCa { .. } | CaError::NoCa { .. } => {
            "create it with wallet_ca_create or wallet_ca_bootstrap, or pass the name of an existing CA to wallet_ca_open".into()
        }
        CaError::AmbiguousCa { .. } => "pass the CA's name to wallet_ca_open".into(),
        CaError::CaExists { .. } => "open it with wallet_ca_open, or pass another CA name".into(),
        CaError::UnknownIdentity { .. } => "register it first with wallet_ca_register".into(),
        CaError::DuplicateIdentity { .. } => "pass another enrollment ID, or enrol the existing one with wallet_ca_enroll".into(),
        CaError::UnknownAffiliation { .. } => "pass an affiliation that exists in the CA (`wallet ca affiliations` lists them)".into(),
        CaError::DuplicateAffiliation { .. } => "nothing to do: the affiliation is there".into(),
        CaError::Unauthorized { .. } => {
            "register as a registrar that holds the right (the bootstrap admin holds them all)".into()
        }
        CaError::WrongSecret { .. } => {
            "check the secret passed to wallet_ca_enroll; a registrar can set a new one (`wallet ca reset-secret`)".into()
        }
        CaError::Locked { .. } => "a registrar can unlock it by setting a new secret (`wallet ca reset-secret`)".into(),
        CaError::IdentityRevoked { .. } => "register a new identity with wallet_ca_register; a revoked one cannot be restored".into(),
        CaError::MaxEnrollmentsReached { .. } | CaError::EnrollmentDisabled { .. } => {
            "register a new identity with wallet_ca_register, or reenrol the existing certificate (`wallet ca reenroll`)".into()
        }
        CaError::InvalidRegistration { .. } => "check the arguments of wallet_ca_register against the rule in the message".into(),
        CaError::MissingAttribute { .. } => "mark the attribute request optional, or register the attribute".into(),
        CaError::InvalidCsr { .. } => "pass a PEM `CERTIFICATE REQUEST` for an ECDSA P-256 key, signed by that key".into(),
        CaError::CsrCommonName { .. } => "make the CSR with CN set to the enrollment ID".into(),
        CaError::CallerCertificate { .. } => {
            "act as another registrar, or reenrol the caller (`wallet ca reenroll`)".into()
        }
        CaError::CallerRevoked { .. } => {
            "a revoked certificate cannot act again: act as another registrar, or register and enrol a new identity".into()
        }
        CaError::CaOutOfValidity { .. } => {
            "an expired CA can no longer issue certificates or CRLs: create a new CA and enrol its identities again, or check the system clock".into()
        }
        CaError::UnknownCertificate { .. } => "`wallet ca certificates` lists the serials and AKIs this CA issued".into(),
        CaError::AlreadyRevoked { .. } => "nothing to do: it is already on the CRL".into(),
        CaError::UnknownReason { .. } => {
            "pass one of unspecified, keycompromise, cacompromise, affiliationchanged, superseded, cessationofoperation, certificatehold, privilegewithdrawn, aacompromise".into()
        }
        CaError::NotACa { .. } => {
            "pass the CA certificate (CA:TRUE, keyCertSign) with the P-256 private key that belongs to it".into()
        }
        CaError::Registry { .. } => {
            "the CA record was modified outside libwallet; restore the wallet from a backup".into()
        }
        // InvalidParameter names the value and its range: there is nothing to add.
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(error: impl Into<Error>) -> String {
        let error = error.into();
        hint(&error).unwrap_or_else(|| panic!("no hint for {error:?}"))
    }

    #[test]
    fn hints_name_c_functions_not_cli_flags() {
        let s = String::new;
        let passphrase = of(BackendError::PassphraseRequired { location: s() });
        assert!(passphrase.contains("wallet_wallet_open") && !passphrase.contains("--"), "{passphrase}");
        let wrong = of(BackendError::WrongPassphrase { location: s() });
        assert!(wrong.contains("nothing was changed") && !wrong.contains("--passphrase-file"), "{wrong}");
        assert!(of(BackendError::NoStore { location: s() }).contains("wallet_wallet_create"));
        assert!(of(Error::NotFound { kind: "identity", name: s(), location: s() }).contains("wallet_wallet_list"));
        assert!(of(CaError::UnknownIdentity { id: s(), ca: s() }).contains("wallet_ca_register"));
        assert!(of(KeyError::NotExportable { label: s(), location: s() }).contains("certificate"));
        assert!(
            of(Error::AlreadyExists { kind: "identity", name: s(), location: s() }).contains("wallet_wallet_remove")
        );
    }

    #[test]
    fn every_bad_interchange_file_gets_a_hint() {
        let s = String::new;
        let formats = [
            FormatError::pem(s(), s()),
            FormatError::certificate(s(), s()),
            FormatError::invalid("x", s(), s()),
            FormatError::UnsupportedVersion { what: s(), found: s(), supported: s() },
        ];
        let hints: std::collections::HashSet<_> = formats.into_iter().map(of).collect();
        assert_eq!(hints.len(), 4, "{hints:?}");
    }
}
