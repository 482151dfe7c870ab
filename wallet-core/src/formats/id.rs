//! Fabric SDK wallet `.id` files:
//! `{"credentials":{"certificate","privateKey"},"mspId","type":"X.509","version":1}`.

use crate::error::{Error, Result};
use crate::identity::Identity;
use std::path::Path;
use zeroize::Zeroizing;

/// Parse the JSON of one `.id` file into an identity named `label`.
pub fn parse(label: &str, json: &[u8], what: &str) -> Result<Identity> {
    let _ = (label, json);
    Err(Error::Unsupported(format!(".id import not built yet ({what})")))
}

/// Serialize an identity as `.id` JSON (Node's key order, no trailing newline).
pub fn to_json(identity: &Identity) -> Result<Zeroizing<String>> {
    Err(Error::Unsupported(format!(".id export not built yet ({})", identity.label())))
}

/// Read one `.id` file; the label is the file name without `.id`.
pub fn read_file(path: &Path) -> Result<Identity> {
    Err(Error::Unsupported(format!(".id import not built yet ({})", path.display())))
}

/// Read every `*.id` file of an SDK wallet folder: one result per file, sorted by label.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, Result<Identity>)>> {
    Err(Error::Unsupported(format!(".id import not built yet ({})", dir.display())))
}

/// Write `<dir>/<label>.id` (mode 0600, atomic). Refuses to replace an existing file unless `overwrite`.
pub fn write_file(dir: &Path, identity: &Identity, overwrite: bool) -> Result<std::path::PathBuf> {
    let _ = (identity, overwrite);
    Err(Error::Unsupported(format!(".id export not built yet ({})", dir.display())))
}
