//! `wallet import`: bring identities in from the files the Fabric tools write.

use super::examples;
use crate::context::Context;
use crate::error::{exit, io_error, CliError, Result};
use crate::files::read_file;
use clap::ValueEnum;
use serde::Serialize;
use std::path::{Path, PathBuf};
use wallet_core::formats::{card, console, id, msp, pem_pair};
use wallet_core::{Identity, Wallet};

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  One .id file of a Fabric SDK wallet (the label is the file name without .id):",
    "    $ wallet import ./fabric-wallet/appUser.id",
    "  A whole SDK wallet folder; each file is reported, and refused ones make the exit code 1:",
    "    $ wallet import ./fabric-wallet",
    "  An MSP folder written by fabric-ca-client or cryptogen:",
    "    $ wallet import ./msp --msp-id Org1MSP --label user2",
    "  A PEM certificate (chain) and key, replacing an identity of the same label:",
    "    $ wallet import --cert cert.pem --key key.pem --msp-id Org1MSP --label alice --force",
    "  Identities exported by the Fabric Operations Console (one, or an array), which carry no MSP ID:",
    "    $ wallet import org1admin_identity.json --msp-id Org1MSP",
    "  A Hyperledger Composer business network card (the MSP ID comes from its connection profile):",
    "    $ wallet import PeerAdmin@hlfv1.card",
    "  A certificate whose key is on an HSM (the PIN from WALLET_PKCS11_PIN, a file or a prompt):",
    "    $ wallet import --cert cert.pem --key-ref 'pkcs11:token=org1;object=alice?module-path=/usr/lib/softhsm/libsofthsm2.so' --msp-id Org1MSP --label alice",
))]
#[command(group(clap::ArgGroup::new("key_source").args(["key", "key_ref"])))]
pub struct Args {
    /// An .id file, a folder of .id files (an SDK wallet), an MSP folder, one PEM file holding
    /// certificate and key, a Fabric Operations Console identity JSON file, or a Composer .card
    #[arg(value_name = "PATH", required_unless_present = "cert")]
    path: Option<PathBuf>,

    /// What PATH holds; auto: a folder with signcerts/ is an MSP folder, any other folder an SDK
    /// wallet, a file a .card (zip), console JSON (private_key and cert), .id JSON or PEM by its content
    #[arg(long, value_enum, default_value_t = ImportFormat::Auto)]
    format: ImportFormat,

    /// The label to store a single identity under (default: the .id file name)
    #[arg(long)]
    label: Option<String>,

    /// The MSP ID of the identity (MSP folders and PEM; .id files carry their own)
    #[arg(long, value_name = "MSPID")]
    msp_id: Option<String>,

    /// The certificate as PEM: the enrolment certificate first, then its issuers
    #[arg(long, value_name = "FILE", requires = "key_source", conflicts_with = "path")]
    cert: Option<PathBuf>,

    /// The private key as PEM (PKCS#8 PRIVATE KEY or SEC1 EC PRIVATE KEY)
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,

    /// The certificate's key where it already lives: pkcs11:token=…;object=… or transit:NAME
    /// (see docs/keys.md); the key stays there
    #[arg(long, value_name = "SPEC", requires = "cert")]
    key_ref: Option<String>,

