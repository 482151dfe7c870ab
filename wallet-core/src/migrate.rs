//! Copy a whole wallet to another store: every identity, and the embedded CAs with their
//! registries, from any backend to any other.
//!
//! Records are copied as the bytes the source backend returns (the target seals them its own
//! way), each read back from the target and compared. A rerun after an interruption skips
//! what is already there and identical, and refuses to replace a record that differs unless
//! [`MigrateOptions::force`]. The source is never changed unless
//! [`MigrateOptions::delete_source`] is set, and then only after every record was copied and
//! verified. Identities whose key lives elsewhere (a [`KeyRef::External`](crate::crypto::KeyRef)
//! such as a Transit key) are copied as the reference they are, and reported by name.
//!
//! Order: identities first, then each CA's registry, and the CA configuration records last,
//! so a CA appears in the target only once its registry is all there.

use crate::backend::{BackendError, Expect, RecordKey};
use crate::ca::registry::{KIND_AFF, KIND_CERT, KIND_CONFIG, KIND_CRL, KIND_ID, KIND_KEY, KIND_REVOKED};
use crate::error::{Error, Result};
use crate::wallet::{Wallet, IDENTITY_KIND};

/// The record kinds this library writes, in the order they are copied.
pub const KINDS: &[&str] =
    &[IDENTITY_KIND, KIND_AFF, KIND_ID, KIND_CERT, KIND_REVOKED, KIND_CRL, KIND_KEY, KIND_CONFIG];

/// How to migrate.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct MigrateOptions {
    /// Replace records that exist in the target with different contents.
    pub force: bool,
    /// Delete each source record once everything was copied and verified.
    pub delete_source: bool,
}

impl MigrateOptions {
    /// Copy only, refuse to replace, keep the source.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replace records that differ in the target.
    pub fn with_force(mut self, on: bool) -> Self {
        self.force = on;
        self
    }

    /// Delete the source records afterwards.
    pub fn with_delete_source(mut self, on: bool) -> Self {
        self.delete_source = on;
        self
    }
}

/// What happened to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Written to the target and verified.
    Copied,
    /// Already in the target with the same bytes (a rerun).
    Identical,
    /// The target held different bytes and `force` replaced them.
    Replaced,
    /// The target holds different bytes; left alone (no `force`).
    Differs,
}

/// Where a migration is, for a progress bar.
#[derive(Debug)]
pub struct MigrateProgress<'a> {
    /// Records handled so far, this one included.
    pub done: usize,
    /// Records to handle.
    pub total: usize,
    /// This record.
    pub key: &'a RecordKey,
    /// What happened to it.
    pub outcome: Outcome,
}

/// What a migration did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrateReport {
    /// Records written and verified.
    pub copied: usize,
    /// Records already there, identical.
    pub identical: usize,
    /// Records replaced (`force`).
    pub replaced: usize,
    /// Records that differ in the target and were left alone: the migration is incomplete.
    pub differing: Vec<RecordKey>,
    /// Identities whose key stays in its own store: label and where the key is
    /// (`transit:org1-admin`). Their records were copied as references.
    pub external_keys: Vec<(String, String)>,
    /// Source records deleted (`delete_source`).
    pub deleted: usize,
    /// Records per kind, for the kinds that had any.
    pub per_kind: Vec<(String, usize)>,
}

impl MigrateReport {
    /// Every source record is in the target with the same bytes.
    pub fn is_complete(&self) -> bool {
        self.differing.is_empty()
    }
}

/// Where an identity record's key lives, when it is not in the record itself.
fn external_key(record: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Key {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        scheme: String,
        #[serde(default)]
        id: String,
    }
    #[derive(serde::Deserialize)]
    struct Record {
        key: Key,
    }
    let record: Record = serde_json::from_slice(record).ok()?;
    (record.key.kind == "ref").then(|| format!("{}:{}", record.key.scheme, record.key.id))
}

/// The kinds to copy from `from`: ours, then any other kind its store can enumerate (before
/// the CA configurations, which stay last).
fn kinds_of(from: &Wallet) -> Result<Vec<String>> {
    let mut kinds: Vec<String> = KINDS.iter().map(|k| (*k).to_owned()).collect();
    for kind in enumerable_kinds(from)? {
        if !kinds.contains(&kind) {
            kinds.insert(kinds.len() - 1, kind);
        }
    }
    Ok(kinds)
}

/// The kinds a store can list by itself (the vault backend's folders); none for the others.
#[cfg(feature = "vault")]
fn enumerable_kinds(from: &Wallet) -> Result<Vec<String>> {
    match from.backend().as_any().downcast_ref::<crate::backend::vault::VaultBackend>() {
        Some(vault) => vault.kinds(),
        None => Ok(vec![]),
    }
}

#[cfg(not(feature = "vault"))]
fn enumerable_kinds(_from: &Wallet) -> Result<Vec<String>> {
    Ok(vec![])
}

