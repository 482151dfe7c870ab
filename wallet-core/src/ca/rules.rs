//! Fabric CA's authorization rules, as `fabric-ca` 1.5 codes them (`lib/attr/attribute.go`,
//! `lib/serverrequestcontext.go`, `lib/serverregister.go`, `lib/util.go`; see
//! `reference/fabric.md` §3).

use super::registry::IdRecord;
use super::{Attribute, CaError};

/// `hf.Registrar.Roles`: types the registrar may register and manage.
pub const ROLES: &str = "hf.Registrar.Roles";
/// `hf.Registrar.DelegateRoles`: roles the registrar may hand on as `hf.Registrar.Roles`.
pub const DELEGATE_ROLES: &str = "hf.Registrar.DelegateRoles";
/// `hf.Registrar.Attributes`: attribute names the registrar may register (`prefix*` wildcards).
pub const REGISTRAR_ATTRIBUTES: &str = "hf.Registrar.Attributes";
/// `hf.Revoker`: may revoke identities and certificates it manages.
pub const REVOKER: &str = "hf.Revoker";
/// `hf.GenCRL`: may generate CRLs.
pub const GEN_CRL: &str = "hf.GenCRL";
/// `hf.IntermediateCA`: may obtain a CA certificate (enrol as an intermediate CA).
pub const INTERMEDIATE_CA: &str = "hf.IntermediateCA";
/// `hf.AffiliationMgr`: may add affiliations within its own.
pub const AFFILIATION_MGR: &str = "hf.AffiliationMgr";
/// Fixed attribute: the enrollment ID.
pub const ENROLLMENT_ID: &str = "hf.EnrollmentID";
/// Fixed attribute: the type.
pub const TYPE: &str = "hf.Type";
/// Fixed attribute: the affiliation.
pub const AFFILIATION: &str = "hf.Affiliation";

const BOOLEAN_ATTRS: [&str; 4] = [REVOKER, INTERMEDIATE_CA, GEN_CRL, AFFILIATION_MGR];
const LIST_ATTRS: [&str; 3] = [ROLES, DELEGATE_ROLES, REGISTRAR_ATTRIBUTES];
const FIXED_ATTRS: [&str; 3] = [ENROLLMENT_ID, TYPE, AFFILIATION];

/// The bootstrap admin's attributes, as `fabric-ca-server init -b` registers them.
pub(crate) fn bootstrap_admin_attrs() -> Vec<Attribute> {
    [
        (ROLES, "*"),
        (DELEGATE_ROLES, "*"),
        (REVOKER, "true"),
        (INTERMEDIATE_CA, "true"),
        (GEN_CRL, "true"),
        (REGISTRAR_ATTRIBUTES, "*"),
        (AFFILIATION_MGR, "true"),
    ]
    .into_iter()
    .map(|(n, v)| Attribute::new(n, v, false))
    .collect()
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Split a comma-separated list, trimming blanks (`util.GetSliceFromList`).
fn list(v: &str) -> Vec<&str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}

fn contains_ci(haystack: &[&str], needle: &str) -> bool {
    haystack.iter().any(|h| h.eq_ignore_ascii_case(needle))
}

fn unauthorized(caller: &IdRecord, detail: String) -> CaError {
    CaError::Unauthorized { registrar: caller.id.clone(), detail }
}

/// The caller's boolean attribute must be true (`HasRole`).
pub(crate) fn require_true(caller: &IdRecord, attr: &str, action: &str) -> Result<(), CaError> {
    match caller.attr(attr).and_then(parse_bool) {
        Some(true) => Ok(()),
        _ => Err(unauthorized(caller, format!("may not {action}: it does not have {attr}=true"))),
    }
}

/// The caller is a registrar (non-empty `hf.Registrar.Roles`) allowed to act on `identity_type`.
pub(crate) fn can_act_on_type(caller: &IdRecord, identity_type: &str, action: &str) -> Result<(), CaError> {
    let roles = caller.attr(ROLES).unwrap_or_default();
    if roles.trim().is_empty() {
        return Err(unauthorized(caller, format!("is not a registrar (no {ROLES}) and may not {action}")));
    }
    let roles = list(roles);
    if roles.contains(&"*") {
        return Ok(());
    }
    let wanted = if identity_type.is_empty() { "client" } else { identity_type };
    if contains_ci(&roles, wanted) {
        Ok(())
    } else {
        Err(unauthorized(caller, format!("may not {action} type {wanted} ({ROLES} is {:?})", roles.join(","))))
    }
}

