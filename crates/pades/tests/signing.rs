//! PAdES signing (`tinhso_pades::sign`, docs/signatures-design.md §3, slice 5): the demo PKI's
//! leader (RSA-2048, PSS and PKCS#1 v1.5) and clerk (P-256) sign, B-B and B-T (our own TSA in
//! process), hand-made PDFs (a classic xref table, an xref stream) and pyHanko-made ones;
//! the results are checked by our verifier (integrity, chain to the demo root, timestamp,
//! level), by pyHanko's validator (`tests/pyhanko/validate.py`, the demo root trusted), by
//! poppler's `pdfsig` (an NSS database trusting the demo root) and by `qpdf --check`. A second
//! signature keeps the first valid; refusals are typed; mutated inputs never panic.
//!
//! pyHanko follows `common` (skipped without it, except under `CI_REQUIRE_PYHANKO=1`);
//! `pdfsig`, `certutil` and `qpdf` are required: a missing one fails the test.
mod common;

use der::{Encode, EncodePem};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};
use tinhso_pades::asn1::WideOid;
use tinhso_pades::ca::{DemoPki, KeyAlgorithm, KeyPair, Role, Settings, Subject};
use tinhso_pades::sign::{
    self, Appearance, Credential, LocalTsa, SignError, SignatureAlgorithm, SignatureFields, Signer,
    SoftwareSigner, Stamp, StampStyle, TimestampSource, ToBeSigned,
};
use tinhso_pades::{
    DocumentReport, Indication, Integrity, Level, RevocationData, SignatureReport, Trust, validate,
};

struct Pki {
    demo: DemoPki,
    leader: Issued,
    clerk: Issued,
    dir: tempfile::TempDir,
}

struct Issued {
    der: Vec<u8>,
    key: KeyPair,
}

static PKI: OnceLock<Pki> = OnceLock::new();

fn pki() -> &'static Pki {
    PKI.get_or_init(|| {
        let now = SystemTime::now();
        let policy = WideOid::from_uuid(0x1d2c_3b4a_5968_4776_8594_a3b2_c1d0_e0f1);
        let settings = Settings::new("https://tinhso.test", policy);
        let demo = DemoPki::create(&settings, now).unwrap();
        let agency = "Văn phòng UBND tỉnh Hà Giang";
        let issue = |name: &str, algorithm| {
            let (certificate, key) = demo
                .issuing
                .issue_with_new_key(
                    Role::Person,
                    &Subject::person(name, Some(agency)),
                    algorithm,
                    &settings,
                    now,
                )
                .unwrap();
            Issued {
                der: certificate.to_der().unwrap(),
                key,
            }
        };
        let pki = Pki {
            leader: issue("Nguyễn Thị Hằng", KeyAlgorithm::Rsa2048),
            clerk: issue("Trần Văn Đức", KeyAlgorithm::P256),
            demo,
            dir: tempfile::tempdir().unwrap(),
        };
        for (name, certificate) in [
            ("root", &pki.demo.root.certificate),
            ("issuing", &pki.demo.issuing.certificate),
        ] {
            let pem = certificate.to_pem(der::pem::LineEnding::LF).unwrap();
            std::fs::write(pki.dir.path().join(format!("{name}.pem")), pem).unwrap();
        }
        pki
    })
}

impl Pki {
    fn credential(&self, who: &Issued) -> Credential {
        Credential::new(who.der.clone(), vec![self.demo.issuing.der.clone()])
    }

    fn tsa(&self) -> LocalTsa<'_> {
        LocalTsa {
            authority: &self.demo.tsa,
            chain: vec![self.demo.issuing.certificate.clone()],
            policy: self.demo.settings.policy.clone(),
            now: None,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn trust(&self) -> Trust {
        common::trusting_demo_root(&self.demo)
    }
}

fn fields() -> SignatureFields {
    SignatureFields {
        signer_name: Some("Nguyễn Thị Hằng".into()),
        reason: Some("Phê duyệt văn bản".into()),
        location: Some("Hà Giang".into()),
        ..SignatureFields::new(SystemTime::now())
    }
}

/// Signs `pdf` as `who` with `algorithm`, B-T when `timestamped`.
fn sign_as(
    pdf: &[u8],
    who: &Issued,
    algorithm: SignatureAlgorithm,
    timestamped: bool,
    fields: &SignatureFields,
) -> Vec<u8> {
    let pki = pki();
    let signer = SoftwareSigner::new(who.key.clone(), algorithm).unwrap();
    let tsa = pki.tsa();
    let source: Option<&dyn TimestampSource> = if timestamped { Some(&tsa) } else { None };
    sign::sign_pdf(pdf, fields, &pki.credential(who), &signer, source).expect("signed")
}

// ---------------------------------------------------------------- hand-made inputs

/// One A4 page with a line of text and a classic xref table (as `tests/pyhanko/classic_pdf.py`).
fn classic_pdf(version: &str) -> Vec<u8> {
    let content = b"BT /F1 12 Tf 72 720 Td (Van ban mau) Tj ET";
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.0 842] /Contents 4 0 R >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
    ];
    let mut out = format!("%PDF-{version}\n%\u{e2}\u{e3}\n").into_bytes();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The same page with an xref stream (PDF 1.5+, as Word and Acrobat write), two pages, an
/// `/Info` dictionary and an `/ID`.
fn xref_stream_pdf() -> Vec<u8> {
    let content = b"BT /F1 12 Tf 72 720 Td (Trang 1) Tj ET";
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Count 2 /Kids [3 0 R 6 0 R] >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [] >>"
            .to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
        b"<< /Title (Mau) /Producer (tinhso test) >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec(),
    ];
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let number = objects.len() + 1;
    let at = out.len();
    offsets.push(at);
    let mut rows = vec![0u8, 0, 0, 0, 0, 0xff, 0xff];
    for offset in &offsets {
        rows.push(1);
        rows.extend_from_slice(&(*offset as u32).to_be_bytes());
        rows.extend_from_slice(&[0, 0]);
    }
    out.extend_from_slice(
        format!(
            "{number} 0 obj\n<< /Type /XRef /Size {} /W [1 4 2] /Root 1 0 R /Info 5 0 R \
             /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] \
             /Length {} >>\nstream\n",
            number + 1,
            rows.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&rows);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    out
}

