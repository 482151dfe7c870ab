//! [`KeychainBackend`]: records sealed in a companion folder under keys kept in the keychain.
//!
//! Every write of a record makes a fresh random 32-byte key, stores it in the keychain under a
//! fresh entry name, seals the value with AES-256-GCM under it and writes the sealed record to
//! the companion folder, which names the entry. The order makes a failure at any step
//! harmless, and leaves at most an *intent* that the next writer or `wallet repair` settles:
//!
//! | step | put | delete |
//! |---|---|---|
//! | 1 | intent {new entry, old entry} (durable) | intent {old entry} |
//! | 2 | keychain: set the new entry | companion: remove the record (commit) |
//! | 3 | companion: write the record (commit) | keychain: delete the old entry |
//! | 4 | keychain: delete the old entry | forget the intent |
//! | 5 | forget the intent | |
//!
//! A failure before the commit undoes what was done (the new entry is deleted); one after it
//! leaves only an entry no record names, which the intent lists. Settling an intent deletes
//! every entry it names that the record (as it now is) does not use. So no record ever names
//! an entry that is not there (unless the entry is deleted behind the wallet's back, which
//! reads as [`KeychainError::EntryMissing`]), and no entry outlives its record for longer than
//! it takes the next writer to come along.

use super::companion::{Companion, Intent, Lock, StoredRecord};
use super::{KeychainError, Secrets};
use crate::backend::memory::check_expect;
use crate::backend::{Backend, BackendError, Capabilities, Expect, RecordKey, RepairReport, Version, Versioned};
use crate::error::{Error, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes256Gcm;
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

/// What a `keychain:` store guarantees: compare-and-swap writes and deletes under a lock,
/// listing from the companion folder, persistent, shared by the processes of one user on one
/// machine. No all-or-nothing batch (the CA and bulk enrolment then write in their crash-safe
/// order), and no value size limit (values live in the companion; the keychain holds 32 bytes).
pub(super) const CAPABILITIES: Capabilities =
    Capabilities::MINIMAL.with_cas_delete(true).with_list(true).with_persistent(true).with_shared(true);

const RECORD_LAYOUT: u32 = 1;
const AAD_CONTEXT: &[u8] = b"wallet keychain record v1";
/// How often `get` rereads a record whose entry vanished while a writer replaced it.
const READ_RETRIES: usize = 5;

/// 16 random bytes in hex: entry names and intent ids.
pub(super) fn random_name() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A `keychain:` store in use.
pub struct KeychainBackend {
    companion: Companion,
    secrets: Secrets,
    /// The keychain service its entries are under (includes the random wallet id).
    service: String,
    location: String,
}

impl std::fmt::Debug for KeychainBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeychainBackend")
            .field("location", &self.location)
            .field("companion", &self.companion.dir())
            .field("store", &self.secrets.kind())
            .finish()
    }
}

fn aad(kind: &str, name: &str, version: Version, entry: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(AAD_CONTEXT.len() + kind.len() + name.len() + entry.len() + 20);
    out.extend_from_slice(AAD_CONTEXT);
    for part in [kind.as_bytes(), name.as_bytes(), entry.as_bytes()] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&version.to_be_bytes());
    out
}

impl KeychainBackend {
    pub(super) fn new(companion: Companion, secrets: Secrets, service: String, location: String) -> Self {
        Self { companion, secrets, service, location }
    }

    /// The companion folder.
    pub fn companion_dir(&self) -> &std::path::Path {
        self.companion.dir()
    }

    /// Which keychain holds the secrets.
    pub fn store(&self) -> super::KeychainStore {
        self.secrets.kind()
    }

    #[cfg(test)]
    pub(super) fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    #[cfg(test)]
    pub(super) fn service(&self) -> &str {
        &self.service
    }

    fn what(key: &RecordKey) -> String {
        format!("the key of {key}")
    }

    fn seal(&self, key: &RecordKey, version: Version, entry: &str, secret: &[u8; 32], value: &[u8]) -> StoredRecord {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let sealed = Aes256Gcm::new(secret.into())
            .encrypt(&nonce.into(), Payload { msg: value, aad: &aad(&key.kind, &key.name, version, entry) })
            .expect("AES-GCM seals any value this size");
        StoredRecord {
            v: RECORD_LAYOUT,
            kind: key.kind.clone(),
            name: key.name.clone(),
            version,
            entry: entry.to_owned(),
            nonce: B64.encode(nonce),
            sealed: B64.encode(sealed),
        }
    }

