//! How a `wallet` user fixes a library error: the CLI's wording, naming its flags and commands.
//!
//! The library says what went wrong; this module says what to type next. It matches on error
//! variants only, never on message text.

use wallet_core::backend::keychain::KeychainError;
use wallet_core::backend::BackendError;
use wallet_core::ca::CaError;
use wallet_core::crypto::keystore::{BUILT_IN_STORES, ENV_KEY_STORE};
use wallet_core::crypto::{provider, KeyError};
use wallet_core::error::FormatError;
use wallet_core::Error;

/// How the user can fix `error`, when there is something useful to say.
pub fn hint(error: &Error) -> Option<String> {
    Some(match error {
        Error::Key(e) => return key_hint(e),
        Error::Format(e) => format_hint(e).into(),
        Error::InvalidLabel { .. } => {
            "use a label of 1 to 252 bytes (UTF-8, NFC), not '.' or '..', without '/', '\\', control or bidirectional characters, or white space at either end".into()
        }
        Error::NotFound { .. } => "`wallet list` shows the labels that exist".into(),
        Error::AlreadyExists { kind: "wallet", .. } => {
            "open the existing wallet, or choose another folder for a new one".into()
        }
        Error::AlreadyExists { kind: "file", .. } => "choose another path, or pass --force to replace it".into(),
        Error::AlreadyExists { .. } => "choose another label, or pass --force to replace it".into(),
        Error::BadSignature { .. } => "check that the message, signature and certificate belong together (and the --digest flag matches how it was signed)".into(),
        Error::InvalidDigest { .. } => "hash the message with SHA-256 first, or sign the message itself".into(),
        Error::Io { .. } => "check that the path exists and that you may read and write it".into(),
        Error::Backend(e) => return backend_hint(e),
        Error::Ca(e) => return ca_hint(e),
        _ => return None,
    })
}

fn format_hint(error: &FormatError) -> &'static str {
    match error {
        FormatError::Pem { .. } => "check that the file is PEM text (-----BEGIN …-----) and not DER or truncated",
        FormatError::Certificate { .. } => "give the X.509 certificate as PEM (-----BEGIN CERTIFICATE-----)",
        FormatError::UnsupportedVersion { .. } => "upgrade the wallet tool, or export with the tool that wrote it",
        _ => "see `wallet import --help` for the formats that can be read",
    }
}

