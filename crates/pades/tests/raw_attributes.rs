//! The pitfall of docs/signatures-design.md §2: der 0.8 sorts a `SET OF` when it decodes one,
//! so a verifier that re-encodes `signedAttrs` checks other bytes than the signer signed. Here
//! OpenSSL signs attributes written in non-DER order (as some signers do) inside a CMS we
//! assemble by hand; the signature must verify over the bytes as sent.
mod common;
use common::find;
use der::{Decode, Encode};
use std::process::Command;
use tinhso_pades::{Integrity, verify};

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn oid(dotted: &str) -> Vec<u8> {
    der::asn1::ObjectIdentifier::new_unwrap(dotted)
        .to_der()
        .unwrap()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    tinhso_pades::crypto::DigestAlgorithm::Sha256.digest(&[data])
}

/// A one-page PDF with an empty signature of `capacity` hex digits, and its byte range filled.
fn prepared(capacity: usize) -> (Vec<u8>, std::ops::Range<usize>) {
    let contents = format!("<{}>", "0".repeat(capacity));
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>".to_owned(),
        "<< /Type /Pages /Count 1 /Kids [3 0 R] >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_owned(),
        "<< /FT /Sig /T (Sig1) /V 5 0 R >>".to_owned(),
        format!(
            "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 0000000000 0000000000 0000000000] /Contents {contents} >>"
        ),
    ];
    let mut body = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(body.len());
        body.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = body.len();
    body.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
    for offset in offsets {
        body.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    body.extend_from_slice(
        format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    let start = find(&body, contents.as_bytes());
    let end = start + contents.len();
    let numbers = format!("0 {start:010} {end:010} {:010}", body.len() - end);
    let at = find(&body, b"[0 0000000000");
    body[at + 1..at + 1 + numbers.len()].copy_from_slice(numbers.as_bytes());
    (body, start..end)
}

fn openssl(dir: &std::path::Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn signed_attributes_in_non_der_order_verify_over_the_bytes_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    if !openssl(
        dir.path(),
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-outform",
            "DER",
            "-out",
            "cert.der",
            "-subj",
            "/CN=Test",
            "-days",
            "1",
        ],
    ) {
        eprintln!("openssl absent: skipped");
        return;
    }
    let cert_der = std::fs::read(dir.path().join("cert.der")).unwrap();
    let cert = x509_cert::Certificate::from_der(&cert_der).unwrap();
    let tbs = cert.tbs_certificate();

    let (mut pdf, gap) = prepared(8192);
    let digest = sha256(&cat(&[&pdf[..gap.start], &pdf[gap.end..]]));

    // message-digest first, then content-type: DER would put content-type (shorter) first.
    let message_digest = tlv(
        0x30,
        &cat(&[
            &oid("1.2.840.113549.1.9.4"),
            &tlv(0x31, &tlv(0x04, &digest)),
        ]),
    );
    let content_type = tlv(
        0x30,
        &cat(&[
            &oid("1.2.840.113549.1.9.3"),
            &tlv(0x31, &oid("1.2.840.113549.1.7.1")),
        ]),
    );
    let ess = tlv(0x30, &tlv(0x30, &tlv(0x30, &tlv(0x04, &sha256(&cert_der)))));
    let signing_certificate = tlv(
        0x30,
        &cat(&[&oid("1.2.840.113549.1.9.16.2.47"), &tlv(0x31, &ess)]),
    );
    let attributes = cat(&[&message_digest, &content_type, &signing_certificate]);

    std::fs::write(dir.path().join("attrs"), tlv(0x31, &attributes)).unwrap();
    assert!(openssl(
        dir.path(),
        &[
            "dgst", "-sha256", "-sign", "key.pem", "-out", "sig", "attrs"
        ]
    ));
    let signature = std::fs::read(dir.path().join("sig")).unwrap();

    let sha256_id = tlv(0x30, &oid("2.16.840.1.101.3.4.2.1"));
    let issuer_and_serial = tlv(
        0x30,
        &cat(&[
            &tbs.issuer().to_der().unwrap(),
            &tbs.serial_number().to_der().unwrap(),
        ]),
    );
    let signer_info = tlv(
        0x30,
        &cat(&[
            &[0x02, 0x01, 0x01],
            &issuer_and_serial,
            &sha256_id,
            &tlv(0xa0, &attributes),
            &tlv(0x30, &oid("1.2.840.10045.4.3.2")),
            &tlv(0x04, &signature),
        ]),
    );
    let signed_data = tlv(
        0x30,
        &cat(&[
            &[0x02, 0x01, 0x01],
            &tlv(0x31, &sha256_id),
            &tlv(0x30, &oid("1.2.840.113549.1.7.1")),
            &tlv(0xa0, &cert_der),
            &tlv(0x31, &signer_info),
        ]),
    );
    let content_info = tlv(
        0x30,
        &cat(&[&oid("1.2.840.113549.1.7.2"), &tlv(0xa0, &signed_data)]),
    );

    // der re-sorts on decode: re-encoding would not give the signed bytes back.
    let decoded = cms::signed_data::SignedData::from_der(&signed_data).unwrap();
    let reencoded = decoded.signer_infos.0.as_slice()[0]
        .signed_attrs
        .to_der()
        .unwrap();
    assert_ne!(
        &reencoded[reencoded.len() - attributes.len()..],
        &attributes[..]
    );

    let hex = hex::encode(&content_info);
    pdf[gap.start + 1..gap.start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    let report = verify(&pdf).unwrap();
    assert_eq!(report.signatures[0].integrity, Integrity::Ok, "{report:#?}");
    assert_eq!(
        report.signatures[0].signature_algorithm.as_deref(),
        Some("ECDSA SHA-256")
    );
}