    /// Replace identities whose labels already exist (otherwise they are refused)
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ImportFormat {
    /// Decide from PATH
    Auto,
    /// Fabric SDK wallet: one .id file or a folder of them
    Id,
    /// An MSP folder (signcerts/, keystore/, cacerts/ …)
    Msp,
    /// PEM certificate and key (--cert and --key, or one file holding both)
    Pem,
    /// Fabric Operations Console identity JSON: {"name", "type", "private_key", "cert"} or an array
    Console,
    /// Hyperledger Composer business network card (.card zip)
    Card,
}

/// What was found at the path.
#[derive(Debug)]
enum Source {
    /// An SDK wallet folder: several identities, reported one by one.
    IdFolder(PathBuf),
    /// A console JSON file: one identity or several, reported one by one.
    Console(PathBuf),
    Single(Single),
}

/// A source of exactly one identity.
#[derive(Debug)]
enum Single {
    IdFile(PathBuf),
    Msp(PathBuf),
    Pem { cert: PathBuf, key: PathBuf },
    Card(PathBuf),
}

/// The outcome for one identity, as reported.
#[derive(Debug, Serialize)]
struct Entry {
    source: String,
    label: String,
    /// `imported`, `replaced` or `refused`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
    #[serde(skip)]
    code: u8,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    if let (Some(cert), Some(spec)) = (&args.cert, &args.key_ref) {
        return import_with_key_ref(ctx, &args, cert, spec);
    }
    let source = match detect(&args)? {
        Source::IdFolder(dir) => return import_folder(ctx, &args, &dir),
        Source::Console(path) => return import_console(ctx, &args, &path),
        Source::Single(single) => single,
    };
    let identity = read_single(&args, &source)?;
    let wallet = ctx.open_wallet()?;
    let status = put(&wallet, &identity, args.force)?;
    let entry = Entry {
        source: source_path(&source).display().to_string(),
        label: identity.label().to_owned(),
        status,
        error: None,
        hint: None,
        code: 0,
    };
    ctx.print(|| format!("{} {} from {}", entry.status, entry.label, entry.source), &[&entry])?;
    Ok(())
}

/// A certificate and a key that stays in its store (an HSM, Transit).
fn import_with_key_ref(ctx: &Context, args: &Args, cert: &Path, spec: &str) -> Result<()> {
    let (label, msp_id) = label_and_msp_id(args, "a certificate and a key in a key store")?;
    let cert_pem = read_file(cert)?;
    let wallet = ctx.open_wallet()?;
    let spec = wallet_core::crypto::KeySpec::parse(spec)?;
    let identity = pem_pair::parse_with_key(label, msp_id, &cert_pem, &spec, wallet.key_stores())?;
    let status = put(&wallet, &identity, args.force)?;
    let entry = Entry {
        source: cert.display().to_string(),
        label: identity.label().to_owned(),
        status,
        error: None,
        hint: None,
        code: 0,
    };
    ctx.print(
        || format!("{} {} from {} (key: {})", entry.status, entry.label, entry.source, identity.key_ref().describe()),
        &[&entry],
    )?;
    Ok(())
}

fn detect(args: &Args) -> Result<Source> {
    use ImportFormat::*;
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        if !matches!(args.format, Auto | Pem) {
            return Err(CliError::usage("--cert and --key import a PEM pair; drop --format or use --format pem"));
        }
        return Ok(Source::Single(Single::Pem { cert: cert.clone(), key: key.clone() }));
    }
    let path = args.path.clone().expect("clap requires PATH unless --cert is given");
    let meta = std::fs::metadata(&path).map_err(|e| io_error("cannot read", &path, e))?;
    if meta.is_dir() {
        return match args.format {
            Auto if path.join("signcerts").is_dir() => Ok(Source::Single(Single::Msp(path))),
            Auto | Id => Ok(Source::IdFolder(path)),
            Msp => Ok(Source::Single(Single::Msp(path))),
            Pem | Console | Card => Err(CliError::usage(format!(
                "{} is a folder; --format {} reads files",
                path.display(),
                if args.format == Pem {
                    "pem"
                } else if args.format == Console {
                    "console"
                } else {
                    "card"
                }
            ))
            .with_hint("pass --cert FILE --key FILE, or one PEM file holding both")),
        };
    }
    let single = match args.format {
        Id => Single::IdFile(path),
        Pem => Single::Pem { cert: path.clone(), key: path },
        Console => return Ok(Source::Console(path)),
        Card => Single::Card(path),
        Msp => {
            return Err(CliError::usage(format!("{} is a file; an MSP folder is a folder", path.display()))
                .with_hint("pass the folder that holds signcerts/ and keystore/"))
        }
        Auto => {
            let bytes = read_file(&path)?;
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned();
            let text = text.trim_start_matches('\u{feff}').trim_start();
            if bytes.starts_with(b"PK\x03\x04") || path.extension().is_some_and(|e| e == "card") {
                Single::Card(path)
            } else if is_console_json(&bytes) {
                return Ok(Source::Console(path));
            } else if path.extension().is_some_and(|e| e == "id") || text.starts_with('{') {
                Single::IdFile(path)
            } else if text.starts_with("-----BEGIN") {
                Single::Pem { cert: path.clone(), key: path }
            } else {
                return Err(CliError::usage(format!("cannot tell what {} holds", path.display())).with_hint(
                    "it is neither .id JSON, console JSON, a .card nor PEM; pass --format (see `wallet import --help`)",
                ));
            }
        }
    };
    Ok(Source::Single(single))
}

