//! `wallet ca …`: the embedded certificate authority (Fabric CA semantics, no server).
//!
//! Every decision is `wallet_core::ca`'s; this module parses flags, finds secrets (a file, the
//! environment or the terminal — never argv) and prints results.

mod add_affiliation;
mod affiliations;
mod bulk_enroll;
mod certificates;
mod common;
mod crl;
mod enroll;
mod export_msp;
mod identities;
mod init;
mod list;
mod reenroll;
mod register;
mod reset_secret;
mod revoke;
mod sign_csr;

use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::ca::{CaError, CaService, CertificateAuthority, DEFAULT_ADMIN_ID};
use wallet_core::Wallet;

/// Environment variable holding an enrolment secret (instead of --secret-file or a prompt).
pub const ENV_ENROLL_SECRET: &str = "WALLET_ENROLL_SECRET";

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A CA and its admin, then a user registered and enrolled into the wallet:",
    "    $ wallet ca init org1-ca --msp-id Org1MSP",
    "    $ wallet ca register user1 --type client --affiliation org1.department1 > user1.secret",
    "    $ wallet ca enroll user1 --secret-file user1.secret",
    "  Revoke it and publish a CRL:",
    "    $ wallet ca revoke user1 --reason keycompromise",
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
    Init(Box<init::InitArgs>),
    /// List the CAs in the wallet
    List(list::ListArgs),
    /// Register an identity; prints its enrolment secret
    Register(register::RegisterArgs),
    /// Enrol a registered identity: new key and certificate, stored in the wallet
    Enroll(enroll::EnrollArgs),
    /// Renew the certificate of an identity in the wallet (new key unless --reuse-key)
    Reenroll(reenroll::ReenrollArgs),
    /// Revoke an identity (all its certificates) or one certificate
    Revoke(revoke::RevokeArgs),
    /// Generate a CRL (PEM)
    Crl(crl::CrlArgs),
    /// Issue a certificate for a CSR whose key stays with its owner
    SignCsr(sign_csr::SignCsrArgs),
    /// List registered identities (or show one)
    Identities(identities::IdentitiesArgs),
    /// List issued certificates
    Certificates(certificates::CertificatesArgs),
    /// List the affiliation tree
    Affiliations(affiliations::AffiliationsArgs),
    /// Add an affiliation
    AddAffiliation(add_affiliation::AddAffiliationArgs),
    /// Set a new enrolment secret for an identity and unlock it
    ResetSecret(reset_secret::ResetSecretArgs),
    /// Register and enrol many identities from a CSV file (id,type,affiliation,attributes)
    BulkEnroll(bulk_enroll::BulkArgs),
    /// Deprecated: `wallet export LABEL --format msp` writes the MSP folder with crls/
    #[command(hide = true)]
    ExportMsp(export_msp::ExportMspArgs),
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
    #[arg(long = "as", value_name = "LABEL", default_value = DEFAULT_ADMIN_ID)]
    registrar: String,
}

/// Where an enrolment secret comes from.
#[derive(Debug, clap::Args)]
struct SecretArgs {
    /// Read the enrolment secret from the first line of FILE (else WALLET_ENROLL_SECRET, else a prompt)
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = Arc::new(ctx.open_wallet()?);
    match args.command {
        CaCommand::Init(a) => init::run(ctx, &wallet, *a),
        CaCommand::List(_) => list::run(ctx, &wallet),
        CaCommand::Register(a) => register::run(ctx, &wallet, a),
        CaCommand::Enroll(a) => enroll::run(ctx, &wallet, a),
        CaCommand::Reenroll(a) => reenroll::run(ctx, &wallet, a),
        CaCommand::Revoke(a) => revoke::run(ctx, &wallet, a),
        CaCommand::Crl(a) => crl::run(ctx, &wallet, a),
        CaCommand::SignCsr(a) => sign_csr::run(ctx, &wallet, a),
        CaCommand::Identities(a) => identities::run(ctx, &wallet, a),
        CaCommand::Certificates(a) => certificates::run(ctx, &wallet, a),
        CaCommand::Affiliations(a) => affiliations::run(ctx, &wallet, a),
        CaCommand::AddAffiliation(a) => add_affiliation::run(ctx, &wallet, a),
        CaCommand::ResetSecret(a) => reset_secret::run(ctx, &wallet, a),
        CaCommand::BulkEnroll(a) => bulk_enroll::run(ctx, &wallet, a),
        CaCommand::ExportMsp(a) => export_msp::run(ctx, &wallet, a),
    }
}

/// Open the CA named by --ca, or the only one in the wallet.
fn open_ca(wallet: &Arc<Wallet>, which: &Which) -> Result<CertificateAuthority> {
    CertificateAuthority::open_default(wallet.clone(), which.ca.as_deref()).map_err(|e| match e {
        wallet_core::Error::Ca(CaError::NoCa { .. }) => CliError::new(exit::NOT_FOUND, e.to_string())
            .with_hint("create one with `wallet ca init NAME --msp-id MSPID`"),
        wallet_core::Error::Ca(CaError::AmbiguousCa { .. }) => {
            CliError::usage(e.to_string()).with_hint("pass --ca NAME or set WALLET_CA")
        }
        e => e.into(),
    })
}

/// The CA named by --ca (or the only one), for the verbs every CA offers.
fn open_service(wallet: &Arc<Wallet>, which: &Which) -> Result<Box<dyn CaService>> {
    Ok(Box::new(open_ca(wallet, which)?))
}
