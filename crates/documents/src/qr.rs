//! QR codes as filled rectangles: vector modules stay sharp at any zoom and need no image codec.

use qrcode::{Color, EcLevel, QrCode};

use crate::DocumentError;
use crate::layout::{Op, Row};

/// A row holding the QR code of `data`, `side` points square, its left edge at `x`.
pub(crate) fn qr_row(data: &str, x: f32, side: f32) -> Result<Row, DocumentError> {
    // Level M survives a crease or a stamp across the code and still fits a long URL.
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| DocumentError::Qr(e.to_string()))?;
    let modules = code.width();
    // Four light modules of quiet zone on each side, which scanners need.
    let unit = side / (modules + 8) as f32;
    let colors = code.to_colors();
    let mut ops = Vec::new();
    for (row, line) in colors.chunks(modules).enumerate() {
        for (start, len) in dark_runs(line) {
            ops.push(Op::Rect {
                x: x + (start + 4) as f32 * unit,
                y: (row + 4) as f32 * unit,
                w: len as f32 * unit,
                h: unit,
            });
        }
    }
    Ok(Row {
        height: side,
        ops,
        ..Row::default()
    })
}

/// Runs of dark modules in one row as (start, length): one rectangle per run instead of per
/// module keeps the PDF small and avoids hairline seams between neighbours in some viewers.
fn dark_runs(line: &[Color]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, color) in line.iter().chain([&Color::Light]).enumerate() {
        match (color, start) {
            (Color::Dark, None) => start = Some(i),
            (Color::Light, Some(s)) => {
                runs.push((s, i - s));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_dark_modules() {
        use Color::{Dark as D, Light as L};
        assert_eq!(
            dark_runs(&[D, D, L, D, L, L, D]),
            vec![(0, 2), (3, 1), (6, 1)]
        );
        assert!(dark_runs(&[]).is_empty());
    }

    #[test]
    fn qr_fits_its_square_and_too_much_data_is_an_error() {
        let row = qr_row(
            "https://dichvucong.thanhhoa.gov.vn/tra-cuu?ma=H56-0001",
            10.0,
            80.0,
        )
        .unwrap();
        assert_eq!(row.height, 80.0);
        for op in &row.ops {
            let Op::Rect { x, y, w, h } = *op else {
                panic!("only rectangles")
            };
            assert!(x >= 10.0 && x + w <= 90.01 && y >= 0.0 && y + h <= 80.01);
        }
        assert!(matches!(
            qr_row(&"x".repeat(5000), 0.0, 80.0),
            Err(DocumentError::Qr(_))
        ));
        assert!(qr_row("", 0.0, 80.0).is_ok());
    }
}
