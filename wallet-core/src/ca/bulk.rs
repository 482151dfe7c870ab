//! Bulk enrolment: a registrar registers and enrols many identities on their behalf, with no
//! secret round trip.
//!
//! Rows are enrolled in groups of [`BATCH_ROWS`]: each row is decided and signed, then the
//! group's records — for each identity its certificate record, its registry record and its
//! wallet entry — are written in one atomic batch ([`Backend::put_batch`]). Only then are the
//! group's rows reported, so what a progress callback reports as enrolled is durable, and a
//! crash leaves each group wholly stored or not at all: never an enrolment counted without
//! its key in the wallet. A rerun skips the identities already in the wallet and enrols the
//! rest.
//!
//! On a store without atomic batches (`capabilities().atomic_batch` false) the rows of a group
//! are written one by one, each wallet entry first and the registry record that counts it
//! last (see `CertificateAuthority::store_issued`): a crash leaves at most one uncounted
//! certificate and wallet entry, which the rerun discards and enrols again.
//!
//! [`Backend::put_batch`]: crate::backend::Backend::put_batch

use super::authority::BulkEnrolment;
use super::registry::MAX_RETRIES;
use super::{Attribute, CaError, CertificateAuthority};
use crate::backend::{BackendError, BatchPut};
use crate::error::{Error, Result};

/// Rows per batch: large enough that a batch's fixed cost (journal, flushes, index) is small
/// per identity, small enough that progress moves often (a batch takes well under a second).
pub const BATCH_ROWS: usize = 256;

/// One identity to enrol: a parsed CSV row `id,type,affiliation,attributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkRow {
    /// Enrollment ID, also the wallet label.
    pub id: String,
    /// Type; `None` = the registrar's.
    pub identity_type: Option<String>,
    /// Affiliation; `None` = the registrar's.
    pub affiliation: Option<String>,
    /// Attributes.
    pub attributes: Vec<Attribute>,
}

impl BulkRow {
    /// Parse CSV text with the columns `id,type,affiliation,attributes`. The attributes column
    /// holds `name=value[:ecert]` items separated by `;`. A first line starting with `id,` is a
    /// header. Empty type or affiliation means the registrar's. Quoted fields follow RFC 4180.
    pub fn parse_csv(text: &str) -> Result<Vec<BulkRow>, CaError> {
        let mut rows = vec![];
        for (n, record) in split_records(text)?.into_iter().enumerate() {
            let line = n + 1;
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            if n == 0 && record.first().is_some_and(|f| f.trim().eq_ignore_ascii_case("id")) {
                continue;
            }
            let bad = |detail: String| CaError::InvalidParameter { what: format!("CSV record {line}"), detail };
            if record.len() > 4 {
                return Err(bad(format!("{} fields; expected id,type,affiliation,attributes", record.len())));
            }
            let field = |i: usize| record.get(i).map(|f| f.trim().to_owned()).filter(|f| !f.is_empty());
            let id = field(0).ok_or_else(|| bad("the id is empty".into()))?;
            let attributes = match field(3) {
                None => vec![],
                Some(a) => a
                    .split(';')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| Attribute::parse(s.trim()))
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(e.to_string()))?,
            };
            rows.push(BulkRow { id, identity_type: field(1), affiliation: field(2), attributes });
        }
        Ok(rows)
    }
}

/// RFC 4180 records: fields split on commas, `"…"` quoting with `""` for a quote.
fn split_records(text: &str) -> Result<Vec<Vec<String>>, CaError> {
    let mut records = vec![];
    let mut record = vec![];
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c)
            }
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(CaError::InvalidParameter {
            what: format!("CSV line {line}"),
            detail: "a quoted field is not closed".into(),
        });
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// Options of a bulk enrolment.
#[derive(Debug, Clone, Default)]
pub struct BulkOptions {
    /// Max enrolments of the new identities (`None` = the CA's default).
    pub max_enrollments: Option<i32>,
}

/// What happened to one row.
#[derive(Debug)]
pub enum BulkOutcome {
    /// Enrolled now; stored in the wallet under its ID.
    Enrolled,
    /// Already in the wallet as this CA's enrolment (an earlier run did it).
    Skipped,
    /// Refused; the run goes on with the next row.
    Failed(Error),
}

/// Progress report, given for each row once it is finished (durably, if enrolled: after the
/// batch it belongs to is stored).
#[derive(Debug)]
pub struct BulkProgress<'a> {
    /// Rows done so far, this one included.
    pub done: usize,
    /// The row's ID.
    pub id: &'a str,
    /// What happened.
    pub outcome: &'a BulkOutcome,
}

