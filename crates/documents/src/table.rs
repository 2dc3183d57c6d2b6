//! Lays out a [`Block::Table`](crate::Block::Table): a bold header row kept with the first row,
//! then one row per entry, every cell wrapped in its column and ruled. Column widths are
//! found from the content, as browsers size tables: each column gets at least its longest
//! word, and the room left goes to the columns whose text is longest.

use crate::fonts::{Face, Fonts};
use crate::form::clean;
use crate::layout::{Align, CONTENT_WIDTH, Column, MARGIN_LEFT, Op, Row, stack, text_rows};
use crate::wrap::Span;

const SIZE: f32 = 7.5;
const PAD: f32 = 2.0;
const RULE: f32 = 0.4;
// A cell's text counts up to this width when sharing out the room: past it, it wraps anyway.
const WANT_CAP: f32 = 300.0;

pub(crate) fn table_rows(fonts: &Fonts, headers: &[String], rows: &[Vec<String>]) -> Vec<Row> {
    let count = headers
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    if count == 0 {
        return Vec::new();
    }
    let cell = |r: &[String], i: usize| r.get(i).map(|t| clean(t)).unwrap_or_default();
    let headers: Vec<String> = (0..count).map(|i| cell(headers, i)).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| (0..count).map(|i| cell(r, i)).collect())
        .collect();
    let columns = columns(fonts, &headers, &body);
    let mut out = Vec::with_capacity(body.len() + 1);
    let mut head = row(fonts, &columns, &headers, Face::Bold);
    head.keep_with_next = true;
    out.push(head);
    out.extend(body.iter().map(|r| row(fonts, &columns, r, Face::Regular)));
    out
}

/// The columns' positions: at least the longest word of each, the rest shared by how much
/// text each holds.
fn columns(fonts: &Fonts, headers: &[String], body: &[Vec<String>]) -> Vec<Column> {
    let count = headers.len();
    let mut least = vec![0.0f32; count];
    let mut want = vec![0.0f32; count];
    // Header words must fit; the header's length does not claim room (it wraps).
    for (i, text) in headers.iter().enumerate() {
        for word in text.split_whitespace() {
            least[i] = least[i].max(fonts.width(Face::Bold, word, SIZE));
        }
    }
    for r in body {
        for (i, text) in r.iter().enumerate() {
            for word in text.split_whitespace() {
                least[i] = least[i].max(fonts.width(Face::Regular, word, SIZE));
            }
            want[i] = want[i].max(fonts.width(Face::Regular, text, SIZE).min(WANT_CAP));
        }
    }
    let least: Vec<f32> = least.iter().map(|w| w + 2.0 * PAD).collect();
    let want: Vec<f32> = want
        .iter()
        .zip(&least)
        .map(|(w, l)| (w + 2.0 * PAD).max(*l))
        .collect();
    let least_total: f32 = least.iter().sum();
    let widths: Vec<f32> = if least_total >= CONTENT_WIDTH {
        // Too many long words: every column shrinks alike, and long words are cut.
        least
            .iter()
            .map(|l| l * CONTENT_WIDTH / least_total)
            .collect()
    } else {
        let room = CONTENT_WIDTH - least_total;
        let extra: Vec<f32> = want.iter().zip(&least).map(|(w, l)| w - l).collect();
        let extra_total: f32 = extra.iter().sum();
        least
            .iter()
            .zip(&extra)
            .map(|(l, e)| {
                if extra_total > 0.0 {
                    l + room * e / extra_total
                } else {
                    l + room / count as f32
                }
            })
            .collect()
    };
    let mut x = MARGIN_LEFT;
    widths
        .into_iter()
        .map(|w| {
            let c = Column::new(x, w);
            x += w;
            c
        })
        .collect()
}

/// One row of the table: each cell wrapped in its column, ruled above, below and between.
fn row(fonts: &Fonts, columns: &[Column], cells: &[String], face: Face) -> Row {
    let mut height = 0.0f32;
    let mut ops = Vec::new();
    for (column, text) in columns.iter().zip(cells) {
        let inner = Column::new(column.x + PAD, (column.width - 2.0 * PAD).max(1.0));
        let mut lines = vec![Row::spacer(PAD)];
        lines.extend(text_rows(
            fonts,
            &[Span::new(face, text)],
            SIZE,
            inner,
            Align::Left,
        ));
        let cell = stack(lines);
        height = height.max(cell.height);
        ops.extend(cell.ops);
    }
    height += PAD;
    ops.push(Op::Rect {
        x: MARGIN_LEFT,
        y: 0.0,
        w: CONTENT_WIDTH,
        h: RULE,
    });
    ops.push(Op::Rect {
        x: MARGIN_LEFT,
        y: height,
        w: CONTENT_WIDTH,
        h: RULE,
    });
    for column in columns {
        ops.push(Op::Rect {
            x: column.x,
            y: 0.0,
            w: RULE,
            h: height,
        });
    }
    ops.push(Op::Rect {
        x: MARGIN_LEFT + CONTENT_WIDTH - RULE,
        y: 0.0,
        w: RULE,
        h: height,
    });
    Row {
        height,
        ops,
        ..Row::default()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Block, FormDocument, form_pdf};

    #[test]
    fn a_table_keeps_its_words_whole_and_runs_over_pages() {
        let headers = vec![
            "Số, ký hiệu".to_owned(),
            "Trích yếu nội dung".to_owned(),
            "Ký nhận".to_owned(),
        ];
        let rows: Vec<Vec<String>> = (1..=80)
            .map(|i| {
                vec![
                    format!("{i:02}/QĐ-STP"),
                    format!("Quyết định số {i} về việc phê duyệt kế hoạch phổ biến pháp luật"),
                    String::new(),
                ]
            })
            .collect();
        let pdf = form_pdf(&FormDocument {
            title: "SỔ ĐĂNG KÝ".into(),
            blocks: vec![Block::Table { headers, rows }],
            ..FormDocument::default()
        })
        .unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        assert!(pages.len() > 1);
        let text = doc.extract_text(&pages).unwrap();
        // An empty column is as wide as its longest header word: "Ký" and "nhận" on two lines.
        for expected in ["Trích yếu nội dung", "01/QĐ-STP", "80/QĐ-STP", "nhận"] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        let at = |s: &str| text.find(s).unwrap();
        assert!(at("01/QĐ-STP") < at("02/QĐ-STP") && at("02/QĐ-STP") < at("80/QĐ-STP"));
    }
}
