//! Scans read by Tesseract with its Vietnamese data (`tesseract-ocr-vie`): an image as it is,
//! a PDF without a text layer first rasterised by poppler's `pdftoppm`. Both run as
//! subprocesses without a shell, on files in a private temporary directory (mode 0700, removed
//! afterwards), each with a timeout after which it is killed. Meant for the job queue, never a
//! request: a page takes seconds.

use crate::{Extracted, Limits, tidy};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::Command;

/// What a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Pdf,
    Jpeg,
    Png,
}

impl ScanKind {
    pub fn from_media_type(media_type: &str) -> Option<ScanKind> {
        match media_type {
            "application/pdf" => Some(ScanKind::Pdf),
            "image/jpeg" => Some(ScanKind::Jpeg),
            "image/png" => Some(ScanKind::Png),
            _ => None,
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            ScanKind::Pdf => "scan.pdf",
            ScanKind::Jpeg => "scan.jpg",
            ScanKind::Png => "scan.png",
        }
    }
}

/// Where the tools are and how much they may do.
#[derive(Debug, Clone)]
pub struct OcrConfig {
    /// The `tesseract` program (found on `PATH` by default).
    pub tesseract: PathBuf,
    /// Poppler's `pdftoppm`.
    pub pdftoppm: PathBuf,
    /// Tesseract's language: `vie` (Vietnamese, which also reads the Latin digits and
    /// punctuation of a document).
    pub language: String,
    /// Each page is rasterised to fit a square of this many pixels: about 210 dpi for A4, and
    /// a hostile page size cannot ask for a gigantic bitmap.
    pub page_pixels: u32,
    /// Pages read from a PDF; the rest is left out and the text marked truncated.
    pub max_pages: u32,
    /// An image larger than this many pixels is refused before any decoder sees it.
    pub max_image_pixels: u64,
    /// One run of a tool, after which it is killed.
    pub step_timeout: Duration,
    /// The whole document: kept under the job queue's lease (120 s) so that another node
    /// does not take the job over while it still runs here. Pages not read by then are left
    /// out and the text marked truncated.
    pub deadline: Duration,
    pub max_chars: usize,
}

impl Default for OcrConfig {
    fn default() -> Self {
        OcrConfig {
            tesseract: PathBuf::from("tesseract"),
            pdftoppm: PathBuf::from("pdftoppm"),
            language: "vie".into(),
            page_pixels: 2_500,
            max_pages: 30,
            max_image_pixels: 100_000_000,
            step_timeout: Duration::from_secs(45),
            deadline: Duration::from_secs(90),
            max_chars: Limits::default().max_chars,
        }
    }
}

