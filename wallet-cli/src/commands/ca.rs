//! `wallet ca …`: the embedded certificate authority (Fabric CA semantics, no server).
//!
//! Every decision is `wallet_core::ca`'s; this module parses flags, finds secrets (a file, the
//! environment or the terminal — never argv) and prints results.

use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::files::{read_file, read_input, write_output};
use crate::terminal;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wallet_core::ca::{
    Attribute, AttributeRequest, BulkOptions, BulkOutcome, BulkRow, CaOptions, CertificateAuthority, CrlOptions,
    EnrollRequest, ReenrollOptions, RegistrationRequest, RevocationReason, RevokeTarget, Secret, SubjectNames,
    SystemClock,
};
use wallet_core::{Identity, Wallet};

/// Environment variable holding an enrolment secret (instead of --secret-file or a prompt).
pub const ENV_ENROLL_SECRET: &str = "WALLET_ENROLL_SECRET";

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A CA and its admin, then a user registered and enrolled into the wallet:",
    "    $ wallet ca init org1-ca --msp-id Org1MSP",
    "    $ wallet ca register user1 --type client --affiliation org1.department1 > user1.secret",
    "    $ wallet ca enroll user1 --secret-file user1.secret",
    "  Revoke it and publish a CRL:",
    "    $ wallet ca revoke --id user1 --reason keycompromise",
    "    $ wallet ca crl --out crl.pem",
    "",
    "Each command acts as a registrar identity held in the wallet (--as, default admin) and is",
    "checked against its Fabric CA rights. With one CA in the wallet, --ca may be left out.",
))]
pub struct Args {
    #[command(subcommand)]
    command: CaCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CaCommand {
    /// Create a CA (root, intermediate, or imported) and its bootstrap admin
    Init(InitArgs),
    /// List the CAs in the wallet
    List(ListArgs),
    /// Register an identity; prints its enrolment secret
    Register(RegisterArgs),
    /// Enrol a registered identity: new key and certificate, stored in the wallet
    Enroll(EnrollArgs),
    /// Renew the certificate of an identity in the wallet (new key unless --reuse-key)
    Reenroll(ReenrollArgs),
    /// Revoke an identity (all its certificates) or one certificate
    Revoke(RevokeArgs),
    /// Generate a CRL (PEM)
    Crl(CrlArgs),
    /// Issue a certificate for a CSR whose key stays with its owner
    SignCsr(SignCsrArgs),
    /// List registered identities (or show one)
    Identities(IdentitiesArgs),
    /// List issued certificates
    Certificates(CertificatesArgs),
    /// List the affiliation tree
    Affiliations(AffiliationsArgs),
    /// Add an affiliation
    AddAffiliation(AddAffiliationArgs),
    /// Set a new enrolment secret for an identity and unlock it
    ResetSecret(ResetSecretArgs),
    /// Register and enrol many identities from a CSV file (id,type,affiliation,attributes)
    BulkEnroll(BulkArgs),
    /// Write an identity as an MSP folder with the CA's latest CRL in crls/crl.pem
    ExportMsp(ExportMspArgs),
}

/// Which CA.
#[derive(Debug, clap::Args)]
struct Which {
    /// The CA to use (default: the only CA in the wallet)
    #[arg(long, env = "WALLET_CA", value_name = "NAME")]
    ca: Option<String>,
}

/// Which CA, and as whom.
#[derive(Debug, clap::Args)]
struct AsRegistrar {
    #[command(flatten)]
    which: Which,
    /// The label of the registrar identity to act as
    #[arg(long = "as", value_name = "LABEL", default_value = "admin")]
    registrar: String,
}

/// Where an enrolment secret comes from.
#[derive(Debug, clap::Args)]
struct SecretArgs {
    /// Read the enrolment secret from the first line of FILE (else WALLET_ENROLL_SECRET, else a prompt)
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A root CA with Fabric CA's defaults; its admin is enrolled as label admin:",
    "    $ wallet ca init org1-ca --msp-id Org1MSP",
    "  An intermediate CA signed by org1-ca:",
    "    $ wallet ca init org1-int --msp-id Org1MSP --parent org1-ca --admin int-admin",
    "  Import a fabric-ca-server CA (certificate and key):",
    "    $ wallet ca init org1-ca --msp-id Org1MSP --import-cert ca-cert.pem --import-key msp/keystore/KEY_sk",
))]
struct InitArgs {
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

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A client in org1.department1 with an attribute in its certificates; the secret goes to a file:",
    "    $ wallet ca register user1 --type client --affiliation org1.department1 --attr role=auditor:ecert > user1.secret",
    "  A peer that may enrol twice:",
    "    $ wallet ca register peer0 --type peer --affiliation org1 --max-enrollments 2",
))]
struct RegisterArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Identity type: client, peer, orderer, admin… (default: the registrar's)
    #[arg(long = "type", value_name = "TYPE")]
    identity_type: Option<String>,
    /// Affiliation (default: the registrar's; "." is the root)
    #[arg(long)]
    affiliation: Option<String>,
    /// An attribute name=value[:ecert] (repeat)
    #[arg(long = "attr", value_name = "NAME=VALUE[:ecert]", value_parser = parse_attribute)]
    attrs: Vec<Attribute>,
    /// Maximum enrolments (-1 unlimited; default the CA's)
    #[arg(long, allow_negative_numbers = true)]
    max_enrollments: Option<i32>,
    /// Use the secret in the first line of FILE instead of a generated one
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Enrol with the secret from a file (or WALLET_ENROLL_SECRET):",
    "    $ wallet ca enroll user1 --secret-file user1.secret",
    "  A peer with host names in its certificate:",
    "    $ wallet ca enroll peer0 --secret-file peer0.secret --host peer0.org1.example.com",
))]
struct EnrollArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    which: Which,
    #[command(flatten)]
    secret: SecretArgs,
    /// Wallet label (default: the enrollment ID)
    #[arg(long)]
    label: Option<String>,
    /// A host name, IP address, e-mail or URI for the SAN extension (repeat)
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// An attribute to put in the certificate, NAME or NAME:opt (repeat; default: the ecert ones)
    #[arg(long = "attr-req", value_name = "NAME[:opt]", value_parser = parse_attr_req)]
    attr_reqs: Vec<AttributeRequest>,
    /// Replace an identity stored under the label
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A new key and certificate for user1:",
    "    $ wallet ca reenroll user1",
    "  An expired certificate, keeping the key:",
    "    $ wallet ca reenroll user1 --allow-expired --reuse-key",
))]
struct ReenrollArgs {
    /// The label of the identity in the wallet
    label: String,
    #[command(flatten)]
    which: Which,
    /// Keep the current key
    #[arg(long)]
    reuse_key: bool,
    /// Accept an expired certificate
    #[arg(long)]
    allow_expired: bool,
    /// SAN entries (repeat; default: those of the current certificate)
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  An identity and all its certificates, then a new CRL:",
    "    $ wallet ca revoke --id user1 --reason keycompromise --gencrl crl.pem",
    "  One certificate:",
    "    $ wallet ca revoke --serial 42f30ac6… --aki 49ff8341… --reason superseded",
))]
struct RevokeArgs {
    #[command(flatten)]
    who: AsRegistrar,
    /// Revoke this identity and all its certificates
    #[arg(long, conflicts_with_all = ["serial", "aki"], required_unless_present = "serial")]
    id: Option<String>,
    /// Revoke the certificate with this serial (hex)…
    #[arg(long, requires = "aki")]
    serial: Option<String>,
    /// …and this authority key identifier (hex)
    #[arg(long, requires = "serial")]
    aki: Option<String>,
    /// Reason: unspecified, keycompromise, cacompromise, affiliationchanged, superseded,
    /// cessationofoperation, certificatehold, privilegewithdrawn, aacompromise
    #[arg(long, default_value = "unspecified", value_parser = parse_reason)]
    reason: RevocationReason,
    /// Also generate a CRL and write it to this file
    #[arg(long, value_name = "FILE")]
    gencrl: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Write the CRL for an MSP folder:",
    "    $ wallet ca crl --out msp/crls/crl.pem",
))]
struct CrlArgs {
    #[command(flatten)]
    who: AsRegistrar,
    /// Write the CRL to FILE (default: stdout)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Hours until nextUpdate (default: the CA's, 24)
    #[arg(long, value_name = "HOURS")]
    validity_hours: Option<u64>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Certify a key that stays with its owner:",
    "    $ wallet ca sign-csr peer0 --secret-file peer0.secret --csr peer0.csr --out peer0.pem",
))]
struct SignCsrArgs {
    /// The enrollment ID (must be the CSR's CN)
    id: String,
    #[command(flatten)]
    which: Which,
    #[command(flatten)]
    secret: SecretArgs,
    /// The CSR, PEM or DER (default: stdin)
    #[arg(long, value_name = "FILE")]
    csr: Option<PathBuf>,
    /// Write the certificate (PEM) to FILE (default: stdout)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// SAN entries (repeat; default: those of the CSR)
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// An attribute to put in the certificate, NAME or NAME:opt (repeat)
    #[arg(long = "attr-req", value_name = "NAME[:opt]", value_parser = parse_attr_req)]
    attr_reqs: Vec<AttributeRequest>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Every registered identity, then one with its attributes:",
    "    $ wallet ca identities",
    "    $ wallet ca identities user1",
))]
struct IdentitiesArgs {
    /// Show only this enrollment ID
    id: Option<String>,
    #[command(flatten)]
    which: Which,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  The certificates of user1, with their PEM, as JSON:",
    "    $ wallet ca certificates --id user1 --pem --output json",
))]
struct CertificatesArgs {
    #[command(flatten)]
    which: Which,
    /// Only the certificates of this enrollment ID
    #[arg(long)]
    id: Option<String>,
    /// Include the PEM of each certificate
    #[arg(long)]
    pem: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A new department (its parent must exist, or pass --force):",
    "    $ wallet ca add-affiliation org1.department3",
))]
struct AddAffiliationArgs {
    /// The dotted affiliation, e.g. org1.department3
    name: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Also create missing parents
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Unlock user1 with a new generated secret:",
    "    $ wallet ca reset-secret user1 > user1.secret",
))]
struct ResetSecretArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Use the secret in the first line of FILE instead of a generated one
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Enrol everyone in users.csv (id,type,affiliation,attributes); rerun after a failure:",
    "    $ wallet ca bulk-enroll --csv users.csv",
))]
struct BulkArgs {
    /// CSV file: id,type,affiliation,attributes (attributes: name=value[:ecert];…), header optional
    #[arg(long, value_name = "FILE")]
    csv: PathBuf,
    #[command(flatten)]
    who: AsRegistrar,
    /// Maximum enrolments of the new identities (default: the CA's)
    #[arg(long, allow_negative_numbers = true)]
    max_enrollments: Option<i32>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  An MSP folder for a peer, with the CA's latest CRL:",
    "    $ wallet ca export-msp peer0 --out ./peer0-msp --insecure",
))]
struct ExportMspArgs {
    /// The label of the identity
    label: String,
    #[command(flatten)]
    which: Which,
    /// The MSP folder to write
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Needed: the private key is written unencrypted to keystore/
    #[arg(long)]
    insecure: bool,
    /// Replace files that already exist
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  The CAs in the wallet:",
    "    $ wallet ca list",
))]
struct ListArgs {}

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  The affiliation tree:",
    "    $ wallet ca affiliations",
))]
struct AffiliationsArgs {
    #[command(flatten)]
    which: Which,
}

