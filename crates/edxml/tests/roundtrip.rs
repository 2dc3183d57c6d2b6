//! Write, sign, read back, and the typed checks XSD 1.0 cannot express.
mod common;
use common::*;
use tinhso_edxml::*;

#[test]
fn packages_round_trip_through_signed_xml() {
    for package in [minimal_package(), full_package()] {
        let xml = package.to_signed_xml(&key()).unwrap();
        let back = Package::read(&xml, MAX, key().verifying_key()).unwrap();
        assert_eq!(back, package);
    }
}

#[test]
fn statuses_round_trip_for_every_code() {
    for code in StatusCode::ALL {
        let xml = status(code).to_signed_xml(&key()).unwrap();
        assert_eq!(
            Status::read(&xml, MAX, key().verifying_key()).unwrap(),
            status(code)
        );
    }
}

#[test]
fn a_status_is_not_a_package_and_back() {
    let status_xml = status(StatusCode::Done).to_signed_xml(&key()).unwrap();
    let err = Package::read(&status_xml, MAX, key().verifying_key()).unwrap_err();
    assert!(err.to_string().contains("không phải gói văn bản"), "{err}");
    let package_xml = minimal_package().to_signed_xml(&key()).unwrap();
    let err = Status::read(&package_xml, MAX, key().verifying_key()).unwrap_err();
    assert!(
        err.to_string().contains("không phải thông điệp trạng thái"),
        "{err}"
    );
}

#[test]
fn an_attachment_missing_from_the_manifest_is_refused() {
    let mut package = minimal_package();
    package.attachments[0].content_id = "cid:khac".into();
    let xml = package.to_signed_xml(&key()).unwrap();
    let err = Package::read(&xml, MAX, key().verifying_key()).unwrap_err();
    assert!(
        err.to_string()
            .contains("không có trong edXMLBody/edXMLManifest"),
        "{err}"
    );
}

#[test]
fn writing_refuses_what_the_schema_refuses() {
    let mut package = minimal_package();
    package.subject = "x".repeat(501);
    let err = package.to_signed_xml(&key()).unwrap_err();
    assert!(
        err.to_string()
            .contains("edXMLHeader/MessageHeader/Subject"),
        "{err}"
    );
}

#[test]
fn missing_subject_names_its_path() {
    let xml = String::from_utf8(minimal_package().to_signed_xml(&key()).unwrap()).unwrap();
    let start = xml.find("<edXML:Subject>").unwrap();
    let end = xml.find("</edXML:Subject>").unwrap() + "</edXML:Subject>".len();
    let broken = format!("{}{}", &xml[..start], &xml[end..]);
    let err = read_valid(broken.as_bytes(), MAX).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Thiếu trường bắt buộc edXMLHeader/MessageHeader/Subject"
    );
}
