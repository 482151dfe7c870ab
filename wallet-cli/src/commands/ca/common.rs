//! What several `wallet ca` verbs share: enrolment secrets, attribute requests, the view of an
//! enrolled identity.

use super::{SecretArgs, ENV_ENROLL_SECRET};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::files::{read_file, write_private};
use crate::terminal;
use serde::Serialize;
use std::path::Path;
use wallet_core::ca::{AttributeRequest, Secret};
use wallet_core::Identity;

pub(super) fn parse_attr_req(s: &str) -> std::result::Result<AttributeRequest, String> {
    match s.rsplit_once(':') {
        Some((name, "opt" | "optional")) => Ok(AttributeRequest { name: name.into(), optional: true }),
        Some((_, flag)) => Err(format!("unknown flag {flag:?}: use NAME or NAME:opt")),
        None if s.is_empty() => Err("empty attribute name".into()),
        None => Ok(AttributeRequest { name: s.into(), optional: false }),
    }
}

pub(super) fn attr_reqs(reqs: Vec<AttributeRequest>) -> Option<Vec<AttributeRequest>> {
    if reqs.is_empty() {
        None
    } else {
        Some(reqs)
    }
}

/// The first line of a file, as a secret.
pub(super) fn secret_from_file(path: &Path) -> Result<Secret> {
    let bytes = zeroize::Zeroizing::new(read_file(path)?);
    let text =
        std::str::from_utf8(&bytes).map_err(|_| CliError::usage(format!("{} is not UTF-8 text", path.display())))?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(CliError::usage(format!("{} holds no secret on its first line", path.display())));
    }
    Ok(Secret::new(line))
}

/// An enrolment secret: --secret-file, else WALLET_ENROLL_SECRET, else a prompt.
/// Refuse an `--out` file that exists before anything is registered or changed, so the refusal
/// leaves the CA as it was.
pub(super) fn check_secret_out(out: Option<&Path>) -> Result<()> {
    match out {
        Some(path) if path.exists() => {
            Err(CliError::new(crate::error::exit::EXISTS, format!("{} already exists", path.display()))
                .with_hint("choose another file for the secret (it is not overwritten)"))
        }
        _ => Ok(()),
    }
}

/// Tell the user where the enrolment secret of `id` is: a secret they chose (from
/// `chosen_file`) is never echoed; a generated one goes to `out` (mode 0600, refused if it
/// exists) or, without it, alone on stdout for a pipe.
pub(super) fn report_secret(
    ctx: &Context,
    id: &str,
    secret: &Secret,
    chosen_file: Option<&Path>,
    out: Option<&Path>,
) -> Result<()> {
    if let Some(file) = chosen_file {
        // The user knows the secret; echoing it would put it in terminals and logs.
        return ctx.print(
            || format!("{id}: the enrolment secret is the one from {}", file.display()),
            &serde_json::json!({ "id": id, "secret_file": file }),
        );
    }
    if let Some(out) = out {
        let mut line = zeroize::Zeroizing::new(secret.expose().to_owned());
        line.push('\n');
        write_private(out, line.as_bytes(), false)?;
        return ctx.print(
            || format!("{id}: the enrolment secret is in {} (mode 0600)", out.display()),
            &serde_json::json!({ "id": id, "secret_file": out }),
        );
    }
    ctx.print(|| secret.expose().to_owned(), &serde_json::json!({ "id": id, "secret": secret.expose() }))
}

pub(super) fn enrolment_secret(args: &SecretArgs, id: &str) -> Result<Secret> {
    if let Some(path) = &args.secret_file {
        return secret_from_file(path);
    }
    if let Ok(s) = std::env::var(ENV_ENROLL_SECRET) {
        if !s.is_empty() {
            return Ok(Secret::new(s));
        }
    }
    if terminal::is_interactive() {
        let s = terminal::prompt_secret(&format!("Enrolment secret of {id}: "))
            .map_err(|e| crate::error::io_error("cannot read", Path::new("the terminal"), e))?;
        return Ok(Secret::new(s.as_str()));
    }
    Err(CliError::usage(format!("no enrolment secret given for {id}"))
        .with_hint(format!("pass --secret-file FILE or set {ENV_ENROLL_SECRET}")))
}

#[derive(Serialize)]
pub(super) struct IssuedView {
    label: String,
    enrollment_id: String,
    msp_id: String,
    subject: String,
    serial: String,
    not_after: String,
}

impl IssuedView {
    pub(super) fn of(identity: &Identity) -> Self {
        let cert = identity.certificate();
        Self {
            label: identity.label().into(),
            enrollment_id: identity.fabric_info().enrollment_id,
            msp_id: identity.msp_id().into(),
            subject: cert.subject(),
            serial: cert.serial_hex(),
            not_after: crate::view::rfc3339(cert.not_after()),
        }
    }

    pub(super) fn text(&self) -> String {
        format!(
            "enrolled {} as label {:?}\n  subject  {}\n  serial   {}\n  expires  {}",
            self.enrollment_id, self.label, self.subject, self.serial, self.not_after
        )
    }
}

/// After a listing: name each damaged registry record on stderr and fail, pointing at
/// `wallet ca repair`. The listing itself was printed whole (the damaged records left out).
pub(super) fn report_damage(ca: &dyn wallet_core::ca::CaService) -> Result<()> {
    let damaged = ca.damaged_records()?;
    if damaged.is_empty() {
        return Ok(());
    }
    for record in &damaged {
        crate::safe_text::eprintln_escaped!("damaged CA record: {record}");
    }
    Err(CliError::new(
        crate::error::exit::FAILURE,
        format!("{} CA records are damaged; the rest is shown", damaged.len()),
    )
    .with_hint("`wallet ca repair` mends what the wallet can tell (and says what it cannot)"))
}
