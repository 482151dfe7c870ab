//! `wallet verify`: check a signature against an identity's or a file's certificate.

use super::examples;
use super::sign::input_digest;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::files::{read_file, read_input};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde_json::json;
use std::path::{Path, PathBuf};
use wallet_core::crypto::{is_low_s, verify_digest, SignatureForm};
use wallet_core::Certificate;

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("signer").args(["label", "old_label", "cert"]))]
#[command(after_long_help = examples!(
    "  Verify a signature made by an identity in the wallet:",
    "    $ wallet verify appUser --signature proposal.sig --in proposal.bin",
    "  Verify against a certificate file, the message on stdin:",
    "    $ wallet verify --cert cert.pem --signature proposal.der < proposal.bin",
    "  Verify a signature over a digest:",
    "    $ wallet verify --cert cert.pem --signature digest.sig --digest --in digest.hex",
    "",
    "Prints `valid (low-S)`, or `valid (high-S: Fabric rejects high-S signatures)` for a signature",
    "that is mathematically valid but would be refused by Fabric. An invalid signature exits with 1.",
))]
pub struct Args {
    /// Verify with the certificate of this identity
    #[arg(conflicts_with = "cert")]
    label: Option<String>,

    /// Deprecated spelling of LABEL
    #[arg(long = "label", value_name = "LABEL", hide = true, conflicts_with_all = ["label", "cert"])]
    old_label: Option<String>,

    /// Verify with this certificate (PEM or DER)
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,

    /// The signature: DER bytes or base64 text (detected); - for stdin
    #[arg(long, value_name = "FILE")]
    signature: PathBuf,

    /// Read the message from FILE (default: stdin)
    #[arg(long = "in", value_name = "FILE")]
    input: Option<PathBuf>,

    /// The input is a SHA-256 digest (32 raw bytes or 64 hex characters), not the message
    #[arg(long)]
    digest: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    if args.label.is_none() && args.old_label.is_none() && args.cert.is_none() {
        return Err(CliError::usage("give the LABEL of an identity, or --cert FILE")
            .with_hint("e.g. `wallet verify appUser --signature sig.b64 --in msg.bin`"));
    }
    let stdin = Path::new("-");
    if args.signature == stdin && args.input.as_deref().is_none_or(|p| p == stdin) {
        return Err(CliError::usage("the signature and the message cannot both come from stdin")
            .with_hint("pass the message with --in FILE"));
    }
    let signature = decode_signature(&read_input(Some(&args.signature))?, &args.signature)?;
    let digest = input_digest(args.input.as_deref(), args.digest)?;
    let label = crate::deprecated::subject(
        args.label,
        args.old_label,
        "`wallet verify --label LABEL`",
        "`wallet verify LABEL`",
    );
    let certificate = match (&label, &args.cert) {
        (Some(label), _) => ctx.open_wallet()?.get(label)?.certificate().clone(),
        (None, Some(path)) => read_certificate(path)?,
        (None, None) => return Err(CliError::usage("give the LABEL of an identity, or --cert FILE")),
    };
    let public_key = certificate.public_key()?;
    match verify_digest(&public_key, &digest, &signature) {
        Ok(form) => {
            let (text, low_s) = match form {
                SignatureForm::LowS => ("valid (low-S)", true),
                SignatureForm::HighS => ("valid (high-S: Fabric rejects high-S signatures)", false),
            };
            ctx.print(|| text.to_owned(), &json!({ "valid": true, "low_s": low_s }))?;
            Ok(())
        }
        Err(err) => {
            if ctx.json() {
                crate::files::write_stdout(
                    format!("{}\n", json!({ "valid": false, "reason": err.to_string() })).as_bytes(),
                    false,
                )?;
            }
            Err(CliError::from(err))
        }
    }
}

/// DER if it parses as an ECDSA signature, else base64 text.
fn decode_signature(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    if is_low_s(bytes).is_ok() {
        return Ok(bytes.to_vec());
    }
    let text = String::from_utf8_lossy(bytes);
    let compact: String = text.split_whitespace().collect();
    match B64.decode(compact) {
        Ok(der) if is_low_s(&der).is_ok() => Ok(der),
        _ => Err(CliError::new(
            exit::FAILURE,
            format!("{} holds neither a DER ECDSA signature nor base64 of one", path.display()),
        )
        .with_hint("`wallet sign` writes base64 by default and DER with --format der")),
    }
}

/// A certificate file: DER when it starts like a DER SEQUENCE, else PEM.
fn read_certificate(path: &Path) -> Result<Certificate> {
    let bytes = read_file(path)?;
    let what = path.display().to_string();
    let parsed = if bytes.first() == Some(&0x30) {
        Certificate::from_der(&bytes, &what)
    } else {
        Certificate::from_pem(&bytes, &what)
    };
    Ok(parsed?)
}