/// Copy every record of `from` into `to` (see the module documentation). `progress` is
/// called after each record.
pub fn migrate(
    from: &Wallet,
    to: &Wallet,
    options: &MigrateOptions,
    progress: &mut dyn FnMut(&MigrateProgress<'_>),
) -> Result<MigrateReport> {
    let (source, target) = (from.backend(), to.backend());
    if source.location() == target.location() && !source.location().starts_with("memory:") {
        return Err(Error::Unsupported(format!("migrating {} onto itself", source.location())));
    }
    let mut keys = vec![];
    let mut report = MigrateReport::default();
    for kind in kinds_of(from)? {
        let names = source.list(&kind, "")?;
        if !names.is_empty() {
            report.per_kind.push((kind.clone(), names.len()));
        }
        keys.extend(names.into_iter().map(|n| RecordKey::new(&kind, &n)));
    }
    let total = keys.len();
    let mut versions = Vec::with_capacity(total);
    for (i, key) in keys.iter().enumerate() {
        // Listed a moment ago, gone now: someone else is changing the source; skip it.
        let Some(record) = source.get(key)? else {
            versions.push(None);
            continue;
        };
        versions.push(Some(record.version));
        // Identities, and CA keys (their records are identity records): a key that lives in
        // Transit or on a token stays there; the report names it.
        if key.kind == IDENTITY_KIND || key.kind == KIND_KEY {
            if let Some(location) = external_key(&record.value) {
                report.external_keys.push((key.name.clone(), location));
            }
        }
        let outcome = match target.get(key)? {
            None => {
                target.put(key, &record.value, Expect::Absent)?;
                Outcome::Copied
            }
            Some(existing) if existing.value.as_slice() == record.value.as_slice() => Outcome::Identical,
            Some(existing) if options.force => {
                target.put(key, &record.value, Expect::Version(existing.version))?;
                Outcome::Replaced
            }
            Some(_) => Outcome::Differs,
        };
        if matches!(outcome, Outcome::Copied | Outcome::Replaced) {
            let back = target.get(key)?;
            if back.as_ref().map(|b| b.value.as_slice()) != Some(record.value.as_slice()) {
                return Err(BackendError::Integrity {
                    record: format!("{key} in {}", target.location()),
                    detail: "the copy does not read back as written".into(),
                }
                .into());
            }
        }
        match outcome {
            Outcome::Copied => report.copied += 1,
            Outcome::Identical => report.identical += 1,
            Outcome::Replaced => report.replaced += 1,
            Outcome::Differs => report.differing.push(key.clone()),
        }
        progress(&MigrateProgress { done: i + 1, total, key, outcome });
    }
    if options.delete_source && report.is_complete() {
        for (key, version) in keys.iter().zip(versions) {
            let Some(version) = version else { continue };
            let expect = if source.capabilities().cas_delete { Expect::Version(version) } else { Expect::Any };
            if source.delete(key, expect)? {
                report.deleted += 1;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::MemoryBackend;
    use crate::formats::test_support;

    fn wallet() -> Wallet {
        Wallet::from_backend(Box::new(MemoryBackend::new()))
    }

    #[test]
    fn copies_every_kind_and_a_rerun_skips_what_is_there() {
        let (from, to) = (wallet(), wallet());
        from.put(&test_support::identity("alice", "Org1MSP"), false).unwrap();
        from.backend().put(&RecordKey::new(KIND_CONFIG, "root"), b"config", Expect::Absent).unwrap();
        from.backend().put(&RecordKey::new(KIND_CERT, "root/01"), b"cert", Expect::Absent).unwrap();
        let mut seen = vec![];
        let report =
            migrate(&from, &to, &MigrateOptions::new(), &mut |p| seen.push((p.key.kind.clone(), p.done, p.total)))
                .unwrap();
        assert_eq!((report.copied, report.identical), (3, 0));
        assert_eq!(seen.last().unwrap(), &(KIND_CONFIG.to_owned(), 3, 3), "CA configurations come last");
        for kind in [IDENTITY_KIND, KIND_CONFIG, KIND_CERT] {
            for name in from.backend().list(kind, "").unwrap() {
                let k = RecordKey::new(kind, &name);
                assert_eq!(
                    from.backend().get(&k).unwrap().unwrap().value,
                    to.backend().get(&k).unwrap().unwrap().value
                );
            }
        }
        let again = migrate(&from, &to, &MigrateOptions::new(), &mut |_| {}).unwrap();
        assert_eq!((again.copied, again.identical), (0, 3));
        assert_eq!(from.list().unwrap(), ["alice"], "the source is kept");
    }

    #[test]
    fn a_different_record_is_refused_unless_forced_and_delete_source_waits_for_completeness() {
        let (from, to) = (wallet(), wallet());
        from.backend().put(&RecordKey::new(KIND_CONFIG, "root"), b"ours", Expect::Absent).unwrap();
        to.backend().put(&RecordKey::new(KIND_CONFIG, "root"), b"theirs", Expect::Absent).unwrap();
        let options = MigrateOptions::new().with_delete_source(true);
        let report = migrate(&from, &to, &options, &mut |_| {}).unwrap();
        assert!(!report.is_complete());
        assert_eq!(report.differing, [RecordKey::new(KIND_CONFIG, "root")]);
        assert_eq!(report.deleted, 0, "an incomplete migration deletes nothing");
        assert_eq!(
            to.backend().get(&RecordKey::new(KIND_CONFIG, "root")).unwrap().unwrap().value.as_slice(),
            b"theirs"
        );
        let report = migrate(&from, &to, &options.with_force(true), &mut |_| {}).unwrap();
        assert_eq!((report.replaced, report.deleted), (1, 1));
        assert_eq!(to.backend().get(&RecordKey::new(KIND_CONFIG, "root")).unwrap().unwrap().value.as_slice(), b"ours");
        assert!(from.backend().list(KIND_CONFIG, "").unwrap().is_empty());
    }

    #[test]
    fn external_keys_are_named() {
        let record =
            br#"{"v":1,"msp_id":"Org1MSP","certs":[],"key":{"type":"ref","scheme":"transit","id":"org1-admin"}}"#;
        assert_eq!(external_key(record).as_deref(), Some("transit:org1-admin"));
        assert_eq!(external_key(br#"{"key":{"type":"p256","scalar":"AAAA"}}"#), None);
    }
}
