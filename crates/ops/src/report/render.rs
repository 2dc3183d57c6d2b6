//! A periodic report written out (docs/operations-design.md §6): the same [`Doc`] as DOCX
//! (docx-rs: the Decree 30/2020 header as a borderless two-column table, tables, and each
//! chart as a PNG drawn here from bars, its values in a table under it), as PDF (the documents
//! crate's A4 form with embedded fonts; a chart is a table whose last column is a bar of block
//! characters) and as XLSX (rust_xlsxwriter: a first sheet with the title and window, then one
//! sheet per table, numbers as numbers). No I/O.

use docx_rs::{
    AlignmentType, Docx, Paragraph, Pic, Run, RunFonts, Table, TableCell, TableRow, WidthType,
};
use rust_xlsxwriter::{Format, Workbook};
use std::io::Write;
use tinhso_documents::{Block, FormDocument};

/// A value in a report's table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    /// A figure with decimals; `None` is "no data" (a dash).
    Num(Option<f64>),
}

impl Value {
    pub fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Num(Some(x)) => format!("{x:.2}").replace('.', ","),
            Value::Num(None) => "–".to_owned(),
        }
    }
}

/// A part of the report's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Heading(String),
    Paragraph(String),
    Table {
        /// The XLSX sheet's name.
        sheet: String,
        headers: Vec<String>,
        rows: Vec<Vec<Value>>,
    },
    /// Horizontal bars from 0 to `max`.
    Chart {
        label_header: String,
        value_header: String,
        bars: Vec<(String, f64)>,
        max: f64,
    },
}

/// A report in the layout of a provincial report (Decree 30/2020).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    /// Top left, upper case: "UBND TỈNH THANH HÓA", then the issuing agency in bold.
    pub issuer_parent: String,
    pub issuer: String,
    /// "Số: …/BC-…".
    pub number: String,
    /// "Thanh Hóa, ngày 15 tháng 6 năm 2027".
    pub place_date: String,
    /// "BÁO CÁO".
    pub title: String,
    /// The line under the title: what and which period.
    pub subtitle: String,
    pub parts: Vec<Part>,
}

const FONT: &str = "Times New Roman";
/// Half-points: 13 pt body, 12 pt tables.
const BODY: usize = 26;
const SMALL: usize = 24;
/// Bars in a table-drawn chart, at most.
const BAR_CELLS: f64 = 30.0;

fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text))
}

fn centred(r: Run) -> Paragraph {
    Paragraph::new().add_run(r).align(AlignmentType::Center)
}

fn cell(p: Paragraph) -> TableCell {
    TableCell::new().add_paragraph(p)
}

