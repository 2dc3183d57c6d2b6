//! The check on the fixtures (made with iconv, see fixtures/README) and on hostile input.

use super::*;
use std::io::Cursor;

fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/");
    std::fs::read(format!("{path}{name}")).unwrap()
}

fn run(format: FileFormat, bytes: &[u8]) -> Report {
    check(format, Cursor::new(bytes), &Limits::default())
}

fn codes(issues: &[Issue]) -> Vec<&str> {
    issues.iter().map(|i| i.code.as_str()).collect()
}

/// The schools table, whatever its encoding: same columns, same types.
fn assert_schools(report: &Report) {
    assert!(report.passed(), "{:#?}", report.errors);
    assert_eq!(report.rows, 4);
    assert_eq!(report.empty_rows, 1);
    let columns: Vec<(&str, ColumnType)> = report
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.kind))
        .collect();
    assert_eq!(
        columns,
        [
            ("Mã xã", ColumnType::Text),
            ("Tên trường", ColumnType::Text),
            ("Loại hình", ColumnType::Text),
            ("Số học sinh", ColumnType::Numeric),
            ("Diện tích (m2)", ColumnType::Numeric),
            ("Ngày thành lập", ColumnType::Date),
            ("Tỷ lệ đạt chuẩn", ColumnType::Numeric),
        ]
    );
    assert!(report.columns[3].vietnamese_numbers);
    assert_eq!(
        report.columns[1].examples[0], "Trường Tiểu học Hòa Bình",
        "text is Unicode, composed"
    );
    assert!(codes(&report.warnings).contains(&"empty_rows"));
}

#[test]
fn the_same_table_in_every_encoding() {
    let cases = [
        ("truong-hoc.csv", TextEncoding::Utf8, ","),
        ("truong-hoc.tcvn3.csv", TextEncoding::Tcvn3, ","),
        ("truong-hoc.cp1258.csv", TextEncoding::Windows1258, ","),
        ("truong-hoc.utf16le.tsv", TextEncoding::Utf16Le, "\\t"),
    ];
    for (name, encoding, delimiter) in cases {
        let report = run(FileFormat::Csv, &fixture(name));
        assert_eq!(report.encoding, Some(encoding), "{name}");
        assert_eq!(report.delimiter.as_deref(), Some(delimiter), "{name}");
        assert_schools(&report);
        assert_eq!(
            codes(&report.warnings).contains(&"converted"),
            encoding.converted(),
            "{name}"
        );
    }
}

#[test]
fn unknown_encodings_and_stray_bytes_are_refused_with_a_message() {
    let vni = run(FileFormat::Csv, &fixture("vni.csv"));
    assert_eq!(codes(&vni.errors), ["encoding"]);
    assert!(vni.errors[0].message.contains("CSV UTF-8"));
    let stray = run(FileFormat::Csv, &fixture("stray-byte.csv"));
    assert_eq!(codes(&stray.errors), ["encoding"]);
    assert_eq!(stray.errors[0].line, Some(3));
}

#[test]
fn ragged_rows_are_errors_with_their_lines() {
    let report = run(FileFormat::Csv, &fixture("ragged.csv"));
    assert_eq!(report.delimiter.as_deref(), Some(";"));
    let lines: Vec<Option<u64>> = report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(3), Some(4)]);
    assert!(!report.passed());
    // Many: twenty listed, the rest counted.
    let mut many = String::from("a,b\nx,y\n");
    for _ in 0..30 {
        many.push_str("1\n");
    }
    let report = run(FileFormat::Csv, many.as_bytes());
    assert_eq!(report.errors.len(), table::RAGGED_LISTED + 1);
    assert!(report.errors.last().unwrap().message.contains("10 dòng"));
}

#[test]
fn headers_are_fixed_and_totals_rows_warned() {
    let text = "Tên,,Tên,Số\nA,x,y,1\nB,x,y,2\nTổng cộng,,,3\n";
    let report = run(FileFormat::Csv, text.as_bytes());
    assert!(report.passed(), "{:?}", report.errors);
    let names: Vec<&str> = report.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Tên", "cot_2", "Tên_2", "Số"]);
    assert_eq!(codes(&report.warnings), ["header", "header", "totals"]);
}

#[test]
fn formula_like_cells_are_counted() {
    let text = "a,b\n=HYPERLINK(\"x\"),-5\n@SUM(1),+84 912\n";
    let report = run(FileFormat::Csv, text.as_bytes());
    assert_eq!(report.formula_like_cells, 3);
}

#[test]
fn empty_and_header_only_files_are_refused() {
    assert_eq!(codes(&run(FileFormat::Csv, b"").errors), ["empty"]);
    assert_eq!(codes(&run(FileFormat::Csv, b"\n\n  \n").errors), ["empty"]);
    assert_eq!(codes(&run(FileFormat::Csv, b"a,b\n").errors), ["empty"]);
}

