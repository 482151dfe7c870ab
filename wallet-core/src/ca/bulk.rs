//! Bulk enrolment: a registrar registers and enrols many identities on their behalf, with no
//! secret round trip.
//!
//! Each identity is finished — certificate recorded, identity registered, key and certificate
//! stored in the wallet — before it is reported, so what a progress callback reports as
//! enrolled is durable. A rerun after a crash skips the identities already in the wallet and
//! enrols those registered by the interrupted run but not yet stored.

use super::{Attribute, CaError, CertificateAuthority};
use crate::error::{Error, Result};

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

/// Progress report, given after each row is finished (durably, if enrolled).
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

impl CertificateAuthority<'_> {
    /// Register and enrol every row as `registrar`, which needs the rights to register each
    /// row's type, affiliation and attributes. Rows are independent: a refused row is reported
    /// and the run goes on. Errors of the store itself (I/O, a wallet that cannot be written)
    /// stop the run: everything reported before them is stored.
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
        let caller = self.authenticate_registrar(registrar)?;
        let affiliations = super::registry::Registry::new(self.wallet().backend(), self.name()).affiliations()?.0;
        let mut report = BulkReport::default();
        for (n, row) in rows.into_iter().enumerate() {
            let outcome = match self.holds_enrolment(&row.id, &row.id) {
                Ok(Some(true)) => BulkOutcome::Skipped,
                Ok(Some(false)) => BulkOutcome::Failed(Error::AlreadyExists {
                    kind: "identity",
                    name: row.id.clone(),
                    location: self.wallet().location(),
                }),
                Ok(None) => match self.bulk_one(&caller, &row, &affiliations, options.max_enrollments) {
                    Ok(()) => BulkOutcome::Enrolled,
                    Err(e) if is_fatal(&e) => return Err(e),
                    Err(e) => BulkOutcome::Failed(e),
                },
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => BulkOutcome::Failed(e),
            };
            progress(&BulkProgress { done: n + 1, id: &row.id, outcome: &outcome });
            match outcome {
                BulkOutcome::Enrolled => report.enrolled += 1,
                BulkOutcome::Skipped => report.skipped += 1,
                BulkOutcome::Failed(e) => report.failed.push((row.id, e)),
            }
        }
        Ok(report)
    }
}

/// Errors of the store rather than of a row.
fn is_fatal(e: &Error) -> bool {
    matches!(
        e,
        Error::Io { .. }
            | Error::Backend { .. }
            | Error::Integrity { .. }
            | Error::WrongPassphrase { .. }
            | Error::PassphraseRequired { .. }
            | Error::NoWallet { .. }
    )
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
