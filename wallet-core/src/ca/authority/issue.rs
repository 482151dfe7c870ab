//! Issuing certificates: authenticating callers, enrolment with a new key or a CSR,
//! reenrolment, and the issuance of bulk enrolment.

use super::{add, forget_key_on_error, unix, Auth, BulkEnrolment, CertificateAuthority, Issue, Issued, Stored};
use crate::backend::{BackendError, BatchPut, Expect, RecordKey, Version};
use crate::ca::profile::{self, CertKind, CertSpec, IssuerRef};
use crate::ca::registry::{
    is_already_exists, AffRecord, CertRecord, IdRecord, KIND_CERT, KIND_ID, MAX_RETRIES, RECORD_VERSION,
};
use crate::ca::rules;
use crate::ca::secret::verify_secret;
use crate::ca::*;
use crate::error::{Error, Result};
use crate::identity::{validate_label, Certificate, Identity, IdentityKey};
use crate::wallet::{decode_identity, encode_identity, IDENTITY_KIND};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::time::Duration;

impl CertificateAuthority {
    // ----- callers -----------------------------------------------------------------------------

    /// Check that the identity stored under `label` may act with this CA: its certificate is
    /// one this CA issued (byte for byte in the registry), unrevoked, and (unless
    /// `allow_expired`) within its validity; and its registered identity is active.
    pub(super) fn authenticate(&self, label: &str, allow_expired: bool) -> Result<(Identity, IdRecord)> {
        let identity = self.wallet.get(label)?;
        let cert = identity.certificate();
        let fail = |detail: String| -> Error {
            CaError::CallerCertificate { label: label.into(), ca: self.config.name.clone(), detail }.into()
        };
        let serial = cert.serial_hex();
        let issued = match self.registry().cert(&serial)? {
            Some(rec)
                if cert.authority_key_id().as_deref() == Some(&self.key_id)
                    && B64.decode(&rec.der).ok().as_deref() == Some(cert.der()) =>
            {
                rec
            }
            _ => return Err(fail("this CA did not issue its certificate".into())),
        };
        if let Some(rev) = self.registry().revoked(&serial)? {
            return Err(CaError::CallerRevoked {
                label: label.into(),
                ca: self.config.name.clone(),
                serial,
                reason: rev.reason.to_string(),
            }
            .into());
        }
        let now = self.now();
        if !allow_expired && now > cert.not_after() {
            return Err(fail(format!(
                "its certificate expired on {}",
                super::super::model::rfc3339_text(cert.not_after())
            )));
        }
        if now < cert.not_before() {
            return Err(fail(format!(
                "its certificate is not valid before {}",
                super::super::model::rfc3339_text(cert.not_before())
            )));
        }
        let (rec, _) = self.registry().identity_or_err(&issued.id)?;
        if rec.state == IdentityState::Revoked {
            return Err(CaError::IdentityRevoked { id: rec.id }.into());
        }
        Ok((identity, rec))
    }

