//! Open data (dữ liệu mở, issue 17, docs/opendata-design.md): the pure rules of the portal.
//!
//! - [`state`]: a dataset's life — drafted by an agency's data officer, submitted, approved by
//!   one of the agency's leaders (public), returned with a reason, unpublished with a reason —
//!   and the revision that carries each round of edits.
//! - [`codes`]: slugs (the dataset's name in its address), the EU update-frequency and file-type
//!   codes, licences, and the periodic review date (Decree 47/2020: at least every 6 months).
//! - [`vietnamese`]: whether a word is a Vietnamese syllable, which decides a file's encoding.

pub mod codes;
pub mod state;
pub mod vietnamese;

/// Why an open-data action or input is refused: shown to the person who asked, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenDataRuleError {
    #[error("Cần nêu lý do trả lại.")]
    ReturnWithoutReason,
    #[error("Cần nêu lý do gỡ công khai.")]
    UnpublishWithoutReason,
    #[error("Thao tác này không phù hợp với trạng thái hiện tại của bộ dữ liệu.")]
    WrongState,
    #[error("Bộ dữ liệu phải có ít nhất một tài nguyên trước khi gửi duyệt.")]
    NoResource,
    #[error(
        "Tên đường dẫn chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang, từ 2 đến 100 ký tự."
    )]
    BadSlug,
}
