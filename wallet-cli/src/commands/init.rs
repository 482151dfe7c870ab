//! `wallet init`: create a wallet.

use super::examples;
use crate::context::Context;
use crate::error::Result;
use serde_json::json;
use wallet_core::backend::file::KdfParams;
use wallet_core::backend::Unlock;

/// Argon2id settings at least as strong as one row of OWASP's password-storage minimums
/// (memory in KiB, iterations); weaker ones are refused. The maxima are the file backend's.
const OWASP_MINIMUMS: [(u32, u32); 5] = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)];

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Create the default wallet, choosing its passphrase at the prompt:",
    "    $ wallet init",
    "  Create a wallet in a folder, the passphrase read from a file:",
    "    $ wallet --wallet ./org1-wallet --passphrase-file ./pass.txt init",
    "  Cheaper key derivation for a throwaway test wallet (OWASP's minimum):",
    "    $ WALLET_KDF_PARAMS=19456,2,1 WALLET_PASSPHRASE=test wallet --wallet /tmp/w init",
    "  A wallet the OS keychain unlocks (no passphrase, e.g. for a service account):",
    "    $ wallet --wallet ./org1-wallet init --unlock keychain",
    "  A wallet that lives in the keychain itself (secrets there, the rest in a companion folder):",
    "    $ wallet --wallet keychain:org1 init",
))]
pub struct Args {
    /// Argon2id cost of the passphrase: memory in KiB, iterations, lanes
    ///
    /// Default 65536,3,4 (64 MiB, RFC 9106's second recommendation). Values weaker than OWASP's
    /// minimums (e.g. 19456,2,1 or 47104,1,1) are refused, as are values above 1048576,10,16.
    /// Only used when the wallet is created: the parameters are stored in the wallet.
    #[arg(long, env = "WALLET_KDF_PARAMS", value_name = "M,T,P", value_parser = parse_kdf_params)]
    kdf_params: Option<KdfParams>,

    /// How a file wallet is unlocked: passphrase (the default), keychain, or keychain:STORE
    ///
    /// With keychain, a random key kept in the OS keychain (Secret Service on Linux, Keychain
    /// on macOS, Credential Manager on Windows) unlocks the wallet and no passphrase is asked;
    /// keychain:keyutils uses the Linux kernel keyring instead (gone at reboot). Switch later
    /// with `wallet passwd --unlock`.
    #[arg(long, value_name = "METHOD", value_parser = Unlock::parse)]
    unlock: Option<Unlock>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = ctx.create_wallet(args.kdf_params, args.unlock.unwrap_or_default())?;
    let location = wallet.location();
    ctx.print(|| format!("created wallet {location}"), &json!({ "wallet": location, "created": true }))?;
    Ok(())
}

/// Parse `M,T,P` and refuse values below OWASP's minimums or above sane maxima.
pub fn parse_kdf_params(s: &str) -> std::result::Result<KdfParams, String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [m, t, p] = parts.as_slice() else {
        return Err("expected three numbers M,T,P (memory in KiB, iterations, lanes), e.g. 65536,3,4".into());
    };
    let num = |v: &str, name: &str| v.parse::<u32>().map_err(|_| format!("{name} {v:?} is not a whole number"));
    let params = KdfParams { m_cost_kib: num(m, "memory")?, t_cost: num(t, "iterations")?, p_cost: num(p, "lanes")? };
    if !OWASP_MINIMUMS.iter().any(|&(m0, t0)| params.m_cost_kib >= m0 && params.t_cost >= t0) {
        return Err(format!(
            "{},{},{} is weaker than OWASP's minimum for Argon2id (e.g. 19456,2,1 or 47104,1,1)",
            params.m_cost_kib, params.t_cost, params.p_cost
        ));
    }
    // The backend's own bounds (lanes, maxima), so a wallet it would refuse to open is never made.
    params.validate().map_err(|e| match e {
        wallet_core::Error::Unsupported(detail) => detail,
        other => other.to_string(),
    })?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_params_within_bounds_are_accepted() {
        assert_eq!(parse_kdf_params("65536,3,4").unwrap(), KdfParams { m_cost_kib: 65536, t_cost: 3, p_cost: 4 });
        assert_eq!(parse_kdf_params(" 19456, 2, 1").unwrap(), KdfParams { m_cost_kib: 19456, t_cost: 2, p_cost: 1 });
        assert!(parse_kdf_params("47104,1,1").is_ok());
        assert!(parse_kdf_params("7168,5,1").is_ok());
    }

    #[test]
    fn weak_or_malformed_kdf_params_are_refused() {
        for bad in ["1024,1,1", "19455,2,1", "19456,1,1", "7168,4,1", "65536,3,0", "65536,3", "a,b,c", "65536,3,4,5"] {
            assert!(parse_kdf_params(bad).is_err(), "{bad} accepted");
        }
        assert!(parse_kdf_params("65536,3,17").unwrap_err().contains("lanes"));
        assert!(parse_kdf_params("2000000,3,4").unwrap_err().contains("memory"));
        assert!(parse_kdf_params("65536,11,4").unwrap_err().contains("passes"));
        assert!(parse_kdf_params("1024,1,1").unwrap_err().contains("OWASP"));
    }
}