    /// Sign a certificate with a fresh serial and record it (create-only, so two processes can
    /// never record the same serial). Returns the certificate.
    pub(super) fn sign_and_record<'k>(
        &self,
        owner: &str,
        spec: impl Fn([u8; 20]) -> CertSpec<'k>,
    ) -> Result<Certificate> {
        let issuer = IssuerRef {
            subject: &self.ca.certificate().x509().tbs_certificate.subject,
            key_id: Some(self.key_id.clone()),
            signer: self.signer(),
        };
        for _ in 0..MAX_RETRIES {
            let cert = profile::issue(spec(profile::random_serial()), &issuer)?;
            let serial = cert.serial_hex();
            let record = self.cert_record(owner, &cert);
            match self.registry().put(&self.registry().key(KIND_CERT, Some(&serial)), &record, Expect::Absent) {
                Ok(_) => return Ok(cert),
                Err(e) if is_already_exists(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(BackendError::Conflict { record: format!("{KIND_CERT} serials of {}", self.config.name) }.into())
    }

    /// The registry record of a certificate issued to `owner`.
    pub(super) fn cert_record(&self, owner: &str, cert: &Certificate) -> CertRecord {
        CertRecord {
            v: RECORD_VERSION,
            serial: cert.serial_hex(),
            aki: hex::encode(&self.key_id),
            id: owner.into(),
            not_before: unix(cert.not_before()),
            not_after: unix(cert.not_after()),
            der: B64.encode(cert.der()),
        }
    }

    /// Issue a certificate to registered identity `id` under Fabric CA's enrolment rules, and
    /// store it with what makes it count ([`store_issued`](Self::store_issued)): the
    /// certificate record (create-only), the identity record with the enrolment counted
    /// (compare-and-swap), and the record `finish` adds for the certificate (the wallet entry
    /// of the new identity), if any. If another writer changed the identity meanwhile, or the
    /// serial is taken, everything is decided again on fresh data.
    fn issue_to<T>(
        &self,
        id: &str,
        auth: Auth<'_>,
        request: &Issue<'_>,
        mut finish: impl FnMut(&Certificate) -> Result<(Option<Stored>, T)>,
    ) -> Result<(Certificate, T)> {
        let registry = self.registry();
        let id_key = registry.key(KIND_ID, Some(id));
        for _ in 0..MAX_RETRIES {
            let (rec, version) = registry.identity_or_err(id)?;
            let issued = self.sign_for(&rec, Expect::Version(version), auth, request)?;
            let (extra, out) = finish(&issued.cert)?;
            match self.store_issued(&issued, extra.as_ref()) {
                Ok(()) => return Ok((issued.cert, out)),
                Err(e) if issued.must_retry(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(BackendError::Conflict { record: id_key.to_string() }.into())
    }

    /// Store an issuance and the wallet entry it makes, if any, in the order the backend's
    /// [`Capabilities`](crate::backend::Capabilities) make crash-safe (docs/ca.md, "Write
    /// order"):
    ///
    /// - **atomic batch:** all of it in one batch; a crash leaves all or nothing.
    /// - **no atomic batch, a new wallet entry:** the certificate record first, then the
    ///   wallet entry (key and certificate), and the identity record that counts the
    ///   enrolment **last** (compare-and-swap). A crash leaves at most an uncounted certificate
    ///   (registered, and perhaps in a wallet entry), never a counted enrolment without its
    ///   key, and never a wallet entry whose certificate the registry does not list; the next
    ///   enrolment of the same label, or a rerun of the bulk enrolment, discards it
    ///   ([`discard_uncounted`](Self::discard_uncounted)). (The wallet entry came first until
    ///   the SIGKILL harness of issue 13 found the registry disagreeing with the wallet after a
    ///   crash between the two on OpenBao.)
    /// - **no atomic batch, an entry that replaces one** (a renewal, `overwrite`): the
    ///   certificate record and the identity record first, the wallet entry **last**. Writing
    ///   the entry first would replace a working key and certificate with a certificate the
    ///   registry has never heard of, so a crash there left an identity that could no longer
    ///   renew; this way a crash leaves the old entry whole and at most a registered
    ///   certificate that no wallet holds (harmless; a rerun renews again).
    ///
    /// A write refused on the way (another writer, a taken serial) undoes the records this
    /// call created, so a retry starts clean.
    pub(crate) fn store_issued(&self, issued: &Issued, entry: Option<&Stored>) -> Result<()> {
        let backend = self.registry().backend;
        let caps = backend.capabilities();
        let (cert, id) = (&issued.cert_record, &issued.id_record);
        let steps: Vec<&Stored> = match entry {
            Some(e) if e.expect != Expect::Absent => vec![cert, id, e],
            Some(e) => vec![cert, e, id],
            None => vec![cert, id],
        };
        if caps.atomic_batch {
            let writes: Vec<BatchPut<'_>> = steps.iter().map(|s| s.write()).collect();
            return backend.put_batch(&writes).map(drop);
        }
        let mut created: Vec<(&RecordKey, Version)> = Vec::with_capacity(steps.len());
        for step in steps {
            match backend.put(&step.key, &step.value, step.expect) {
                Ok(version) => {
                    if step.expect == Expect::Absent {
                        created.push((&step.key, version));
                    }
                }
                Err(e) => {
                    // Best effort: whatever stays is an uncounted leftover a rerun discards.
                    for (key, version) in created.iter().rev() {
                        let expect = if caps.cas_delete { Expect::Version(*version) } else { Expect::Any };
                        let _ = backend.delete(key, expect);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// If the wallet entry `label` is this CA's certificate for `id` that was never counted
    /// (a crash between the writes of [`store_issued`](Self::store_issued) on a store without
    /// atomic batches left it), delete it and its certificate record, and return `true`. An
    /// entry whose serial the identity record lists, or that is not this CA's for `id`, is
    /// left alone (`false`).
    pub(crate) fn discard_uncounted(&self, label: &str, id: &str) -> Result<bool> {
        let backend = self.registry().backend;
        let entry_key = RecordKey::new(IDENTITY_KIND, label);
        let Some(stored) = backend.get(&entry_key)? else { return Ok(false) };
        let identity = decode_identity(label, &stored.value, self.wallet.key_stores())?;
        let cert = identity.certificate();
        if cert.common_name().as_deref() != Some(id) || cert.authority_key_id().as_deref() != Some(&self.key_id) {
            return Ok(false);
        }
        let serial = cert.serial_hex();
        let registry = self.registry();
        if let Some((rec, _)) = registry.identity(id)? {
            if rec.certs.contains(&serial) {
                return Ok(false);
            }
        }
        let cas = backend.capabilities().cas_delete;
        let cert_key = registry.key(KIND_CERT, Some(&serial));
        if let Some(record) = backend.get(&cert_key)? {
            let ours = serde_json::from_slice::<CertRecord>(&record.value).is_ok_and(|r| r.id == id);
            if ours {
                backend.delete(&cert_key, if cas { Expect::Version(record.version) } else { Expect::Any })?;
            }
        }
        backend.delete(&entry_key, if cas { Expect::Version(stored.version) } else { Expect::Any })?;
        Ok(true)
    }

    /// Decide and sign an issuance to the registered identity `rec` (read at the version
    /// `expect` names, or a new registration with `Expect::Absent`). Nothing is stored: the
    /// result holds the records to write. A wrong secret is counted (that is stored).
    pub(super) fn sign_for(
        &self,
        rec: &IdRecord,
        expect: Expect,
        auth: Auth<'_>,
        request: &Issue<'_>,
    ) -> Result<Issued> {
        self.check_ca_valid()?;
        let id = rec.id.as_str();
        if rec.state == IdentityState::Revoked {
            return Err(CaError::IdentityRevoked { id: id.into() }.into());
        }
        let counts = !matches!(auth, Auth::Reenroll);
        if let Auth::Secret(secret) = auth {
            self.check_secret(rec, secret)?;
        }
        if counts {
            rules::check_can_enroll(rec, self.config.policy.max_enrollments)?;
        }
        if request.ca_profile {
            rules::require_true(rec, rules::INTERMEDIATE_CA, "obtain a CA certificate").map_err(|_| {
                CaError::Unauthorized {
                    registrar: id.into(),
                    detail: format!(
                        "may not obtain a CA certificate: it does not have {}=true",
                        rules::INTERMEDIATE_CA
                    ),
                }
            })?;
        }
        let attrs = rules::certificate_attributes(rec, request.attr_reqs)?;
        let mut ous = vec![rec.identity_type.clone()];
        ous.extend(rec.affiliation.split('.').filter(|p| !p.is_empty()).map(String::from));
        profile::check_name_lengths(&request.names, id, request.serial_number.as_deref())?;
        let subject = profile::build_name_with(
            &request.names,
            &ous,
            self.config.policy.ou_layout,
            Some(id),
            request.serial_number.as_deref(),
        )?;
        let sans = profile::general_names(&request.hosts)?;
        let ca_cert = self.ca.certificate();
        // Fabric CA ≥ 1.5.0: NotBefore = the CA's NotBefore; NotAfter = now (rounded to the
        // minute) + lifetime, capped at the CA's NotAfter.
        let not_before = ca_cert.not_before();
        let not_after =
            add(profile::round_to_minute(self.now()), Duration::from_secs(self.config.policy.ecert_validity_secs))
                .min(ca_cert.not_after());
        let kind = if request.ca_profile { CertKind::Ca { path_len: Some(0) } } else { CertKind::Enrollment };
        let issuer = IssuerRef {
            subject: &ca_cert.x509().tbs_certificate.subject,
            key_id: Some(self.key_id.clone()),
            signer: self.signer(),
        };
        let cert = profile::issue(
            CertSpec {
                serial: profile::random_serial(),
                subject,
                public_key: request.public_key,
                not_before,
                not_after,
                kind,
                sans,
                attrs_json: attrs.as_ref().map(rules::attributes_json),
            },
            &issuer,
        )?;
        let serial = cert.serial_hex();
        let mut updated = rec.clone();
        if counts {
            updated.enrollments += 1;
        }
        updated.failed_attempts = 0;
        updated.certs.push(serial.clone());
        let registry = self.registry();
        let cert_record = self.cert_record(id, &cert);
        Ok(Issued {
            cert_record: Stored::new(registry.key(KIND_CERT, Some(&serial)), &cert_record, Expect::Absent),
            id_record: Stored::new(registry.key(KIND_ID, Some(id)), &updated, expect),
            cert,
        })
    }

    /// Check an enrolment secret, counting failures and locking after too many.
    fn check_secret(&self, rec: &IdRecord, secret: &str) -> Result<()> {
        let limit = self.config.policy.password_attempts;
        if limit > 0 && rec.failed_attempts >= limit {
            return Err(CaError::Locked { id: rec.id.clone(), attempts: rec.failed_attempts }.into());
        }
        let record = self.registry().key(KIND_ID, Some(&rec.id)).to_string();
        let ok = match &rec.secret {
            Some(stored) => verify_secret(secret, stored, &record)?,
            None => false,
        };
        if ok {
            return Ok(());
        }
        let failed = self.registry().update_identity(&rec.id, |r| {
            r.failed_attempts = r.failed_attempts.saturating_add(1);
            Ok(r.failed_attempts)
        })?;
        let attempts_left = if limit == 0 {
            "no lockout configured".to_string()
        } else if failed >= limit {
            "the identity is now locked".to_string()
        } else {
            format!("{} attempts left before it is locked", limit - failed)
        };
        Err(CaError::WrongSecret { id: rec.id.clone(), attempts_left }.into())
    }

    /// Enrol with a secret: generate a key, issue the enrolment certificate in Fabric CA's
    /// profile, and store the identity (key, certificate, chain) in the wallet. The key never
    /// leaves the wallet.
    ///
    /// The request for the certificate is built internally rather than as a signed PKCS#10 CSR:
    /// the key was made a moment ago inside this process, so a self-signature would prove
    /// nothing and cost two elliptic-curve operations. Third-party keys go through
    /// [`sign_csr`](Self::sign_csr), which does verify the CSR.
    pub fn enroll(&self, request: &EnrollRequest) -> Result<Identity> {
        if let Some(profile) = &request.profile {
            return Err(CaError::InvalidParameter {
                what: format!("signing profile {profile:?}"),
                detail: "the embedded CA has no signing profiles (a Fabric CA server has `tls` and `ca`)".into(),
            }
            .into());
        }
        tracing::info!(ca = %self.config.name, id = %request.id, "enrolling");
        let secret = request.secret.as_ref().map(Secret::expose).unwrap_or_default();
        self.enroll_with(&request.id, Auth::Secret(secret), request)
    }

    fn enroll_with(&self, id: &str, auth: Auth<'_>, request: &EnrollRequest) -> Result<Identity> {
        let label = request.label.as_deref().unwrap_or(id);
        validate_label(label)?;
        if !request.overwrite && self.wallet.contains(label)? && !self.discard_uncounted(label, id)? {
            return Err(Error::AlreadyExists {
                kind: "identity",
                name: label.into(),
                location: self.wallet.location(),
            });
        }
        let key = self.wallet.generate_key(label)?;
        let public_key = key.signer().public_key();
        let expect = if request.overwrite { Expect::Any } else { Expect::Absent };
        let issued = self.issue_to(
            id,
            auth,
            &Issue {
                public_key: &public_key,
                names: request.names.clone().unwrap_or_else(|| self.config.names.clone()),
                serial_number: None,
                hosts: request.hosts.clone(),
                attr_reqs: request.attr_reqs.as_deref(),
                ca_profile: false,
            },
            |cert| self.wallet_entry(label, cert, &key, expect),
        );
        Ok(forget_key_on_error(&self.wallet, &key, issued)?.1)
    }

    /// The wallet record of the identity `cert` and `key` make under `label`.
    pub(super) fn wallet_entry(
        &self,
        label: &str,
        cert: &Certificate,
        key: &IdentityKey,
        expect: Expect,
    ) -> Result<(Option<Stored>, Identity)> {
        let identity = Identity::new(label, &self.config.msp_id, cert.clone(), self.chain(), key.clone())?;
        let record = encode_identity(&identity)?;
        Ok((Some(Stored { key: RecordKey::new(IDENTITY_KIND, label), value: record, expect }), identity))
    }

    /// Sign a CSR from a third party whose key stays with them, under the same rules as
    /// [`enroll`](Self::enroll): the secret is checked, the enrolment counted, the CSR's
    /// self-signature verified, and its CN must be the enrollment ID. C/ST/L/O and
    /// serialNumber come from the CSR; OUs from the registry; SANs from `hosts` if given, else
    /// from the CSR. A CSR asking for CA:TRUE needs `hf.IntermediateCA`.
    pub fn sign_csr(
        &self,
        id: &str,
        secret: &Secret,
        csr: &[u8],
        hosts: &[String],
        attr_reqs: Option<&[AttributeRequest]>,
    ) -> Result<Certificate> {
        let parsed = profile::parse_csr(csr)?;
        let cn = parsed.common_name.clone().unwrap_or_default();
        if cn != id {
            return Err(CaError::CsrCommonName { cn, id: id.into() }.into());
        }
        let hosts = if hosts.is_empty() { parsed.hosts.clone() } else { hosts.to_vec() };
        let (cert, ()) = self.issue_to(
            id,
            Auth::Secret(secret.expose()),
            &Issue {
                public_key: &parsed.public_key,
                names: parsed.subject_names.clone(),
                serial_number: parsed.serial_number.clone(),
                hosts,
                attr_reqs,
                ca_profile: parsed.is_ca,
            },
            |_| Ok((None, ())),
        )?;
        Ok(cert)
    }

    /// Reenrol the identity stored under `label`: a new certificate with the same subject (C,
    /// ST, L, O, CN; OUs from the registry) and, by default, a new key. Does not count as an
    /// enrolment. An expired certificate is accepted only with `allow_expired`. The wallet entry
    /// is replaced; the old certificate stays valid until it expires or is revoked.
    pub fn reenroll(&self, label: &str, options: &ReenrollOptions) -> Result<Identity> {
        tracing::info!(ca = %self.config.name, label, "reenrolling");
        let (current, rec) = self.authenticate(label, options.allow_expired)?;
        let old = current.certificate();
        let (names, _, serial_number) = profile::split_name(&old.x509().tbs_certificate.subject);
        let key = if options.reuse_key { current.key().clone() } else { self.wallet.generate_key(label)? };
        let public_key = key.signer().public_key();
        let hosts = match &options.hosts {
            Some(h) => h.clone(),
            None => old
                .subject_alt_names()
                .iter()
                .map(|s| s.split_once(':').map_or(s.clone(), |(_, v)| v.to_owned()))
                .collect(),
        };
        let issued = self.issue_to(
            &rec.id,
            Auth::Reenroll,
            &Issue {
                public_key: &public_key,
                names,
                serial_number,
                hosts,
                attr_reqs: options.attr_reqs.as_deref(),
                ca_profile: false,
            },
            |cert| {
                let identity = Identity::new(label, current.msp_id(), cert.clone(), self.chain(), key.clone())?;
                let record = encode_identity(&identity)?;
                Ok((
                    Some(Stored { key: RecordKey::new(IDENTITY_KIND, label), value: record, expect: Expect::Any }),
                    identity,
                ))
            },
        );
        let (_, identity) = if options.reuse_key { issued? } else { forget_key_on_error(&self.wallet, &key, issued)? };
        if !options.reuse_key && !current.key().is_software() {
            // The entry now holds the new key; the old one is unreachable from this wallet.
            // (Its certificate stays valid until it expires or is revoked.)
            if let Ok(store) = self.wallet.key_stores().get(current.key_ref().scheme()) {
                store.delete(current.key_ref())?;
            }
        }
        Ok(identity)
    }

    // ----- bulk --------------------------------------------------------------------------------

    /// Decide and sign the enrolment of `row.id` for `caller`, registering it first unless an
    /// earlier, interrupted run (or a registrar by hand) did: the records to write, nothing
    /// stored. The caller writes them in one batch, with other rows'.
    pub(crate) fn prepare_bulk_row(
        &self,
        caller: &IdRecord,
        row: &BulkRow,
        affiliations: &AffRecord,
        max: Option<i32>,
    ) -> Result<BulkEnrolment> {
        let registry = self.registry();
        let (record, expect) = match registry.identity(&row.id)? {
            Some((existing, version)) => {
                // Registered already: enrol it if this registrar may manage it.
                if existing.id != caller.id {
                    rules::can_manage(caller, &existing, "enroll")?;
                }
                (existing, Expect::Version(version))
            }
            None => {
                let registration = RegistrationRequest {
                    id: row.id.clone(),
                    secret: None,
                    identity_type: row.identity_type.clone(),
                    affiliation: row.affiliation.clone(),
                    attributes: row.attributes.clone(),
                    max_enrollments: max,
                };
                (self.new_registration(caller, &registration, affiliations, false)?.0, Expect::Absent)
            }
        };
        let label = row.id.as_str();
        validate_label(label)?;
        let key = self.wallet.generate_key(label)?;
        let public_key = key.signer().public_key();
        let issued = self.sign_for(
            &record,
            expect,
            Auth::Registrar,
            &Issue {
                public_key: &public_key,
                names: self.config.names.clone(),
                serial_number: None,
                hosts: vec![],
                attr_reqs: None,
                ca_profile: false,
            },
        )?;
        let (entry, _) = self.wallet_entry(label, &issued.cert, &key, Expect::Absent)?;
        Ok(BulkEnrolment { issued, wallet_entry: entry.expect("an enrolment has a wallet entry") })
    }

    /// Whether the wallet already holds `label` as this CA's enrolment of `id` (`None`: no
    /// entry). An uncounted one that a crash left is discarded first
    /// ([`discard_uncounted`](Self::discard_uncounted)) and reported as no entry.
    pub(crate) fn holds_enrolment(&self, label: &str, id: &str) -> Result<Option<bool>> {
        if self.discard_uncounted(label, id)? {
            return Ok(None);
        }
        let Some(identity) = self.wallet.try_get(label)? else { return Ok(None) };
        let cert = identity.certificate();
        Ok(Some(cert.common_name().as_deref() == Some(id) && cert.authority_key_id().as_deref() == Some(&self.key_id)))
    }
}
