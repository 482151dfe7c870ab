//! `wallet completions SHELL`: completion scripts generated from the same clap definitions.

use super::examples;
use crate::cli::Cli;
use crate::error::{io_error, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Bash, for the current user:",
    "    $ wallet completions bash > ~/.local/share/bash-completion/completions/wallet",
    "  Zsh (a folder in $fpath):",
    "    $ wallet completions zsh > ~/.zfunc/_wallet",
    "  Fish:",
    "    $ wallet completions fish > ~/.config/fish/completions/wallet.fish",
))]
pub struct Args {
    /// The shell to write the completion script for
    shell: clap_complete::Shell,
}

pub fn run(args: Args) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "wallet", &mut out);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out).and_then(|()| stdout.flush()).map_err(|e| io_error("cannot write", Path::new("stdout"), e))
}