/// Why a scan was not read.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// The tool is not installed (or not where the configuration says): an administrator's
    /// matter, and the job tries again later.
    #[error(
        "{tool} is not installed or not found ({path}): install the Debian packages tesseract-ocr, tesseract-ocr-vie and poppler-utils"
    )]
    ToolMissing { tool: &'static str, path: String },
    /// Tesseract runs but has no data for the language.
    #[error(
        "Tesseract has no data for the language {0}: install the Debian package tesseract-ocr-{0}"
    )]
    LanguageMissing(String),
    #[error("{0} took longer than {1:?} and was stopped")]
    Timeout(&'static str, Duration),
    /// The file itself cannot be read: trying again will not help.
    #[error("the scan cannot be read: {0}")]
    Unreadable(String),
    #[error("{tool} failed ({status}): {stderr}")]
    Failed {
        tool: &'static str,
        status: String,
        stderr: String,
    },
    #[error("temporary files: {0}")]
    Io(#[from] std::io::Error),
}

impl OcrError {
    /// Whether running again later cannot help (the file is the problem, not the machine).
    pub fn is_permanent(&self) -> bool {
        matches!(self, OcrError::Unreadable(_))
    }
}

/// Reads the text of a scan.
pub async fn ocr(bytes: &[u8], kind: ScanKind, config: &OcrConfig) -> Result<Extracted, OcrError> {
    let started = Instant::now();
    if kind != ScanKind::Pdf {
        check_image(bytes, config)?;
    }
    let dir = tempfile::Builder::new().prefix("tinhso-ocr-").tempdir()?;
    let input = dir.path().join(kind.file_name());
    tokio::fs::write(&input, bytes).await?;
    let (pages, total, mut truncated) = match kind {
        ScanKind::Pdf => rasterise(&input, dir.path(), config).await?,
        ScanKind::Jpeg | ScanKind::Png => (vec![input.clone()], 1, false),
    };
    let mut text = String::new();
    for page in &pages {
        if started.elapsed() > config.deadline {
            truncated = true;
            break;
        }
        text.push_str(&recognise(page, config).await?);
        text.push_str("\n\n");
        if text.chars().count() > config.max_chars {
            text = text.chars().take(config.max_chars).collect();
            truncated = true;
            break;
        }
    }
    let clean: String = text
        .chars()
        .filter(|c| matches!(c, '\n' | '\t') || !c.is_control())
        .collect();
    Ok(Extracted {
        text: tidy(&clean),
        pages: total,
        truncated,
    })
}

/// Refuses what is not a JPEG or PNG or whose bitmap would be enormous (a few bytes can
/// declare 100,000 × 100,000 pixels).
fn check_image(bytes: &[u8], config: &OcrConfig) -> Result<(), OcrError> {
    let size = imagesize::blob_size(bytes)
        .map_err(|e| OcrError::Unreadable(format!("not an image: {e}")))?;
    let pixels = (size.width as u64).saturating_mul(size.height as u64);
    if pixels == 0 || pixels > config.max_image_pixels {
        return Err(OcrError::Unreadable(format!(
            "an image of {} × {} pixels is not a page scan",
            size.width, size.height
        )));
    }
    Ok(())
}

/// The PDF's pages as grey PNG files, in order; with the page count and whether pages were
/// left out.
async fn rasterise(
    pdf: &Path,
    dir: &Path,
    config: &OcrConfig,
) -> Result<(Vec<PathBuf>, u32, bool), OcrError> {
    let prefix = dir.join("page");
    let mut command = Command::new(&config.pdftoppm);
    command
        .arg("-gray")
        .arg("-png")
        .arg("-scale-to")
        .arg(config.page_pixels.to_string())
        .arg("-f")
        .arg("1")
        .arg("-l")
        .arg(config.max_pages.to_string())
        .arg(pdf)
        .arg(&prefix);
    let output = run("pdftoppm", &config.pdftoppm, command, config.step_timeout).await?;
    if !output.status.success() {
        // pdftoppm: 1 is "error opening the PDF", 3 "permissions" (an encrypted file); the
        // file is at fault. Anything else is the machine's.
        let stderr = excerpt(&output.stderr);
        return match output.status.code() {
            Some(1) | Some(3) => Err(OcrError::Unreadable(stderr)),
            _ => Err(OcrError::Failed {
                tool: "pdftoppm",
                status: output.status.to_string(),
                stderr,
            }),
        };
    }
    let mut pages = Vec::new();
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("page") && name.ends_with(".png") {
            pages.push(entry.path());
        }
    }
    // pdftoppm pads page numbers to the same width, so names sort in page order.
    pages.sort();
    if pages.is_empty() {
        return Err(OcrError::Unreadable("the PDF has no pages".into()));
    }
    let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    // As many pages as the limit: there may have been more (pdftoppm does not say).
    Ok((pages, count, count >= config.max_pages))
}

/// Tesseract on one image, its text.
async fn recognise(image: &Path, config: &OcrConfig) -> Result<String, OcrError> {
    let mut command = Command::new(&config.tesseract);
    command
        .arg(image)
        .arg("stdout")
        .arg("-l")
        .arg(&config.language)
        // One thread per run: the node runs several jobs at once, on few cores.
        .env("OMP_THREAD_LIMIT", "1");
    let output = run("tesseract", &config.tesseract, command, config.step_timeout).await?;
    if !output.status.success() {
        let stderr = excerpt(&output.stderr);
        if stderr.contains("Failed loading language") || stderr.contains("Could not initialize") {
            return Err(OcrError::LanguageMissing(config.language.clone()));
        }
        if stderr.contains("read") || stderr.contains("Leptonica") || stderr.contains("pix") {
            return Err(OcrError::Unreadable(stderr));
        }
        return Err(OcrError::Failed {
            tool: "tesseract",
            status: output.status.to_string(),
            stderr,
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `command` (no shell; no input; output captured) for at most `timeout`; a run over it
/// is killed.
async fn run(
    tool: &'static str,
    path: &Path,
    mut command: Command,
    timeout: Duration,
) -> Result<std::process::Output, OcrError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            OcrError::ToolMissing {
                tool,
                path: path.display().to_string(),
            }
        }
        _ => OcrError::Io(e),
    })?;
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(output) => Ok(output?),
        // Dropping the future drops the child, which kills it (`kill_on_drop`).
        Err(_) => Err(OcrError::Timeout(tool, timeout)),
    }
}

/// The end of a tool's error output, where the reason is, at most 500 characters.
fn excerpt(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(500)..].iter().collect()
}
