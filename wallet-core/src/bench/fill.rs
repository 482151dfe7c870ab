//! Growing a wallet to a size before rounds run at it, the fastest honest way: one identity
//! record (the benchmark's enrolled signer: a real key and Fabric-profile certificate) stored
//! under many labels through the backend's batch API ([`Backend::put_batch`]), so each batch
//! is one journal and one flush. Every record is sealed and written on its own, exactly as a
//! put would store it; only the elliptic-curve work of making a million keys and certificates
//! is saved, which the size of the wallet does not depend on.
//!
//! [`Backend::put_batch`]: crate::backend::Backend::put_batch

use super::workload::{fill_label, Workload};
use crate::backend::{BatchPut, Expect, RecordKey};
use crate::error::Result;
use crate::wallet::{encode_identity, IDENTITY_KIND};
use serde::Serialize;
use std::time::Instant;

/// Records per batch: each batch's journal holds every sealed record (about 1.5 kB each).
pub const FILL_BATCH: usize = 4096;

/// One growth of the wallet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FillReport {
    /// Identities in the wallet before.
    pub from: u64,
    /// And after.
    pub to: u64,
    /// Filler identities stored.
    pub added: u64,
    /// How long it took, in seconds.
    pub seconds: f64,
    /// Identities stored per second.
    pub rate_per_s: f64,
}

/// Store `count` more filler identities in `workload`'s wallet, which holds `identities` now;
/// `progress(done)` after each batch.
pub fn grow(workload: &Workload, identities: u64, count: u64, progress: &mut dyn FnMut(u64)) -> Result<FillReport> {
    let start = Instant::now();
    let record = encode_identity(workload.template())?;
    let backend = workload.wallet().backend();
    let mut done = 0u64;
    while done < count {
        let n = (count - done).min(FILL_BATCH as u64);
        let first = workload.fills();
        let keys: Vec<RecordKey> = (first..first + n).map(|i| RecordKey::new(IDENTITY_KIND, &fill_label(i))).collect();
        let writes: Vec<BatchPut<'_>> = keys.iter().map(|k| BatchPut::new(k, &record, Expect::Absent)).collect();
        backend.put_batch(&writes)?;
        workload.add_fills(n);
        done += n;
        progress(done);
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(FillReport {
        from: identities,
        to: identities + count,
        added: count,
        seconds,
        rate_per_s: if seconds > 0.0 { count as f64 / seconds } else { 0.0 },
    })
}
