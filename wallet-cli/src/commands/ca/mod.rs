//! `wallet ca …`: the embedded certificate authority (Fabric CA semantics, no server) or a
//! Fabric CA server by URL, behind one interface (`wallet_core::ca::CaService`).
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
mod info;
mod init;
mod list;
mod modify_affiliation;
mod modify_identity;
mod reenroll;
mod register;
mod remove_affiliation;
mod remove_identity;
mod repair;
mod reset_secret;
mod revoke;
mod sign_csr;
mod use_ca;

use super::ca_target::CaTargetArgs;
use super::examples;
use crate::context::Context;
use crate::error::Result;
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::ca::{CaService, DEFAULT_ADMIN_ID};
use wallet_core::Wallet;

/// Environment variable holding an enrolment secret (instead of --secret-file or a prompt).
pub const ENV_ENROLL_SECRET: &str = "WALLET_ENROLL_SECRET";

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A CA and its admin, then a user registered and enrolled into the wallet:",
    "    $ wallet ca init org1-ca --msp-id Org1MSP",
    "    $ wallet ca register user1 --type client --affiliation org1.department1 --out user1.secret",
    "    $ wallet ca enroll user1 --secret-file user1.secret",
    "  Revoke it and publish a CRL:",
    "    $ wallet ca revoke user1 --reason keycompromise",
    "    $ wallet ca crl --out crl.pem",
    "",
    "  The same against a Fabric CA server, made the wallet's default first:",
    "    $ wallet ca use https://ca.org1.example.com:7054 --tls-root tls-ca.pem --msp-id Org1MSP",
    "    $ wallet ca enroll admin --secret-file admin.secret",
    "",
    "Each command acts as a registrar identity held in the wallet (--as, default admin) and is",
    "checked against its Fabric CA rights. --ca takes an embedded CA's name or a Fabric CA URL;",
    "without it, the wallet's default CA (`wallet ca use`), else its only CA.",
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
    /// Mend damaged registry records of an embedded CA from what the wallet tells
    Repair(repair::RepairArgs),
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
    /// Set, show or clear the wallet's default CA (a Fabric CA URL or an embedded CA)
    Use(use_ca::UseArgs),
    /// What the CA says about itself: name, version, certificate chain
    Info(info::InfoArgs),
    /// Change a registered identity (type, affiliation, attributes, enrolments, secret)
    ModifyIdentity(modify_identity::ModifyIdentityArgs),
    /// Remove a registered identity from the CA
    RemoveIdentity(remove_identity::RemoveIdentityArgs),
    /// Rename an affiliation
    ModifyAffiliation(modify_affiliation::ModifyAffiliationArgs),
    /// Remove an affiliation
    RemoveAffiliation(remove_affiliation::RemoveAffiliationArgs),
}

/// Which CA, and as whom (a registrar identity held in the wallet).
#[derive(Debug, clap::Args)]
struct AsRegistrar {
    #[command(flatten)]
    which: CaTargetArgs,
    /// The label of the registrar identity to act as
    #[arg(long = "as", value_name = "LABEL", default_value = DEFAULT_ADMIN_ID)]
    registrar: String,
}

/// Which CA, and as whom for a query: the embedded CA reads its registry when no one is named,
/// a Fabric CA is asked as the wallet's `admin`.
#[derive(Debug, clap::Args)]
struct AsCaller {
    #[command(flatten)]
    which: CaTargetArgs,
    /// The label of the identity to ask as (a Fabric CA shows what that identity may see)
    #[arg(long = "as", value_name = "LABEL")]
    caller: Option<String>,
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
        CaCommand::Repair(a) => repair::run(ctx, &wallet, a),
        CaCommand::SignCsr(a) => sign_csr::run(ctx, &wallet, a),
        CaCommand::Identities(a) => identities::run(ctx, &wallet, a),
        CaCommand::Certificates(a) => certificates::run(ctx, &wallet, a),
        CaCommand::Affiliations(a) => affiliations::run(ctx, &wallet, a),
        CaCommand::AddAffiliation(a) => add_affiliation::run(ctx, &wallet, a),
        CaCommand::ResetSecret(a) => reset_secret::run(ctx, &wallet, a),
        CaCommand::BulkEnroll(a) => bulk_enroll::run(ctx, &wallet, a),
        CaCommand::ExportMsp(a) => export_msp::run(ctx, &wallet, a),
        CaCommand::Use(a) => use_ca::run(ctx, &wallet, a),
        CaCommand::Info(a) => info::run(ctx, &wallet, a),
        CaCommand::ModifyIdentity(a) => modify_identity::run(ctx, &wallet, a),
        CaCommand::RemoveIdentity(a) => remove_identity::run(ctx, &wallet, a),
        CaCommand::ModifyAffiliation(a) => modify_affiliation::run(ctx, &wallet, a),
        CaCommand::RemoveAffiliation(a) => remove_affiliation::run(ctx, &wallet, a),
    }
}

/// The CA named by --ca (or the wallet's default, or its only one): the embedded CA and a
/// Fabric CA server behind one interface.
fn open_service(wallet: &Arc<Wallet>, which: &CaTargetArgs) -> Result<Box<dyn CaService>> {
    which.open(wallet)
}
