//! Words for the fictional records the benchmark loaders write (`tinhso load-sample-*`): the
//! matters a provincial administration deals with, shared so documents and tasks read alike.

/// The matters a document or a task is about (completing "về …").
pub const MATTERS: [&str; 16] = [
    "công tác cải cách hành chính",
    "dự toán thu chi ngân sách",
    "quy hoạch chung đô thị",
    "chương trình mục tiêu quốc gia giảm nghèo",
    "công tác phòng, chống dịch bệnh",
    "kế hoạch tuyển sinh đầu cấp",
    "việc cấp giấy chứng nhận quyền sử dụng đất",
    "hồ sơ giải phóng mặt bằng",
    "công tác tiếp công dân",
    "chuyển đổi số trong cơ quan nhà nước",
    "an toàn thực phẩm dịp cuối năm",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "thi đua, khen thưởng",
    "bồi dưỡng cán bộ, công chức cấp xã",
    "quản lý trật tự xây dựng",
    "thu hút đầu tư vào khu công nghiệp",
];
