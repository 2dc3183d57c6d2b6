//! Fixtures made at test time by pyHanko (an independent PAdES implementation, PyPI, pinned in
//! scripts/test-all): `tests/pyhanko/sign.py` signs small PDFs with a throw-away test CA, once
//! per test binary. Without pyHanko the tests skip, unless `CI_REQUIRE_PYHANKO=1` (CI), where
//! they fail.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

struct Fixtures {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

static FIXTURES: OnceLock<Option<Fixtures>> = OnceLock::new();
static PKI_FIXTURES: OnceLock<Option<Fixtures>> = OnceLock::new();

fn make() -> Option<Fixtures> {
    run_script("sign.py")
}

/// Runs `tests/pyhanko/<script> OUT_DIR`.
fn run_script(script: &str) -> Option<Fixtures> {
    let required = std::env::var("CI_REQUIRE_PYHANKO").as_deref() == Ok("1");
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/pyhanko")
        .join(script);
    let output = Command::new("python3")
        .arg(&script)
        .arg(dir.path())
        .output();
    match output {
        Ok(out) if out.status.success() => Some(Fixtures {
            path: dir.path().to_owned(),
            _dir: dir,
        }),
        Ok(out) if required => panic!(
            "pyHanko is required (CI_REQUIRE_PYHANKO=1) and {} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if required => panic!("python3 is required (CI_REQUIRE_PYHANKO=1): {e}"),
        _ => {
            eprintln!("pyHanko absent: fixtures signed by pyHanko skipped");
            None
        }
    }
}

/// The bytes of fixture `name` (e.g. `rsa-pss.pdf`), or `None` when pyHanko is absent.
pub fn fixture(name: &str) -> Option<Vec<u8>> {
    let fixtures = FIXTURES.get_or_init(make).as_ref()?;
    Some(std::fs::read(fixtures.path.join(name)).unwrap())
}

/// The directory of the slice 3 fixtures (`tests/pyhanko/pki.py`: a PKI, timestamps, DSS),
/// or `None` when pyHanko is absent.
pub fn pki_dir() -> Option<&'static Path> {
    PKI_FIXTURES
        .get_or_init(|| run_script("pki.py"))
        .as_ref()
        .map(|f| f.path.as_path())
}

/// The bytes of a slice 3 fixture.
pub fn pki_fixture(name: &str) -> Option<Vec<u8>> {
    Some(std::fs::read(pki_dir()?.join(name)).unwrap())
}

/// The position of the first `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{} not found", String::from_utf8_lossy(needle)))
}

/// The signature's `/ByteRange [a b c d]` numbers and where the array's text is.
pub fn byte_range(pdf: &[u8]) -> ([u64; 4], std::ops::Range<usize>) {
    let start = find(pdf, b"/ByteRange [") + b"/ByteRange [".len();
    let end = start + find(&pdf[start..], b"]");
    let numbers: Vec<u64> = std::str::from_utf8(&pdf[start..end])
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    (numbers.try_into().unwrap(), start..end)
}

/// `pdf` with its ByteRange rewritten to `numbers`, padded to the same width so no offset moves.
pub fn with_byte_range(pdf: &[u8], numbers: [u64; 4]) -> Vec<u8> {
    let (_, range) = byte_range(pdf);
    let text = format!(
        "{} {} {} {}",
        numbers[0], numbers[1], numbers[2], numbers[3]
    );
    assert!(text.len() <= range.len(), "the new ByteRange must fit");
    let mut out = pdf.to_vec();
    out[range.clone()].copy_from_slice(format!("{text:<width$}", width = range.len()).as_bytes());
    out
}

/// Trust in the demo CA's root alone (marked demo), as the platform's demo setting gives.
pub fn trusting_demo_root(demo: &tinhso_pades::ca::DemoPki) -> tinhso_pades::Trust {
    tinhso_pades::Trust {
        anchors: vec![tinhso_pades::Anchor {
            certificate: demo.root.certificate.clone(),
            demo: true,
        }],
        intermediates: Vec::new(),
    }
}
