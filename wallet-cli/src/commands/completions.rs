//! `wallet completions SHELL`: completion scripts generated from the same clap definitions.

use super::examples;
use crate::cli::Cli;
use crate::error::Result;
use clap::CommandFactory;

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
    crate::files::write_stdout(&out, false)
}
