//! `wallet man --out DIR`: man pages generated from the same clap definitions as the help.

use super::examples;
use crate::cli::Cli;
use crate::error::{io_error, Result};
use clap::CommandFactory;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Install the pages for the current user and read one:",
    "    $ wallet man --out ~/.local/share/man/man1",
    "    $ man wallet-ca-enroll",
    "  System-wide, with the completions (see scripts/install.sh):",
    "    $ sudo wallet man --out /usr/local/share/man/man1",
))]
pub struct Args {
    /// The folder to write wallet.1, wallet-COMMAND.1 and wallet-ca-VERB.1 into (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(ctx: &crate::context::Context, args: Args) -> Result<()> {
    std::fs::create_dir_all(&args.out).map_err(|e| io_error("cannot create folder", &args.out, e))?;
    let mut written = vec![];
    let mut command = Cli::command();
    command.build();
    write_pages(&command, "wallet", &args.out, &mut written)?;
    ctx.print(|| written.iter().map(|p| format!("wrote {p}")).collect::<Vec<_>>().join("\n"), &written)
}

/// Write the page of `command` (named `name`) and of each of its visible subcommands.
fn write_pages(command: &clap::Command, name: &str, dir: &Path, written: &mut Vec<String>) -> Result<()> {
    let page = command.clone().name(name.to_owned());
    let path = dir.join(format!("{name}.1"));
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out).map_err(|e| io_error("cannot render", &path, e))?;
    std::fs::write(&path, out).map_err(|e| io_error("cannot write", &path, e))?;
    written.push(path.display().to_string());
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
