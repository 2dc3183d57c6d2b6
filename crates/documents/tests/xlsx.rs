//! The workbook is read back as the zip of XML parts that XLSX is.

use std::io::{Cursor, Read};

use proptest::prelude::*;
use tinhso_documents::{Cell, xlsx};

fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut file = archive.by_name(name).expect("part present");
    let mut xml = String::new();
    file.read_to_string(&mut xml).unwrap();
    xml
}

#[test]
fn workbook_has_header_and_rows() {
    let rows = vec![
        vec![
            Cell::Text("000.00.60.H56-261124-0001".into()),
            Cell::Text("Đăng ký khai sinh".into()),
            Cell::Number(3.5),
        ],
        vec![
            Cell::Text("000.00.60.H56-261124-0002".into()),
            Cell::Number(f64::NAN),
        ],
    ];
    let bytes = xlsx("Hồ sơ tháng 11", &["Mã hồ sơ", "Thủ tục", "Số ngày"], &rows).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    let strings = part(&bytes, "xl/sharedStrings.xml");
    assert!(strings.contains("Mã hồ sơ") && strings.contains("Đăng ký khai sinh"));
    assert!(sheet.contains("<v>3.5</v>"));
    assert!(sheet.contains("<pane "), "header row frozen");
    assert!(sheet.contains("<cols>"), "column widths set");
    assert!(part(&bytes, "xl/workbook.xml").contains("name=\"Hồ sơ tháng 11\""));
}

#[test]
fn empty_and_awkward_input_still_makes_a_workbook() {
    assert!(xlsx("", &[], &[]).is_ok());
    assert!(
        xlsx(
            "a/b?[c]",
            &["x"],
            &[vec![Cell::Text("\u{1}\u{FFFF}".into())]]
        )
        .is_ok()
    );
}

#[test]
fn over_long_cell_is_an_error_not_a_panic() {
    let rows = vec![vec![Cell::Text("x".repeat(40_000))]];
    assert!(xlsx("s", &["h"], &rows).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn any_cells_make_a_workbook(
        name in any::<String>(),
        headers in prop::collection::vec(any::<String>(), 0..4),
        rows in prop::collection::vec(prop::collection::vec(
            prop_oneof![any::<String>().prop_map(Cell::Text), any::<f64>().prop_map(Cell::Number)], 0..4), 0..6),
    ) {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        prop_assert!(xlsx(&name, &headers, &rows).is_ok());
    }
}