#[test]
fn files_of_another_kind_are_refused() {
    let pdf = b"%PDF-1.7\n...";
    assert_eq!(codes(&run(FileFormat::Csv, pdf).errors), ["format"]);
    assert_eq!(codes(&run(FileFormat::Xlsx, pdf).errors), ["format"]);
    assert!(run(FileFormat::Pdf, pdf).passed());
    assert_eq!(codes(&run(FileFormat::Pdf, b"a,b\n1,2").errors), ["format"]);
    assert_eq!(codes(&run(FileFormat::Csv, b"a\0b,c\n").errors), ["format"]);
    // A zip that is not a workbook.
    let mut zip = Vec::new();
    {
        let mut w = zip::ZipWriter::new(Cursor::new(&mut zip));
        w.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, b"hi").unwrap();
        w.finish().unwrap();
    }
    assert_eq!(codes(&run(FileFormat::Xlsx, &zip).errors), ["malformed"]);
}

#[test]
fn json_is_checked_for_syntax() {
    assert!(run(FileFormat::Json, br#"{"a": [1, 2, {"b": null}]}"#).passed());
    let bad = run(FileFormat::Json, b"{\"a\": [1, 2,\n ]}");
    assert_eq!(codes(&bad.errors), ["malformed"]);
    assert_eq!(bad.errors[0].line, Some(2));
    assert_eq!(
        codes(&run(FileFormat::Json, b"{} {}").errors),
        ["malformed"]
    );
    let deep = "[".repeat(100_000);
    assert_eq!(
        codes(&run(FileFormat::Json, deep.as_bytes()).errors),
        ["malformed"]
    );
}

#[test]
fn geojson_is_checked_feature_by_feature() {
    let good = run(FileFormat::GeoJson, &fixture("ranh-gioi.geojson"));
    assert!(good.passed(), "{:?}", good.errors);
    assert_eq!(good.features, Some(2));
    let columns: Vec<(&str, ColumnType)> = good
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.kind))
        .collect();
    assert_eq!(
        columns,
        [
            ("dan_so", ColumnType::Int),
            ("ma_xa", ColumnType::Text),
            ("ten", ColumnType::Text),
        ]
    );
    let bad = run(FileFormat::GeoJson, &fixture("not-geojson.geojson"));
    assert_eq!(codes(&bad.errors), ["geojson"]);
    assert!(bad.errors[0].message.contains("thứ 2"), "{:?}", bad.errors);
    let cases: &[(&str, &str)] = &[
        (r#"{"type":"Point","coordinates":[105.8,21.0]}"#, ""),
        (r#"{"type":"Point","coordinates":[21.0,105.8]}"#, "geojson"),
        (
            r#"{"type":"Feature","geometry":null,"properties":null}"#,
            "",
        ),
        (r#"{"type":"Feature","properties":{}}"#, "geojson"),
        (r#"{"type":"Circle","coordinates":[1,2]}"#, "geojson"),
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2]]},"properties":{}}]}"#,
            "geojson",
        ),
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":["a","b"]},"properties":{}}]}"#,
            "geojson",
        ),
        (r#"{"features":[]}"#, "geojson"),
        (r#"[1,2]"#, "malformed"),
        (r#"{"type":"FeatureCollection","features":[}"#, "malformed"),
    ];
    for (text, code) in cases {
        let report = run(FileFormat::GeoJson, text.as_bytes());
        let expected: Vec<&str> = if code.is_empty() { vec![] } else { vec![*code] };
        assert_eq!(codes(&report.errors), expected, "{text}");
    }
    // Swapped latitude and longitude inside the range: warned, not refused.
    let swapped = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[21.0,15.8]},"properties":{}}]}"#;
    let report = run(FileFormat::GeoJson, swapped.as_bytes());
    assert!(report.passed());
    assert_eq!(codes(&report.warnings), ["outside"]);
}

fn workbook(rows: &[&[&str]], tweak: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(n) if !cell.starts_with('0') || *cell == "0" => {
                    sheet.write_number(r as u32, c as u16, n).unwrap();
                }
                _ => {
                    sheet.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    tweak(sheet);
    book.save_to_buffer().unwrap()
}

#[test]
fn xlsx_first_sheet_with_dates_and_codes() {
    let bytes = workbook(
        &[
            &["Mã xã", "Tên", "Dân số", "Ngày"],
            &["00001", "Xã Hòa Bình", "5234", ""],
            &[],
            &["00004", "Xã An Phú", "4120.5", ""],
        ],
        |sheet| {
            let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 1, 15).unwrap();
            sheet.write_datetime_with_format(1, 3, &d, &date).unwrap();
            sheet.write_datetime_with_format(3, 3, &d, &date).unwrap();
        },
    );
    let report = run(FileFormat::Xlsx, &bytes);
    assert!(report.passed(), "{:?}", report.errors);
    assert_eq!(report.rows, 2);
    assert_eq!(report.empty_rows, 1);
    let columns: Vec<(&str, ColumnType)> = report
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.kind))
        .collect();
    assert_eq!(
        columns,
        [
            ("Mã xã", ColumnType::Text),
            ("Tên", ColumnType::Text),
            ("Dân số", ColumnType::Numeric),
            ("Ngày", ColumnType::Date)
        ]
    );
    assert_eq!(report.columns[3].examples, ["2026-01-15"]);
}

