//! `wallet ca init`: create a CA (root, intermediate, or imported) and its bootstrap admin.

use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use crate::files::read_file;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wallet_core::ca::{CaOptions, CertificateAuthority, EnrollRequest, SubjectNames, SystemClock};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A root CA with Fabric CA's defaults; its admin is enrolled as label admin:",
    "    $ wallet ca init org1-ca --msp-id Org1MSP",
    "  An intermediate CA signed by org1-ca:",
    "    $ wallet ca init org1-int --msp-id Org1MSP --parent org1-ca --admin int-admin",
    "  Import a fabric-ca-server CA (certificate and key):",
    "    $ wallet ca init org1-ca --msp-id Org1MSP --import-cert ca-cert.pem --import-key msp/keystore/KEY_sk",
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
    /// Subject C of the CA (and default of enrolment requests)
    #[arg(long, default_value = "US")]
    country: String,
    /// Subject ST
    #[arg(long, default_value = "North Carolina")]
    state: String,
    /// Subject L
    #[arg(long)]
    locality: Option<String>,
    /// Subject O
    #[arg(long, default_value = "Hyperledger")]
    organization: String,
    /// Subject OU of the CA certificate
    #[arg(long, default_value = "Fabric")]
    ou: String,
    /// Lifetime of the CA certificate in days (default 15 years for a root, 5 for an intermediate)
    #[arg(long, value_name = "DAYS")]
    validity_days: Option<u64>,
    /// Lifetime of enrolment certificates in days
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    ecert_days: u64,
    /// Default and ceiling of max enrolments: -1 unlimited, 0 disabled, N at most N
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    max_enrollments: i32,
    /// Wrong secrets before an identity is locked (0 = never)
    #[arg(long, default_value_t = 10)]
    password_attempts: u32,
    /// An affiliation to create (repeat); replaces Fabric's default tree org1.department1, …
    #[arg(long = "affiliation", value_name = "NAME")]
    affiliations: Vec<String>,
    /// Enrollment ID of the bootstrap admin
    #[arg(long, default_value = "admin")]
    admin: String,
    /// Register the admin but do not enrol it; its secret is printed instead
    #[arg(long)]
    no_enroll_admin: bool,
    /// Make an intermediate CA signed by this CA of the wallet (acting as --as)
    #[arg(long, value_name = "CA", conflicts_with = "import_cert")]
    parent: Option<String>,
    /// With --parent: the registrar of the parent CA (needs hf.IntermediateCA)
    #[arg(long = "as", value_name = "LABEL", default_value = "admin")]
    registrar: String,
    /// Import this CA certificate (PEM, followed by its issuers for an intermediate)
    #[arg(long, value_name = "FILE", requires = "import_key")]
    import_cert: Option<PathBuf>,
    /// The private key of the imported CA (PKCS#8 or SEC1 PEM)
    #[arg(long, value_name = "FILE", requires = "import_cert")]
    import_key: Option<PathBuf>,
}

pub(super) fn run(ctx: &Context, wallet: &Wallet, a: InitArgs) -> Result<()> {
    let mut options = CaOptions::new(&a.name, &a.msp_id);
    options.names = SubjectNames {
        country: Some(a.country).filter(|s| !s.is_empty()),
        state: Some(a.state).filter(|s| !s.is_empty()),
        locality: a.locality,
        organization: Some(a.organization).filter(|s| !s.is_empty()),
    };
    options.organizational_unit = Some(a.ou).filter(|s| !s.is_empty());
    options.common_name = a.cn;
    options.validity = a.validity_days.map(|d| Duration::from_secs(d * 86_400));
    options.policy.ecert_validity_secs = a.ecert_days * 86_400;
    options.policy.max_enrollments = a.max_enrollments;
    options.policy.password_attempts = a.password_attempts;
    options.admin_id = a.admin.clone();
    if !a.affiliations.is_empty() {
        options.affiliations = a.affiliations;
    }
    if !a.no_enroll_admin && wallet.contains(&a.admin)? {
        return Err(
            wallet_core::Error::AlreadyExists { kind: "identity", name: a.admin, location: wallet.location() }.into()
        );
    }
    let (ca, secret) = match (&a.parent, &a.import_cert, &a.import_key) {
        (Some(parent), _, _) => {
            let parent = CertificateAuthority::open(wallet, parent)?;
            CertificateAuthority::create_intermediate(&parent, &a.registrar, wallet, &options)?
        }
        (None, Some(cert), Some(key)) => {
            let key_pem = zeroize::Zeroizing::new(read_file(key)?);
            CertificateAuthority::import(wallet, &options, &read_file(cert)?, &key_pem, Arc::new(SystemClock))?
        }
        _ => CertificateAuthority::create_root(wallet, &options, Arc::new(SystemClock))?,
    };
    let admin = if a.no_enroll_admin {
        None
    } else {
        Some(ca.enroll(&EnrollRequest { id: a.admin.clone(), secret: Some(secret.clone()), ..Default::default() })?)
    };
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
    );
    Ok(())
}
