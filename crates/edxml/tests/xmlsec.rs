//! Our XMLDSig profile against xmlsec1 (Debian package xmlsec1), both ways: what we sign
//! verifies with `xmlsec1 --verify` given our public key, and what xmlsec1 signs from our
//! profile's template verifies with us.
mod common;
use common::*;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use std::process::Command;
use tinhso_edxml::*;

fn xmlsec1() -> bool {
    if Command::new("xmlsec1").arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var("CI_REQUIRE_XMLLINT").as_deref() == Ok("1") {
        panic!("xmlsec1 (Debian xmlsec1) is required: CI_REQUIRE_XMLLINT=1");
    }
    eprintln!("xmlsec1 absent: cross-check skipped");
    false
}

fn public_pem(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("pub.pem");
    std::fs::write(
        &path,
        key()
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    )
    .unwrap();
    path
}

fn xmlsec_verify(pem: &std::path::Path, file: &std::path::Path) -> std::process::Output {
    Command::new("xmlsec1")
        .args([
            "--verify",
            "--enabled-reference-uris",
            "empty",
            "--pubkey-pem",
        ])
        .arg(pem)
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn xmlsec1_verifies_what_we_sign() {
    if !xmlsec1() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pem = public_pem(dir.path());
    for (name, xml) in [
        ("package", full_package().to_signed_xml(&key()).unwrap()),
        (
            "status",
            status(StatusCode::RecallAccepted)
                .to_signed_xml(&key())
                .unwrap(),
        ),
    ] {
        let file = dir.path().join(format!("{name}.xml"));
        std::fs::write(&file, &xml).unwrap();
        let out = xmlsec_verify(&pem, &file);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tampered = String::from_utf8(xml)
            .unwrap()
            .replace("Văn phòng Chính phủ", "Văn phòng Chính phủ X");
        std::fs::write(&file, tampered).unwrap();
        assert!(
            !xmlsec_verify(&pem, &file).status.success(),
            "{name}: xmlsec1 accepted a tampered copy"
        );
    }
}

const TEMPLATE: &str = concat!(
    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\n",
    "<ds:SignedInfo>\n",
    "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\n",
    "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>\n",
    "<ds:Reference URI=\"\">\n<ds:Transforms>\n",
    "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\n",
    "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\n",
    "</ds:Transforms>\n",
    "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\n",
    "<ds:DigestValue></ds:DigestValue>\n</ds:Reference>\n</ds:SignedInfo>\n",
    "<ds:SignatureValue></ds:SignatureValue>\n</ds:Signature>\n"
);

#[test]
fn we_verify_what_xmlsec1_signs_from_our_template() {
    if !xmlsec1() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("key.pem");
    std::fs::write(
        &private,
        key().to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    let unsigned = String::from_utf8(write(&full_package().to_element())).unwrap();
    // Pretty-printed with line breaks, unlike ours: C14N must keep that white space.
    let template = unsigned.replace(
        "</edXML:edXMLHeader>",
        &format!("\n{TEMPLATE}</edXML:edXMLHeader>"),
    );
    let input = dir.path().join("template.xml");
    let output = dir.path().join("signed.xml");
    std::fs::write(&input, template).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--sign", "--privkey-pem"])
        .arg(&private)
        .arg("--output")
        .arg(&output)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signed = std::fs::read(&output).unwrap();
    let package = Package::read(&signed, MAX, key().verifying_key()).unwrap();
    assert_eq!(package, full_package());
    assert!(Package::read(&signed, MAX, other_key().verifying_key()).is_err());
    let tampered = String::from_utf8(signed)
        .unwrap()
        .replace("Nguyễn Văn An", "Nguyễn Văn Ân");
    let err = Package::read(tampered.as_bytes(), MAX, key().verifying_key()).unwrap_err();
    assert!(err.to_string().contains("đã bị thay đổi"), "{err}");
}
