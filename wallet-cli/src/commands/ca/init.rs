//! `wallet ca init`: create a CA (root, intermediate, or imported) and its bootstrap admin.

use crate::commands::examples;
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::files::read_file;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wallet_core::ca::{
    AdminEnrolment, Bootstrap, BootstrapOptions, CaOptions, CertificateAuthority, OuLayout, DEFAULT_ADMIN_ID,
};
use wallet_core::crypto::KeySpec;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A root CA with Fabric CA's defaults; its admin is enrolled as label admin:",
    "    $ wallet ca init org1-ca --msp-id Org1MSP",
    "  An intermediate CA signed by org1-ca:",
    "    $ wallet ca init org1-int --msp-id Org1MSP --parent org1-ca --admin int-admin",
    "  Import a fabric-ca-server CA (certificate and key):",
    "    $ wallet ca init org1-ca --msp-id Org1MSP --import-cert ca-cert.pem --import-key msp/keystore/KEY_sk",
    "  A root CA whose key is made in OpenBao/Vault Transit (VAULT_ADDR, VAULT_TOKEN) or on an HSM:",
    "    $ wallet ca init org1-ca --msp-id Org1MSP --key transit:org1-ca",
    "    $ wallet ca init org1-ca --msp-id Org1MSP --key 'pkcs11:token=org1?module-path=/usr/lib/softhsm/libsofthsm2.so'",
    "  Import a CA whose key is already on an HSM:",
    "    $ wallet ca init org1-ca --msp-id Org1MSP --import-cert ca-cert.pem --key 'pkcs11:token=org1;object=ca'",
))]
pub(super) struct InitArgs {
    /// The CA's name in the wallet (also its CN unless --cn)
    name: String,
    /// MSP ID of the identities it enrols
    #[arg(long, value_name = "MSPID")]
    msp_id: String,
    /// Common name of the CA certificate
    #[arg(long)]
    cn: Option<String>,
    /// Subject C of the CA (and default of enrolment requests; default: Fabric CA's; "" for none)
    #[arg(long)]
    country: Option<String>,
    /// Subject ST (default: Fabric CA's; "" for none)
    #[arg(long)]
    state: Option<String>,
    /// Subject L
    #[arg(long)]
    locality: Option<String>,
    /// Subject O (default: Fabric CA's; "" for none)
    #[arg(long)]
    organization: Option<String>,
    /// Subject OU of the CA certificate (default: Fabric CA's; "" for none)
    #[arg(long)]
    ou: Option<String>,
    /// Lifetime of the CA certificate: 131400h, 5y, 90d… (default: Fabric CA's, 15y for a root, 5y for an intermediate)
    #[arg(long, value_name = "DURATION", value_parser = crate::commands::duration_arg)]
    validity: Option<Duration>,
    /// Lifetime of enrolment certificates: 8760h, 90d… (default: Fabric CA's, 8760h)
    #[arg(long, value_name = "DURATION", value_parser = crate::commands::duration_arg)]
    ecert_validity: Option<Duration>,
    /// Deprecated: use --validity with a unit (`--validity 365d`)
    #[arg(long, value_name = "DAYS", hide = true, conflicts_with = "validity")]
    validity_days: Option<u64>,
    /// Deprecated: use --ecert-validity with a unit (`--ecert-validity 90d`)
    #[arg(long, value_name = "DAYS", hide = true, conflicts_with = "ecert_validity")]
    ecert_days: Option<u64>,
    /// Default and ceiling of max enrolments: -1 unlimited, 0 disabled, N at most N (default: unlimited)
    #[arg(long, allow_negative_numbers = true)]
    max_enrollments: Option<i32>,
    /// Wrong secrets before an identity is locked (0 = never; default: Fabric CA's)
    #[arg(long)]
    password_attempts: Option<u32>,
    /// How enrolment certificates hold their OUs: fabric (Fabric CA's, one multi-valued RDN;
    /// the default) or strict (one OU per RDN, as RFC 5280 linters want; docs/ca.md)
    #[arg(long, value_enum, value_name = "LAYOUT")]
    ou_layout: Option<OuLayoutArg>,
    /// An affiliation to create (repeat); replaces Fabric's default tree org1.department1, …
    #[arg(long = "affiliation", value_name = "NAME")]
    affiliations: Vec<String>,
    /// Enrollment ID (and label) of the bootstrap admin
    #[arg(long, default_value = DEFAULT_ADMIN_ID)]
    admin: String,
    /// Register the admin but do not enrol it; its secret is printed instead
    #[arg(long)]
    no_enroll_admin: bool,
    /// Make an intermediate CA signed by this CA of the wallet (acting as --as)
    #[arg(long, value_name = "CA", conflicts_with = "import_cert")]
    parent: Option<String>,
    /// With --parent: the registrar of the parent CA (needs hf.IntermediateCA)
    #[arg(long = "as", value_name = "LABEL", default_value = DEFAULT_ADMIN_ID)]
    registrar: String,
    /// Import this CA certificate (PEM, followed by its issuers for an intermediate), with --import-key or --key
    #[arg(long, value_name = "FILE")]
    import_cert: Option<PathBuf>,
    /// The private key of the imported CA (PKCS#8 or SEC1 PEM)
    #[arg(long, value_name = "FILE", requires = "import_cert", conflicts_with = "key")]
    import_key: Option<PathBuf>,
    /// Where the CA's key is made: transit:[NAME] or pkcs11:token=… (default: the wallet's key
    /// store); with --import-cert, the existing key of that certificate (pkcs11:…;object=…)
    #[arg(long, value_name = "SPEC")]
    key: Option<String>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: InitArgs) -> Result<()> {
    let mut options = CaOptions::new(&a.name, &a.msp_id);
    let given = |v: String| Some(v).filter(|s| !s.is_empty());
    if let Some(v) = a.country {
        options.names.country = given(v);
    }
    if let Some(v) = a.state {
        options.names.state = given(v);
    }
    if let Some(v) = a.locality {
        options.names.locality = given(v);
    }
    if let Some(v) = a.organization {
        options.names.organization = given(v);
    }
    if let Some(v) = a.ou {
        options.organizational_unit = given(v);
    }
    options.common_name = a.cn;
    options.validity = match a.validity_days {
        Some(d) => {
            crate::deprecated::note("--validity-days N", &format!("--validity {d}d"));
            Some(Duration::from_secs(d * 86_400))
        }
        None => a.validity,
    };
    let ecert = match a.ecert_days {
        Some(d) => {
            crate::deprecated::note("--ecert-days N", &format!("--ecert-validity {d}d"));
            Some(Duration::from_secs(d * 86_400))
        }
        None => a.ecert_validity,
    };
    if let Some(ecert) = ecert {
        options.policy.ecert_validity_secs = ecert.as_secs();
    }
    if let Some(max) = a.max_enrollments {
        options.policy.max_enrollments = max;
    }
    if let Some(n) = a.password_attempts {
        options.policy.password_attempts = n;
    }
    if let Some(layout) = a.ou_layout {
        options.policy.ou_layout = match layout {
            OuLayoutArg::Fabric => OuLayout::Fabric,
            OuLayoutArg::Strict => OuLayout::Strict,
        };
    }
    options.admin_id = a.admin.clone();
    if !a.affiliations.is_empty() {
        options.affiliations = a.affiliations;
    }
    let admin = if a.no_enroll_admin { AdminEnrolment::RegisterOnly } else { AdminEnrolment::default() };
    let parent = a.parent.as_deref().map(|p| CertificateAuthority::open(wallet.clone(), p)).transpose()?;
    let imported = match (&a.import_cert, &a.import_key) {
        (Some(cert), Some(key)) => Some((read_file(cert)?, zeroize::Zeroizing::new(read_file(key)?))),
        _ => None,
    };
    let key_spec = a.key.as_deref().map(KeySpec::parse).transpose()?;
    let cert_with_key_ref = match (&a.import_cert, &a.import_key, &key_spec) {
        (Some(cert), None, Some(_)) => Some(read_file(cert)?),
        (Some(_), None, None) => {
            return Err(CliError::usage(
                "--import-cert needs the CA's key: --import-key FILE, or --key SPEC for a key in an HSM or Transit",
            ))
        }
        _ => None,
    };
    if let (Some(spec), None) = (&key_spec, &cert_with_key_ref) {
        wallet.key_stores().plan_key_for(&options.name, spec.clone())?;
    }
    let bootstrap = match (&parent, &imported, &cert_with_key_ref, &key_spec) {
        (Some(parent), _, _, _) => BootstrapOptions::intermediate(options, parent, &a.registrar),
        (None, Some((cert, key)), _, _) => BootstrapOptions::import(options, cert, key),
        (None, None, Some(cert), Some(spec)) => BootstrapOptions::import_with_key(options, cert, spec),
        _ => BootstrapOptions::root(options),
    };
    let Bootstrap { ca, admin, admin_secret: secret } =
        CertificateAuthority::bootstrap(wallet.clone(), &bootstrap.admin(admin)).map_err(|e| match e {
            // The admin's label is taken: there is no --force here, the fix is another admin ID.
            wallet_core::Error::AlreadyExists { kind: "identity", .. } => CliError::from(e).with_hint(format!(
                "pass --admin ID to enrol the new CA's bootstrap admin under another label, or remove the existing {:?} first (`wallet remove {}`)",
                a.admin, a.admin
            )),
            e => e.into(),
        })?;
    #[derive(Serialize)]
    struct Out {
        ca: String,
        subject: String,
        not_after: String,
        key_id: String,
        admin: String,
        admin_label: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        admin_secret: Option<String>,
    }
    let out = Out {
        ca: ca.name().into(),
        subject: ca.certificate().subject(),
        not_after: crate::view::rfc3339(ca.certificate().not_after()),
        key_id: ca.key_id_hex(),
        admin: a.admin.clone(),
        admin_label: admin.as_ref().map(|i| i.label().to_owned()),
        admin_secret: admin.is_none().then(|| secret.expose().to_owned()),
    };
    ctx.print(
        || {
            let mut t = format!("created CA {} ({})\n  expires  {}\n", out.ca, out.subject, out.not_after);
            match (&out.admin_label, &out.admin_secret) {
                (Some(label), _) => t += &format!("  admin    {} enrolled as label {label:?}", out.admin),
                (None, Some(s)) => t += &format!("  admin    {} registered; enrolment secret: {s}", out.admin),
                _ => {}
            }
            t
        },
        &out,
    )?;
    Ok(())
}

/// `--ou-layout`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OuLayoutArg {
    Fabric,
    Strict,
}