    fn open_record(&self, key: &RecordKey, record: &StoredRecord, secret: &[u8; 32]) -> Result<Zeroizing<Vec<u8>>> {
        let damaged = |detail: &str| -> Error {
            BackendError::Integrity { record: format!("{key} in {}", self.location), detail: detail.to_owned() }.into()
        };
        if record.v != RECORD_LAYOUT {
            return Err(damaged(&format!("unknown record layout {}", record.v)));
        }
        let nonce: [u8; 12] = B64
            .decode(&record.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| damaged("its nonce is malformed"))?;
        let sealed = B64.decode(&record.sealed).map_err(|_| damaged("its sealed value is not base64"))?;
        Aes256Gcm::new(secret.into())
            .decrypt(
                &nonce.into(),
                Payload { msg: &sealed, aad: &aad(&key.kind, &key.name, record.version, &record.entry) },
            )
            .map(Zeroizing::new)
            .map_err(|_| damaged("it does not open with its keychain key (modified, or the entry was replaced)"))
    }

    /// Take the writers' lock and settle what earlier writers left (best effort: a keychain
    /// that fails now fails the write that follows, with its own error).
    fn lock(&self) -> Result<Lock> {
        let lock = self.companion.lock()?;
        let _ = self.settle_locked(&lock);
        Ok(lock)
    }

    /// Settle every intent: delete the entries it names that its record does not use now.
    /// Returns how many entries were deleted.
    pub(super) fn settle_locked(&self, _held: &Lock) -> Result<usize> {
        let mut deleted = 0;
        for (id, intent) in self.companion.intents()? {
            if let Some(Intent { kind, name, new, old }) = intent {
                let current = self.companion.read_record(&kind, &name).ok().flatten().map(|r| r.entry);
                for entry in [new, old].into_iter().flatten() {
                    if Some(&entry) != current.as_ref() && self.secrets.delete(&self.service, &entry)? {
                        deleted += 1;
                    }
                }
            }
            self.companion.remove_intent(&id)?;
        }
        Ok(deleted)
    }

    /// Settle leftovers, check every record's entry, and delete entries no record names
    /// (where the keychain can list them).
    pub(super) fn repair(&self) -> Result<RepairReport> {
        let lock = self.companion.lock()?;
        self.settle_locked(&lock)?;
        let mut unreadable = Vec::new();
        let mut used = std::collections::BTreeSet::new();
        let keys = self.companion.all_keys()?;
        for (kind, name) in &keys {
            let key = RecordKey::new(kind, name);
            match self.companion.read_record(kind, name) {
                Ok(Some(record)) => {
                    match self.secrets.get(&self.service, &record.entry, &Self::what(&key))? {
                        Some(_) => {}
                        None => unreadable.push(format!("{key}: its keychain entry {} is gone", record.entry)),
                    }
                    used.insert(record.entry);
                }
                Ok(None) => {}
                Err(e) => unreadable.push(format!("{key}: {e}")),
            }
        }
        if let Some(entries) = self.secrets.search(&self.service)? {
            for entry in entries.into_iter().filter(|e| !used.contains(e)) {
                self.secrets.delete(&self.service, &entry)?;
            }
        }
        Ok(RepairReport::new(keys.len(), unreadable))
    }

    /// Delete every entry and record, records first for each (used by the provider's remove).
    pub(super) fn remove_everything(&self) -> Result<()> {
        let lock = self.companion.lock()?;
        self.settle_locked(&lock)?;
        for (kind, name) in self.companion.all_keys()? {
            if let Ok(Some(record)) = self.companion.read_record(&kind, &name) {
                self.secrets.delete(&self.service, &record.entry)?;
            }
            self.companion.remove_record(&kind, &name)?;
        }
        if let Some(entries) = self.secrets.search(&self.service)? {
            for entry in entries {
                self.secrets.delete(&self.service, &entry)?;
            }
        }
        drop(lock);
        self.companion.remove_all()
    }

