//! `wallet sign LABEL`: sign a message or a SHA-256 digest as an identity.

use super::examples;
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::files::{read_input, write_output};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use clap::ValueEnum;
use serde_json::json;
use std::path::{Path, PathBuf};
use wallet_core::sign::SignInput;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Sign a file; the base64 DER signature goes to stdout:",
    "    $ wallet sign appUser --in proposal.bin > proposal.sig",
    "  Sign a digest computed elsewhere (raw 32 bytes or 64 hex characters), as DER bytes:",
    "    $ sha256sum proposal.bin | cut -c1-64 | wallet sign appUser --digest --format der --out proposal.der",
    "  Check with OpenSSL:",
    "    $ wallet export appUser --format cert > cert.pem",
    "    $ openssl dgst -sha256 -verify <(openssl x509 -in cert.pem -pubkey -noout) \\",
    "        -signature proposal.der proposal.bin",
    "",
    "Signatures are ECDSA P-256 over SHA-256, DER-encoded, always low-S (Fabric rejects high-S).",
))]
pub struct Args {
    /// The label of the identity that signs
    label: String,

    /// Read the message from FILE (default: stdin)
    #[arg(long = "in", value_name = "FILE")]
    input: Option<PathBuf>,

    /// The input is a SHA-256 digest (32 raw bytes or 64 hex characters), not the message
    #[arg(long)]
    digest: bool,

    /// How to write the signature: base64 text or raw DER bytes
    #[arg(long, value_enum, default_value_t = SignatureEncoding::Base64)]
    format: SignatureEncoding,

    /// Deprecated spelling of --format
    #[arg(long, value_enum, hide = true, conflicts_with = "format")]
    out_format: Option<SignatureEncoding>,

    /// Write the signature to FILE (default: stdout)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SignatureEncoding {
    /// Base64 of the DER signature, one line
    Base64,
    /// The DER bytes
    Der,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    // Read the input before the passphrase: a bad digest fails without asking for anything.
    let format = match args.out_format {
        Some(old) => {
            crate::deprecated::note("--out-format", "--format");
            old
        }
        None => args.format,
    };
    let digest = input_digest(args.input.as_deref(), args.digest)?;
    let wallet = ctx.open_wallet()?;
    let identity = wallet.get(&args.label)?;
    warn_if_unusable(&wallet, &identity)?;
    let signature = identity.sign_input(SignInput::Digest(&digest))?.signature;
    if ctx.json() {
        if format == SignatureEncoding::Der {
            return Err(CliError::usage("--output json prints the signature as base64; drop --format der"));
        }
        let result = json!({ "label": args.label, "sha256": hex::encode(digest), "signature": B64.encode(&signature) });
        let text = serde_json::to_string_pretty(&result).expect("results always serialize") + "\n";
        return write_output(args.out.as_deref(), text.as_bytes(), false, true);
    }
    match format {
        SignatureEncoding::Base64 => {
            write_output(args.out.as_deref(), format!("{}\n", B64.encode(&signature)).as_bytes(), false, true)
        }
        SignatureEncoding::Der => write_output(args.out.as_deref(), &signature, true, true),
    }
}

/// Signing still works with a certificate that Fabric will refuse; say so on stderr.
fn warn_if_unusable(wallet: &wallet_core::Wallet, identity: &wallet_core::Identity) -> Result<()> {
    let (label, cert) = (identity.label(), identity.certificate());
    let now = time::OffsetDateTime::now_utc();
    let renew = format!("renew it: `wallet renew {label}`");
    if cert.not_after() < now {
        let when = crate::view::rfc3339(cert.not_after());
        crate::safe_text::eprintln_escaped!(
            "warning: the certificate of {label:?} expired on {when}; peers refuse its signatures ({renew})"
        );
    } else if cert.not_before() > now {
        let when = crate::view::rfc3339(cert.not_before());
        crate::safe_text::eprintln_escaped!(
            "warning: the certificate of {label:?} is not valid before {when}; peers refuse its signatures until then"
        );
    }
    if let Some(r) = wallet_core::ca::CertificateAuthority::revocation_of(wallet, cert)? {
        let when = crate::view::rfc3339(r.revoked_at);
        crate::safe_text::eprintln_escaped!(
            "warning: the certificate of {label:?} was revoked by CA {:?} on {when} ({}); peers that have its CRL refuse its signatures (enrol a new one: `wallet ca enroll`)",
            r.ca,
            r.reason.name()
        );
    }
    Ok(())
}

/// The SHA-256 digest to sign or verify: of the message read from `input` (or stdin), or the
/// input itself when `is_digest` (as [`SignInput::DigestText`] reads it).
pub(super) fn input_digest(input: Option<&Path>, is_digest: bool) -> Result<[u8; 32]> {
    let bytes = read_input(input)?;
    let input = if is_digest { SignInput::DigestText(&bytes) } else { SignInput::Message(&bytes) };
    input.digest().map_err(|e| match e {
        wallet_core::Error::InvalidDigest { len } => CliError::usage(format!(
            "--digest expects a SHA-256 digest (32 raw bytes or 64 hex characters), got {len} bytes"
        ))
        .with_hint("drop --digest to sign the message itself (it is hashed with SHA-256)"),
        e => e.into(),
    })
}