fn parse_attribute(s: &str) -> std::result::Result<Attribute, String> {
    Attribute::parse(s).map_err(|e| e.to_string())
}

fn parse_attr_req(s: &str) -> std::result::Result<AttributeRequest, String> {
    match s.rsplit_once(':') {
        Some((name, "opt" | "optional")) => Ok(AttributeRequest { name: name.into(), optional: true }),
        Some((_, flag)) => Err(format!("unknown flag {flag:?}: use NAME or NAME:opt")),
        None if s.is_empty() => Err("empty attribute name".into()),
        None => Ok(AttributeRequest { name: s.into(), optional: false }),
    }
}

fn parse_reason(s: &str) -> std::result::Result<RevocationReason, String> {
    s.parse().map_err(|e: wallet_core::ca::CaError| e.to_string())
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = ctx.open_wallet()?;
    match args.command {
        CaCommand::Init(a) => init(ctx, &wallet, a),
        CaCommand::List(_) => list(ctx, &wallet),
        CaCommand::Register(a) => register(ctx, &wallet, a),
        CaCommand::Enroll(a) => enroll(ctx, &wallet, a),
        CaCommand::Reenroll(a) => reenroll(ctx, &wallet, a),
        CaCommand::Revoke(a) => revoke(ctx, &wallet, a),
        CaCommand::Crl(a) => crl(ctx, &wallet, a),
        CaCommand::SignCsr(a) => sign_csr(ctx, &wallet, a),
        CaCommand::Identities(a) => identities(ctx, &wallet, a),
        CaCommand::Certificates(a) => certificates(ctx, &wallet, a),
        CaCommand::Affiliations(a) => affiliations(ctx, &wallet, a.which),
        CaCommand::AddAffiliation(a) => add_affiliation(ctx, &wallet, a),
        CaCommand::ResetSecret(a) => reset_secret(ctx, &wallet, a),
        CaCommand::BulkEnroll(a) => bulk(ctx, &wallet, a),
        CaCommand::ExportMsp(a) => export_msp(ctx, &wallet, a),
    }
}