    fn current(&self, key: &RecordKey) -> Result<Option<StoredRecord>> {
        self.companion.read_record(&key.kind, &key.name)
    }

    /// Undo a put that failed before its commit: delete the new entry, then forget the
    /// intent. If the keychain refuses that too, the intent stays for the next settle.
    fn undo(&self, intent_id: &str, entry: &str) {
        if self.secrets.delete(&self.service, entry).is_ok() {
            let _ = self.companion.remove_intent(intent_id);
        }
    }
}

impl Backend for KeychainBackend {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>> {
        let mut last_entry = None;
        for _ in 0..READ_RETRIES {
            let Some(record) = self.current(key)? else { return Ok(None) };
            match self.secrets.get(&self.service, &record.entry, &Self::what(key))? {
                Some(secret) => {
                    let value = self.open_record(key, &record, &secret)?;
                    return Ok(Some(Versioned { value, version: record.version }));
                }
                // A writer may have replaced the record (and deleted this entry) since it was
                // read: read it again; the same entry twice means it is really gone.
                None if last_entry.as_ref() == Some(&record.entry) => break,
                None => last_entry = Some(record.entry),
            }
        }
        Err(KeychainError::EntryMissing {
            store: self.secrets.kind(),
            entry: last_entry.unwrap_or_default(),
            what: format!("{} in {}", Self::what(key), self.location),
        }
        .into())
    }

    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version> {
        let _lock = self.lock()?;
        let current = self.current(key);
        // A damaged record cannot prove its version, but `Any` may replace it.
        let current = match current {
            Err(_) if expect == Expect::Any => None,
            other => other?,
        };
        check_expect(key, current.as_ref().map(|r| r.version), expect, &self.location)?;
        let version = current.as_ref().map_or(1, |r| r.version.saturating_add(1));
        let entry = random_name();
        let mut secret = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut *secret);
        let record = self.seal(key, version, &entry, &secret, value);
        let old = current.map(|r| r.entry);
        let intent =
            Intent { kind: key.kind.clone(), name: key.name.clone(), new: Some(entry.clone()), old: old.clone() };
        let intent_id = self.companion.write_intent(&intent)?;
        if let Err(e) = self.secrets.set(&self.service, &entry, &secret) {
            // The keychain may have stored it before failing: undo as for a failed commit.
            self.undo(&intent_id, &entry);
            return Err(e.into());
        }
        if let Err(e) = self.companion.write_record(&record) {
            // The rename may have happened before the failure (a folder sync that failed):
            // then the record names the new entry, which must stay; the intent stays too.
            if !matches!(self.current(key), Ok(Some(r)) if r.entry == entry) {
                self.undo(&intent_id, &entry);
            }
            return Err(e);
        }
        // Committed. What follows only tidies; a failure leaves the intent for the next settle.
        if let Some(old) = &old {
            if self.secrets.delete(&self.service, old).is_err() {
                return Ok(version);
            }
        }
        let _ = self.companion.remove_intent(&intent_id);
        Ok(version)
    }

    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool> {
        if expect == Expect::Absent {
            return Err(BackendError::Unsupported("delete with Expect::Absent".into()).into());
        }
        let _lock = self.lock()?;
        let current = match self.current(key) {
            // A damaged record can still be deleted unconditionally (its entry, if any, is
            // left for `wallet repair`, which finds entries no record names).
            Err(_) if expect == Expect::Any => {
                return self.companion.remove_record(&key.kind, &key.name);
            }
            other => other?,
        };
        check_expect(key, current.as_ref().map(|r| r.version), expect, &self.location)?;
        let Some(record) = current else { return Ok(false) };
        let intent =
            Intent { kind: key.kind.clone(), name: key.name.clone(), new: None, old: Some(record.entry.clone()) };
        let intent_id = self.companion.write_intent(&intent)?;
        // Removed or not, the intent tells the next settle what to do with the entry.
        self.companion.remove_record(&key.kind, &key.name)?;
        if self.secrets.delete(&self.service, &record.entry).is_ok() {
            let _ = self.companion.remove_intent(&intent_id);
        }
        Ok(true)
    }

    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        self.companion.list(kind, prefix)
    }
}
