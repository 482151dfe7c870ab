//! `wallet export`: write identities out in the formats the Fabric tools read.

use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::files::{create_private_dir_all, write_output, write_private};
use clap::ValueEnum;
use serde::Serialize;
use std::path::{Path, PathBuf};
use wallet_core::formats::{caliper, card, console, id, msp, pem_pair, serialized};
use wallet_core::Identity;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  The certificate only (public data, no flag needed):",
    "    $ wallet export appUser --format cert > appUser.pem",
    "  The SerializedIdentity protobuf Fabric puts in transactions (binary):",
    "    $ wallet export appUser --format serialized --out appUser.sid",
    "  A .id file for a Fabric SDK wallet folder; the key is written unencrypted, hence --insecure:",
    "    $ wallet export appUser --format id --out ./fabric-wallet --insecure",
    "  An MSP folder (with crls/crl.pem when the wallet's CA issued it and made a CRL), and a PEM",
    "  certificate + key pair (cert.pem, key.pem) for fabric-gateway:",
    "    $ wallet export user2 --format msp --out ./user2-msp --insecure",
    "    $ wallet export user2 --format pem --out ./user2-pem --insecure",
    "  The identities part of a Hyperledger Caliper network configuration (JSON, key inline):",
    "    $ wallet export benchuser --format caliper --out caliper-identities.json --insecure",
    "  The Fabric Operations Console's identity JSON (\"Upload JSON\" in its wallet):",
    "    $ wallet export org1admin --format console --out org1admin_identity.json --insecure",
    "  A Hyperledger Composer business network card, for old tooling:",
    "    $ wallet export PeerAdmin --format card --out PeerAdmin.card --insecure",
    "  Every identity, as a Fabric SDK wallet folder of LABEL.id files:",
    "    $ wallet export --all --out ./fabric-wallet --insecure",
    "",
    "When --out is not given the export is written to stdout (msp needs --out); --output json then",
    "has no effect. With --out, files are created with mode 0600 and folders with 0700, and existing",
    "files are only replaced with --force.",
))]
pub struct Args {
    /// The label of the identity to export
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    label: Option<String>,

    /// Export every identity as LABEL.id files into the folder --out (a Fabric SDK wallet)
    #[arg(long, requires = "out")]
    all: bool,

    /// The format to write
    #[arg(long, value_enum, required_unless_present = "all")]
    format: Option<ExportFormat>,

    /// Where to write: a folder for id, msp and pem; a file for cert, serialized, caliper, console and card
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,

    /// Allow formats that write the private key unencrypted (id, msp, pem, caliper, console, card)
    #[arg(long)]
    insecure: bool,

    /// Replace files that already exist
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    /// Fabric SDK wallet LABEL.id JSON (certificate and private key) [needs --insecure]
    Id,
    /// MSP folder: signcerts/, keystore/, cacerts/ [needs --insecure]
    Msp,
    /// PEM certificate chain and PKCS#8 private key [needs --insecure]
    Pem,
    /// The enrolment certificate as PEM
    Cert,
    /// Fabric's SerializedIdentity protobuf (MSP ID + certificate), binary
    Serialized,
    /// Hyperledger Caliper network configuration (JSON): organizations[].identities [needs --insecure]
    Caliper,
    /// Fabric Operations Console identity JSON (base64 PEM key and certificate) [needs --insecure]
    Console,
    /// Hyperledger Composer business network card (.card zip) [needs --insecure]
    Card,
}

impl ExportFormat {
    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Msp => "msp",
            Self::Pem => "pem",
            Self::Cert => "cert",
            Self::Serialized => "serialized",
            Self::Caliper => "caliper",
            Self::Console => "console",
            Self::Card => "card",
        }
    }

    fn writes_private_key(self) -> bool {
        matches!(self, Self::Id | Self::Msp | Self::Pem | Self::Caliper | Self::Console | Self::Card)
    }
}

/// What was written, for the report.
#[derive(Debug, Serialize)]
struct Written {
    label: String,
    format: &'static str,
    files: Vec<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let format = args.format.unwrap_or(ExportFormat::Id);
    if args.all && format != ExportFormat::Id {
        return Err(CliError::usage("--all writes a Fabric SDK wallet folder of LABEL.id files (--format id)")
            .with_hint("drop --format, or export identities one at a time in other formats"));
    }
    if format.writes_private_key() && !args.insecure {
        let what = match &args.label {
            Some(label) => format!("the private key of {label:?}"),
            None => "every private key".to_owned(),
        };
        return Err(CliError::usage(format!("refusing to write {what} unencrypted (--format {})", format.name()))
            .with_hint(
                "the Fabric formats (.id files, MSP keystores, PEM keys) store the private key in plaintext, \
                 so anyone who can read the output can act as this identity; pass --insecure if that is what \
                 you want (files are created with mode 0600), or export public data only with --format cert \
                 or --format serialized",
            ));
    }
    if format == ExportFormat::Msp && args.out.is_none() {
        return Err(CliError::usage("--format msp writes a folder").with_hint("pass --out DIR"));
    }
    let wallet = std::sync::Arc::new(ctx.open_wallet()?);
    if args.all {
        let out = args.out.as_deref().expect("clap requires --out with --all");
        return export_all(ctx, &wallet, out, args.force);
    }
    let label = args.label.as_deref().expect("clap requires LABEL unless --all");
    let identity = wallet.get(label)?;
    // An MSP folder gets the latest CRL of its issuer when the wallet holds that CA.
    let crl = match format {
        ExportFormat::Msp => {
            wallet_core::ca::CertificateAuthority::issuer_crl(&wallet, identity.certificate())?.map(|c| c.to_pem())
        }
        _ => None,
    };
    let files = export_one(&identity, format, args.out.as_deref(), args.force, crl)?;
    if format.writes_private_key() && !files.is_empty() {
        // Name only the files that hold the key (a PEM export also writes cert.pem, an MSP export a whole tree).
        let key_files: Vec<&str> = files
            .iter()
            .map(String::as_str)
            .filter(|f| f.ends_with("key.pem") || f.ends_with("_sk") || f.ends_with(".id") || !f.ends_with(".pem"))
            .collect();
        let shown = if key_files.is_empty() { files.join(", ") } else { key_files.join(", ") };
        crate::safe_text::eprintln_escaped!(
            "warning: the private key of {label:?} is now stored unencrypted in {shown}"
        );
    }
    if !files.is_empty() {
        let written = Written { label: label.to_owned(), format: format.name(), files };
        ctx.print(|| written.files.iter().map(|f| format!("wrote {f}")).collect::<Vec<_>>().join("\n"), &written)?;
    }
    Ok(())
}

