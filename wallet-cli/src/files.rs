//! Reading inputs and writing outputs: stdin or a file in, stdout or a private file out.

use crate::error::{io_error, CliError, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use wallet_core::atomic_file::{AtomicWrite, PRIVATE_FILE_MODE};

/// Read all of `path`, or stdin when `path` is `None` or `-`.
pub fn read_input(path: Option<&Path>) -> Result<Vec<u8>> {
    match path {
        Some(p) if p != Path::new("-") => std::fs::read(p).map_err(|e| io_error("cannot read", p, e)),
        _ => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).map_err(|e| io_error("cannot read", Path::new("stdin"), e))?;
            Ok(buf)
        }
    }
}

/// Read a whole file.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| io_error("cannot read", path, e))
}

/// Write `bytes` to `path` atomically with mode 0600 (the one writer of the library, the same the
/// format exporters use). Refuses to replace an existing file unless `overwrite`.
pub fn write_private(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    Ok(AtomicWrite::new(PRIVATE_FILE_MODE).overwrite(overwrite).write(path, bytes)?)
}

/// Create a folder and its parents; new folders get mode 0700.
pub fn create_private_dir_all(path: &Path) -> Result<()> {
    Ok(wallet_core::formats::create_dir(path)?)
}

/// Write data to stdout. Binary data is refused when stdout is a terminal.
pub fn write_stdout(bytes: &[u8], binary: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if binary && out.is_terminal() {
        return Err(CliError::usage("refusing to write binary data to the terminal")
            .with_hint("redirect stdout to a file (`> FILE`) or pass --out FILE"));
    }
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => CliError::closed_pipe(),
        _ => io_error("cannot write", Path::new("stdout"), e),
    })
}

/// Write to `path` (0600) when given, else to stdout.
pub fn write_output(path: Option<&Path>, bytes: &[u8], binary: bool, overwrite: bool) -> Result<()> {
    match path {
        Some(p) if p != Path::new("-") => write_private(p, bytes, overwrite),
        _ => write_stdout(bytes, binary),
    }
}