/// A hybrid file (as Word writes): a classic table for PDF 1.4 readers, and an `/XRefStm` xref
/// stream listing the page tree, which lives in an (unfiltered) object stream.
fn hybrid_pdf() -> Vec<u8> {
    let pages = b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>".as_slice();
    let page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".as_slice();
    let header = format!("2 0 3 {} ", pages.len() + 1);
    let body = [pages, b"\n", page].concat();
    let mut out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let catalog_at = out.len();
    out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    let object_stream_at = out.len();
    out.extend_from_slice(
        format!(
            "4 0 obj\n<< /Type /ObjStm /N 2 /First {} /Length {} >>\nstream\n{header}",
            header.len(),
            header.len() + body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&body);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let stream_at = out.len();
    let rows = [2u8, 0, 4, 0, 2, 0, 4, 1];
    out.extend_from_slice(
        b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 2 1] /Index [2 2] /Length 8 >>\nstream\n",
    );
    out.extend_from_slice(&rows);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n0 2\n0000000000 65535 f \n{catalog_at:010} 00000 n \n4 2\n\
             {object_stream_at:010} 00000 n \n{stream_at:010} 00000 n \n\
             trailer\n<< /Size 6 /Root 1 0 R /XRefStm {stream_at} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

/// `classic_pdf` whose catalog carries a certification signature's DocMDP with `/P p` (the
/// signature itself is not needed for the refusal).
fn certified_pdf(p: u8) -> Vec<u8> {
    let pdf = classic_pdf("1.7");
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let catalog = "<< /Type /Catalog /Pages 2 0 R >>";
    let certified = format!(
        "<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP << /Type /Sig /Reference [<< /Type \
         /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P {p} /V \
         /1.2 >> >>] >> >> >>"
    );
    rebuild_classic(&text.replace(catalog, &certified))
}

/// Recomputes a one-section classic file's xref offsets after an edit.
fn rebuild_classic(text: &str) -> Vec<u8> {
    let body_end = text.find("xref\n").unwrap();
    let body = &text[..body_end];
    let mut out = body.as_bytes().to_vec();
    let mut offsets = Vec::new();
    let mut n = 1;
    while let Some(at) = body.find(&format!("\n{n} 0 obj")) {
        offsets.push(at + 1);
        n += 1;
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {n}\n0000000000 65535 f \n").as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {n} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

#[test]
fn page_boxes_are_read_with_inheritance_for_placing_stamps() {
    assert_eq!(
        sign::page_boxes(&classic_pdf("1.4")).unwrap(),
        vec![[0.0, 0.0, 595.0, 842.0]]
    );
    assert_eq!(sign::page_boxes(&xref_stream_pdf()).unwrap().len(), 2);
    // A box inherited from the page tree, a crop box winning over it, corners in any order,
    // and a page with an unreadable box falling back to A4.
    let text = String::from_utf8_lossy(&classic_pdf("1.7")).replace(
        "<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        "<< /Type /Pages /Count 3 /Kids [3 0 R 5 0 R 6 0 R] /MediaBox [0 0 612 792] >>",
    );
    let text = text
        .replace(
            "/MediaBox [0 0 595.0 842] /Contents 4 0 R >>",
            "/CropBox [600 780 10 20] /Contents 4 0 R >>\nendobj\n5 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n6 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 0 0] /CropBox (x) >>",
        );
    let pdf = rebuild_classic(&text);
    assert_eq!(
        sign::page_boxes(&pdf).unwrap(),
        vec![
            [10.0, 20.0, 600.0, 780.0],
            [0.0, 0.0, 612.0, 792.0],
            [0.0, 0.0, 612.0, 792.0],
        ]
    );
    assert!(sign::page_boxes(b"%PDF-1.7\nnot a pdf").is_err());
}

// ---------------------------------------------------------------- our verifier

fn report(pdf: &[u8], trust: &Trust) -> DocumentReport {
    validate(pdf, trust, &RevocationData::default(), SystemTime::now()).expect("the file reads")
}

/// Intact, chained to the demo root, TOTAL-PASSED (revocation unknown: a warning only).
fn assert_passed(signature: &SignatureReport, level: Level) {
    assert_eq!(signature.integrity, Integrity::Ok, "{signature:#?}");
    assert_eq!(
        signature.indication,
        Indication::TotalPassed,
        "{signature:#?}"
    );
    assert_eq!(signature.level, Some(level), "{signature:#?}");
    assert_eq!(signature.sub_filter.as_deref(), Some("ETSI.CAdES.detached"));
    let chain = signature.chain.as_ref().unwrap();
    assert!(chain.demo, "{chain:?}");
    assert!(chain.anchor.as_deref().unwrap().contains("DEMO Root CA"));
    assert!(signature.claimed_signing_time.is_some());
    if level == Level::BT {
        let timestamp = signature.timestamp.as_ref().unwrap();
        assert!(timestamp.valid, "{timestamp:#?}");
        assert!(timestamp.tsa.as_deref().unwrap().contains("DEMO TSA"));
        assert!(signature.time_proven);
    } else {
        assert!(signature.timestamp.is_none() && !signature.time_proven);
    }
}

/// The last revision of a signed file: ours, whole file covered, the input kept byte for byte.
fn assert_appended(input: &[u8], signed: &[u8], report: &DocumentReport, xref_stream: bool) {
    assert!(signed.starts_with(input), "the input's bytes are kept");
    let last = report.revisions.last().unwrap();
    assert_eq!(last.end, signed.len() as u64);
    assert_eq!(last.xref_stream, xref_stream, "{:?}", report.revisions);
    let coverage = report.signatures.last().unwrap().coverage.as_ref().unwrap();
    assert!(coverage.whole_file && coverage.later_revisions == 0);
}

#[test]
fn rsa_pss_b_b_on_a_classic_table() {
    let pki = pki();
    let input = classic_pdf("1.4");
    let signed = sign_as(
        &input,
        &pki.leader,
        SignatureAlgorithm::RsaPssSha256,
        false,
        &fields(),
    );
    let report = report(&signed, &pki.trust());
    assert_eq!(report.signatures.len(), 1);
    let s = &report.signatures[0];
    assert_passed(s, Level::BB);
    assert_appended(&input, &signed, &report, false);
    assert_eq!(s.field_name.as_deref(), Some("Signature1"));
    assert_eq!(
        s.signature_algorithm.as_deref(),
        Some("RSASSA-PSS SHA-256 (salt 32)")
    );
    let signer = s.signer.as_ref().unwrap();
    assert_eq!(signer.common_name.as_deref(), Some("Nguyễn Thị Hằng"));
    assert_eq!(signer.key, "RSA 2048");
    // A 1.4 file is raised to 1.7 with the ESIC extension, as pyHanko does.
    let text = String::from_utf8_lossy(&signed[input.len()..]);
    assert!(text.contains("/Version /1.7"), "{text}");
    assert!(text.contains("/ESIC << /BaseVersion /1.7 /ExtensionLevel 1 >>"));
    assert!(text.contains("/SigFlags 3"));
    assert!(text.contains("/Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (D:"));
    assert!(text.contains("+07'00')"));
    // No signing-time attribute in CAdES (/M holds the claimed time).
    assert!(!contains(&signed, &hex_of_der_oid("1.2.840.113549.1.9.5")));
}

#[test]
fn ecdsa_b_t_on_an_xref_stream() {
    let pki = pki();
    let input = xref_stream_pdf();
    let fields = SignatureFields {
        page: 1,
        field_name: Some("ChuKyVanThu".into()),
        ..fields()
    };
    let signed = sign_as(
        &input,
        &pki.clerk,
        SignatureAlgorithm::EcdsaP256Sha256,
        true,
        &fields,
    );
    let report = report(&signed, &pki.trust());
    let s = &report.signatures[0];
    assert_passed(s, Level::BT);
    assert_appended(&input, &signed, &report, true);
    assert_eq!(s.field_name.as_deref(), Some("ChuKyVanThu"));
    assert_eq!(s.signature_algorithm.as_deref(), Some("ECDSA SHA-256"));
    // The widget hangs from the second page (object 6), and the trailer keeps /Info and /ID.
    let text = String::from_utf8_lossy(&signed[input.len()..]).into_owned();
    assert!(text.contains("/P 6 0 R"), "{text}");
    assert!(text.contains("/Info 5 0 R"));
    assert!(text.contains("/ID [<0123456789abcdef0123456789abcdef> <"));
    assert!(!text.contains("/Version"), "already 1.7");
}

#[test]
fn rsa_pkcs1v15_b_t_and_a_visible_stamp() {
    let pki = pki();
    let input = classic_pdf("1.7");
    let fields = SignatureFields {
        appearance: Appearance::Stamp(Stamp {
            rect: [340.0, 80.0, 540.0, 150.0],
            lines: vec![
                "Ký bởi: Nguyễn Thị Hằng".into(),
                "Giám đốc".into(),
                "Ngày ký: 29/11/2026".into(),
            ],
            style: StampStyle::Framed,
            image: None,
        }),
        ..fields()
    };
    let signed = sign_as(
        &input,
        &pki.leader,
        SignatureAlgorithm::RsaPkcs1v15Sha256,
        true,
        &fields,
    );
    let report = report(&signed, &pki.trust());
    assert_passed(&report.signatures[0], Level::BT);
    assert_eq!(
        report.signatures[0].signature_algorithm.as_deref(),
        Some("RSA PKCS#1 v1.5 SHA-256")
    );
    let text = String::from_utf8_lossy(&signed[input.len()..]).into_owned();
    assert!(
        text.contains("/Rect [340.0 80.0 540.0 150.0] /AP << /N "),
        "{text}"
    );
    // The text is set in an embedded subset of DejaVu Sans, with its diacritics.
    assert!(text.contains("/Subtype /Type0") && text.contains("+DejaVuSans"));
    check_with_tools(&signed, "stamp.pdf", &[true]);
    let path = pki.path("stamp.pdf");
    let words = pdftotext(&path);
    for line in ["Ký bởi: Nguyễn Thị Hằng", "Giám đốc", "Ngày ký: 29/11/2026"] {
        assert!(words.contains(line), "{line}: {words}");
    }
    assert_embedded_subset(&path);

    // A second visible signature after it (as the agency's seal after the leader's): its
    // font objects are new and the first signature stays valid for us and the tools.
    let seal = SignatureFields {
        appearance: Appearance::Stamp(Stamp {
            rect: [60.0, 80.0, 300.0, 128.0],
            lines: vec![
                "Ủy ban nhân dân tỉnh Hà Giang".into(),
                "Số, ký hiệu: 01/QĐ-UBND".into(),
                "Thời gian ký: 2026-11-29T16:00:00+07:00".into(),
            ],
            style: StampStyle::Framed,
            image: None,
        }),
        ..self::fields()
    };
    let twice = sign_as(
        &signed,
        &pki.clerk,
        SignatureAlgorithm::EcdsaP256Sha256,
        true,
        &seal,
    );
    let report = self::report(&twice, &pki.trust());
    assert_eq!(report.signatures.len(), 2, "{report:#?}");
    for signature in &report.signatures {
        assert_passed(signature, Level::BT);
    }
    let changes = report.signatures[0].changes.as_ref().unwrap();
    assert!(!changes.modified() && !changes.unchecked, "{changes:#?}");
    check_with_tools(&twice, "stamp-twice.pdf", &[true, true]);
    let path = pki.path("stamp-twice.pdf");
    let words = pdftotext(&path);
    for line in [
        "Ký bởi: Nguyễn Thị Hằng",
        "Ủy ban nhân dân tỉnh Hà Giang",
        "Số, ký hiệu: 01/QĐ-UBND",
        "Thời gian ký: 2026-11-29T16:00:00+07:00",
    ] {
        assert!(words.contains(line), "{line}: {words}");
    }
    assert_embedded_subset(&path);
}

/// A PNG of `width × height` drawn here: RGBA, a transparent background, a stroke or a ring.
fn png_image(width: u32, height: u32, ring: bool) -> Vec<u8> {
    let mut data = vec![0u8; (width * height * 4) as usize];
    for y in 0..height {
        for x in 0..width {
            let inked = if ring {
                let (dx, dy) = (
                    f64::from(x) - f64::from(width) / 2.0,
                    f64::from(y) - f64::from(height) / 2.0,
                );
                let r = (dx * dx + dy * dy).sqrt() / (f64::from(width) / 2.0);
                (0.8..0.95).contains(&r)
            } else {
                (y * width / height).abs_diff(x) < 3
            };
            if inked {
                let i = ((y * width + x) * 4) as usize;
                let colour = if ring {
                    [200, 0, 0, 255]
                } else {
                    [0, 0, 110, 255]
                };
                data[i..i + 4].copy_from_slice(&colour);
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .unwrap()
        .write_image_data(&data)
        .unwrap();
    out
}

/// `pdfimages -list` of `path`: each image's type ("image", "smask") and size.
fn pdf_images(path: &Path) -> Vec<(String, u32, u32)> {
    let output = Command::new("pdfimages")
        .arg("-list")
        .arg(path)
        .output()
        .expect("pdfimages is required for these tests (apt-get install poppler-utils)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[2].to_owned(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_signature_image_and_the_seal_over_its_left_third() {
    let pki = pki();
    let input = classic_pdf("1.7");
    let signature =
        std::sync::Arc::new(sign::StampImage::decode(&png_image(300, 100, false)).unwrap());
    let seal = std::sync::Arc::new(sign::StampImage::decode(&png_image(160, 160, true)).unwrap());
    let leader_box = [333.0, 6.0, 573.0, 54.0];
    let fields = SignatureFields {
        appearance: Appearance::Stamp(Stamp {
            rect: leader_box,
            lines: vec!["Ký bởi: Nguyễn Thị Hằng".into(), "Giám đốc".into()],
            style: StampStyle::Framed,
            image: Some((sign::ImageSide::Left, signature)),
        }),
        ..fields()
    };
    let signed = sign_as(
        &input,
        &pki.leader,
        SignatureAlgorithm::RsaPssSha256,
        true,
        &fields,
    );
    assert_passed(&report(&signed, &pki.trust()).signatures[0], Level::BT);
    check_with_tools(&signed, "image.pdf", &[true]);
    assert_eq!(
        pdf_images(&pki.path("image.pdf")),
        [
            ("image".to_owned(), 300, 100),
            ("smask".to_owned(), 300, 100)
        ]
    );
    // Where the leader's image is, read back from the file as the seal's placement does.
    let (page, stamps) = sign::last_page_stamps(&signed).unwrap();
    assert_eq!(page, 0);
    assert_eq!(stamps.len(), 1);
    let (side, leader_image) = stamps[0].image.unwrap();
    assert_eq!(side, sign::ImageSide::Left);
    assert_eq!(
        Some(leader_image),
        sign::appearance::image_rect(leader_box, sign::ImageSide::Left, 300, 100)
    );

    // The agency's seal over the left third of it.
    let seal_box = sign::appearance::seal_rect_over(leader_image, 48.0, 180.0);
    let sealed_fields = SignatureFields {
        appearance: Appearance::Stamp(Stamp {
            rect: seal_box,
            lines: vec![
                "Ủy ban nhân dân tỉnh Hà Giang".into(),
                "Số, ký hiệu: 01/QĐ-UBND".into(),
            ],
            style: StampStyle::Framed,
            image: Some((sign::ImageSide::Right, seal)),
        }),
        ..self::fields()
    };
    let sealed = sign_as(
        &signed,
        &pki.clerk,
        SignatureAlgorithm::EcdsaP256Sha256,
        true,
        &sealed_fields,
    );
    let report = report(&sealed, &pki.trust());
    assert_eq!(report.signatures.len(), 2, "{report:#?}");
    for signature in &report.signatures {
        assert_passed(signature, Level::BT);
    }
    let changes = report.signatures[0].changes.as_ref().unwrap();
    assert!(!changes.modified() && !changes.unchecked, "{changes:#?}");
    check_with_tools(&sealed, "image-sealed.pdf", &[true, true]);
    assert_eq!(pdf_images(&pki.path("image-sealed.pdf")).len(), 4);
    let (_, stamps) = sign::last_page_stamps(&sealed).unwrap();
    assert_eq!(stamps.len(), 2);
    let (side, seal_image) = stamps[1].image.unwrap();
    assert_eq!(side, sign::ImageSide::Right);
    let third = leader_image[0] + (leader_image[2] - leader_image[0]) / 3.0;
    assert!(
        (seal_image[2] - third).abs() < 1e-6,
        "{seal_image:?} / {leader_image:?}"
    );
    assert!(seal_image[0] < leader_image[0]);
    assert!(seal_image[1] < leader_image[3] && seal_image[3] > leader_image[1]);
    let words = pdftotext(&pki.path("image-sealed.pdf"));
    for line in ["Ký bởi: Nguyễn Thị Hằng", "Số, ký hiệu: 01/QĐ-UBND"] {
        assert!(words.contains(line), "{line}: {words}");
    }
}

/// The text poppler's `pdftotext` finds in `path` (annotations' appearances included).
fn pdftotext(path: &Path) -> String {
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext is required for these tests (apt-get install poppler-utils)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Every font `pdffonts` lists in `path` is an embedded subset with a `/ToUnicode` map.
fn assert_embedded_subset(path: &Path) {
    let output = Command::new("pdffonts")
        .arg(path)
        .output()
        .expect("pdffonts is required for these tests (apt-get install poppler-utils)");
    assert!(output.status.success(), "{output:?}");
    let listing = String::from_utf8(output.stdout).unwrap();
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!fonts.is_empty(), "{listing}");
    for font in fonts {
        assert!(font.contains("DejaVuSans"), "{listing}");
        assert!(font.contains("CID TrueType"), "{listing}");
        assert!(font.contains("yes yes yes"), "{listing}");
    }
}

#[test]
fn a_hybrid_file_gets_a_table_and_its_compressed_page_is_rewritten() {
    let pki = pki();
    let input = hybrid_pdf();
    assert_eq!(tinhso_pades::verify(&input).unwrap().revisions.len(), 1);
    let signed = sign_as(
        &input,
        &pki.clerk,
        SignatureAlgorithm::EcdsaP256Sha256,
        true,
        &fields(),
    );
    let report = report(&signed, &pki.trust());
    assert_passed(&report.signatures[0], Level::BT);
    assert_appended(&input, &signed, &report, false);
    // The page (object 3, compressed before) now stands in the file with its /Annots.
    let text = String::from_utf8_lossy(&signed[input.len()..]).into_owned();
    assert!(
        text.contains("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots ["),
        "{text}"
    );
    // pyHanko refuses, by policy, to validate signatures in hybrid-reference files at all
    // ("Settings do not permit validation of signatures in hybrid-reference files").
    qpdf_check(&signed, "hybrid.pdf");
    pdfsig_check(&pki.path("hybrid.pdf"), 1);
}

#[test]
fn a_second_signature_keeps_the_first_valid() {
    let pki = pki();
    for (input, stream) in [(classic_pdf("1.7"), false), (xref_stream_pdf(), true)] {
        let once = sign_as(
            &input,
            &pki.leader,
            SignatureAlgorithm::RsaPssSha256,
            true,
            &fields(),
        );
        let fields = SignatureFields {
            signer_name: Some("Trần Văn Đức".into()),
            ..fields()
        };
        let twice = sign_as(
            &once,
            &pki.clerk,
            SignatureAlgorithm::EcdsaP256Sha256,
            true,
            &fields,
        );
        let report = report(&twice, &pki.trust());
        assert_eq!(report.signatures.len(), 2, "{report:#?}");
        assert_appended(&once, &twice, &report, stream);
        let first = report
            .signatures
            .iter()
            .find(|s| s.field_name.as_deref() == Some("Signature1"))
            .unwrap();
        let second = report
            .signatures
            .iter()
            .find(|s| s.field_name.as_deref() == Some("Signature2"))
            .unwrap();
        assert_passed(first, Level::BT);
        assert_passed(second, Level::BT);
        assert_eq!(first.coverage.as_ref().unwrap().later_revisions, 1);
        let changes = first.changes.as_ref().unwrap();
        assert!(!changes.modified() && !changes.unchecked, "{changes:#?}");
        check_with_tools(&twice, &format!("twice-{stream}.pdf"), &[true, true]);
    }
}

#[test]
fn pyhanko_made_inputs_and_a_pyhanko_signature_before_ours() {
    let pki = pki();
    let Some(unsigned) = common::fixture("unsigned.pdf") else {
        return;
    };
    let table = common::fixture("unsigned-table.pdf").unwrap();
    for (name, input) in [("pyhanko-unsigned", &unsigned), ("pyhanko-table", &table)] {
        let signed = sign_as(
            input,
            &pki.leader,
            SignatureAlgorithm::RsaPssSha256,
            true,
            &fields(),
        );
        let report = report(&signed, &pki.trust());
        assert_passed(&report.signatures[0], Level::BT);
        let stream = report.revisions[report.revisions.len() - 2].xref_stream;
        assert_appended(input, &signed, &report, stream);
        check_with_tools(&signed, &format!("{name}.pdf"), &[true]);
    }
    // pyHanko signed first (its own test CA), we sign after: both hold.
    let theirs = common::fixture("rsa-pss.pdf").unwrap();
    let ours = sign_as(
        &theirs,
        &pki.clerk,
        SignatureAlgorithm::EcdsaP256Sha256,
        true,
        &fields(),
    );
    let mut trust = pki.trust();
    let ca = common::fixture("ca.pem").unwrap();
    trust.add_anchors_pem(&ca, false).unwrap();
    let report = report(&ours, &trust);
    assert_eq!(report.signatures.len(), 2);
    for s in &report.signatures {
        assert_eq!(s.indication, Indication::TotalPassed, "{s:#?}");
    }
    assert_eq!(
        report.signatures[1].field_name.as_deref(),
        Some("Signature1")
    );
    qpdf_check(&ours, "after-pyhanko.pdf");
}

// ---------------------------------------------------------------- refusals

#[test]
fn encrypted_docmdp_p1_and_other_refusals_are_typed() {
    let pki = pki();
    let credential = pki.credential(&pki.clerk);
    let signer = SoftwareSigner::preferred(pki.clerk.key.clone());
    let sign = |pdf: &[u8], fields: &SignatureFields| {
        sign::sign_pdf(pdf, fields, &credential, &signer, None)
    };
    let text = String::from_utf8(classic_pdf("1.7")).unwrap();
    let encrypted = text.replace(
        "/Root 1 0 R >>",
        "/Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 >> >>",
    );
    assert_eq!(
        sign(encrypted.as_bytes(), &fields()),
        Err(SignError::Encrypted)
    );
    let error = sign(&certified_pdf(1), &fields()).unwrap_err();
    assert_eq!(error, SignError::DocMdpForbids);
    assert!(error.to_string().contains("DocMDP P=1"), "{error}");
    assert_eq!(error.code(), "docmdp_forbids_signing");
    // P=2 allows another signature.
    sign(&certified_pdf(2), &fields()).expect("P=2 allows signing");
    assert!(matches!(
        sign(b"not a pdf", &fields()),
        Err(SignError::Unreadable(_))
    ));
    let page_9 = SignatureFields {
        page: 8,
        ..fields()
    };
    assert_eq!(
        sign(&classic_pdf("1.7"), &page_9),
        Err(SignError::PageNotFound(9))
    );
    let once = sign(&classic_pdf("1.7"), &fields()).unwrap();
    let same_name = SignatureFields {
        field_name: Some("Signature1".into()),
        ..fields()
    };
    assert_eq!(
        sign(&once, &same_name),
        Err(SignError::FieldExists("Signature1".into()))
    );
    let dotted = SignatureFields {
        field_name: Some("a.b".into()),
        ..fields()
    };
    assert!(matches!(sign(&once, &dotted), Err(SignError::FieldName(_))));
    // The next free name is taken on its own.
    let report = report(&sign(&once, &fields()).unwrap(), &pki.trust());
    assert_eq!(
        report.signatures[1].field_name.as_deref(),
        Some("Signature2")
    );
}

/// What an upload that must be signed later is checked for (an appendix, signed by the agency
/// at issue): the same reading and refusals as signing, no file written.
#[test]
fn a_signable_pdf_is_told_from_one_signing_would_refuse() {
    let one = sign::check_signable(&classic_pdf("1.4")).expect("a plain PDF");
    assert_eq!(one.pages.len(), 1);
    assert_eq!(
        sign::check_signable(&xref_stream_pdf())
            .unwrap()
            .pages
            .len(),
        2
    );
    // An already signed file takes another signature.
    assert!(sign::check_signable(signed_once()).is_ok());
    let text = String::from_utf8(classic_pdf("1.7")).unwrap();
    let encrypted = text.replace(
        "/Root 1 0 R >>",
        "/Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 >> >>",
    );
    assert_eq!(
        sign::check_signable(encrypted.as_bytes()),
        Err(SignError::Encrypted)
    );
    assert_eq!(
        sign::check_signable(&certified_pdf(1)),
        Err(SignError::DocMdpForbids)
    );
    for junk in [
        &b"not a pdf"[..],
        b"",
        b"%PDF-1.7\n%%EOF",
        &classic_pdf("1.4")[..120],
    ] {
        let error = sign::check_signable(junk).unwrap_err();
        assert!(matches!(error, SignError::Unreadable(_)), "{error:?}");
        assert!(
            error.to_string().starts_with("Không đọc được tệp PDF"),
            "{error}"
        );
    }
}

#[test]
fn keys_algorithms_and_certificates_must_agree() {
    let pki = pki();
    let pdf = classic_pdf("1.7");
    // An ECDSA algorithm on an RSA key, and the other way round.
    assert_eq!(
        SoftwareSigner::new(pki.leader.key.clone(), SignatureAlgorithm::EcdsaP256Sha256)
            .unwrap_err(),
        SignError::AlgorithmMismatch
    );
    let clerk = SoftwareSigner::preferred(pki.clerk.key.clone());
    assert_eq!(
        sign::sign_pdf(&pdf, &fields(), &pki.credential(&pki.leader), &clerk, None),
        Err(SignError::AlgorithmMismatch)
    );
    // A P-256 key that is not the certificate's: the signature is refused before embedding.
    let other = SoftwareSigner::preferred(KeyPair::generate(KeyAlgorithm::P256).unwrap());
    assert_eq!(
        sign::sign_pdf(&pdf, &fields(), &pki.credential(&pki.clerk), &other, None),
        Err(SignError::SignatureInvalid)
    );
    // Not a certificate.
    let broken = Credential::new(b"junk".to_vec(), vec![]);
    assert!(matches!(
        sign::sign_pdf(&pdf, &fields(), &broken, &clerk, None),
        Err(SignError::Certificate(_))
    ));
}

/// A TSA that answers with what it is told to.
struct Canned(Vec<u8>);

impl TimestampSource for Canned {
    fn query(&self, _request: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.0.clone())
    }
}

/// A TSA that timestamps other data than asked.
struct Elsewhere<'a>(LocalTsa<'a>);

impl TimestampSource for Elsewhere<'_> {
    fn query(&self, _request: &[u8]) -> Result<Vec<u8>, SignError> {
        let request = sign::tsp::request(b"other data", &[1, 2, 3]).unwrap();
        self.0.query(&request)
    }
}

/// A TSA that is down.
struct Down;

impl TimestampSource for Down {
    fn query(&self, _request: &[u8]) -> Result<Vec<u8>, SignError> {
        Err(SignError::Timestamp("kết nối bị từ chối".into()))
    }
}

#[test]
fn timestamps_are_checked_before_they_are_embedded() {
    let pki = pki();
    let pdf = classic_pdf("1.7");
    let credential = pki.credential(&pki.clerk);
    let signer = SoftwareSigner::preferred(pki.clerk.key.clone());
    let sign = |source: &dyn TimestampSource| {
        sign::sign_pdf(&pdf, &fields(), &credential, &signer, Some(source))
    };
    // A rejection (our TSA refuses a SHA-1 imprint) keeps its status text.
    let sha1_query = {
        let mut request = sign::tsp::request(b"x", &[1]).unwrap();
        // Swap the SHA-256 OID's last arc for SHA-1's whole OID would change lengths: ask
        // the TSA with garbage instead, which it rejects as badDataFormat.
        request.truncate(5);
        request
    };
    let rejection = tinhso_pades::ca::tsa::respond(
        &sha1_query,
        &pki.demo.tsa,
        &pki.demo.settings.policy,
        SystemTime::now(),
    );
    let error = sign(&Canned(rejection)).unwrap_err();
    assert!(
        matches!(&error, SignError::TimestampRejected(text) if text.contains("không đọc được")),
        "{error:?}"
    );
    assert!(matches!(
        sign(&Canned(b"junk".to_vec())),
        Err(SignError::TimestampInvalid(_))
    ));
    let error = sign(&Elsewhere(pki.tsa())).unwrap_err();
    assert!(
        matches!(&error, SignError::TimestampInvalid(text) if text.contains("imprint")),
        "{error:?}"
    );
    assert_eq!(
        sign(&Down),
        Err(SignError::Timestamp("kết nối bị từ chối".into()))
    );
}

#[test]
fn two_steps_for_keys_that_answer_later_and_a_placeholder_too_small() {
    let pki = pki();
    let pdf = xref_stream_pdf();
    let credential = pki.credential(&pki.leader);
    let prepared = sign::prepare(&pdf, &fields(), 64).unwrap();
    assert_eq!(prepared.capacity(), 64);
    let [a, b, c, d] = prepared.byte_range();
    assert_eq!((a, c + d), (0, prepared.bytes().len() as u64));
    assert_eq!(prepared.bytes()[b as usize], b'<');
    assert_eq!(prepared.bytes()[c as usize - 1], b'>');
    let attributes = sign::SignedAttributes::new(&credential, &prepared.digest()).unwrap();
    // A "remote" signer gets the digest only.
    let signer = SoftwareSigner::preferred(pki.leader.key.clone());
    let signature = signer
        .sign(&ToBeSigned {
            message: &[],
            digest: &attributes.digest(),
        })
        .unwrap();
    let error = sign::complete(
        prepared,
        &credential,
        &attributes,
        signer.algorithm(),
        &signature,
        None,
    )
    .unwrap_err();
    assert!(
        matches!(error, SignError::ContentsTooSmall { capacity: 64, needed } if needed > 64),
        "{error:?}"
    );
    // With room, the same steps give a valid signature.
    let prepared = sign::prepare(&pdf, &fields(), 16 * 1024).unwrap();
    let attributes = sign::SignedAttributes::new(&credential, &prepared.digest()).unwrap();
    let signature = signer
        .sign(&ToBeSigned {
            message: attributes.der(),
            digest: &attributes.digest(),
        })
        .unwrap();
    let signed = sign::complete(
        prepared,
        &credential,
        &attributes,
        signer.algorithm(),
        &signature,
        Some(&pki.tsa()),
    )
    .unwrap();
    assert_passed(&report(&signed, &pki.trust()).signatures[0], Level::BT);
}

// ---------------------------------------------------------------- independent tools

/// pyHanko (when present), pdfsig and qpdf on `pdf`; `expected[i]`: signature i (in file
/// order) must be valid.
fn check_with_tools(pdf: &[u8], name: &str, expected: &[bool]) {
    let pki = pki();
    let path = pki.path(name);
    std::fs::write(&path, pdf).unwrap();
    qpdf_check(pdf, name);
    pdfsig_check(&path, expected.len());
    pyhanko_check(&path, expected.len());
}

fn qpdf_check(pdf: &[u8], name: &str) {
    let path = pki().path(name);
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("qpdf is required for these tests (apt-get install qpdf)");
    assert!(
        output.status.success(),
        "qpdf --check {name}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An NSS database trusting the demo root, made once.
fn nss_dir() -> &'static Path {
    static NSS: OnceLock<PathBuf> = OnceLock::new();
    NSS.get_or_init(|| {
        let pki = pki();
        let dir = pki.path("nss");
        std::fs::create_dir_all(&dir).unwrap();
        let run = |args: &[&str]| {
            let output = Command::new("certutil")
                .args(args)
                .output()
                .expect("certutil is required for these tests (apt-get install libnss3-tools)");
            assert!(output.status.success(), "certutil {args:?}: {output:?}");
        };
        let db = format!("sql:{}", dir.display());
        run(&["-N", "-d", &db, "--empty-password"]);
        let root = pki.path("root.pem");
        run(&[
            "-A",
            "-d",
            &db,
            "-n",
            "tinhso-demo-root",
            "-t",
            "CT,C,C",
            "-i",
            root.to_str().unwrap(),
        ]);
        dir
    })
}

/// pdfsig exits 0 even on a digest mismatch: its report is read.
fn pdfsig_check(path: &Path, signatures: usize) {
    let output = Command::new("pdfsig")
        .arg("-nssdir")
        .arg(nss_dir())
        .arg("-no-ocsp")
        .arg(path)
        .output()
        .expect("pdfsig is required for these tests (apt-get install poppler-utils)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "pdfsig: {output:?}");
    assert_eq!(
        text.matches("Signature Validation: Signature is Valid.")
            .count(),
        signatures,
        "{text}"
    );
    assert_eq!(
        text.matches("Certificate Validation: Certificate is Trusted.")
            .count(),
        signatures,
        "{text}"
    );
    assert!(
        text.contains("Signature Type: ETSI.CAdES.detached"),
        "{text}"
    );
    assert!(text.contains("Total document signed"), "{text}");
}

/// pyHanko's validator (soft-fail revocation, no fetching), the demo root trusted.
fn pyhanko_check(path: &Path, signatures: usize) {
    if common::fixture("unsigned.pdf").is_none() {
        return; // pyHanko absent, outside CI
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyhanko/validate.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(path)
        .arg(pki().path("root.pem"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), signatures, "{lines:?}");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["bottom_line"], true, "{line}");
        assert_eq!(line["timestamp_valid"], true, "{line}");
        // The last signature covers the file; an earlier one its revision, the later
        // signature being form filling (pyHanko's name for adding a signature field).
        if i + 1 == lines.len() {
            assert_eq!(line["coverage"], "ENTIRE_FILE", "{line}");
            assert_eq!(
                line["modification_level"], "ModificationLevel.NONE",
                "{line}"
            );
        } else {
            assert_eq!(line["coverage"], "ENTIRE_REVISION", "{line}");
            assert_eq!(
                line["modification_level"], "ModificationLevel.FORM_FILLING",
                "{line}"
            );
        }
    }
}

#[test]
fn pyhanko_pdfsig_and_qpdf_accept_b_b_and_b_t_from_both_keys() {
    let pki = pki();
    for (input, kind) in [(classic_pdf("1.4"), "table"), (xref_stream_pdf(), "stream")] {
        for (who, algorithm, timestamped) in [
            (&pki.leader, SignatureAlgorithm::RsaPssSha256, true),
            (&pki.clerk, SignatureAlgorithm::EcdsaP256Sha256, true),
            (&pki.clerk, SignatureAlgorithm::EcdsaP256Sha256, false),
        ] {
            let signed = sign_as(&input, who, algorithm, timestamped, &fields());
            let name = format!("{kind}-{algorithm:?}-{timestamped}.pdf");
            let path = pki.path(&name);
            std::fs::write(&path, &signed).unwrap();
            qpdf_check(&signed, &name);
            pdfsig_check(&path, 1);
            if common::fixture("unsigned.pdf").is_none() {
                continue;
            }
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyhanko/validate.py");
            let output = Command::new("python3")
                .arg(&script)
                .arg(&path)
                .arg(pki.path("root.pem"))
                .output()
                .unwrap();
            assert!(output.status.success(), "{name}: {output:?}");
            let line: serde_json::Value =
                serde_json::from_str(String::from_utf8_lossy(&output.stdout).trim()).unwrap();
            assert_eq!(line["bottom_line"], true, "{name}: {line}");
            assert_eq!(line["timestamp_valid"], timestamped, "{name}: {line}");
            assert_eq!(line["coverage"], "ENTIRE_FILE", "{name}: {line}");
            let mechanism = if algorithm == SignatureAlgorithm::RsaPssSha256 {
                "rsassa_pss"
            } else {
                "sha256_ecdsa"
            };
            assert_eq!(line["mechanism"], mechanism, "{name}: {line}");
        }
    }
}

// ---------------------------------------------------------------- hostile inputs

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The DER of an OID (tag, length, arcs).
fn hex_of_der_oid(text: &str) -> Vec<u8> {
    der::asn1::ObjectIdentifier::new_unwrap(text)
        .to_der()
        .unwrap()
}

fn signed_once() -> &'static [u8] {
    static SIGNED: OnceLock<Vec<u8>> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let pki = pki();
        sign_as(
            &xref_stream_pdf(),
            &pki.clerk,
            SignatureAlgorithm::EcdsaP256Sha256,
            false,
            &fields(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Byte flips, cuts and insertions in a classic file, an xref-stream file and a signed
    /// one: signing may refuse, never panic; what it signs verifies.
    #[test]
    fn signing_mutated_inputs_never_panics(
        which in 0usize..3,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        insert in proptest::option::of((any::<prop::sample::Index>(), proptest::collection::vec(any::<u8>(), 1..16))),
    ) {
        let pki = pki();
        let mut pdf = match which {
            0 => classic_pdf("1.4"),
            1 => xref_stream_pdf(),
            _ => signed_once().to_vec(),
        };
        for (at, byte) in flips {
            let i = at.index(pdf.len());
            pdf[i] = byte;
        }
        if let Some((at, bytes)) = insert {
            let i = at.index(pdf.len());
            let tail = pdf.split_off(i);
            pdf.extend(bytes);
            pdf.extend(tail);
        }
        if let Some(at) = cut {
            pdf.truncate(at.index(pdf.len()));
        }
        // The upload check agrees with signing: what it accepts signs.
        let signable = sign::check_signable(&pdf);
        let signer = SoftwareSigner::preferred(pki.clerk.key.clone());
        let result = sign::sign_pdf(&pdf, &fields(), &pki.credential(&pki.clerk), &signer, None);
        if signable.is_ok() {
            prop_assert!(result.is_ok(), "{result:?}");
        }
        if let Ok(signed) = result {
            prop_assert!(signed.starts_with(&pdf));
            let report = validate(&signed, &pki.trust(), &RevocationData::default(), SystemTime::now() + Duration::from_secs(1));
            if let Ok(report) = report {
                let ours = report.signatures.iter().find(|s| s.coverage.as_ref().is_some_and(|c| c.whole_file));
                prop_assert!(ours.is_some_and(|s| s.integrity == Integrity::Ok), "{report:#?}");
            }
        }
    }
}

// ---------------------------------------------------------------- B-LT: the DSS

/// What the demo PKI answers about `signed`'s certificates: the OCSP responder's answer for
/// each signer (asked with the request our check prepares), the root's CRL (the issuing CA)
/// and the issuing CA's (the signers and the TSA); the certificates of both paths.
fn demo_validation_data(signed: &[u8]) -> sign::ValidationData {
    use tinhso_pades::ca::{crl, ocsp};
    let pki = pki();
    let now = SystemTime::now();
    let mut data = sign::ValidationData::default();
    for signature in &report(signed, &pki.trust()).signatures {
        for status in &signature.revocation {
            if let Some(request) = &status.ocsp_request {
                data.ocsp_responses.push(ocsp::respond(
                    request,
                    ocsp::Responder {
                        responder: &pki.demo.ocsp,
                        issuer: &pki.demo.issuing.certificate,
                    },
                    |_| ocsp::SerialStatus::Good,
                    now,
                ));
            }
        }
    }
    let period = crl::CrlPeriod {
        this_update: now - Duration::from_secs(60),
        next_update: now + Duration::from_secs(86_400),
        number: 1,
    };
    for issuer in [&pki.demo.root, &pki.demo.issuing] {
        data.crls
            .push(crl::build(issuer, &[], period).unwrap().to_der().unwrap());
    }
    data.certificates = vec![
        pki.demo.issuing.der.clone(),
        pki.demo.tsa.der.clone(),
        pki.demo.ocsp.der.clone(),
        pki.leader.der.clone(),
        pki.clerk.der.clone(),
    ];
    data
}

/// pyHanko's long-term check (`validate.py --lt`: the DSS alone, hard-fail, offline).
fn pyhanko_lt_check(path: &Path, signatures: usize) -> Vec<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyhanko/validate.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(path)
        .arg(pki().path("root.pem"))
        .arg("--lt")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), signatures, "{lines:?}");
    for line in &lines {
        assert_eq!(line["bottom_line"], true, "{line}");
        assert_eq!(line["timestamp_valid"], true, "{line}");
    }
    lines
}

#[test]
fn b_lt_the_dss_is_added_and_read_offline_by_us_pyhanko_pdfsig_and_qpdf() {
    let pki = pki();
    for (input, kind) in [(classic_pdf("1.4"), "table"), (xref_stream_pdf(), "stream")] {
        let leader = sign_as(
            &input,
            &pki.leader,
            SignatureAlgorithm::RsaPssSha256,
            true,
            &fields(),
        );
        let both = sign_as(
            &leader,
            &pki.clerk,
            SignatureAlgorithm::EcdsaP256Sha256,
            true,
            &SignatureFields {
                field_name: Some("DauCoQuan".into()),
                ..fields()
            },
        );
        // Without data the check says B-T (no DSS yet).
        let before = report(&both, &pki.trust());
        assert!(before.signatures.iter().all(|s| s.level == Some(Level::BT)));

        let data = demo_validation_data(&both);
        let extended = sign::add_dss(&both, &data).expect("the DSS is added");
        assert!(extended.starts_with(&both), "every earlier byte is kept");
        // Our verifier, with no caller data (nothing fetched): B-LT, revocation from the DSS.
        let after = report(&extended, &pki.trust());
        assert_eq!(after.revisions.len(), before.revisions.len() + 1);
        assert_eq!(
            after.revisions.last().unwrap().xref_stream,
            kind == "stream"
        );
        assert_eq!(after.signatures.len(), 2);
        for signature in &after.signatures {
            assert_eq!(
                signature.indication,
                Indication::TotalPassed,
                "{signature:#?}"
            );
            assert_eq!(signature.level, Some(Level::BLt), "{signature:#?}");
            assert!(!signature.revocation.is_empty());
            for status in &signature.revocation {
                assert_eq!(
                    status.status,
                    tinhso_pades::revocation::Status::Good,
                    "{status:?}"
                );
                assert_eq!(
                    status.source,
                    Some(tinhso_pades::revocation::Source::Dss),
                    "{status:?}"
                );
            }
            assert!(
                signature.changes.as_ref().unwrap().disallowed.is_empty(),
                "{signature:#?}"
            );
        }
        // VRI entries: one per signature.
        let text = String::from_utf8_lossy(&extended);
        assert_eq!(text.matches("/Type /VRI").count(), 2, "{kind}");
        assert!(text.contains("/Type /DSS"));

        // Adding again: nothing repeated, the VRI entries kept, still B-LT.
        let again = sign::add_dss(&extended, &data).unwrap();
        assert!(again.starts_with(&extended));
        let tail = String::from_utf8_lossy(&again[extended.len()..]).into_owned();
        assert!(
            !tail.contains("obj\n<< /Length"),
            "no entry repeated: {tail}"
        );
        let report_again = report(&again, &pki.trust());
        assert!(
            report_again
                .signatures
                .iter()
                .all(|s| s.level == Some(Level::BLt))
        );

        let name = format!("blt-{kind}.pdf");
        let path = pki.path(&name);
        std::fs::write(&path, &extended).unwrap();
        qpdf_check(&extended, &name);
        pdfsig_check_revisions(&path, 2);
        if common::fixture("unsigned.pdf").is_some() {
            let lines = pyhanko_lt_check(&path, 2);
            assert_eq!(lines[0]["dss"]["vri"], 2, "{lines:?}");
            assert_eq!(lines[1]["coverage"], "ENTIRE_REVISION", "{lines:?}");
            assert_eq!(
                lines[1]["modification_level"], "ModificationLevel.LTA_UPDATES",
                "{lines:?}"
            );
            // The B-T file fails that check: it carries no validation data.
            let bt = pki.path(&format!("bt-{kind}.pdf"));
            std::fs::write(&bt, &both).unwrap();
            let output = Command::new("python3")
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyhanko/validate.py"))
                .arg(&bt)
                .arg(pki.path("root.pem"))
                .arg("--lt")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(
                !output.status.success() || text.contains("\"bottom_line\": false"),
                "{output:?}"
            );
        }
    }
}

/// pdfsig on a file whose last revision is not a signature: each signature valid and
/// trusted, none covering the whole file.
fn pdfsig_check_revisions(path: &Path, signatures: usize) {
    let output = Command::new("pdfsig")
        .arg("-nssdir")
        .arg(nss_dir())
        .arg("-no-ocsp")
        .arg(path)
        .output()
        .expect("pdfsig is required for these tests (apt-get install poppler-utils)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "pdfsig: {output:?}");
    assert_eq!(
        text.matches("Signature Validation: Signature is Valid.")
            .count(),
        signatures,
        "{text}"
    );
    assert_eq!(
        text.matches("Certificate Validation: Certificate is Trusted.")
            .count(),
        signatures,
        "{text}"
    );
}

#[test]
fn the_dss_writer_refuses_what_signing_refuses_and_unsigned_files() {
    let pki = pki();
    let data = demo_validation_data(signed_once());
    assert!(matches!(
        sign::add_dss(&classic_pdf("1.7"), &data),
        Err(SignError::Unsupported(_))
    ));
    assert!(matches!(
        sign::add_dss(signed_once(), &sign::ValidationData::default()),
        Err(SignError::Unsupported(_))
    ));
    assert!(matches!(
        sign::add_dss(b"%PDF-1.7\nnot a pdf", &data),
        Err(SignError::Unreadable(_))
    ));
    // Encrypted: the signed file's trailer gains /Encrypt (same length, so offsets hold).
    let text = String::from_utf8_lossy(signed_once()).into_owned();
    let at = text.rfind("/Root").unwrap();
    let mut encrypted = signed_once().to_vec();
    encrypted.splice(at..at, b"/Encrypt 1 0 R ".iter().copied());
    assert!(matches!(
        sign::add_dss(&encrypted, &data),
        Err(SignError::Encrypted) | Err(SignError::Unreadable(_))
    ));
    let classic = String::from_utf8(classic_pdf("1.7")).unwrap().replace(
        "/Root 1 0 R >>",
        "/Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 >> >>",
    );
    assert_eq!(
        sign::add_dss(classic.as_bytes(), &data),
        Err(SignError::Encrypted)
    );
    // VRI keys: uppercase hex SHA-1.
    assert_eq!(
        sign::vri_key(b"abc"),
        "A9993E364706816ABA3E25717850C26C9CD0D89D"
    );
    let _ = pki;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Byte flips, cuts and insertions in a signed file, with or without a DSS: the DSS writer refuses or extends,
    /// never panics, and what it extends keeps every input byte.
    #[test]
    fn the_dss_writer_never_panics_on_mutated_files(
        at in 0usize..100_000,
        byte in any::<u8>(),
        op in 0u8..3,
        with_dss in any::<bool>(),
    ) {
        // A signed file, or one that already has a DSS (its arrays, VRI and streams mutated).
        static EXTENDED: OnceLock<Vec<u8>> = OnceLock::new();
        let extended = EXTENDED.get_or_init(|| {
            sign::add_dss(signed_once(), &demo_validation_data(signed_once())).unwrap()
        });
        let source: &[u8] = if with_dss { extended } else { signed_once() };
        let at = at % source.len();
        let mut pdf = source.to_vec();
        match op {
            0 => pdf[at] ^= byte | 1,
            1 => pdf.truncate(at),
            _ => pdf.insert(at, byte),
        }
        let data = sign::ValidationData {
            certificates: vec![pki().demo.issuing.der.clone()],
            ocsp_responses: vec![vec![byte; 8]],
            crls: vec![],
        };
        if let Ok(out) = sign::add_dss(&pdf, &data) {
            prop_assert!(out.starts_with(&pdf) || out[..pdf.len()] == pdf[..]);
            let _ = validate(&out, &pki().trust(), &RevocationData::default(), SystemTime::now());
        }
    }
}
