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
//! are written one by one, each certificate record first, then its wallet entry, and the
//! registry record that counts it last (see `CertificateAuthority::store_issued`): a crash
//! leaves at most one uncounted certificate (and its wallet entry), which the rerun discards
//! and enrols again.
//!
//! [`Backend::put_batch`]: crate::backend::Backend::put_batch

use super::authority::BulkEnrolment;
use super::registry::MAX_RETRIES;
use super::{Attribute, CaError, CertificateAuthority, CsvRowError};
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
    /// Parse CSV text with the columns `id,type,affiliation,attributes` (see
    /// [`parse_csv_named`](Self::parse_csv_named)).
    pub fn parse_csv(text: impl AsRef<[u8]>) -> Result<Vec<BulkRow>, CaError> {
        Self::parse_csv_named(text.as_ref(), "the CSV input")
    }

    /// Parse CSV bytes read from `name` with the columns `id,type,affiliation,attributes`. The
    /// attributes column holds `name=value[:ecert]` items separated by `;`. A first row whose
    /// first field is `id` is a header. Empty type or affiliation means the registrar's. Quoting
    /// follows RFC 4180 (the `csv` crate). Every unusable row is reported, each with the line it
    /// starts on, in one [`CaError::InvalidCsv`]; then no row is returned.
    pub fn parse_csv_named(bytes: &[u8], name: &str) -> Result<Vec<BulkRow>, CaError> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
        let mut rows = vec![];
        let mut bad = vec![];
        let mut record = csv::ByteRecord::new();
        let mut first = true;
        // The line a record starts on, from its byte offset: the csv crate's own line count
        // leaves out the blank lines it skips.
        let line_at = |offset: u64| {
            let start = usize::try_from(offset).unwrap_or(bytes.len()).min(bytes.len());
            let skipped = bytes[start..].iter().take_while(|b| matches!(b, b'\n' | b'\r')).count();
            bytes[..start + skipped].iter().filter(|b| **b == b'\n').count() as u64 + 1
        };
        loop {
            let offset = reader.position().byte();
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = line_at(e.position().map_or(offset, |p| p.byte()));
                    bad.push(CsvRowError { line, detail: e.to_string() });
                    continue;
                }
            }
            let line = line_at(record.position().map_or(offset, |p| p.byte()));
            let header = std::mem::replace(&mut first, false);
            match parse_record(&record, header) {
                Ok(Some(row)) => rows.push(row),
                Ok(None) => {}
                Err(detail) => bad.push(CsvRowError { line, detail }),
            }
        }
        if !bad.is_empty() {
            return Err(CaError::InvalidCsv { path: name.to_owned(), rows: bad });
        }
        Ok(rows)
    }
}

/// One record: a row, `None` for a blank line or the header, or what is wrong with it.
fn parse_record(record: &csv::ByteRecord, may_be_header: bool) -> Result<Option<BulkRow>, String> {
    let mut fields = Vec::with_capacity(record.len());
    for (i, f) in record.iter().enumerate() {
        let f = std::str::from_utf8(f).map_err(|_| format!("field {} is not UTF-8 text", i + 1))?;
        if f.contains('\n') || f.contains('\r') {
            let lines = f.matches('\n').count();
            return Err(format!(
                "field {} is quoted across {} lines: is a closing quote (\") missing?",
                i + 1,
                lines + 1
            ));
        }
        fields.push(f.trim());
    }
    if fields.iter().all(|f| f.is_empty()) {
        return Ok(None);
    }
    if may_be_header && fields[0].eq_ignore_ascii_case("id") {
        return Ok(None);
    }
    if fields.len() > 4 {
        return Err(format!("{} fields; expected id,type,affiliation,attributes", fields.len()));
    }
    let field = |i: usize| fields.get(i).copied().filter(|f| !f.is_empty()).map(str::to_owned);
    let id = field(0).ok_or("the id is empty")?;
    let attributes = match field(3) {
        None => vec![],
        Some(a) => a
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(|s| Attribute::parse(s.trim()))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?,
    };
    Ok(Some(BulkRow { id, identity_type: field(1), affiliation: field(2), attributes }))
}

