//! Fabric `SerializedIdentity { string mspid = 1; bytes id_bytes = 2; }` with the PEM
//! certificate in `id_bytes`.
//!
//! Hand-written: two length-delimited fields do not justify a protobuf crate and its code generator.

use crate::error::{Error, FormatError, Result};
use crate::identity::{Certificate, Identity};

const FORMAT: &str = "SerializedIdentity";

/// Protobuf wire type of length-delimited fields (strings, bytes, messages).
const WIRE_LEN: u64 = 2;

/// The SerializedIdentity bytes of an identity (certificate re-encoded as PEM with LF, as Fabric Go does).
pub fn serialize(identity: &Identity) -> Vec<u8> {
    encode(identity.msp_id(), identity.certificate().to_pem().as_bytes())
}

/// Encode a SerializedIdentity from its two fields. Empty fields are left out, as proto3 does.
pub fn encode(msp_id: &str, id_bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msp_id.len() + id_bytes.len() + 8);
    for (field, value) in [(1u64, msp_id.as_bytes()), (2, id_bytes)] {
        if !value.is_empty() {
            put_varint(&mut out, (field << 3) | WIRE_LEN);
            put_varint(&mut out, value.len() as u64);
            out.extend_from_slice(value);
        }
    }
    out
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn malformed(detail: impl Into<String>) -> Error {
    FormatError::invalid(FORMAT, "the protobuf bytes", detail).into()
}

/// Reads protobuf primitives, refusing to run past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(malformed(format!("truncated varint at byte {}", self.pos)));
            };
            if shift == 63 && b > 1 {
                return Err(malformed(format!("varint longer than 64 bits at byte {}", self.pos)));
            }
            self.pos += 1;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn take(&mut self, len: u64) -> Result<&'a [u8]> {
        let remaining = self.bytes.len() - self.pos;
        let len = usize::try_from(len).ok().filter(|&l| l <= remaining).ok_or_else(|| {
            malformed(format!("field of {len} bytes at byte {} runs past the end ({remaining} bytes left)", self.pos))
        })?;
        let out = &self.bytes[self.pos..self.pos + len];
        self.pos += len;
        Ok(out)
    }
}

/// Decode a SerializedIdentity into `(mspid, id_bytes)`.
///
/// Unknown fields are skipped (as protobuf readers must); fields 1 and 2 with a wire type other
/// than length-delimited, group wire types, field number 0, truncated input and an `mspid` that
/// is not UTF-8 are refused. A repeated field keeps its last value, as in proto3.
pub fn decode(bytes: &[u8]) -> Result<(String, Vec<u8>)> {
    let mut r = Reader { bytes, pos: 0 };
    let (mut msp_id, mut id_bytes): (&[u8], &[u8]) = (&[], &[]);
    while r.pos < bytes.len() {
        let at = r.pos;
        let key = r.varint()?;
        let (field, wire) = (key >> 3, key & 7);
        if field == 0 {
            return Err(malformed(format!("field number 0 at byte {at}")));
        }
        match (field, wire) {
            (1 | 2, WIRE_LEN) => {
                let len = r.varint()?;
                let value = r.take(len)?;
                if field == 1 {
                    msp_id = value;
                } else {
                    id_bytes = value;
                }
            }
            (1 | 2, _) => {
                return Err(malformed(format!("field {field} has wire type {wire}, expected 2 (length-delimited)")))
            }
            (_, 0) => {
                r.varint()?;
            }
            (_, 1) => {
                r.take(8)?;
            }
            (_, WIRE_LEN) => {
                let len = r.varint()?;
                r.take(len)?;
            }
            (_, 5) => {
                r.take(4)?;
            }
            (_, _) => return Err(malformed(format!("unsupported wire type {wire} (field {field}) at byte {at}"))),
        }
    }
    let msp_id = std::str::from_utf8(msp_id).map_err(|_| malformed("mspid is not UTF-8"))?;
    Ok((msp_id.to_owned(), id_bytes.to_vec()))
}

