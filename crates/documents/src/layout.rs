//! Page-independent layout: content is a list of rows that a paginator flows onto A4 pages.
//!
//! Laying out first and drawing afterwards keeps krilla's borrow of the current page out of the
//! layout code, and lets pagination look ahead (a heading never ends a page).

use crate::fonts::{Face, Fonts};
use crate::wrap::{Span, wrap};

pub(crate) const PAGE_WIDTH: f32 = 595.276; // 210 mm
pub(crate) const PAGE_HEIGHT: f32 = 841.89; // 297 mm
const MM: f32 = 72.0 / 25.4;
// Decree 30/2020 margins: left 30–35 mm, right 15–20 mm, top and bottom 20–25 mm.
pub(crate) const MARGIN_LEFT: f32 = 30.0 * MM;
pub(crate) const MARGIN_RIGHT: f32 = 20.0 * MM;
pub(crate) const MARGIN_TOP: f32 = 20.0 * MM;
pub(crate) const MARGIN_BOTTOM: f32 = 20.0 * MM;
pub(crate) const CONTENT_WIDTH: f32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
pub(crate) const CONTENT_HEIGHT: f32 = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;

pub(crate) const LEADING: f32 = 1.4;
// Where the baseline sits in a line box of LEADING × size, for DejaVu's ascent and descent.
pub(crate) const BASELINE: f32 = 1.05;

/// A drawing instruction. `y` is relative to the top of its row until the row is placed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Text {
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

impl Op {
    fn shifted(mut self, dy: f32) -> Op {
        match &mut self {
            Op::Text { y, .. } | Op::Rect { y, .. } => *y += dy,
        }
        self
    }
}

/// An unbreakable strip of content.
#[derive(Debug, Default)]
pub(crate) struct Row {
    pub(crate) height: f32,
    pub(crate) ops: Vec<Op>,
    /// Pure vertical space: dropped at the top of a page.
    pub(crate) spacer: bool,
    /// Moves to the next page together with the row after it.
    pub(crate) keep_with_next: bool,
}

impl Row {
    pub(crate) fn spacer(height: f32) -> Row {
        Row {
            height,
            spacer: true,
            ..Row::default()
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// A column of the page: left edge and width.
#[derive(Clone, Copy)]
pub(crate) struct Column {
    pub(crate) x: f32,
    pub(crate) width: f32,
}

impl Column {
    pub(crate) const FULL: Column = Column {
        x: MARGIN_LEFT,
        width: CONTENT_WIDTH,
    };

    pub(crate) fn new(x: f32, width: f32) -> Column {
        Column { x, width }
    }

    fn offset(&self, content_width: f32, align: Align) -> f32 {
        let room = (self.width - content_width).max(0.0);
        match align {
            Align::Left => 0.0,
            Align::Center => room / 2.0,
            Align::Right => room,
        }
    }
}

/// Rows of wrapped text, one per line.
pub(crate) fn text_rows(
    fonts: &Fonts,
    spans: &[Span],
    size: f32,
    column: Column,
    align: Align,
) -> Vec<Row> {
    wrap(fonts, spans, size, column.width)
        .into_iter()
        .map(|line| {
            let left = column.x + column.offset(line.width, align);
            let ops = line
                .pieces
                .into_iter()
                .map(|p| Op::Text {
                    x: left + p.x,
                    y: size * BASELINE,
                    face: p.face,
                    size,
                    text: p.text,
                })
                .collect();
            Row {
                height: size * LEADING,
                ops,
                ..Row::default()
            }
        })
        .collect()
}

/// A horizontal rule centred in `column`, as in the lines under an issuer or the motto.
pub(crate) fn rule_row(column: Column, width: f32) -> Row {
    let width = width.min(column.width);
    let x = column.x + column.offset(width, Align::Center);
    Row {
        height: 5.0,
        ops: vec![Op::Rect {
            x,
            y: 1.0,
            w: width,
            h: 0.6,
        }],
        ..Row::default()
    }
}

/// Joins rows into one, each below the previous.
pub(crate) fn stack(rows: Vec<Row>) -> Row {
    let mut out = Row::default();
    for row in rows {
        out.ops
            .extend(row.ops.into_iter().map(|op| op.shifted(out.height)));
        out.height += row.height;
    }
    out
}

/// Two columns side by side kept on one page. A pair taller than a whole page cannot be kept
/// together, so it degrades to one column after the other rather than overflowing.
pub(crate) fn side_by_side(left: Vec<Row>, right: Vec<Row>) -> Vec<Row> {
    let height = |rows: &[Row]| rows.iter().map(|r| r.height).sum::<f32>();
    if height(&left).max(height(&right)) > CONTENT_HEIGHT {
        return left.into_iter().chain(right).collect();
    }
    let (left, right) = (stack(left), stack(right));
    let mut ops = left.ops;
    ops.extend(right.ops);
    vec![Row {
        height: left.height.max(right.height),
        ops,
        ..Row::default()
    }]
}

/// Flows rows onto pages; returns each page's operations in absolute coordinates.
pub(crate) fn paginate(rows: Vec<Row>) -> Vec<Vec<Op>> {
    let bottom = PAGE_HEIGHT - MARGIN_BOTTOM;
    let mut pages = vec![Vec::new()];
    let mut y = MARGIN_TOP;
    let mut rows = rows.into_iter().peekable();
    while let Some(row) = rows.next() {
        let at_top = y <= MARGIN_TOP;
        if row.spacer && at_top {
            continue;
        }
        let mut needed = row.height;
        if row.keep_with_next {
            needed += rows.peek().map_or(0.0, |next| next.height);
        }
        if y + needed > bottom && !at_top {
            pages.push(Vec::new());
            y = MARGIN_TOP;
            if row.spacer {
                continue;
            }
        }
        if let Some(page) = pages.last_mut() {
            page.extend(row.ops.into_iter().map(|op| op.shifted(y)));
        }
        y += row.height;
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(h: f32) -> Row {
        Row {
            height: h,
            ops: vec![Op::Rect {
                x: 0.0,
                y: 0.0,
                w: 1.0,
                h: 1.0,
            }],
            ..Row::default()
        }
    }

    #[test]
    fn rows_flow_onto_new_pages() {
        let rows = (0..100).map(|_| line(20.0)).collect();
        let pages = paginate(rows);
        let per_page = (CONTENT_HEIGHT / 20.0).floor() as usize;
        assert_eq!(pages[0].len(), per_page);
        assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), 100);
    }

    #[test]
    fn spacers_vanish_at_page_top_and_empty_input_gives_one_page() {
        assert_eq!(paginate(vec![Row::spacer(10.0)]), vec![Vec::<Op>::new()]);
        assert_eq!(paginate(Vec::new()).len(), 1);
    }

    #[test]
    fn a_heading_moves_with_its_first_line() {
        let fill = (CONTENT_HEIGHT / 20.0).floor() as usize - 1;
        let mut rows: Vec<Row> = (0..fill).map(|_| line(20.0)).collect();
        rows.push(Row {
            keep_with_next: true,
            ..line(20.0)
        });
        rows.push(line(20.0));
        let pages = paginate(rows);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1].len(), 2);
    }

    #[test]
    fn oversized_columns_degrade_to_sequence() {
        let tall = || (0..100).map(|_| line(20.0)).collect::<Vec<_>>();
        assert_eq!(side_by_side(tall(), tall()).len(), 200);
        assert_eq!(
            side_by_side(vec![line(20.0)], vec![line(30.0), line(5.0)]).len(),
            1
        );
    }
}