/// Open the CA named by --ca, or the only one in the wallet.
fn open_ca<'w>(wallet: &'w Wallet, which: &Which) -> Result<CertificateAuthority<'w>> {
    if let Some(name) = &which.ca {
        return Ok(CertificateAuthority::open(wallet, name)?);
    }
    let names = CertificateAuthority::list(wallet)?;
    match names.as_slice() {
        [one] => Ok(CertificateAuthority::open(wallet, one)?),
        [] => Err(CliError::new(exit::NOT_FOUND, format!("no certificate authority in wallet {}", wallet.location()))
            .with_hint("create one with `wallet ca init NAME --msp-id MSPID`")),
        many => Err(CliError::usage(format!("the wallet holds several CAs ({}); say which", many.join(", ")))
            .with_hint("pass --ca NAME or set WALLET_CA")),
    }
}

/// The first line of a file, as a secret.
fn secret_from_file(path: &Path) -> Result<Secret> {
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
fn enrolment_secret(args: &SecretArgs, id: &str) -> Result<Secret> {
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
struct IssuedView {
    label: String,
    enrollment_id: String,
    msp_id: String,
    subject: String,
    serial: String,
    not_after: String,
}

impl IssuedView {
    fn of(identity: &Identity) -> Self {
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

    fn text(&self) -> String {
        format!(
            "enrolled {} as label {:?}\n  subject  {}\n  serial   {}\n  expires  {}",
            self.enrollment_id, self.label, self.subject, self.serial, self.not_after
        )
    }
}

fn init(ctx: &Context, wallet: &Wallet, a: InitArgs) -> Result<()> {
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

fn list(ctx: &Context, wallet: &Wallet) -> Result<()> {
    #[derive(Serialize)]
    struct Row {
        name: String,
        msp_id: String,
        subject: String,
        not_after: String,
        parent: Option<String>,
    }
    let mut rows = vec![];
    for name in CertificateAuthority::list(wallet)? {
        let ca = CertificateAuthority::open(wallet, &name)?;
        rows.push(Row {
            msp_id: ca.msp_id().into(),
            subject: ca.certificate().subject(),
            not_after: crate::view::rfc3339(ca.certificate().not_after()),
            parent: ca.parent().map(String::from),
            name,
        });
    }
    ctx.print(
        || {
            rows.iter()
                .map(|r| format!("{}  {}  {}  expires {}", r.name, r.msp_id, r.subject, r.not_after))
                .collect::<Vec<_>>()
                .join("\n")
        },
        &rows,
    );
    Ok(())
}

fn register(ctx: &Context, wallet: &Wallet, a: RegisterArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.who.which)?;
    let secret = a.secret_file.as_deref().map(secret_from_file).transpose()?;
    let secret = ca.register(
        &a.who.registrar,
        &RegistrationRequest {
            id: a.id.clone(),
            secret,
            identity_type: a.identity_type,
            affiliation: a.affiliation,
            attributes: a.attrs,
            max_enrollments: a.max_enrollments,
        },
    )?;
    // The secret alone on stdout, so that `> user.secret` makes a file for --secret-file.
    ctx.print(|| secret.expose().to_owned(), &serde_json::json!({ "id": a.id, "secret": secret.expose() }));
    Ok(())
}

fn attr_reqs(reqs: Vec<AttributeRequest>) -> Option<Vec<AttributeRequest>> {
    if reqs.is_empty() {
        None
    } else {
        Some(reqs)
    }
}

fn enroll(ctx: &Context, wallet: &Wallet, a: EnrollArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.which)?;
    let secret = enrolment_secret(&a.secret, &a.id)?;
    let identity = ca.enroll(&EnrollRequest {
        id: a.id,
        secret: Some(secret),
        label: a.label,
        hosts: a.hosts,
        attr_reqs: attr_reqs(a.attr_reqs),
        names: None,
        overwrite: a.force,
    })?;
    let view = IssuedView::of(&identity);
    ctx.print(|| view.text(), &view);
    Ok(())
}

fn reenroll(ctx: &Context, wallet: &Wallet, a: ReenrollArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.which)?;
    let identity = ca.reenroll(
        &a.label,
        &ReenrollOptions {
            reuse_key: a.reuse_key,
            allow_expired: a.allow_expired,
            hosts: if a.hosts.is_empty() { None } else { Some(a.hosts) },
            attr_reqs: None,
        },
    )?;
    let view = IssuedView::of(&identity);
    ctx.print(|| view.text().replacen("enrolled", "reenrolled", 1), &view);
    Ok(())
}

fn revoke(ctx: &Context, wallet: &Wallet, a: RevokeArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.who.which)?;
    let target = match (a.id, a.serial, a.aki) {
        (Some(id), _, _) => RevokeTarget::Identity(id),
        (None, Some(serial), Some(aki)) => RevokeTarget::Certificate { serial, aki },
        _ => return Err(CliError::usage("give --id, or --serial with --aki")),
    };
    let revoked = ca.revoke(&a.who.registrar, &target, a.reason)?;
    let crl = match &a.gencrl {
        Some(path) => {
            let crl = ca.generate_crl(&a.who.registrar, &CrlOptions::default())?;
            write_output(Some(path), crl.to_pem().as_bytes(), false, true)?;
            Some(crl.number)
        }
        None => None,
    };
    ctx.print(
        || {
            let mut t: Vec<String> =
                revoked.iter().map(|r| format!("revoked serial {} (AKI {})", r.serial, r.aki)).collect();
            if let (Some(n), Some(p)) = (crl, &a.gencrl) {
                t.push(format!("CRL number {n} written to {}", p.display()));
            }
            t.join("\n")
        },
        &serde_json::json!({ "revoked": revoked, "reason": a.reason, "crl_number": crl }),
    );
    Ok(())
}

