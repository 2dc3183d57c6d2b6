//! Hand-made hostile structures: each is refused within bounds, with a reason, never a crash.
use std::time::Duration;
use tinhso_pades::pdf::PdfError;
use tinhso_pades::{Limits, PadesError, verify, verify_with};

/// A file of `objects` (numbered from 1) with a classic xref table and `extra` trailer entries.
fn pdf(objects: &[&[u8]], extra: &str) -> Vec<u8> {
    let mut body = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(body.len());
        body.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        body.extend_from_slice(object);
        body.extend_from_slice(b"\nendobj\n");
    }
    let xref = body.len();
    body.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        body.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    body.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    body
}

fn unreadable(bytes: &[u8]) -> PdfError {
    match verify(bytes) {
        Err(PadesError::Unreadable(e)) => e,
        other => panic!("expected unreadable, got {other:?}"),
    }
}

#[test]
fn an_unsigned_file_has_no_signatures() {
    let report = verify(&pdf(&[b"<< /Type /Catalog >>"], "")).unwrap();
    assert!(report.signatures.is_empty());
    assert_eq!(report.revisions.len(), 1);
}

#[test]
fn not_a_pdf_and_a_missing_startxref_are_refused() {
    assert_eq!(unreadable(b"hello"), PdfError::NotPdf);
    assert!(matches!(
        unreadable(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
        PdfError::Structure(_)
    ));
}

#[test]
fn a_prev_loop_is_refused() {
    // The same objects put the table at the same offset: point /Prev at itself.
    let plain = pdf(&[b"<< /Type /Catalog >>"], "");
    let xref = plain.windows(5).position(|w| w == b"xref\n").unwrap();
    let bytes = pdf(&[b"<< /Type /Catalog >>"], &format!("/Prev {xref}"));
    assert_eq!(
        unreadable(&bytes),
        PdfError::Structure("chuỗi /Prev có vòng lặp")
    );
}

#[test]
fn duplicate_keys_and_deep_nesting_are_refused() {
    let dup = pdf(
        &[b"<< /Type /Catalog /AcroForm << /Fields [] /Fields [] >> >>"],
        "",
    );
    assert!(matches!(unreadable(&dup), PdfError::Syntax(_)));
    let deep = format!("<< /Type /Catalog /X {} >>", "[".repeat(10_000));
    assert!(matches!(
        unreadable(&pdf(&[deep.as_bytes()], "")),
        PdfError::Syntax(_)
    ));
}

#[test]
fn a_field_tree_that_loops_is_walked_once() {
    let bytes = pdf(
        &[
            b"<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>",
            b"<< /T (a) /Kids [3 0 R] >>",
            b"<< /T (b) /Kids [2 0 R 3 0 R] /Parent 2 0 R >>",
        ],
        "",
    );
    assert!(verify(&bytes).unwrap().signatures.is_empty());
}

#[test]
fn a_signature_dictionary_without_byte_range_or_contents_is_invalid_not_unsigned() {
    for sig in [
        &b"<< /Type /Sig /Contents <3000> >>"[..],
        b"<< /Type /Sig /ByteRange [0 1 2 3] >>",
        b"<< /Type /Sig /ByteRange [0 1 2 3] /Contents null >>",
        b"<< /Type /Sig /ByteRange [0 1 2 3] /Contents (30) >>",
    ] {
        let bytes = pdf(
            &[
                b"<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>",
                b"<< /FT /Sig /T (S) /V 3 0 R >>",
                sig,
            ],
            "",
        );
        let report = verify(&bytes).unwrap();
        assert_eq!(report.signatures.len(), 1);
        let tinhso_pades::Integrity::Failed { reason } = &report.signatures[0].integrity else {
            panic!("{report:?}");
        };
        assert!(
            matches!(reason.code(), "byte_range_missing" | "contents_missing"),
            "{reason}"
        );
    }
}

#[test]
fn a_signature_in_an_object_stream_is_refused() {
    // Object 3 (a /Type /Sig dictionary) lives in object stream 4.
    let inner = b"3 0 << /Type /Sig /ByteRange [0 1 2 3] /Contents <30> >>";
    let stream = format!(
        "<< /Type /ObjStm /N 1 /First 4 /Length {} >>\nstream\n{}\nendstream",
        inner.len(),
        std::str::from_utf8(inner).unwrap()
    );
    let catalog = b"<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>";
    let field = b"<< /FT /Sig /T (S) /V 3 0 R >>";
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in [(1, &catalog[..]), (2, &field[..]), (4, stream.as_bytes())] {
        offsets.push(bytes.len());
        bytes.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        bytes.extend_from_slice(object);
        bytes.extend_from_slice(b"\nendobj\n");
    }
    // An xref stream: types 1 (offset) and 2 (object stream 4, index 0), /W [1 2 1].
    let xref_at = bytes.len();
    let mut rows = vec![0u8, 0, 0, 0];
    for (kind, a, b) in [
        (1, offsets[0], 0),
        (1, offsets[1], 0),
        (2, 4, 0),
        (1, offsets[2], 0),
        (1, xref_at, 0),
    ] {
        rows.extend_from_slice(&[kind, (a >> 8) as u8, a as u8, b]);
    }
    bytes.extend_from_slice(
        format!(
            "5 0 obj\n<< /Type /XRef /Size 6 /W [1 2 1] /Root 1 0 R /Length {} >>\nstream\n",
            rows.len()
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(&rows);
    bytes.extend_from_slice(
        format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes(),
    );
    let report = verify(&bytes).unwrap();
    assert_eq!(report.signatures.len(), 1, "{report:?}");
    let tinhso_pades::Integrity::Failed { reason } = &report.signatures[0].integrity else {
        panic!("{report:?}");
    };
    assert_eq!(reason.code(), "in_object_stream");
}

#[test]
fn a_stream_bomb_stops_at_the_limit() {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0u8; 8 * 1024 * 1024]).unwrap();
    let data = encoder.finish().unwrap();
    let mut bytes = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    let xref_at = bytes.len();
    bytes.extend_from_slice(
        format!(
            "2 0 obj\n<< /Type /XRef /Size 3 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length {} >>\nstream\n",
            data.len()
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(&data);
    bytes.extend_from_slice(
        format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes(),
    );
    let limits = Limits {
        max_stream_bytes: 1024 * 1024,
        ..Limits::default()
    };
    assert!(matches!(
        verify_with(&bytes, &limits),
        Err(PadesError::Unreadable(PdfError::Limit(_)))
    ));
}

#[test]
fn the_budget_and_the_size_limit_hold() {
    let bytes = pdf(&[b"<< /Type /Catalog >>"], "");
    let none = Limits {
        budget: Duration::ZERO,
        ..Limits::default()
    };
    assert!(matches!(
        verify_with(&bytes, &none),
        Err(PadesError::OverBudget(_))
    ));
    let small = Limits {
        max_input_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        verify_with(&bytes, &small),
        Err(PadesError::TooLarge(10))
    ));
}

#[test]
fn a_hybrid_file_reads_the_objects_only_its_xref_stream_lists() {
    // The table lists 1, 2 and the xref stream (4); object 3 (the signature dictionary) is
    // listed only by the /XRefStm stream, as hybrid files do for their compressed objects.
    let objects: [&[u8]; 3] = [
        b"<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>",
        b"<< /FT /Sig /T (S) /V 3 0 R >>",
        b"<< /Type /Sig /Contents <3000> >>",
    ];
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(bytes.len());
        bytes.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        bytes.extend_from_slice(object);
        bytes.extend_from_slice(b"\nendobj\n");
    }
    let stream_at = bytes.len();
    let row = [1u8, (offsets[2] >> 8) as u8, offsets[2] as u8, 0];
    bytes.extend_from_slice(
        b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 2 1] /Index [3 1] /Length 4 >>\nstream\n",
    );
    bytes.extend_from_slice(&row);
    bytes.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = bytes.len();
    bytes.extend_from_slice(b"xref\n0 3\n0000000000 65535 f \n");
    for offset in &offsets[..2] {
        bytes.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    bytes.extend_from_slice(format!("4 1\n{stream_at:010} 00000 n \n").as_bytes());
    bytes.extend_from_slice(
        format!(
            "trailer\n<< /Size 5 /Root 1 0 R /XRefStm {stream_at} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    let report = verify(&bytes).unwrap();
    assert_eq!(report.signatures.len(), 1, "{report:?}");
    let tinhso_pades::Integrity::Failed { reason } = &report.signatures[0].integrity else {
        panic!("{report:?}");
    };
    assert_eq!(reason.code(), "byte_range_missing");
}

#[test]
fn a_stream_length_that_names_its_own_stream_does_not_recurse() {
    let bytes = pdf(
        &[
            b"<< /Type /Catalog >>",
            b"<< /Type /Sig /Length 2 0 R >>\nstream\nxx\nendstream",
        ],
        "",
    );
    let report = verify(&bytes).unwrap();
    assert!(report.signatures.is_empty(), "{report:?}");
}

#[test]
fn an_xref_subsection_past_the_largest_number_is_refused() {
    let bytes = pdf(&[b"<< /Type /Catalog >>"], "");
    let text = String::from_utf8(bytes)
        .unwrap()
        .replace("xref\n0 2\n", "xref\n18446744073709551615 2\n");
    assert_eq!(
        unreadable(text.as_bytes()),
        PdfError::Structure("số đối tượng quá lớn")
    );
}