/// The report as a DOCX file.
pub fn docx(doc: &Doc) -> anyhow::Result<Vec<u8>> {
    let header = Table::without_borders(vec![TableRow::new(vec![
        cell(centred(run(&doc.issuer_parent.to_uppercase()).size(SMALL)))
            .add_paragraph(centred(run(&doc.issuer.to_uppercase()).bold().size(SMALL)))
            .add_paragraph(centred(run(&doc.number).size(SMALL)))
            .width(3600, WidthType::Dxa),
        cell(centred(
            run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold().size(SMALL),
        ))
        .add_paragraph(centred(
            run("Độc lập - Tự do - Hạnh phúc").bold().size(BODY),
        ))
        .add_paragraph(centred(run(&doc.place_date).italic().size(BODY)))
        .width(5800, WidthType::Dxa),
    ])])
    .set_grid(vec![3600, 5800]);
    let mut d = Docx::new()
        .default_fonts(
            RunFonts::new()
                .ascii(FONT)
                .hi_ansi(FONT)
                .cs(FONT)
                .east_asia(FONT),
        )
        .default_size(BODY)
        .add_table(header)
        .add_paragraph(Paragraph::new())
        .add_paragraph(centred(run(&doc.title).bold().size(28)))
        .add_paragraph(centred(run(&doc.subtitle).bold()));
    for part in &doc.parts {
        match part {
            Part::Heading(h) => d = d.add_paragraph(Paragraph::new().add_run(run(h).bold())),
            Part::Paragraph(t) => d = d.add_paragraph(para(t)),
            Part::Table { headers, rows, .. } => {
                d = d
                    .add_table(table(headers, rows))
                    .add_paragraph(Paragraph::new());
            }
            Part::Chart {
                label_header,
                value_header,
                bars,
                max,
            } => {
                let values: Vec<f64> = bars.iter().map(|(_, v)| *v).collect();
                let (png, w, h) = bar_png(&values, *max);
                // 96 dpi: 9525 EMU a pixel.
                let pic = Pic::new_with_dimensions(png, w, h).size(w * 9525, h * 9525);
                d = d.add_paragraph(Paragraph::new().add_run(Run::new().add_image(pic)));
                let rows: Vec<Vec<Value>> = bars
                    .iter()
                    .enumerate()
                    .map(|(i, (l, v))| {
                        vec![
                            Value::Int(i as i64 + 1),
                            Value::Text(l.clone()),
                            Value::Num(Some(*v)),
                        ]
                    })
                    .collect();
                let headers = vec!["STT".to_owned(), label_header.clone(), value_header.clone()];
                d = d
                    .add_table(table(&headers, &rows))
                    .add_paragraph(Paragraph::new());
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    d.build().pack(&mut out)?;
    Ok(out.into_inner())
}

fn table(headers: &[String], rows: &[Vec<Value>]) -> Table {
    let mut trs = vec![TableRow::new(
        headers
            .iter()
            .map(|h| cell(Paragraph::new().add_run(run(h).bold().size(SMALL))))
            .collect(),
    )];
    for r in rows {
        trs.push(TableRow::new(
            r.iter()
                .map(|v| {
                    let p = Paragraph::new().add_run(run(&v.text()).size(SMALL));
                    cell(match v {
                        Value::Text(_) => p,
                        _ => p.align(AlignmentType::Right),
                    })
                })
                .collect(),
        ));
    }
    Table::new(trs)
}

/// The report as an A4 PDF (the documents crate's form: Decree 30 header, embedded fonts).
pub fn pdf(doc: &Doc) -> anyhow::Result<Vec<u8>> {
    let mut blocks = vec![Block::Heading(doc.subtitle.clone())];
    for part in &doc.parts {
        match part {
            Part::Heading(h) => blocks.push(Block::Heading(h.clone())),
            Part::Paragraph(t) => blocks.push(Block::Paragraph(t.clone())),
            Part::Table { headers, rows, .. } => blocks.push(Block::Table {
                headers: headers.clone(),
                rows: rows
                    .iter()
                    .map(|r| r.iter().map(Value::text).collect())
                    .collect(),
            }),
            Part::Chart {
                label_header,
                value_header,
                bars,
                max,
            } => blocks.push(Block::Table {
                headers: vec![label_header.clone(), value_header.clone(), String::new()],
                rows: bars
                    .iter()
                    .map(|(l, v)| {
                        vec![
                            l.clone(),
                            Value::Num(Some(*v)).text(),
                            "█".repeat(bar_cells(*v, *max)),
                        ]
                    })
                    .collect(),
            }),
        }
    }
    Ok(tinhso_documents::form_pdf(&FormDocument {
        issuer_parent: doc.issuer_parent.clone(),
        issuer: doc.issuer.clone(),
        reference: doc.number.clone(),
        place_date: doc.place_date.clone(),
        title: doc.title.clone(),
        blocks,
        ..FormDocument::default()
    })?)
}

/// Block characters for `v` of `max` (at least one for a positive value).
fn bar_cells(v: f64, max: f64) -> usize {
    if !(v > 0.0 && max > 0.0) {
        return 0;
    }
    ((v / max).min(1.0) * BAR_CELLS).round().max(1.0) as usize
}

/// The report as an XLSX workbook: "Báo cáo" (title, subtitle, the paragraphs), then a sheet
/// per table and chart.
pub fn xlsx(doc: &Doc) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let first = wb.add_worksheet();
    first.set_name("Báo cáo")?;
    let mut row = 0u32;
    for (text, f) in [
        (doc.issuer.as_str(), true),
        (doc.title.as_str(), true),
        (doc.subtitle.as_str(), true),
        (doc.place_date.as_str(), false),
    ] {
        if f {
            first.write_string_with_format(row, 0, text, &bold)?;
        } else {
            first.write_string(row, 0, text)?;
        }
        row += 1;
    }
    for part in &doc.parts {
        match part {
            Part::Heading(h) => {
                row += 1;
                first.write_string_with_format(row, 0, h, &bold)?;
            }
            Part::Paragraph(t) => first.write_string(row, 0, t).map(|_| ())?,
            _ => continue,
        }
        row += 1;
    }
    let mut n = 0;
    for part in &doc.parts {
        let (sheet, headers, rows): (String, Vec<String>, Vec<Vec<Value>>) = match part {
            Part::Table {
                sheet,
                headers,
                rows,
            } => (sheet.clone(), headers.clone(), rows.clone()),
            Part::Chart {
                label_header,
                value_header,
                bars,
                ..
            } => (
                format!("Biểu đồ {}", n + 1),
                vec![label_header.clone(), value_header.clone()],
                bars.iter()
                    .map(|(l, v)| vec![Value::Text(l.clone()), Value::Num(Some(*v))])
                    .collect(),
            ),
            _ => continue,
        };
        n += 1;
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&sheet, n))?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, vals) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, v) in vals.iter().enumerate() {
                let c = c as u16;
                match v {
                    Value::Text(s) => ws.write_string(r, c, s).map(|_| ())?,
                    Value::Int(i) => ws.write_number(r, c, *i as f64).map(|_| ())?,
                    Value::Num(Some(x)) => ws.write_number(r, c, *x).map(|_| ())?,
                    Value::Num(None) => ws.write_string(r, c, "").map(|_| ())?,
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofit();
    }
    Ok(wb.save_to_buffer()?)
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), unique by number.
fn sheet_name(name: &str, n: usize) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !"[]:*?/\\'".contains(*c))
        .take(26)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        format!("Bảng {n}")
    } else {
        format!("{n}. {clean}")
    }
}