/// Write one identity; returns the files written (none when it went to stdout).
fn export_one(
    identity: &Identity,
    format: ExportFormat,
    out: Option<&Path>,
    force: bool,
    crl_pem: Option<String>,
) -> Result<Vec<String>> {
    let shown = |p: &Path| p.display().to_string();
    Ok(match format {
        ExportFormat::Id => match out {
            Some(dir) => vec![shown(&id::write_file(dir, identity, force)?)],
            None => {
                let json = id::to_json(identity)?;
                write_output(None, json.as_bytes(), false, false)?;
                write_output(None, b"\n", false, false)?;
                vec![]
            }
        },
        ExportFormat::Msp => {
            let dir = out.expect("checked before the wallet was opened");
            msp::write_dir(dir, identity, &msp::WriteOptions { overwrite: force, crl_pem, ..Default::default() })?;
            vec![shown(dir)]
        }
        ExportFormat::Pem => {
            let (chain, key) = pem_pair::to_pem(identity)?;
            match out {
                Some(dir) => {
                    create_private_dir_all(dir)?;
                    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
                    if !force {
                        // Check both before writing either, so a refusal writes nothing.
                        for p in [&cert_path, &key_path] {
                            if p.exists() {
                                return Err(CliError::new(exit::EXISTS, format!("{} already exists", p.display()))
                                    .with_hint("choose another path, or pass --force to replace it"));
                            }
                        }
                    }
                    write_private(&cert_path, chain.as_bytes(), force)?;
                    write_private(&key_path, key.as_bytes(), force)?;
                    vec![shown(&cert_path), shown(&key_path)]
                }
                None => {
                    let both = zeroize::Zeroizing::new(format!("{chain}{}", key.as_str()));
                    write_output(None, both.as_bytes(), false, false)?;
                    vec![]
                }
            }
        }
        ExportFormat::Cert => {
            write_output(out, identity.certificate().to_pem().as_bytes(), false, force)?;
            out.map(shown).into_iter().collect()
        }
        ExportFormat::Serialized => {
            write_output(out, &serialized::serialize(identity), true, force)?;
            out.map(shown).into_iter().collect()
        }
        ExportFormat::Console => {
            let json = console::to_json(identity)?;
            write_output(out, json.as_bytes(), false, force)?;
            out.map(shown).into_iter().collect()
        }
        ExportFormat::Card => {
            let bytes = card::to_card(identity, &card::CardOptions::default())?;
            write_output(out, &bytes, true, force)?;
            out.map(shown).into_iter().collect()
        }
        ExportFormat::Caliper => {
            let json = caliper::network_config(identity.label(), &[identity])?;
            write_output(out, json.as_bytes(), false, force)?;
            out.map(shown).into_iter().collect()
        }
    })
}

/// Write every identity as `<out>/<label>.id`, reporting each one.
fn export_all(ctx: &Context, wallet: &wallet_core::Wallet, out: &Path, force: bool) -> Result<()> {
    create_private_dir_all(out)?;
    let labels = wallet.list()?;
    let mut written = Vec::new();
    let mut failed = 0;
    let mut existing = 0;
    for label in &labels {
        match wallet
            .get(label)
            .map_err(CliError::from)
            .and_then(|identity| id::write_file(out, &identity, force).map_err(CliError::from))
        {
            Ok(path) => {
                written.push(Written { label: label.clone(), format: "id", files: vec![path.display().to_string()] })
            }
            Err(e) => {
                failed += 1;
                existing += usize::from(e.code() == exit::EXISTS);
                crate::safe_text::eprintln_escaped!("not exported {label}: {}", e.message());
                if let Some(hint) = e.hint() {
                    crate::safe_text::eprintln_escaped!("  hint: {hint}");
                }
            }
        }
    }
    ctx.print(|| written.iter().map(|w| format!("wrote {}", w.files[0])).collect::<Vec<_>>().join("\n"), &written)?;
    if !written.is_empty() {
        eprintln!("warning: {} private keys are now stored unencrypted in {}", written.len(), out.display());
    }
    if failed > 0 {
        return Err(CliError::new(exit::FAILURE, format!("{failed} of {} identities were not exported", labels.len()))
            .with_hint(if existing == failed {
                "the others were written; pass --force to replace the existing files"
            } else {
                "the others were written; fix the errors above (a label too long for a file name can be renamed with `wallet rename`) and export again"
            }));
    }
    Ok(())
}