/// The attributes a registrar gave (the last of each name), without those every registration
/// gets (`hf.EnrollmentID`, `hf.Type`, `hf.Affiliation`).
fn custom_attributes(attrs: &[Attribute]) -> std::collections::BTreeMap<&str, (&str, bool)> {
    let implicit = [super::rules::ENROLLMENT_ID, super::rules::TYPE, super::rules::AFFILIATION];
    attrs
        .iter()
        .filter(|a| !implicit.contains(&a.name.as_str()))
        .map(|a| (a.name.as_str(), (a.value.as_str(), a.ecert)))
        .collect()
}

/// What of `row` disagrees with the registered identity `existing` (only what the row gives is
/// compared: an empty column means "as registered").
pub(crate) fn contradiction(row: &BulkRow, existing: &super::registry::IdRecord) -> Option<String> {
    let mut found = vec![];
    if let Some(t) = row.identity_type.as_deref().filter(|t| *t != existing.identity_type) {
        found.push(format!("type {t:?}, registered as {:?}", existing.identity_type));
    }
    // The root affiliation is written `.` in a row and stored as "".
    let same_affiliation =
        |a: &str| super::model::affiliation_shown(a) == super::model::affiliation_shown(&existing.affiliation);
    if let Some(a) = row.affiliation.as_deref().filter(|a| !same_affiliation(a)) {
        let registered = super::model::affiliation_shown(&existing.affiliation);
        found.push(format!("affiliation {a:?}, registered as {registered:?}"));
    }
    if !row.attributes.is_empty() {
        let (given, registered) = (custom_attributes(&row.attributes), custom_attributes(&existing.attrs));
        if given != registered {
            let show = |m: &std::collections::BTreeMap<&str, (&str, bool)>| {
                m.iter()
                    .map(|(n, (v, e))| format!("{n}={v}{}", if *e { ":ecert" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(";")
            };
            found.push(format!("attributes {:?}, registered as {:?}", show(&given), show(&registered)));
        }
    }
    (!found.is_empty()).then(|| found.join("; "))
}

/// Options of a bulk enrolment.
#[derive(Debug, Clone, Default)]
pub struct BulkOptions {
    /// Max enrolments of the new identities (`None` = the CA's default).
    pub max_enrollments: Option<i32>,
    /// Rows in flight at once for a CA reached over the network (`None` = [`DEFAULT_CONCURRENCY`]).
    pub concurrency: Option<usize>,
}

/// Rows a remote bulk enrolment keeps in flight: enough to keep a server's cores busy with
/// bcrypt while round trips and key generation overlap.
pub const DEFAULT_CONCURRENCY: usize = 8;

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
        let registered = super::registry::Registry::new(self.wallet().backend(), self.name()).identity(&row.id)?;
        if let Some(detail) = registered.as_ref().and_then(|(existing, _)| contradiction(row, existing)) {
            return Ok(Plan::Done(BulkOutcome::Failed(
                CaError::RegistrationMismatch { id: row.id.clone(), detail }.into(),
            )));
        }
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

/// The general bulk enrolment of [`CaService::bulk_enroll`](super::CaService::bulk_enroll):
/// each row registered (with a generated secret) and enrolled, `concurrency` rows at once,
/// reported in order. A row registered by an earlier, stopped run gets a new secret and is
/// enrolled. A connection, TLS or interrupted-request failure stops the run (a rerun finishes
/// it); refusals are per row.
pub(super) fn concurrent<C: super::CaService + ?Sized>(
    ca: &C,
    registrar: &str,
    rows: Vec<BulkRow>,
    options: &BulkOptions,
    progress: &mut dyn FnMut(&BulkProgress<'_>),
) -> Result<BulkReport> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let issuer = ca.issuer_key_id()?;
    let workers = options.concurrency.unwrap_or(DEFAULT_CONCURRENCY).clamp(1, 64).min(rows.len().max(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<BulkOutcome>)>();
    let mut report = BulkReport::default();
    let mut fatal: Option<Error> = None;
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, stop, rows, issuer) = (&next, &stop, &rows, issuer.as_deref());
            s.spawn(move || loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(row) = rows.get(i) else { break };
                let outcome = enroll_row(ca, registrar, row, options, issuer);
                if outcome.as_ref().is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
                if tx.send((i, outcome)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Report in row order: hold finished rows until those before them are in.
        let mut waiting = std::collections::BTreeMap::new();
        let mut done = 0;
        for (i, outcome) in rx {
            waiting.insert(i, outcome);
            while let Some(outcome) = waiting.remove(&done) {
                let row = &rows[done];
                match outcome {
                    Ok(outcome) => {
                        done += 1;
                        match &outcome {
                            BulkOutcome::Enrolled => report.enrolled += 1,
                            BulkOutcome::Skipped => report.skipped += 1,
                            BulkOutcome::Failed(_) => {}
                        }
                        progress(&BulkProgress { done, id: &row.id, outcome: &outcome });
                        if let BulkOutcome::Failed(e) = outcome {
                            report.failed.push((row.id.clone(), e));
                        }
                    }
                    Err(e) => {
                        fatal.get_or_insert(e);
                        // Rows after a fatal one are not reported: a rerun settles them.
                        waiting.clear();
                        break;
                    }
                }
            }
            if fatal.is_some() {
                stop.store(true, Ordering::Relaxed);
            }
        }
    });
    match fatal {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// One row: `Ok(outcome)` for what belongs to the row, `Err` for a failure that stops the run.
fn enroll_row<C: super::CaService + ?Sized>(
    ca: &C,
    registrar: &str,
    row: &BulkRow,
    options: &BulkOptions,
    issuer: Option<&[u8]>,
) -> Result<BulkOutcome> {
    let settle = |r: Result<BulkOutcome>| match r {
        Err(e) if stops_a_remote_run(&e) => Err(e),
        Err(e) => Ok(BulkOutcome::Failed(e)),
        ok => ok,
    };
    if let Some(existing) = ca.wallet().try_get(&row.id)? {
        if issuer.is_some() && existing.certificate().authority_key_id().as_deref() == issuer {
            return Ok(BulkOutcome::Skipped);
        }
        return Ok(BulkOutcome::Failed(Error::AlreadyExists {
            kind: "identity",
            name: row.id.clone(),
            location: ca.wallet().location(),
        }));
    }
    let request = super::RegistrationRequest {
        id: row.id.clone(),
        secret: Some(super::Secret::generate()),
        identity_type: row.identity_type.clone(),
        affiliation: row.affiliation.clone(),
        attributes: row.attributes.clone(),
        max_enrollments: options.max_enrollments,
    };
    let secret = match ca.register(registrar, &request) {
        Ok(secret) => secret,
        // Registered by a run that stopped before enrolling it: a new secret, then enrol.
        Err(e) if is_duplicate(&e) => match ca.reset_secret(registrar, &row.id, None) {
            Ok(secret) => secret,
            Err(_) => return settle(Err(e)),
        },
        Err(e) => return settle(Err(e)),
    };
    let enrol = super::EnrollRequest { id: row.id.clone(), secret: Some(secret), ..Default::default() };
    settle(ca.enroll(&enrol).map(|_| BulkOutcome::Enrolled))
}

fn is_duplicate(e: &Error) -> bool {
    match e {
        Error::Ca(CaError::DuplicateIdentity { .. }) => true,
        #[cfg(feature = "remote-ca")]
        Error::Ca(CaError::Remote(r)) => r.code() == Some(74),
        _ => false,
    }
}

/// The server cannot be reached or stopped answering, or no MSP ID was given: every further
/// row would fail alike.
fn stops_a_remote_run(e: &Error) -> bool {
    is_fatal(e) || matches!(e, Error::Ca(CaError::NoMspId { .. })) || is_unreachable(e)
}

#[cfg(feature = "remote-ca")]
fn is_unreachable(e: &Error) -> bool {
    use crate::error::RemoteError;
    matches!(
        e,
        Error::Ca(CaError::Remote(
            RemoteError::Connect { .. } | RemoteError::Tls { .. } | RemoteError::Interrupted { .. }
        ))
    )
}

#[cfg(not(feature = "remote-ca"))]
fn is_unreachable(_: &Error) -> bool {
    false
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
    fn csv_errors_name_every_bad_row_with_its_true_line() {
        let e = BulkRow::parse_csv("a,b,c,d,e\n").unwrap_err();
        assert!(e.to_string().contains("line 1: 5 fields"), "{e}");
        // Every bad row in one pass, each with the line it is on (blank lines and the header count).
        let text = "id,type,affiliation,attributes\nok1,client,,\n,client\n\nu1,client,,role=x:bogus\nok2,,,\nu2,peer,org1,a=1,extra\n";
        let CaError::InvalidCsv { rows, .. } = BulkRow::parse_csv(text).unwrap_err() else { panic!() };
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 5, 7], "{rows:?}");
        assert!(rows[0].detail.contains("id is empty"), "{rows:?}");
        assert!(rows[1].detail.contains("bogus"), "{rows:?}");
        assert!(rows[2].detail.contains("5 fields"), "{rows:?}");
        // An unclosed quote is reported on the line where it opens, not where the file ends.
        let text = "ok1,client,,\nok2,client,,\n\"u3,client,,\nok4,client,,\nok5,client,,\n";
        let CaError::InvalidCsv { rows, .. } = BulkRow::parse_csv(text).unwrap_err() else { panic!() };
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].line, 3, "{rows:?}");
        assert!(rows[0].detail.contains("closing quote"), "{rows:?}");
        // Not UTF-8: that row, by line.
        let CaError::InvalidCsv { rows, .. } = BulkRow::parse_csv(b"ok,,,\n\xff\xfe,,,\n").unwrap_err() else {
            panic!()
        };
        assert_eq!((rows[0].line, rows[0].detail.contains("UTF-8")), (2, true), "{rows:?}");
    }

    #[test]
    fn rows_that_contradict_the_registration_are_named() {
        let existing = super::super::registry::IdRecord {
            v: 1,
            id: "u".into(),
            identity_type: "client".into(),
            affiliation: "org1".into(),
            attrs: vec![Attribute::new("role", "a", true), Attribute::new("hf.Type", "client", true)],
            max_enrollments: -1,
            enrollments: 1,
            state: super::super::IdentityState::Active,
            secret: None,
            failed_attempts: 0,
            certs: vec![],
        };
        let row = |t: Option<&str>, a: Option<&str>, attrs: Vec<Attribute>| BulkRow {
            id: "u".into(),
            identity_type: t.map(Into::into),
            affiliation: a.map(Into::into),
            attributes: attrs,
        };
        assert_eq!(contradiction(&row(None, None, vec![]), &existing), None);
        assert_eq!(
            contradiction(&row(Some("client"), Some("org1"), vec![Attribute::new("role", "a", true)]), &existing),
            None
        );
        assert!(contradiction(&row(Some("peer"), None, vec![]), &existing).unwrap().contains("type \"peer\""));
        assert!(contradiction(&row(None, Some("org2"), vec![]), &existing).unwrap().contains("affiliation \"org2\""));
        // The root is written "." in a row and stored as "": the same affiliation, not a contradiction.
        let at_root = super::super::registry::IdRecord { affiliation: String::new(), ..existing.clone() };
        assert_eq!(contradiction(&row(None, Some("."), vec![]), &at_root), None);
        assert!(contradiction(&row(None, Some("org1"), vec![]), &at_root).unwrap().contains("registered as \".\""));
        let attrs = contradiction(&row(None, None, vec![Attribute::new("role", "b", true)]), &existing).unwrap();
        assert!(attrs.contains("role=b:ecert") && attrs.contains("role=a:ecert"), "{attrs}");
    }
}
