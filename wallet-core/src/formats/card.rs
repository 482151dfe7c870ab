//! Hyperledger Composer business network cards (`.card`): a zip archive holding
//! `metadata.json` (`version` 1, `userName`, optional `businessNetwork`, `description`,
//! `roles`, `enrollmentSecret`), `connection.json` (a Fabric common connection profile) and
//! `credentials/certificate` + `credentials/privateKey` (PEM). This follows
//! `composer-common/lib/idcard.js` (`fromArchive`, `toArchive`), which reads version-0
//! metadata (`enrollmentId` instead of `userName`) too.
//!
//! The MSP ID is the `mspid` of the profile's `client.organization`. A card that holds only an
//! enrolment secret has no identity yet: it is refused with the ID to enrol.

use crate::error::{FormatError, Result};
use crate::identity::Identity;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use zeroize::Zeroizing;

const METADATA: &str = "metadata.json";
const CONNECTION: &str = "connection.json";
const CERTIFICATE: &str = "credentials/certificate";
const PRIVATE_KEY: &str = "credentials/privateKey";
/// The metadata version Composer 0.19 and later write.
pub const CARD_VERSION: u64 = 1;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetadataIn {
    version: Option<u64>,
    user_name: Option<String>,
    /// Version 0's name for the user.
    enrollment_id: Option<String>,
    business_network: Option<String>,
    enrollment_secret: Option<Zeroizing<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetadataOut<'a> {
    version: u64,
    user_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_network: Option<&'a str>,
    roles: &'a [String],
}

/// A card read from an archive.
#[derive(Debug)]
pub struct Card {
    /// The identity (label: `userName`, unless one was given).
    pub identity: Identity,
    /// `businessNetwork`, when the card names one.
    pub business_network: Option<String>,
    /// The connection profile, as found.
    pub connection: serde_json::Value,
}

/// What a card written for old tooling says besides the identity.
#[derive(Debug, Clone, Default)]
pub struct CardOptions {
    /// `businessNetwork` (none: a card for the network as a whole, e.g. a PeerAdmin card).
    pub business_network: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `roles` (`PeerAdmin`, `ChannelAdmin`).
    pub roles: Vec<String>,
    /// The connection profile to put in `connection.json`; default: a minimal one naming the
    /// identity's organization and MSP ID (Composer requires `name`).
    pub connection: Option<serde_json::Value>,
}

/// Read a `.card` archive from `what`. With `label` the identity is stored under it instead of
/// the card's `userName`; with `msp_id` that MSP ID is used instead of the profile's.
pub fn parse(bytes: &[u8], label: Option<&str>, msp_id: Option<&str>, what: &str) -> Result<Card> {
    let bad = |detail: String| FormatError::invalid("Hyperledger Composer card", what, detail);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a zip archive ({e}); a .card is the zip `composer card export` writes")))?;
    let mut read = |name: &str| -> Result<Option<Zeroizing<Vec<u8>>>> {
        let mut file = match zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(bad(format!("cannot read {name} ({e})")).into()),
        };
        let mut out = Zeroizing::new(Vec::new());
        file.read_to_end(&mut out).map_err(|e| bad(format!("cannot read {name} ({e})")))?;
        Ok(Some(out))
    };
    let metadata = read(METADATA)?.ok_or_else(|| bad(format!("it has no {METADATA}")))?;
    let metadata: MetadataIn =
        serde_json::from_slice(&metadata).map_err(|e| bad(format!("{METADATA} is not card metadata ({e})")))?;
    if let Some(v) = metadata.version.filter(|v| *v > CARD_VERSION) {
        return Err(FormatError::UnsupportedVersion {
            what: format!("Composer card ({what})"),
            found: v.to_string(),
            supported: format!("0 and {CARD_VERSION}"),
        }
        .into());
    }
    let user = metadata
        .user_name
        .or(metadata.enrollment_id)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad(format!("{METADATA} has no userName")))?;
    let connection = read(CONNECTION)?.ok_or_else(|| bad(format!("it has no {CONNECTION}")))?;
    let connection: serde_json::Value =
        serde_json::from_slice(&connection).map_err(|e| bad(format!("{CONNECTION} is not JSON ({e})")))?;
    let (cert, key) = (read(CERTIFICATE)?, read(PRIVATE_KEY)?);
    let (Some(cert), Some(key)) = (cert, key) else {
        let why = if metadata.enrollment_secret.is_some() {
            format!("it holds an enrolment secret for {user:?} but no certificate and key: enrol {user:?} with that secret first")
        } else {
            format!("it has no {CERTIFICATE} and {PRIVATE_KEY}")
        };
        return Err(bad(why).into());
    };
    let msp = match msp_id {
        Some(m) => m.to_owned(),
        None => profile_msp_id(&connection).ok_or_else(|| {
            bad(format!("{CONNECTION} names no MSP ID (client.organization → organizations.*.mspid); give one"))
        })?,
    };
    let identity = super::pem_pair::parse(label.unwrap_or(&user), &msp, &cert, &key)?;
    Ok(Card { identity, business_network: metadata.business_network, connection })
}