fn source_path(source: &Single) -> &Path {
    match source {
        Single::IdFile(p) | Single::Msp(p) | Single::Card(p) => p,
        Single::Pem { cert, .. } => cert,
    }
}

/// Read one identity, before the wallet is opened: a bad file is reported without a passphrase.
fn read_single(args: &Args, source: &Single) -> Result<Identity> {
    match source {
        Single::IdFile(path) => {
            if args.msp_id.is_some() {
                return Err(CliError::usage("--msp-id does not apply to .id files: they carry their own mspId"));
            }
            let label = match &args.label {
                Some(l) => l.clone(),
                None => label_from_file_name(path)?,
            };
            let json = zeroize::Zeroizing::new(read_file(path)?);
            Ok(id::parse(&label, &json, &path.display().to_string())?)
        }
        Single::Msp(dir) => {
            let (label, msp_id) = label_and_msp_id(args, "an MSP folder")?;
            Ok(msp::read_dir(dir, label, msp_id)?)
        }
        Single::Card(path) => {
            let bytes = zeroize::Zeroizing::new(read_file(path)?);
            let card = card::parse(&bytes, args.label.as_deref(), args.msp_id.as_deref(), &path.display().to_string())?;
            Ok(card.identity)
        }
        Single::Pem { cert, key } => {
            let (label, msp_id) = label_and_msp_id(args, "a PEM certificate and key")?;
            let cert_pem = read_file(cert)?;
            let key_pem = zeroize::Zeroizing::new(read_file(key)?);
            Ok(pem_pair::parse(label, msp_id, &cert_pem, &key_pem)?)
        }
    }
}

/// Whether `bytes` look like the console's identity JSON: an object with `private_key` and
/// `cert`, or an array of them.
fn is_console_json(bytes: &[u8]) -> bool {
    let looks = |v: &serde_json::Value| v.get("private_key").is_some() && v.get("cert").is_some();
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Array(items)) => items.first().is_some_and(looks),
        Ok(v) => looks(&v),
        Err(_) => false,
    }
}

/// Import the identities of a console JSON file (one or an array), reporting each one.
fn import_console(ctx: &Context, args: &Args, path: &Path) -> Result<()> {
    let json = zeroize::Zeroizing::new(read_file(path)?);
    if args.msp_id.is_none() && !console::names_msp_ids(&json) {
        return Err(CliError::usage(format!("importing {} needs --msp-id", path.display())).with_hint(
            "the console's identity JSON carries no MSP ID: pass the MSP ID of the organisation that issued it",
        ));
    }
    let found = console::parse(&json, args.msp_id.as_deref(), args.label.as_deref(), &path.display().to_string())?;
    let wallet = ctx.open_wallet()?;
    let source = path.display().to_string();
    let entries: Vec<Entry> = found
        .into_iter()
        .enumerate()
        .map(|(i, parsed)| {
            let label = parsed.as_ref().map_or_else(|_| format!("entry {}", i + 1), |id| id.label().to_owned());
            entry(
                source.clone(),
                label,
                parsed.map_err(CliError::from).and_then(|identity| put(&wallet, &identity, args.force)),
            )
        })
        .collect();
    report(ctx, entries, |e| e.label.clone())
}