/// `affiliation` is the caller's own or below it (`ContainsAffiliation`).
pub(crate) fn contains_affiliation(caller: &IdRecord, affiliation: &str, action: &str) -> Result<(), CaError> {
    let mine = caller.affiliation.as_str();
    if mine.is_empty() || affiliation == mine || affiliation.starts_with(&format!("{mine}.")) {
        return Ok(());
    }
    let shown = if affiliation.is_empty() { "the root affiliation" } else { affiliation };
    Err(unauthorized(caller, format!("may not {action} in {shown}: its own affiliation is {mine:?}")))
}

/// The caller may manage `target`: its type and affiliation (`CanManageUser`).
pub(crate) fn can_manage(caller: &IdRecord, target: &IdRecord, action: &str) -> Result<(), CaError> {
    contains_affiliation(caller, &target.affiliation, action)?;
    can_act_on_type(caller, &target.identity_type, action)
}

/// Go's `canRegisterAttr`: exact names or `prefix*` wildcards.
fn name_allowed(name: &str, allowed: &[&str]) -> bool {
    allowed.iter().any(|a| match a.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix.trim_end_matches('*')),
        None => *a == name,
    })
}

/// Case-insensitive subset of comma lists (`isSubsetOf`).
fn is_subset(small: &str, big: &str) -> Result<(), String> {
    let big_set: Vec<&str> = big.split(',').map(str::trim).collect();
    for s in small.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !contains_ci(&big_set, s) {
            return Err(format!("{s:?} is not in {big:?}"));
        }
    }
    Ok(())
}

/// Whether `registrar` may register every attribute in `requested` for a new identity
/// (`CanRegisterRequestedAttributes` with no existing user).
pub(crate) fn check_register_attrs(caller: &IdRecord, requested: &[Attribute]) -> Result<(), CaError> {
    if requested.is_empty() {
        return Ok(());
    }
    let deny = |name: &str, why: String| unauthorized(caller, format!("may not register attribute {name:?}: {why}"));
    let allowed_raw = caller.attr(REGISTRAR_ATTRIBUTES).unwrap_or_default();
    let allowed = list(allowed_raw);
    let requested_value = |name: &str| requested.iter().rev().find(|a| a.name == name).map(|a| a.value.as_str());
    for attr in requested {
        let name = attr.name.as_str();
        if allowed.is_empty() {
            return Err(deny(name, format!("it has no {REGISTRAR_ATTRIBUTES}, so it can register no attributes")));
        }
        if !name_allowed(name, &allowed) {
            return Err(deny(name, format!("it is not in {REGISTRAR_ATTRIBUTES} ({allowed_raw:?})")));
        }
        if FIXED_ATTRS.contains(&name) {
            return Err(CaError::InvalidRegistration {
                id: String::new(),
                detail: format!("{name} is fixed: the CA sets it from the registration"),
            });
        }
        let is_bool = BOOLEAN_ATTRS.contains(&name);
        let is_list = LIST_ATTRS.contains(&name);
        if !is_bool && !is_list {
            if name.starts_with("hf.") {
                return Err(CaError::InvalidRegistration {
                    id: String::new(),
                    detail: format!("{name:?} uses the reserved prefix 'hf.' but is not a reserved attribute"),
                });
            }
            continue; // custom attribute: the name check above is all
        }
        // Reserved attributes need ownership by the registrar.
        let Some(own) = caller.attr(name) else {
            return Err(deny(name, "it requires ownership and the registrar does not have it".into()));
        };
        if is_bool {
            if parse_bool(own) != Some(true) {
                return Err(deny(name, format!("the registrar's own {name} is not true")));
            }
            if !attr.value.is_empty() && parse_bool(&attr.value).is_none() {
                return Err(CaError::InvalidRegistration {
                    id: String::new(),
                    detail: format!("{name} must be a boolean, not {:?}", attr.value),
                });
            }
            continue;
        }
        if attr.value.is_empty() {
            continue;
        }
        if name == REGISTRAR_ATTRIBUTES {
            let own_allowed = list(own);
            for v in list(&attr.value) {
                if !name_allowed(v, &own_allowed) {
                    return Err(deny(
                        name,
                        format!("value {v:?} is not in the registrar's own {REGISTRAR_ATTRIBUTES}"),
                    ));
                }
                if v.starts_with("hf.") && requested_value(v).is_none() {
                    return Err(deny(
                        name,
                        format!("value {v:?} is reserved and the identity is not being registered with it"),
                    ));
                }
            }
            continue;
        }
        // Roles / DelegateRoles: a subset of the registrar's own (a '*' there allows anything).
        if !list(own).contains(&"*") {
            is_subset(&attr.value, own)
                .map_err(|e| deny(name, format!("the requested values exceed the registrar's: {e}")))?;
        }
        if name == DELEGATE_ROLES {
            let roles = requested_value(ROLES).unwrap_or_default();
            if !list(roles).contains(&"*") && is_subset(&attr.value, roles).is_err() {
                return Err(deny(name, format!("it must be a subset of the new identity's {ROLES} ({roles:?})")));
            }
        }
    }
    Ok(())
}