fn crl(ctx: &Context, wallet: &Wallet, a: CrlArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.who.which)?;
    let crl = ca.generate_crl(
        &a.who.registrar,
        &CrlOptions { validity: a.validity_hours.map(|h| Duration::from_secs(h * 3600)), ..Default::default() },
    )?;
    match (&a.out, ctx.json()) {
        (Some(path), _) => {
            write_output(Some(path), crl.to_pem().as_bytes(), false, true)?;
            ctx.print(
                || format!("CRL number {} ({} entries) written to {}", crl.number, crl.entries, path.display()),
                &serde_json::json!({ "number": crl.number, "entries": crl.entries, "file": path }),
            );
        }
        (None, true) => ctx.print(
            String::new,
            &serde_json::json!({ "number": crl.number, "entries": crl.entries, "pem": crl.to_pem() }),
        ),
        (None, false) => write_output(None, crl.to_pem().as_bytes(), false, true)?,
    }
    Ok(())
}

fn sign_csr(ctx: &Context, wallet: &Wallet, a: SignCsrArgs) -> Result<()> {
    let csr = read_input(a.csr.as_deref())?;
    let ca = open_ca(wallet, &a.which)?;
    let secret = enrolment_secret(&a.secret, &a.id)?;
    let reqs = attr_reqs(a.attr_reqs);
    let cert = ca.sign_csr(&a.id, &secret, &csr, &a.hosts, reqs.as_deref())?;
    if ctx.json() {
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "id": a.id, "serial": cert.serial_hex(), "subject": cert.subject(), "certificate": cert.to_pem(),
        }))
        .expect("results always serialize")
            + "\n";
        return write_output(a.out.as_deref(), text.as_bytes(), false, true);
    }
    write_output(a.out.as_deref(), cert.to_pem().as_bytes(), false, true)
}

