//! Task tracking (theo dõi nhiệm vụ, issue 16): tasks that an authority (the People's
//! Committee, its chair or a vice-chair, a department head) assigns to one lead unit and any
//! supporting units, each with its own deadline, and how they are followed, judged and ranked.
//!
//! Pure rules only, all dates in Vietnam local time:
//! - [`deadline`]: a unit's deadline from a date or N working days; extensions, and which
//!   deadline counts when lateness is judged; the Government Office's four buckets
//!   (Decision 42/2014/QĐ-TTg as amended, STANDARDS.md §11); reminder and escalation days.
//! - [`state`]: a unit assignment's life — progress, completion reported by the lead unit,
//!   accepted or returned by the assigning office.
//! - [`recurrence`]: monthly and quarterly tasks, which must end.
//! - [`ranking`]: a unit's score and a fair ranking from rules kept as data.

pub mod deadline;
pub mod ranking;
pub mod recurrence;
pub mod state;

/// Why a task's input is refused: shown to the person who typed it, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskRuleError {
    #[error("Hạn xử lý không được trước ngày giao nhiệm vụ.")]
    DeadlineBeforeAssignment,
    #[error("Số ngày làm việc phải từ 1 đến {max}.")]
    WorkingDaysOutOfRange { max: u32 },
    #[error("Hạn xử lý không được quá {years} năm kể từ ngày giao.")]
    DeadlineTooFar { years: i32 },
    #[error("Lịch làm việc không tính được hạn này.")]
    Calendar,
    #[error("Chỉ được xin gia hạn trước khi hết hạn xử lý.")]
    ExtensionAfterDeadline,
    #[error("Hạn mới phải sau hạn hiện tại.")]
    ExtensionNotLater,
    #[error("Cần nêu lý do xin gia hạn.")]
    ExtensionWithoutReason,
    #[error("Đơn vị đang có một đề nghị gia hạn chờ quyết định.")]
    ExtensionPending,
    #[error("Hạn mới không được trước ngày giao nhiệm vụ.")]
    ExtensionBeforeAssignment,
    #[error("Đề nghị gia hạn này đã được quyết định.")]
    ExtensionDecided,
    #[error("Cần nêu lý do không đồng ý gia hạn.")]
    RefusalWithoutReason,
    #[error("Cần nhập nội dung đôn đốc.")]
    UrgeWithoutText,
    #[error("Chỉ đơn vị chủ trì được báo cáo hoàn thành nhiệm vụ.")]
    CompletionBySupportingUnit,
    #[error("Tiến độ phải từ 0 đến 100%.")]
    ProgressOutOfRange,
    #[error("Cần nêu lý do trả lại.")]
    ReturnWithoutReason,
    #[error("Nhiệm vụ đã kết thúc, không thể thực hiện thao tác này.")]
    Finished,
    #[error("Thao tác này không phù hợp với trạng thái hiện tại của nhiệm vụ.")]
    WrongState,
    #[error("Nhiệm vụ lặp lại phải có ngày kết thúc hoặc số lần lặp.")]
    RecurrenceWithoutEnd,
    #[error("Nhiệm vụ lặp lại tối đa {max} lần.")]
    RecurrenceTooLong { max: usize },
    #[error("Ngày trong tháng phải từ 1 đến 31.")]
    RecurrenceDay,
}