/// The MSP ID of the client's organization in a common connection profile.
fn profile_msp_id(profile: &serde_json::Value) -> Option<String> {
    let org = profile.pointer("/client/organization")?.as_str()?;
    profile.get("organizations")?.get(org)?.get("mspid")?.as_str().map(str::to_owned)
}

/// A `.card` archive for `identity` with its key unencrypted, as Composer reads them. Fails for
/// an identity whose key cannot leave its store.
pub fn to_card(identity: &Identity, options: &CardOptions) -> Result<Zeroizing<Vec<u8>>> {
    let key = super::pkcs8_pem(identity)?;
    let msp = identity.msp_id();
    let connection = options.connection.clone().unwrap_or_else(|| {
        serde_json::json!({
            "name": format!("{msp}-profile"),
            "x-type": "hlfv1",
            "version": "1.0.0",
            "client": { "organization": msp },
            "organizations": { msp: { "mspid": msp } },
        })
    });
    let metadata = MetadataOut {
        version: CARD_VERSION,
        user_name: identity.label(),
        description: options.description.as_deref(),
        business_network: options.business_network.as_deref(),
        roles: &options.roles,
    };
    let files: [(&str, Zeroizing<Vec<u8>>); 4] = [
        (CONNECTION, Zeroizing::new(serde_json::to_vec(&connection).expect("JSON values always encode"))),
        (METADATA, Zeroizing::new(serde_json::to_vec(&metadata).expect("plain structs always encode"))),
        (CERTIFICATE, Zeroizing::new(identity.certificate().to_pem().into_bytes())),
        (PRIVATE_KEY, Zeroizing::new(key.as_bytes().to_vec())),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let file_options = zip::write::SimpleFileOptions::default().unix_permissions(0o600);
    let failed = |e: &dyn std::fmt::Display| {
        FormatError::invalid("Hyperledger Composer card", identity.label(), format!("cannot write the archive ({e})"))
    };
    zip.add_directory("credentials/", file_options).map_err(|e| failed(&e))?;
    for (name, data) in &files {
        zip.start_file(*name, file_options).map_err(|e| failed(&e))?;
        zip.write_all(data).map_err(|e| failed(&e))?;
    }
    let cursor = zip.finish().map_err(|e| failed(&e))?;
    Ok(Zeroizing::new(cursor.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support;

    #[test]
    fn round_trip() {
        let a = test_support::identity("PeerAdmin", "Org1MSP");
        let options = CardOptions { roles: vec!["PeerAdmin".into(), "ChannelAdmin".into()], ..Default::default() };
        let bytes = to_card(&a, &options).unwrap();
        let card = parse(&bytes, None, None, "PeerAdmin.card").unwrap();
        assert_eq!(card.identity.label(), "PeerAdmin");
        assert_eq!(card.identity.msp_id(), "Org1MSP");
        assert_eq!(card.identity.certificate(), a.certificate());
        assert_eq!(card.identity.signer().public_key(), a.signer().public_key());
        assert_eq!(card.connection["client"]["organization"], "Org1MSP");
    }

    #[test]
    fn refusals_say_what_is_missing() {
        assert!(parse(b"not a zip", None, None, "x.card").unwrap_err().to_string().contains("not a zip"));
        let a = test_support::identity("u", "Org1MSP");
        let mut only_secret = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        only_secret.start_file(METADATA, o).unwrap();
        only_secret.write_all(br#"{"version":1,"userName":"u","enrollmentSecret":"s3cret"}"#).unwrap();
        only_secret.start_file(CONNECTION, o).unwrap();
        only_secret.write_all(br#"{"name":"n"}"#).unwrap();
        let bytes = only_secret.finish().unwrap().into_inner();
        let e = parse(&bytes, None, None, "u.card").unwrap_err().to_string();
        assert!(e.contains("enrolment secret") && !e.contains("s3cret"), "{e}");
        // No MSP ID in the profile: refused unless one is given.
        let card =
            to_card(&a, &CardOptions { connection: Some(serde_json::json!({"name": "n"})), ..Default::default() })
                .unwrap();
        assert!(parse(&card, None, None, "u.card").unwrap_err().to_string().contains("MSP ID"));
        assert_eq!(parse(&card, Some("v"), Some("Org9MSP"), "u.card").unwrap().identity.msp_id(), "Org9MSP");
    }
}