fn backend_hint(error: &BackendError) -> Option<String> {
    Some(match error {
        BackendError::InvalidUri { .. } => format!(
            "use {}, or a plain path",
            wallet_core::backend::providers()
                .iter()
                .map(|p| if p.scheme() == "file" { "file:PATH".to_owned() } else { format!("{}:", p.scheme()) })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        BackendError::NoStore { .. } => "create it with `wallet init` (or check --wallet / WALLET_URI)".into(),
        BackendError::WrongPassphrase { .. } => "check WALLET_PASSPHRASE or --passphrase-file; nothing was changed".into(),
        BackendError::PassphraseRequired { .. } => {
            "set WALLET_PASSPHRASE, pass --passphrase-file FILE, or run on a terminal to be prompted".into()
        }
        BackendError::IndexDamaged { .. } => "the index can be rebuilt from the records: run `wallet repair`".into(),
        BackendError::HeaderDamaged { .. } => "the wallet header was modified outside this tool or the disk is failing; every record depends on it, so none can be opened: restore wallet.header from a backup of this wallet (`wallet repair` cannot rebuild it)".into(),
        BackendError::Integrity { .. } => "the record was modified outside this tool or the disk is failing; restore it from a backup (other records are unaffected)".into(),
        BackendError::ExcessiveCost { .. } => {
            "the wallet header demands more memory or time than this build allows; it was not written by this tool".into()
        }
        BackendError::Conflict { .. } => "another process changed the record at the same time; run the command again".into(),
        BackendError::Io { .. } => "check that the path exists and that you may read and write it".into(),
        // The vault backend words its own hints (server state, policy path, token).
        BackendError::Vault(e) => return e.hint(),
        BackendError::Keychain(e) => return keychain_hint(e),
        _ => return None,
    })
}

fn keychain_hint(error: &KeychainError) -> Option<String> {
    Some(match error {
        KeychainError::NoService { .. } => "start a Secret Service in your D-Bus session (GNOME Keyring: `gnome-keyring-daemon --start --components=secrets`, or log in to a desktop), or use the kernel keyring: keychain:NAME?store=keyutils, `--unlock keychain:keyutils`".into(),
        KeychainError::Locked { .. } => "unlock the keyring (log in to the desktop, or `gnome-keyring-daemon --unlock` reading its password on stdin) and run the command again; nothing was changed".into(),
        KeychainError::AccessDenied { .. } => "allow this program in the keychain; for the kernel keyring, run in a login session or under `keyctl session -`".into(),
        KeychainError::Blocked { .. } => "the container's seccomp profile blocks the kernel keyring (add_key, keyctl): use the Secret Service (store=secret-service), a passphrase, or allow those system calls".into(),
        KeychainError::TooLarge { .. } => "the keychain holds only 32-byte keys from this tool; a refusal means the keychain is full or misconfigured".into(),
        KeychainError::EntryMissing { .. } => "the keychain entry was deleted outside this tool (the kernel keyring also loses its entries at reboot). An identity: `wallet remove --force LABEL`, then import or enrol it again (`wallet repair` lists every such one). A keychain-unlocked wallet: restore the entry from a keychain backup, or the wallet folder from a backup taken while it had a passphrase; without the entry its records cannot be decrypted".into(),
        KeychainError::EntryDamaged { .. } => "the keychain entry was overwritten outside this tool; restore it from a keychain backup".into(),
        KeychainError::NotCompiledIn { .. } => "open it on the operating system whose keychain holds it, with a build that has the `keychain` feature".into(),
        _ => "check that the keychain works (for the Secret Service: `secret-tool search --all service x`), then run the command again".into(),
    })
}

fn key_hint(error: &KeyError) -> Option<String> {
    Some(match error {
        KeyError::Parse { .. } => {
            "only ECDSA P-256 keys in PKCS#8 (PRIVATE KEY) or SEC1 (EC PRIVATE KEY) PEM are supported".into()
        }
        KeyError::Mismatch { .. } => "pass the key that was generated with this certificate's request; `wallet show` prints the certificate's key identifier".into(),
        KeyError::NotExportable { .. } => {
            "the key can sign where it is but cannot be written out; export public data only (the certificate, or a SerializedIdentity)".into()
        }
        KeyError::UnknownStore { .. } => format!(
            "set {ENV_KEY_STORE} to a key store this build knows ({}), or configure the store the wallet's keys live in",
            BUILT_IN_STORES.join(", ")
        ),
        KeyError::UnknownKey { .. } => "the key is gone from its store: enrol the identity again for a new key".into(),
        KeyError::StoreAbsent { store, .. } if store == "pkcs11" => {
            "insert or initialise the token (`softhsm2-util --show-slots`, `pkcs11-tool -L`), and check the token label and module-path of the key spec (or WALLET_PKCS11_MODULE)".into()
        }
        KeyError::StoreAbsent { .. } => {
            "start or unseal the server, check server= of the key spec (or VAULT_ADDR), and enable Transit there (`bao secrets enable transit`)".into()
        }
        KeyError::CredentialRefused { locked: true, .. } => {
            "the token's user PIN is locked: unlock it with the security officer PIN (`pkcs11-tool --login --login-type so --init-pin`)".into()
        }
        KeyError::CredentialRefused { store, .. } if store == "pkcs11" => {
            "give the right PIN (WALLET_PKCS11_PIN, WALLET_PKCS11_PIN_FILE, pin-source= in the key spec, or the prompt); each wrong try counts towards locking the token".into()
        }
        KeyError::CredentialRefused { .. } => "log in again (a new VAULT_TOKEN or token file, or AppRole)".into(),
        KeyError::CredentialRequired { store, .. } if store == "pkcs11" => {
            "set WALLET_PKCS11_PIN or WALLET_PKCS11_PIN_FILE, add pin-source=file:PATH to the key spec, or run at a terminal to be asked".into()
        }
        KeyError::CredentialRequired { .. } => "set VAULT_ADDR and VAULT_TOKEN (or BAO_*), or name server= and token_file= in the key spec".into(),
        KeyError::PermissionDenied { .. } => {
            "grant the token's policy `update` on MOUNT/sign/NAME/* and `create`, `read` on MOUNT/keys/NAME (see docs/keys.md)".into()
        }
        KeyError::UnsuitableKey { .. } => {
            "use an ECDSA P-256 signing key that cannot be exported: Transit type ecdsa-p256 with exportable=false, or an EC prime256v1 token key with CKA_SIGN (see docs/keys.md)".into()
        }
        KeyError::UnknownProvider { known, .. } => {
            format!("set {} to one of: {known} (or unset it for the default)", provider::WALLET_CRYPTO_PROVIDER)
        }
        _ => return None,
    })
}

fn ca_hint(error: &CaError) -> Option<String> {
    Some(match error {
        CaError::UnknownCa { .. } => "create it with `wallet ca init`, or list the CAs with `wallet ca list`".into(),
        CaError::NoCa { .. } => "create one with `wallet ca init NAME --msp-id MSPID`".into(),
        CaError::AmbiguousCa { .. } => "name the CA to use".into(),
        CaError::CaExists { .. } => "choose another CA name".into(),
        CaError::UnknownIdentity { .. } => "register it first with `wallet ca register`".into(),
        CaError::DuplicateIdentity { .. } => "choose another enrollment ID, or enrol the existing one".into(),
        CaError::UnknownAffiliation { .. } => {
            "add it with `wallet ca add-affiliation`, or pick one from `wallet ca affiliations`".into()
        }
        CaError::DuplicateAffiliation { .. } => "nothing to do: the affiliation is there".into(),
        CaError::Unauthorized { .. } => {
            "act as a registrar that holds the right (the bootstrap admin holds them all), or ask one to grant it".into()
        }
        CaError::WrongSecret { .. } => {
            "check the enrolment secret; a registrar can set a new one with `wallet ca reset-secret`".into()
        }
        CaError::Locked { .. } => "a registrar can unlock it by setting a new secret (`wallet ca reset-secret`)".into(),
        CaError::IdentityRevoked { .. } => "register a new identity; a revoked one cannot be restored".into(),
        CaError::MaxEnrollmentsReached { .. } | CaError::EnrollmentDisabled { .. } => {
            "reenrol with the certificate you already have (`wallet ca reenroll`), or register a new identity".into()
        }
        CaError::InvalidRegistration { .. } => "see `wallet ca register --help` for the rules".into(),
        CaError::MissingAttribute { .. } => "mark the attribute request optional, or register the attribute".into(),
        CaError::InvalidCsr { .. } => "give a PEM `CERTIFICATE REQUEST` for an ECDSA P-256 key, signed by that key".into(),
        CaError::CsrCommonName { .. } => "make the CSR with CN set to the enrollment ID".into(),
        CaError::CallerCertificate { .. } => {
            "reenrol the caller (`wallet ca reenroll`, with --allow-expired for an expired certificate) or act as another registrar".into()
        }
        CaError::CallerRevoked { .. } => {
            "a revoked certificate cannot act again, and reenrolling needs an unrevoked one: act as another registrar (--as LABEL), or register and enrol a new identity".into()
        }
        CaError::CaOutOfValidity { .. } => {
            "an expired CA can no longer issue certificates or CRLs: create a new CA (`wallet ca init NAME --msp-id MSPID`) and enrol its identities again, or check the system clock".into()
        }
        CaError::UnknownCertificate { .. } => "`wallet ca certificates` lists the serials and AKIs this CA issued".into(),
        CaError::AlreadyRevoked { .. } => "nothing to do: it is already on the CRL".into(),
        CaError::UnknownReason { .. } => {
            "use one of unspecified, keycompromise, cacompromise, affiliationchanged, superseded, cessationofoperation, certificatehold, privilegewithdrawn, aacompromise".into()
        }
        CaError::NotACa { .. } => {
            "give the CA certificate (CA:TRUE, keyCertSign) with the P-256 private key that belongs to it".into()
        }
        CaError::Registry { .. } => {
            "the CA record was modified outside this tool; restore the wallet from a backup".into()
        }
        CaError::NoMspId { .. } => {
            "pass --msp-id MSPID, or keep it with the default CA: `wallet ca use URL --msp-id MSPID`".into()
        }
        CaError::InvalidCsv { .. } => {
            "fix the lines named above (columns id,type,affiliation,attributes) and run the same command again".into()
        }
        CaError::RegistrationMismatch { id, .. } => format!(
            "leave the column empty or give the registered value (`wallet ca identities {id}` shows it); to enrol under other values, register another ID"
        ),
        // InvalidParameter names the value and its range: there is nothing to add.
        CaError::Remote(e) => return e.hint(),
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
    fn store_hints_name_the_flags_and_say_what_is_safe() {
        let s = String::new;
        assert!(of(BackendError::WrongPassphrase { location: s() }).contains("nothing was changed"));
        assert!(of(BackendError::WrongPassphrase { location: s() }).contains("--passphrase-file"));
        assert!(of(BackendError::Integrity { record: s(), detail: s() }).contains("other records are unaffected"));
        let header = of(BackendError::HeaderDamaged { path: s(), detail: s() });
        assert!(header.contains("wallet.header") && !header.contains("unaffected"), "{header}");
        assert!(of(BackendError::IndexDamaged { record: s(), detail: s() }).contains("wallet repair"));
        assert!(of(BackendError::InvalidUri { uri: s(), detail: s() }).contains("memory:"));
    }

    #[test]
    fn key_hints_say_what_can_still_be_done() {
        let s = String::new;
        assert!(of(KeyError::NotExportable { label: s(), location: s() }).contains("certificate"));
        let unknown = of(KeyError::UnknownStore { scheme: "memory".into(), known: "software".into() });
        assert!(unknown.contains("WALLET_KEY_STORE"), "{unknown}");
        let provider = of(KeyError::UnknownProvider { name: "x".into(), known: "aws-lc, rustcrypto".into() });
        assert!(provider.contains("WALLET_CRYPTO_PROVIDER") && provider.contains("rustcrypto"), "{provider}");
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
        assert_eq!(hints.len(), 4, "each kind of bad file has its own fix: {hints:?}");
    }

    #[test]
    fn every_ca_refusal_but_an_out_of_range_value_gets_a_hint() {
        let s = String::new;
        let refusals = [
            CaError::UnknownCa { name: s(), location: s() },
            CaError::NoCa { location: s() },
            CaError::AmbiguousCa { names: vec![], location: s() },
            CaError::CaExists { name: s(), location: s() },
            CaError::UnknownIdentity { id: s(), ca: s() },
            CaError::DuplicateIdentity { id: s(), ca: s() },
            CaError::UnknownAffiliation { affiliation: s(), ca: s() },
            CaError::DuplicateAffiliation { affiliation: s(), ca: s() },
            CaError::Unauthorized { registrar: s(), detail: s() },
            CaError::WrongSecret { id: s(), attempts_left: s() },
            CaError::Locked { id: s(), attempts: 10 },
            CaError::IdentityRevoked { id: s() },
            CaError::MaxEnrollmentsReached { id: s(), count: 1 },
            CaError::EnrollmentDisabled { id: s() },
            CaError::InvalidRegistration { id: s(), detail: s() },
            CaError::MissingAttribute { id: s(), name: s() },
            CaError::InvalidCsr { detail: s() },
            CaError::CsrCommonName { cn: s(), id: s() },
            CaError::CallerCertificate { label: s(), ca: s(), detail: s() },
            CaError::UnknownCertificate { serial: s(), aki: s(), ca: s() },
            CaError::CallerRevoked { label: s(), ca: s(), serial: s(), reason: s() },
            CaError::CaOutOfValidity { name: s(), not_before: s(), not_after: s() },
            CaError::InvalidCsv { path: s(), rows: vec![] },
            CaError::RegistrationMismatch { id: s(), detail: s() },
            CaError::AlreadyRevoked { serial: s() },
            CaError::UnknownReason { name: s() },
            CaError::NotACa { what: s(), detail: s() },
            CaError::Registry { record: s(), detail: s() },
        ];
        for refusal in refusals {
            of(refusal);
        }
        assert!(of(CaError::Locked { id: s(), attempts: 10 }).contains("reset-secret"));
        // Mended hints: a revoked caller is not told to reenrol; an expired CA is not told to import.
        let revoked = of(CaError::CallerRevoked { label: s(), ca: s(), serial: s(), reason: s() });
        assert!(!revoked.contains("reenrol the caller") && revoked.contains("--as"), "{revoked}");
        let expired = of(CaError::CaOutOfValidity { name: s(), not_before: s(), not_after: s() });
        assert!(!expired.contains("import") && expired.contains("wallet ca init"), "{expired}");
        assert!(hint(&CaError::InvalidParameter { what: s(), detail: s() }.into()).is_none());
    }
}