#[test]
fn xlsx_rows_gives_the_values_with_their_lines() {
    let bytes = workbook(
        &[&["Tên", "Hạn"], &["Việc một", "15"], &[], &["Việc hai", ""]],
        |sheet| {
            let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 1, 15).unwrap();
            sheet.write_datetime_with_format(3, 1, &d, &date).unwrap();
        },
    );
    let rows = xlsx_rows(Cursor::new(bytes), &Limits::default()).unwrap();
    assert_eq!(
        rows,
        [
            (1, vec!["Tên".to_owned(), "Hạn".to_owned()]),
            (2, vec!["Việc một".to_owned(), "15".to_owned()]),
            (4, vec!["Việc hai".to_owned(), "2026-01-15".to_owned()]),
        ]
    );
    let refused = xlsx_rows(Cursor::new(b"title,content\n".to_vec()), &Limits::default());
    assert_eq!(refused.unwrap_err().code, "format");
}

#[test]
fn tcvn3_typed_in_unicode_inside_an_xlsx_is_converted() {
    // "Tên đơn vị" typed with a .VnTime font: each TCVN3 byte stored as the Latin-1 character.
    let as_typed = |s: &[u8]| s.iter().map(|&b| char::from(b)).collect::<String>();
    let header = as_typed(b"T\xaan \xae\xacn v\xde");
    let row1 = as_typed(b"Tr\xad\xeang Ti\xd3u h\xe4c H\xdfa B\xd7nh");
    let row2 = as_typed(b"Tr\xad\xeang M\xc7m non H\xad\xedng D\xad\xacng");
    let bytes = workbook(&[&[&header], &[&row1], &[&row2]], |_| {});
    let report = run(FileFormat::Xlsx, &bytes);
    assert!(report.passed(), "{:?}", report.errors);
    assert_eq!(report.encoding, Some(TextEncoding::Tcvn3InUnicode));
    assert_eq!(report.columns[0].name, "Tên đơn vị");
    assert_eq!(report.columns[0].examples[0], "Trường Tiểu học Hòa Bình");
}

#[test]
fn an_xlsx_bomb_is_refused_unread() {
    let bytes = workbook(&[&["a"], &["1"]], |_| {});
    let tight = Limits {
        max_uncompressed_bytes: 1_000,
        ..Limits::default()
    };
    let report = check(FileFormat::Xlsx, Cursor::new(&bytes), &tight);
    assert_eq!(codes(&report.errors), ["bomb"]);
}

#[test]
fn a_sheet_too_large_to_hold_is_refused_while_read() {
    // One cell far right on many rows: padded, it would be rows × width cells.
    let rows: Vec<Vec<&str>> = (0..200).map(|_| vec!["x"]).collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let bytes = workbook(&rows, |_| {});
    let few_cells = Limits {
        max_sheet_cells: 100,
        ..Limits::default()
    };
    let report = check(FileFormat::Xlsx, Cursor::new(&bytes), &few_cells);
    assert_eq!(codes(&report.errors), ["sheet_size"]);
    let little_text = Limits {
        max_sheet_text_bytes: 50,
        ..Limits::default()
    };
    let report = check(FileFormat::Xlsx, Cursor::new(&bytes), &little_text);
    assert_eq!(codes(&report.errors), ["sheet_size"]);
    let report = check(FileFormat::Xlsx, Cursor::new(&bytes), &Limits::default());
    assert!(
        !codes(&report.errors).contains(&"sheet_size"),
        "{:?}",
        report.errors
    );
}

#[test]
fn too_many_columns_stop_the_check() {
    let header = vec!["c"; 600].join(",");
    let report = run(FileFormat::Csv, format!("{header}\n").as_bytes());
    assert_eq!(codes(&report.errors), ["columns"]);
}

#[test]
fn the_report_is_json() {
    let report = run(FileFormat::Csv, &fixture("truong-hoc.tcvn3.csv"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["encoding"], "tcvn3");
    assert_eq!(json["format"], "CSV");
    assert_eq!(json["columns"][3]["type"], "numeric");
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            for format in FileFormat::ALL {
                let _ = run(format, &bytes);
            }
        }

        #[test]
        fn csv_like_text_never_panics(text in "[a-zđêơ0-9,;\t|\"\n\r =.-]{0,400}") {
            let report = run(FileFormat::Csv, text.as_bytes());
            prop_assert!(report.passed() || !report.errors.is_empty());
        }

        #[test]
        fn damaged_workbooks_never_panic(cut in 0usize..4000, flip in 0usize..4000, byte in any::<u8>()) {
            let mut bytes = workbook(&[&["Tên", "Số"], &["Hòa Bình", "1"]], |_| {});
            if !bytes.is_empty() {
                let at = flip % bytes.len();
                bytes[at] ^= byte;
                bytes.truncate(cut.max(4).min(bytes.len()));
            }
            let _ = run(FileFormat::Xlsx, &bytes);
        }
    }
}