/// Pixels: the chart's width, a bar's height and the gap between bars.
const PNG_WIDTH: u32 = 560;
const BAR_HEIGHT: u32 = 18;
const BAR_GAP: u32 = 8;

/// A horizontal bar chart as a PNG (8-bit RGB), its width and height: one bar per value from
/// 0 to `max`, with quarter grid lines. The labels are in the table under it.
pub fn bar_png(values: &[f64], max: f64) -> (Vec<u8>, u32, u32) {
    let w = PNG_WIDTH;
    let h = BAR_GAP + values.len().max(1) as u32 * (BAR_HEIGHT + BAR_GAP);
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    let mut put = |x: u32, y: u32, c: [u8; 3]| {
        let i = ((y * w + x) * 3) as usize;
        rgb[i..i + 3].copy_from_slice(&c);
    };
    let left = 8;
    let span = w - 2 * left;
    for q in 0..=4 {
        let x = left + span * q / 4;
        for y in 0..h {
            put(x.min(w - 1), y, [200, 200, 200]);
        }
    }
    for (i, v) in values.iter().enumerate() {
        let len = if *v > 0.0 && max > 0.0 {
            ((v / max).min(1.0) * f64::from(span)).round() as u32
        } else {
            0
        };
        let top = BAR_GAP + i as u32 * (BAR_HEIGHT + BAR_GAP);
        for y in top..top + BAR_HEIGHT {
            for x in left..left + len {
                put(x, y, [31, 95, 168]);
            }
        }
    }
    (png(w, h, &rgb), w, h)
}

/// Encodes 8-bit RGB pixels as a PNG: signature, IHDR, one zlib IDAT (filter 0), IEND.
fn png(w: u32, h: u32, rgb: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(rgb.len() + h as usize);
    for line in rgb.chunks((w * 3) as usize) {
        raw.push(0);
        raw.extend_from_slice(line);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(&raw);
    let idat = z.finish().unwrap_or_default();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    for (kind, data) in [
        (b"IHDR", &ihdr[..]),
        (b"IDAT", &idat[..]),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_maximum() {
        let cases = [
            (0.0, 20.0, 0),
            (-1.0, 20.0, 0),
            (20.0, 20.0, 30),
            (10.0, 20.0, 15),
            (0.1, 20.0, 1),
            (40.0, 20.0, 30),
            (5.0, 0.0, 0),
        ];
        for (v, max, want) in cases {
            assert_eq!(bar_cells(v, max), want, "{v} of {max}");
        }
    }

    #[test]
    fn the_chart_is_a_png_of_the_right_size() {
        let (png, w, h) = bar_png(&[20.0, 10.0, 0.0], 20.0);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), w);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), h);
        assert_eq!(h, 8 + 3 * 26);
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // The IHDR's CRC (over type and data) is the standard CRC-32.
        let mut crc = flate2::Crc::new();
        crc.update(&png[12..29]);
        assert_eq!(crc.sum().to_be_bytes(), png[29..33]);
    }

    #[test]
    fn sheet_names_are_valid_and_numbered() {
        assert_eq!(
            sheet_name("Hồ sơ theo lĩnh vực", 2),
            "2. Hồ sơ theo lĩnh vực"
        );
        assert_eq!(sheet_name("a/b:c", 1), "1. abc");
        assert_eq!(sheet_name("", 3), "Bảng 3");
        assert!(sheet_name(&"x".repeat(80), 9).chars().count() <= 31);
    }
}