fn identities(ctx: &Context, wallet: &Wallet, a: IdentitiesArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.which)?;
    let list = match &a.id {
        Some(id) => vec![ca.identity(id)?],
        None => ca.identities()?,
    };
    ctx.print(
        || {
            list.iter()
                .map(|i| {
                    let max =
                        if i.max_enrollments == -1 { "unlimited".to_string() } else { i.max_enrollments.to_string() };
                    let aff = if i.affiliation.is_empty() { "." } else { &i.affiliation };
                    let mut line = format!(
                        "{}  type={}  affiliation={}  enrollments={}/{}  state={:?}{}",
                        i.id,
                        i.identity_type,
                        aff,
                        i.enrollments,
                        max,
                        i.state,
                        if i.locked { "  LOCKED" } else { "" }
                    )
                    .replace("Active", "active")
                    .replace("Revoked", "revoked");
                    if a.id.is_some() {
                        for attr in &i.attrs {
                            line += &format!(
                                "\n  {}={}{}",
                                attr.name,
                                attr.value,
                                if attr.ecert { " (ecert)" } else { "" }
                            );
                        }
                    }
                    line
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        &list,
    );
    Ok(())
}

fn certificates(ctx: &Context, wallet: &Wallet, a: CertificatesArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.which)?;
    let mut list = ca.certificates(a.id.as_deref())?;
    if !a.pem {
        for c in &mut list {
            c.pem.clear();
        }
    }
    ctx.print(
        || {
            list.iter()
                .map(|c| {
                    let status = match (&c.revoked_at, &c.reason) {
                        (Some(t), Some(r)) => format!("revoked {} ({r})", crate::view::rfc3339(*t)),
                        _ => "valid".into(),
                    };
                    let mut line =
                        format!("{}  {}  expires {}  {}", c.serial, c.id, crate::view::rfc3339(c.not_after), status);
                    if a.pem {
                        line += &format!("\n{}", c.pem.trim_end());
                    }
                    line
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        &list,
    );
    Ok(())
}

fn affiliations(ctx: &Context, wallet: &Wallet, which: Which) -> Result<()> {
    let ca = open_ca(wallet, &which)?;
    let list = ca.affiliations()?;
    ctx.print(
        || list.iter().map(|a| format!("{}{}", "  ".repeat(a.matches('.').count()), a)).collect::<Vec<_>>().join("\n"),
        &list,
    );
    Ok(())
}

fn add_affiliation(ctx: &Context, wallet: &Wallet, a: AddAffiliationArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.who.which)?;
    ca.add_affiliation(&a.who.registrar, &a.name, a.force)?;
    ctx.print(|| format!("added affiliation {}", a.name), &serde_json::json!({ "added": a.name }));
    Ok(())
}

fn reset_secret(ctx: &Context, wallet: &Wallet, a: ResetSecretArgs) -> Result<()> {
    let ca = open_ca(wallet, &a.who.which)?;
    let secret = a.secret_file.as_deref().map(secret_from_file).transpose()?;
    let secret = ca.reset_secret(&a.who.registrar, &a.id, secret)?;
    ctx.print(|| secret.expose().to_owned(), &serde_json::json!({ "id": a.id, "secret": secret.expose() }));
    Ok(())
}

fn bulk(ctx: &Context, wallet: &Wallet, a: BulkArgs) -> Result<()> {
    let text = read_file(&a.csv)?;
    let text =
        std::str::from_utf8(&text).map_err(|_| CliError::usage(format!("{} is not UTF-8 text", a.csv.display())))?;
    let rows = BulkRow::parse_csv(text).map_err(|e| CliError::usage(format!("{}: {e}", a.csv.display())))?;
    let ca = open_ca(wallet, &a.who.which)?;
    let total = rows.len() as u64;
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} enrolled, {per_sec}, {eta} left  {msg}")
            .expect("the template is valid"),
    );
    let mut failures: Vec<(String, String)> = vec![];
    let report =
        ca.bulk_enroll(&a.who.registrar, rows, &BulkOptions { max_enrollments: a.max_enrollments }, &mut |p| {
            if let BulkOutcome::Failed(e) = p.outcome {
                bar.suspend(|| eprintln!("{}: {e}", p.id));
                failures.push((p.id.to_owned(), e.to_string()));
            }
            bar.set_position(p.done as u64);
        });
    bar.finish_and_clear();
    let report = report?;
    #[derive(Serialize)]
    struct Failure {
        id: String,
        error: String,
    }
    let failed: Vec<Failure> = failures.into_iter().map(|(id, error)| Failure { id, error }).collect();
    ctx.print(
        || format!("{} enrolled, {} already enrolled, {} refused", report.enrolled, report.skipped, failed.len()),
        &serde_json::json!({ "enrolled": report.enrolled, "skipped": report.skipped, "failed": failed }),
    );
    if !failed.is_empty() {
        return Err(CliError::new(exit::FAILURE, format!("{} rows were refused", failed.len()))
            .with_hint("fix those rows and run the same command again: enrolled identities are skipped"));
    }
    Ok(())
}

fn export_msp(ctx: &Context, wallet: &Wallet, a: ExportMspArgs) -> Result<()> {
    if !a.insecure {
        return Err(CliError::usage("an MSP folder holds the private key unencrypted")
            .with_hint("pass --insecure to write it anyway"));
    }
    let ca = open_ca(wallet, &a.which)?;
    let options = wallet_core::formats::msp::WriteOptions { overwrite: a.force, ..Default::default() };
    ca.export_msp(&a.label, &a.out, &options)?;
    let crl = a.out.join("crls/crl.pem").exists();
    ctx.print(
        || format!("wrote MSP folder {}{}", a.out.display(), if crl { " (with crls/crl.pem)" } else { "" }),
        &serde_json::json!({ "label": a.label, "dir": a.out, "crl": crl }),
    );
    Ok(())
}
