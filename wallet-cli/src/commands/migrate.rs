//! `wallet migrate --to URI`: copy the whole wallet (identities, embedded CAs and their
//! registries) to another store.

use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::passphrase::{self, Source};
use serde::Serialize;
use std::path::PathBuf;
use wallet_core::backend::{BackendError, OpenOptions};
use wallet_core::migrate::{migrate, MigrateOptions};
use wallet_core::{Error, Wallet};

/// The target's passphrase when `--to-passphrase-file` is not given.
const ENV_TO_PASSPHRASE: &str = "WALLET_TO_PASSPHRASE";

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Move a file wallet into OpenBao (token from VAULT_TOKEN), then check and rerun safely:",
    "    $ wallet --wallet ./w migrate --to vault://vault.example.com:8200/secret/org1",
    "    $ wallet --wallet ./w migrate --to vault://vault.example.com:8200/secret/org1   # 0 copied, all identical",
    "",
    "Every record is read back from the target and compared. A rerun after an interruption skips",
    "what is there and identical; a record that differs is refused unless --force. The source is",
    "kept unless --delete-source (and then deleted only after everything was copied). The target",
    "is created when it does not exist; its passphrase comes from --to-passphrase-file or",
    "WALLET_TO_PASSPHRASE. Identities whose key lives in another store (Transit, PKCS#11) are",
    "copied as references and listed.",
))]
pub struct Args {
    /// The store to copy into (file:PATH, vault://HOST:PORT/MOUNT/PREFIX, memory:, …)
    #[arg(long, value_name = "URI")]
    to: String,
    /// Read the target's passphrase from the first line of FILE (instead of WALLET_TO_PASSPHRASE or a prompt)
    #[arg(long, value_name = "FILE")]
    to_passphrase_file: Option<PathBuf>,
    /// Replace records that exist in the target with different contents
    #[arg(long)]
    force: bool,
    /// Delete the source records once every record was copied and verified
    #[arg(long)]
    delete_source: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    from: String,
    to: String,
    copied: usize,
    identical: usize,
    replaced: usize,
    deleted: usize,
    differing: Vec<String>,
    external_keys: Vec<ExternalKey>,
}

#[derive(Debug, Serialize)]
struct ExternalKey {
    label: String,
    key: String,
}

fn open_target(a: &Args) -> Result<Wallet> {
    let source = Source {
        file: a.to_passphrase_file.as_deref(),
        env: ENV_TO_PASSPHRASE,
        file_flag: "--to-passphrase-file",
        stdin: None,
    };
    let given = passphrase::given(source)?;
    let options = OpenOptions::new().with_passphrase(given.clone());
    match Wallet::open(&a.to, &options) {
        Err(Error::Backend(BackendError::NoStore { .. })) => match Wallet::create(&a.to, &options) {
            Err(Error::Backend(BackendError::PassphraseRequired { location })) if given.is_none() => {
                let chosen = passphrase::prompt_new(source, &location, "passphrase")?;
                Ok(Wallet::create(&a.to, &OpenOptions::new().with_passphrase(chosen))?)
            }
            other => Ok(other?),
        },
        Err(Error::Backend(BackendError::PassphraseRequired { location })) if given.is_none() => {
            let typed = passphrase::prompt_current(&location)?;
            Ok(Wallet::open(&a.to, &OpenOptions::new().with_passphrase(typed))?)
        }
        other => Ok(other?),
    }
}

pub fn run(ctx: &Context, a: Args) -> Result<()> {
    let from = ctx.open_wallet()?;
    let to = open_target(&a)?;
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} records, {per_sec}, {eta} left  {msg}")
            .expect("the template is valid"),
    );
    let options = MigrateOptions::new().with_force(a.force).with_delete_source(a.delete_source);
    let result = migrate(&from, &to, &options, &mut |p| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        bar.set_message(p.key.kind.clone());
    });
    bar.finish_and_clear();
    let r = result?;
    let report = Report {
        from: from.location(),
        to: to.location(),
        copied: r.copied,
        identical: r.identical,
        replaced: r.replaced,
        deleted: r.deleted,
        differing: r.differing.iter().map(ToString::to_string).collect(),
        external_keys: r
            .external_keys
            .iter()
            .map(|(label, key)| ExternalKey { label: label.clone(), key: key.clone() })
            .collect(),
    };
    ctx.print(
        || {
            let mut text = format!(
                "migrated {} to {}: {} copied, {} already there, {} replaced{}",
                report.from,
                report.to,
                report.copied,
                report.identical,
                report.replaced,
                if a.delete_source { format!(", {} deleted from the source", report.deleted) } else { String::new() }
            );
            for k in &report.external_keys {
                text.push_str(&format!("\nidentity {:?}: its key stays in {} (copied as a reference)", k.label, k.key));
            }
            text
        },
        &report,
    )?;
    if report.differing.is_empty() {
        return Ok(());
    }
    for record in &report.differing {
        crate::safe_text::eprintln_escaped!("differs in the target: {record}");
    }
    Err(CliError::new(
        exit::FAILURE,
        format!("{} records differ in the target and were not replaced", report.differing.len()),
    )
    .with_hint("check which copy is right; pass --force to replace the target's copies with the source's"))
}
