//! Old spellings that still work for one release, each with a note on stderr.

/// Say on stderr that `old` is deprecated and what to write instead. Stdout stays clean.
pub fn note(old: &str, new: &str) {
    eprintln!("warning: {old} is deprecated and will be removed in the next release; use {new}");
}

/// The subject given positionally or, deprecated, by its old flag (`--label`, `--id`).
pub fn subject(positional: Option<String>, old: Option<String>, old_flag: &str, new: &str) -> Option<String> {
    if old.is_some() {
        note(old_flag, new);
    }
    positional.or(old)
}
