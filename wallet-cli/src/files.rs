//! Reading inputs and writing outputs: stdin or a file in, stdout or a private file out.

use crate::error::{exit, io_error, CliError, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

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

/// Write `bytes` to `path` atomically with mode 0600: a temporary file in the same folder,
/// synced, then renamed over the target. Refuses to replace an existing file unless `overwrite`.
pub fn write_private(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !overwrite && path.exists() {
        return Err(file_exists(path));
    }
    // tempfile creates the file with mode 0600 and a random name (O_EXCL).
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io_error("cannot create a file in", dir, e))?;
    tmp.write_all(bytes).map_err(|e| io_error("cannot write", tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(|e| io_error("cannot write", tmp.path(), e))?;
    let persisted = if overwrite { tmp.persist(path) } else { tmp.persist_noclobber(path) };
    persisted.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            file_exists(path)
        } else {
            io_error("cannot write", path, e.error)
        }
    })?;
    sync_dir(dir);
    Ok(())
}

/// Persist the folder entry of a renamed file (Unix; a no-op elsewhere).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        // Best effort: the file itself is already durable, and some file systems refuse this.
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn file_exists(path: &Path) -> CliError {
    CliError::new(exit::EXISTS, format!("{} already exists", path.display()))
        .with_hint("choose another path, or pass --force to replace it")
}

/// Create a folder and its parents; new folders get mode 0700.
pub fn create_private_dir_all(path: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(|e| io_error("cannot create folder", path, e))
}

/// Write data to stdout. Binary data is refused when stdout is a terminal.
pub fn write_stdout(bytes: &[u8], binary: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if binary && out.is_terminal() {
        return Err(CliError::usage("refusing to write binary data to the terminal")
            .with_hint("redirect stdout to a file (`> FILE`) or pass --out FILE"));
    }
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|e| io_error("cannot write", Path::new("stdout"), e))
}

/// Write to `path` (0600) when given, else to stdout.
pub fn write_output(path: Option<&Path>, bytes: &[u8], binary: bool, overwrite: bool) -> Result<()> {
    match path {
        Some(p) if p != Path::new("-") => write_private(p, bytes, overwrite),
        _ => write_stdout(bytes, binary),
    }
}
