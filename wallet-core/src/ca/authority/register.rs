//! Registering identities, resetting their secrets, adding affiliations.

use super::{validate_affiliation_name, CertificateAuthority};
use crate::backend::{BackendError, Expect};
use crate::ca::registry::{is_already_exists, AffRecord, IdRecord, KIND_AFF, KIND_ID, MAX_RETRIES, RECORD_VERSION};
use crate::ca::rules;
use crate::ca::secret::{hash_secret, SecretOrigin};
use crate::ca::*;
use crate::error::{Error, Result};
use crate::identity::validate_label;

impl CertificateAuthority {
    /// Register an identity, acting as the registrar stored in the wallet under `registrar`.
    /// Returns the enrolment secret (the one given, or a generated one).
    pub fn register(&self, registrar: &str, request: &RegistrationRequest) -> Result<Secret> {
        tracing::info!(ca = %self.config.name, registrar, id = %request.id, "registering");
        let (_, caller) = self.authenticate(registrar, false)?;
        let affiliations = self.registry().affiliations()?.0;
        let (record, secret) = self.new_registration(&caller, request, &affiliations, true)?;
        self.registry().put(&self.registry().key(KIND_ID, Some(&record.id)), &record, Expect::Absent).map_err(|e| {
            if is_already_exists(&e) {
                CaError::DuplicateIdentity { id: record.id.clone(), ca: self.config.name.clone() }.into()
            } else {
                e
            }
        })?;
        Ok(secret.expect("a secret is made when asked"))
    }

    /// Check a registration against Fabric CA's rules and build its record (not yet stored).
    pub(super) fn new_registration(
        &self,
        caller: &IdRecord,
        request: &RegistrationRequest,
        affiliations: &AffRecord,
        with_secret: bool,
    ) -> Result<(IdRecord, Option<Secret>)> {
        let id = request.id.as_str();
        let invalid = |detail: String| CaError::InvalidRegistration { id: id.into(), detail };
        validate_label(id).map_err(|e| invalid(format!("the enrollment ID is not usable as a wallet label: {e}")))?;
        if id.chars().count() > 64 {
            return Err(invalid("the enrollment ID is longer than 64 characters (the CN limit)".into()).into());
        }
        // normalizeRegistrationRequest
        let affiliation = match request.affiliation.as_deref() {
            None | Some("") => caller.affiliation.clone(),
            Some(".") => String::new(),
            Some(a) => a.to_owned(),
        };
        let identity_type = match request.identity_type.as_deref() {
            None | Some("") => caller.identity_type.clone(),
            Some(t) => t.to_owned(),
        };
        if identity_type.contains(',') || identity_type.chars().any(char::is_control) {
            return Err(invalid(format!("type {identity_type:?} may not contain commas or control characters")).into());
        }
        // canRegister: type, affiliation, attributes.
        rules::can_act_on_type(caller, &identity_type, "register")?;
        rules::contains_affiliation(caller, &affiliation, "register identities")?;
        if !affiliation.is_empty() && !affiliations.names.contains(&affiliation) {
            return Err(CaError::UnknownAffiliation { affiliation, ca: self.config.name.clone() }.into());
        }
        rules::check_register_attrs(caller, &request.attributes).map_err(|e| match e {
            CaError::InvalidRegistration { detail, .. } => invalid(detail),
            e => e,
        })?;
        let max_enrollments = rules::registration_max_enrollments(
            id,
            request.max_enrollments.unwrap_or(0),
            self.config.policy.max_enrollments,
        )?;
        if self.registry().identity(id)?.is_some() {
            return Err(CaError::DuplicateIdentity { id: id.into(), ca: self.config.name.clone() }.into());
        }
        // Duplicate names: the last one wins (Fabric keeps no multi-valued attributes).
        let mut attrs: Vec<Attribute> = vec![];
        for a in &request.attributes {
            attrs.retain(|b| b.name != a.name);
            attrs.push(a.clone());
        }
        attrs.push(Attribute::new(rules::ENROLLMENT_ID, id, true));
        attrs.push(Attribute::new(rules::TYPE, &identity_type, true));
        attrs.push(Attribute::new(rules::AFFILIATION, &affiliation, true));
        let (secret, stored) = if with_secret {
            let (s, origin) = match &request.secret {
                Some(s) if !s.expose().is_empty() => (s.clone(), SecretOrigin::Chosen),
                _ => (Secret::generate(), SecretOrigin::Generated),
            };
            let stored = hash_secret(&s, origin);
            (Some(s), Some(stored))
        } else {
            (None, None)
        };
        let record = IdRecord {
            v: RECORD_VERSION,
            id: id.into(),
            identity_type,
            affiliation,
            attrs,
            max_enrollments,
            enrollments: 0,
            state: IdentityState::Active,
            secret: stored,
            failed_attempts: 0,
            certs: vec![],
        };
        Ok((record, secret))
    }

    /// Set a new secret for `id` (generated when `None`) and unlock it, acting as `registrar`,
    /// which must be able to manage the identity's type and affiliation.
    pub fn reset_secret(&self, registrar: &str, id: &str, secret: Option<Secret>) -> Result<Secret> {
        let (_, caller) = self.authenticate(registrar, false)?;
        let (target, _) = self.registry().identity_or_err(id)?;
        if target.id != caller.id {
            rules::can_manage(&caller, &target, "modify")?;
        }
        let (secret, origin) = match secret {
            Some(s) => (s, SecretOrigin::Chosen),
            None => (Secret::generate(), SecretOrigin::Generated),
        };
        let stored = hash_secret(&secret, origin);
        self.registry().update_identity(id, |rec| {
            rec.secret = Some(stored.clone());
            rec.failed_attempts = 0;
            Ok(())
        })?;
        Ok(secret)
    }

    /// Add an affiliation, acting as `registrar` (needs `hf.AffiliationMgr=true` and the new
    /// affiliation within its own). Its parent must exist unless `force`, which adds the
    /// missing parents too.
    pub fn add_affiliation(&self, registrar: &str, name: &str, force: bool) -> Result<()> {
        let (_, caller) = self.authenticate(registrar, false)?;
        rules::require_true(&caller, rules::AFFILIATION_MGR, "manage affiliations")?;
        validate_affiliation_name(name)?;
        rules::contains_affiliation(&caller, name, "add affiliations")?;
        let registry = self.registry();
        let key = registry.key(KIND_AFF, None);
        for _ in 0..MAX_RETRIES {
            let (mut tree, version) = registry.affiliations()?;
            if tree.names.contains(name) {
                return Err(
                    CaError::DuplicateAffiliation { affiliation: name.into(), ca: self.config.name.clone() }.into()
                );
            }
            let mut path = String::new();
            for part in name.split('.') {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(part);
                if path != name && !tree.names.contains(&path) {
                    if !force {
                        return Err(
                            CaError::UnknownAffiliation { affiliation: path, ca: self.config.name.clone() }.into()
                        );
                    }
                    tree.names.insert(path.clone());
                }
            }
            tree.names.insert(name.into());
            let expect = version.map_or(Expect::Absent, Expect::Version);
            match registry.put(&key, &tree, expect) {
                Ok(_) => return Ok(()),
                Err(Error::Backend(BackendError::Conflict { .. })) => continue,
                Err(e) if is_already_exists(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(BackendError::Conflict { record: key.to_string() }.into())
    }
}