/// Totals of a bulk enrolment.
#[derive(Debug, Default)]
pub struct BulkReport {
    /// Enrolled by this run.
    pub enrolled: usize,
    /// Already enrolled before it.
    pub skipped: usize,
    /// Refused rows and why.
    pub failed: Vec<(String, Error)>,
}

/// What the planning of a row decided.
enum Plan {
    /// Settled without writing anything: skipped or refused.
    Done(BulkOutcome),
    /// To be written with its group.
    Write(Box<BulkEnrolment>),
}

impl BulkEnrolment {
    fn writes(&self) -> [BatchPut<'_>; 3] {
        let [cert, id] = self.issued.writes();
        [cert, id, self.wallet_entry.write()]
    }
}

/// A group of rows planned but not yet written.
#[derive(Default)]
struct Group {
    rows: Vec<(super::BulkRow, Plan)>,
    /// IDs of the rows to write, so a repeated ID waits for the group before it.
    ids: std::collections::HashSet<String>,
}

impl CertificateAuthority {
    /// Register and enrol every row as `registrar`, which needs the rights to register each
    /// row's type, affiliation and attributes. Rows are independent: a refused row is reported
    /// and the run goes on. Rows are stored in atomic batches of [`BATCH_ROWS`] and reported,
    /// in order, once their batch is durable. Errors of the store itself (I/O, a wallet that
    /// cannot be written) stop the run: everything reported before them is stored.
    pub fn bulk_enroll<I>(
        &self,
        registrar: &str,
        rows: I,
        options: &BulkOptions,
        progress: &mut dyn FnMut(&BulkProgress<'_>),
    ) -> Result<BulkReport>
    where
        I: IntoIterator<Item = BulkRow>,
    {
        self.bulk_enroll_in_batches(registrar, rows, options, BATCH_ROWS, progress)
    }

    /// [`bulk_enroll`](Self::bulk_enroll) with `batch_rows` rows per batch.
    pub(crate) fn bulk_enroll_in_batches<I>(
        &self,
        registrar: &str,
        rows: I,
        options: &BulkOptions,
        batch_rows: usize,
        progress: &mut dyn FnMut(&BulkProgress<'_>),
    ) -> Result<BulkReport>
    where
        I: IntoIterator<Item = BulkRow>,
    {
        let caller = self.authenticate_registrar(registrar)?;
        let affiliations = super::registry::Registry::new(self.wallet().backend(), self.name()).affiliations()?.0;
        let plan = |row: &BulkRow| self.plan_row(&caller, row, &affiliations, options.max_enrollments);
        let mut report = BulkReport::default();
        let mut group = Group::default();
        for row in rows {
            if group.ids.contains(&row.id) {
                // The same ID again: decide it once the first one is stored.
                self.commit(&mut group, &plan, &mut report, progress)?;
            }
            let planned = plan(&row)?;
            if matches!(planned, Plan::Write(_)) {
                group.ids.insert(row.id.clone());
            }
            group.rows.push((row, planned));
            // Rows, not only writes: a rerun that skips everything still reports as it goes.
            if group.rows.len() >= batch_rows.max(1) {
                self.commit(&mut group, &plan, &mut report, progress)?;
            }
        }
        self.commit(&mut group, &plan, &mut report, progress)?;
        Ok(report)
    }

    /// Decide a row: skip it, refuse it, or sign its enrolment. `Err` only for errors of the
    /// store, which stop the run.
    fn plan_row(
        &self,
        caller: &super::registry::IdRecord,
        row: &BulkRow,
        affiliations: &super::registry::AffRecord,
        max: Option<i32>,
    ) -> Result<Plan> {
        let outcome = match self.holds_enrolment(&row.id, &row.id) {
            Ok(Some(true)) => BulkOutcome::Skipped,
            Ok(Some(false)) => BulkOutcome::Failed(Error::AlreadyExists {
                kind: "identity",
                name: row.id.clone(),
                location: self.wallet().location(),
            }),
            Ok(None) => match self.prepare_bulk_row(caller, row, affiliations, max) {
                Ok(enrolment) => return Ok(Plan::Write(Box::new(enrolment))),
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => BulkOutcome::Failed(e),
            },
            Err(e) if is_fatal(&e) => return Err(e),
            Err(e) => BulkOutcome::Failed(e),
        };
        Ok(Plan::Done(outcome))
    }

    /// Write the group's enrolments in one batch, then report its rows in order. If the batch
    /// is refused (another writer changed a record since the rows were decided), each row is
    /// decided again and written on its own.
    fn commit(
        &self,
        group: &mut Group,
        plan: &dyn Fn(&BulkRow) -> Result<Plan>,
        report: &mut BulkReport,
        progress: &mut dyn FnMut(&BulkProgress<'_>),
    ) -> Result<()> {
        let backend = self.wallet().backend();
        let refused: Vec<bool> = if backend.capabilities().atomic_batch {
            let writes: Vec<BatchPut<'_>> = group
                .rows
                .iter()
                .filter_map(|(_, p)| match p {
                    Plan::Write(e) => Some(e.writes()),
                    Plan::Done(_) => None,
                })
                .flatten()
                .collect();
            let refused = match backend.put_batch(&writes) {
                Ok(_) => false,
                Err(e) if is_refusal(&e) => true,
                Err(e) => return Err(e),
            };
            vec![refused; group.rows.len()]
        } else {
            // No atomic batch: row by row, each in the crash-safe order of `store_issued`.
            let mut refused = Vec::with_capacity(group.rows.len());
            for (_, planned) in &group.rows {
                refused.push(match planned {
                    Plan::Write(e) => match self.store_issued(&e.issued, Some(&e.wallet_entry)) {
                        Ok(()) => false,
                        Err(e) if is_refusal(&e) => true,
                        Err(e) => return Err(e),
                    },
                    Plan::Done(_) => false,
                });
            }
            refused
        };
        let rows = std::mem::take(&mut group.rows);
        group.ids.clear();
        for ((row, planned), refused) in rows.into_iter().zip(refused) {
            let outcome = match planned {
                Plan::Done(outcome) => outcome,
                Plan::Write(_) if !refused => BulkOutcome::Enrolled,
                Plan::Write(_) => self.enroll_alone(&row, plan)?,
            };
            let done = report.enrolled + report.skipped + report.failed.len() + 1;
            progress(&BulkProgress { done, id: &row.id, outcome: &outcome });
            match outcome {
                BulkOutcome::Enrolled => report.enrolled += 1,
                BulkOutcome::Skipped => report.skipped += 1,
                BulkOutcome::Failed(e) => report.failed.push((row.id, e)),
            }
        }
        Ok(())
    }

    /// Decide and write one row on its own, again until no other writer gets in the way.
    fn enroll_alone(&self, row: &BulkRow, plan: &dyn Fn(&BulkRow) -> Result<Plan>) -> Result<BulkOutcome> {
        for _ in 0..MAX_RETRIES {
            let enrolment = match plan(row)? {
                Plan::Done(outcome) => return Ok(outcome),
                Plan::Write(enrolment) => enrolment,
            };
            match self.store_issued(&enrolment.issued, Some(&enrolment.wallet_entry)) {
                Ok(()) => return Ok(BulkOutcome::Enrolled),
                Err(e) if is_refusal(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(BulkOutcome::Failed(BackendError::Conflict { record: format!("enrolment of {:?}", row.id) }.into()))
    }
}

/// A batch refused because a record changed since it was decided.
fn is_refusal(e: &Error) -> bool {
    matches!(e, Error::AlreadyExists { .. } | Error::NotFound { .. } | Error::Backend(BackendError::Conflict { .. }))
}

/// Errors of the store rather than of a row: all of the backend's but a lost race.
fn is_fatal(e: &Error) -> bool {
    match e {
        Error::Io { .. } => true,
        Error::Backend(b) => !matches!(b, BackendError::Conflict { .. }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows() {
        let text = "id,type,affiliation,attributes\r\nu1,client,org1.department1,role=auditor:ecert;level=3\n\nu2,,,\n\"u,3\",peer,org2,\"x=a,b\"\n";
        let rows = BulkRow::parse_csv(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].id, "u1");
        assert_eq!(rows[0].identity_type.as_deref(), Some("client"));
        assert_eq!(rows[0].affiliation.as_deref(), Some("org1.department1"));
        assert_eq!(
            rows[0].attributes,
            vec![Attribute::new("role", "auditor", true), Attribute::new("level", "3", false)]
        );
        assert_eq!(rows[1], BulkRow { id: "u2".into(), ..Default::default() });
        assert_eq!(rows[2].id, "u,3");
        assert_eq!(rows[2].attributes, vec![Attribute::new("x", "a,b", false)]);
    }

    #[test]
    fn csv_errors_name_the_record() {
        let e = BulkRow::parse_csv("a,b,c,d,e\n").unwrap_err();
        assert!(e.to_string().contains("CSV record 1"), "{e}");
        let e = BulkRow::parse_csv("ok\n,client\n").unwrap_err();
        assert!(e.to_string().contains("CSV record 2") && e.to_string().contains("id is empty"), "{e}");
        let e = BulkRow::parse_csv("u1,client,,role=x:bogus\n").unwrap_err();
        assert!(e.to_string().contains("bogus"), "{e}");
        assert!(BulkRow::parse_csv("\"open\n").is_err());
    }
}