/// The report line of one identity.
fn entry(source: String, label: String, outcome: Result<&'static str>) -> Entry {
    match outcome {
        Ok(status) => Entry { source, label, status, error: None, hint: None, code: 0 },
        Err(e) => Entry {
            source,
            label,
            status: "refused",
            error: Some(e.message().to_owned()),
            hint: e.hint().map(str::to_owned),
            code: e.code(),
        },
    }
}

fn label_and_msp_id<'a>(args: &'a Args, what: &str) -> Result<(&'a str, &'a str)> {
    match (&args.label, &args.msp_id) {
        (Some(label), Some(msp_id)) => Ok((label, msp_id)),
        _ => Err(CliError::usage(format!("importing {what} needs --label and --msp-id"))
            .with_hint("e.g. --label user2 --msp-id Org1MSP (the MSP ID of the organisation that issued it)")),
    }
}

fn label_from_file_name(path: &Path) -> Result<String> {
    let stem = path.file_stem().and_then(|s| s.to_str()).ok_or_else(|| {
        CliError::usage(format!("cannot take a label from the file name {}", path.display()))
            .with_hint("pass --label LABEL")
    })?;
    Ok(stem.to_owned())
}

fn put(wallet: &Wallet, identity: &Identity, force: bool) -> Result<&'static str> {
    let existed = force && wallet.contains(identity.label())?;
    wallet.put(identity, force)?;
    Ok(if existed { "replaced" } else { "imported" })
}

/// Import every .id file of an SDK wallet folder, reporting each one.
fn import_folder(ctx: &Context, args: &Args, dir: &Path) -> Result<()> {
    if args.label.is_some() || args.msp_id.is_some() {
        return Err(CliError::usage(format!(
            "{} is a folder of .id files: --label and --msp-id apply to a single identity",
            dir.display()
        ))
        .with_hint("import one file to rename it, or rename afterwards with `wallet rename`"));
    }
    let found = id::read_dir(dir)?;
    if found.is_empty() {
        return Err(CliError::new(exit::FAILURE, format!("no .id files in {}", dir.display())).with_hint(
            "an SDK wallet folder holds LABEL.id files; an MSP folder must hold signcerts/ (or pass --format msp)",
        ));
    }
    let wallet = ctx.open_wallet()?;
    let entries: Vec<Entry> = found
        .into_iter()
        .map(|(label, parsed)| {
            let source = dir.join(format!("{label}.id")).display().to_string();
            entry(
                source,
                label,
                parsed.map_err(CliError::from).and_then(|identity| put(&wallet, &identity, args.force)),
            )
        })
        .collect();
    report(ctx, entries, |e| format!("{}.id", e.label))
}

/// Print each entry (refusals on stderr), then fail when any was refused.
fn report(ctx: &Context, entries: Vec<Entry>, refused_name: impl Fn(&Entry) -> String) -> Result<()> {
    if !ctx.json() {
        for e in &entries {
            match &e.error {
                None => crate::files::write_stdout(
                    format!("{} {} from {}\n", e.status, e.label, e.source).as_bytes(),
                    false,
                )?,
                Some(err) => {
                    // The message names the file's path already.
                    crate::safe_text::eprintln_escaped!("refused {}: {err}", refused_name(e));
                    if let Some(hint) = &e.hint {
                        crate::safe_text::eprintln_escaped!("  hint: {hint}");
                    }
                }
            }
        }
    } else {
        ctx.print(String::new, &entries)?;
    }
    let refused: Vec<&Entry> = entries.iter().filter(|e| e.error.is_some()).collect();
    if refused.is_empty() {
        return Ok(());
    }
    // One shared reason keeps its own exit code (e.g. 5 when every label exists); mixed ones give 1.
    let code = if refused.iter().all(|e| e.code == refused[0].code) { refused[0].code } else { exit::FAILURE };
    Err(CliError::new(code, format!("{} of {} identities were refused", refused.len(), entries.len()))
        .with_hint("the others were imported; fix or remove the refused files and import them again"))
}