/// Decode a SerializedIdentity and parse its certificate the way Fabric does: `id_bytes` must be
/// exactly one `CERTIFICATE` PEM block, with at most one line ending after it.
pub fn decode_certificate(bytes: &[u8]) -> Result<(String, Certificate)> {
    let (msp_id, id_bytes) = decode(bytes)?;
    let what = "SerializedIdentity id_bytes";
    let blocks = pem::parse_many(&id_bytes).map_err(|e| FormatError::pem_parse(what, e))?;
    let [block] = blocks.as_slice() else {
        return Err(FormatError::pem(what, format!("{} PEM blocks, expected exactly one", blocks.len())).into());
    };
    if block.tag() != "CERTIFICATE" {
        return Err(FormatError::pem(what, format!("a {} block, expected CERTIFICATE", block.tag())).into());
    }
    let end = b"-----END CERTIFICATE-----";
    let tail = id_bytes.windows(end.len()).rposition(|w| w == end).map(|i| &id_bytes[i + end.len()..]).unwrap_or(&[]);
    if !matches!(tail, b"" | b"\n" | b"\r\n") {
        return Err(FormatError::pem(what, "bytes after the certificate (Fabric refuses them)").into());
    }
    Ok((msp_id, Certificate::from_der(block.contents(), what)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support;

    #[test]
    fn serialize_prefix_is_fabric_go_form() {
        let id = test_support::identity("u", "Org1MSP");
        let pem = id.certificate().to_pem();
        assert!(pem.len() >= 128 && pem.len() < 16384, "test assumes a two-byte length");
        let bytes = serialize(&id);
        let mut expect = vec![0x0a, 0x07];
        expect.extend_from_slice(b"Org1MSP");
        expect.push(0x12);
        expect.push(0x80 | (pem.len() & 0x7f) as u8);
        expect.push((pem.len() >> 7) as u8);
        expect.extend_from_slice(b"-----BEGIN CERTIFICATE-----\nMII");
        assert_eq!(&bytes[..expect.len()], &expect[..]);
        assert_eq!(bytes.len(), 2 + 7 + 3 + pem.len());
        let (msp, cert) = decode_certificate(&bytes).unwrap();
        assert_eq!((msp.as_str(), &cert), ("Org1MSP", id.certificate()));
    }

    #[test]
    fn varints_round_trip() {
        for len in [0usize, 1, 127, 128, 300, 16383, 16384, 70_000] {
            let id_bytes = vec![0xabu8; len];
            let (m, b) = decode(&encode("M", &id_bytes)).unwrap();
            assert_eq!((m.as_str(), b.len()), ("M", len));
        }
        assert_eq!(encode("", b""), Vec::<u8>::new());
        assert_eq!(decode(&[]).unwrap(), (String::new(), vec![]));
    }

    #[test]
    fn unknown_fields_are_skipped() {
        let mut bytes = vec![0x18, 0x96, 0x01]; // field 3 varint 150
        bytes.extend([0x21, 1, 2, 3, 4, 5, 6, 7, 8]); // field 4 fixed64
        bytes.extend([0x2d, 1, 2, 3, 4]); // field 5 fixed32
        bytes.extend([0x32, 2, b'h', b'i']); // field 6 bytes
        bytes.extend(encode("Org1MSP", b"cert"));
        bytes.extend([0x0a, 1, b'X']); // a later mspid wins
        assert_eq!(decode(&bytes).unwrap(), ("X".into(), b"cert".to_vec()));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let good = encode("Org1MSP", b"-----BEGIN CERTIFICATE-----\n");
        for cut in 1..good.len() {
            let r = decode(&good[..cut]);
            // Cuts at a field boundary are valid messages; every other cut must fail cleanly.
            if cut != 9 {
                let err = r.expect_err(&format!("cut at {cut}")).to_string();
                assert!(err.contains("SerializedIdentity"), "{err}");
            }
        }
        let cases: &[(&[u8], &str)] = &[
            (&[0x08, 0x01], "field 1 has wire type 0"),
            (&[0x15, 0, 0, 0, 0], "field 2 has wire type 5"),
            (&[0x1b], "unsupported wire type 3"),
            (&[0x00], "field number 0"),
            (&[0x0a, 0x02, 0xff, 0xfe], "mspid is not UTF-8"),
            (&[0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], "runs past the end"),
            (&[0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], "longer than 64 bits"),
            (&[0x0a, 0x80], "truncated varint"),
        ];
        for (bytes, expect) in cases {
            let err = decode(bytes).expect_err(expect).to_string();
            assert!(err.contains(expect), "{bytes:02x?}: {err}");
        }
        // Pseudo-random garbage never panics.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let len = (x % 24) as usize;
            let mut buf = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                buf.push(x as u8);
            }
            let _ = decode(&buf);
            let _ = decode_certificate(&buf);
        }
    }

    #[test]
    fn certificate_checks_follow_fabric() {
        let id = test_support::identity("u", "Org1MSP");
        let pem = id.certificate().to_pem();
        assert!(decode_certificate(&encode("M", pem.replace('\n', "\r\n").as_bytes())).is_ok());
        let two = format!("{pem}{}", id.chain()[0].to_pem());
        assert!(decode_certificate(&encode("M", two.as_bytes())).unwrap_err().to_string().contains("exactly one"));
        let trailing = format!("{pem}\n");
        assert!(decode_certificate(&encode("M", trailing.as_bytes())).unwrap_err().to_string().contains("after"));
        let key = crate::crypto::SoftwareKey::generate().to_pkcs8_pem();
        assert!(decode_certificate(&encode("M", key.as_bytes())).unwrap_err().to_string().contains("PRIVATE KEY"));
    }
}