/// Fabric CA's `getMaxEnrollments`: the value stored for a registration.
pub(crate) fn registration_max_enrollments(id: &str, requested: i32, ca_max: i32) -> Result<i32, CaError> {
    let bad = |detail: String| CaError::InvalidRegistration { id: id.into(), detail };
    if requested < -1 {
        return Err(bad(format!("max enrollments may not be less than -1, but was {requested}")));
    }
    match ca_max {
        -1 => Ok(if requested == 0 { -1 } else { requested }),
        0 => Err(bad("registration is disabled: the CA's max enrollments is 0".into())),
        n => match requested {
            -1 => Err(bad(format!("unlimited enrollments are not allowed: the CA allows at most {n}"))),
            0 => Ok(n),
            r if r > n => Err(bad(format!("requested enrollments ({r}) exceed the CA's maximum ({n})"))),
            r => Ok(r),
        },
    }
}

/// Fabric CA's `Login` check: may `rec` enrol once more?
pub(crate) fn check_can_enroll(rec: &IdRecord, ca_max: i32) -> Result<(), CaError> {
    if ca_max == 0 || rec.max_enrollments == 0 {
        return Err(CaError::EnrollmentDisabled { id: rec.id.clone() });
    }
    let mut max = rec.max_enrollments;
    if ca_max != -1 && (max > ca_max || max == -1) {
        max = ca_max;
    }
    if max != -1 && rec.enrollments >= max as u32 {
        return Err(CaError::MaxEnrollmentsReached { id: rec.id.clone(), count: rec.enrollments });
    }
    Ok(())
}

/// The attributes to carry in a certificate (`ProcessAttributeRequests` / `getDefaultAttrReqs`):
/// `None` when no extension should be written.
pub(crate) fn certificate_attributes(
    rec: &IdRecord,
    requests: Option<&[super::AttributeRequest]>,
) -> Result<Option<std::collections::BTreeMap<String, String>>, CaError> {
    let mut out = std::collections::BTreeMap::new();
    match requests {
        None => {
            for a in rec.attrs.iter().filter(|a| a.ecert) {
                out.insert(a.name.clone(), a.value.clone());
            }
            if out.is_empty() {
                return Ok(None);
            }
        }
        Some(reqs) => {
            for r in reqs {
                match rec.attr(&r.name) {
                    Some(v) => {
                        out.insert(r.name.clone(), v.to_owned());
                    }
                    None if r.optional => {}
                    None => return Err(CaError::MissingAttribute { id: rec.id.clone(), name: r.name.clone() }),
                }
            }
        }
    }
    Ok(Some(out))
}

/// The JSON Fabric CA writes in extension 1.2.3.4.5.6.7.8.1: `{"attrs":{…}}`, keys sorted, and
/// `<`, `>`, `&`, U+2028, U+2029 escaped as Go's `encoding/json` does.
pub(crate) fn attributes_json(attrs: &std::collections::BTreeMap<String, String>) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Ext<'a> {
        attrs: &'a std::collections::BTreeMap<String, String>,
    }
    let json = serde_json::to_string(&Ext { attrs }).expect("string maps always serialize");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.into_bytes()
}
