//! PDF text with lopdf: each page's content stream decoded within the limits, its strings
//! mapped to Unicode through the font's encoding or ToUnicode CMap (the embedded subset fonts
//! of modern word processors and of our own renderer use Identity-H with a ToUnicode CMap).

use crate::{Collector, ExtractError, Extracted, Kind, Limits};
use lopdf::{DecompressError, Document, Error, LoadOptions};

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_decompressed_bytes),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| failure(e, limits))?;
    if doc.is_encrypted() {
        // Loading decrypts with the empty user password when it can; a document that still
        // reads as encrypted needs a password nobody gave.
        return Err(ExtractError::Encrypted);
    }
    let pages = doc.get_pages();
    let total = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    let mut text = Collector::new(limits);
    for (read, number) in pages.keys().enumerate() {
        if read as u32 >= limits.max_pages || text.is_full() {
            text.mark_truncated();
            break;
        }
        text.check_time()?;
        match doc.extract_text_with_limit(&[*number], limits.max_decompressed_bytes) {
            Ok(page) => {
                text.push(&page);
                text.push("\n\n");
            }
            Err(e @ Error::Decompress(DecompressError::MemoryLimitExceeded { .. })) => {
                return Err(failure(e, limits));
            }
            // One unreadable page (a broken content stream) does not lose the others.
            Err(_) => text.mark_truncated(),
        }
    }
    Ok(text.finish(total))
}

fn failure(e: Error, limits: &Limits) -> ExtractError {
    match e {
        Error::Decompress(DecompressError::MemoryLimitExceeded { .. }) => {
            ExtractError::TooLarge(limits.max_decompressed_bytes)
        }
        Error::InvalidPassword | Error::Decryption(_) => ExtractError::Encrypted,
        other => ExtractError::unreadable(Kind::Pdf, other),
    }
}
