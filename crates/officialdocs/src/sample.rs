//! Fictional documents in bulk, for measuring the module at a province's scale
//! (`tinhso load-sample-documents`, scripts/bench-documents): incoming documents registered
//! from paper into one agency's register, each with a subject and a body of a few sentences in
//! the words of Vietnamese administrative writing, its text stored as extracted and indexed for
//! search — the rows and index entries a real registration leaves. Agencies, places and people
//! in them are made up or generic; nothing is real.

use crate::Direction;
use crate::store::{self, NewDocument};
use tinhso_domain::sample;
use tinhso_kernel::Ctx;

const ISSUERS: [(&str, &str); 8] = [
    ("000.00.00.H56", "Ủy ban nhân dân tỉnh"),
    ("000.00.03.H56", "Sở Tài chính"),
    ("000.00.05.H56", "Sở Xây dựng"),
    ("000.00.08.H56", "Sở Nông nghiệp và Môi trường"),
    ("000.00.16.H56", "Sở Y tế"),
    ("000.00.17.H56", "Sở Giáo dục và Đào tạo"),
    ("000.00.20.H56", "Sở Nội vụ"),
    ("000.00.60.H56", "Ủy ban nhân dân phường Hạc Thành"),
];
const KINDS: [(&str, &str, &str); 6] = [
    ("decision", "Quyết định", "QĐ"),
    ("official_letter", "Công văn", ""),
    ("plan", "Kế hoạch", "KH"),
    ("report", "Báo cáo", "BC"),
    ("notice", "Thông báo", "TB"),
    ("submission", "Tờ trình", "TTr"),
];
const ACTS: [&str; 10] = [
    "phê duyệt",
    "triển khai thực hiện",
    "sơ kết",
    "rà soát",
    "kiện toàn",
    "hướng dẫn",
    "đôn đốc",
    "điều chỉnh",
    "tăng cường",
    "tổ chức kiểm tra",
];
const SENTENCES: [&str; 8] = [
    "Các cơ quan, đơn vị căn cứ chức năng, nhiệm vụ được giao chủ động phối hợp triển khai",
    "Giao Văn phòng tổng hợp kết quả, báo cáo trước ngày 25 hằng tháng",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, kịp thời phản ánh về cơ quan thường trực",
    "Kinh phí thực hiện được bố trí từ nguồn ngân sách năm và các nguồn hợp pháp khác",
    "Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm thi hành",
    "Đề nghị các xã, phường rà soát, cập nhật số liệu và gửi về trước thời hạn",
    "Quyết định này có hiệu lực kể từ ngày ký",
    "Tổ chức kiểm tra, đánh giá kết quả thực hiện và đề xuất khen thưởng kịp thời",
];
const SIGNERS: [&str; 6] = [
    "Nguyễn Văn Mẫu",
    "Trần Thị Thử",
    "Lê Minh Giả",
    "Phạm Thu Định",
    "Hoàng Quốc Lập",
    "Đỗ Anh Tạm",
];

/// A small deterministic generator: the same count gives the same documents.
struct Draw(u64);

impl Draw {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let n = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        &items[(n % items.len() as u64) as usize]
    }
}

/// Writers at once: PostgreSQL takes concurrent transactions (each batch's arrival numbers are
/// taken first, in one short transaction); SQLite has one writer.
fn writers(backend: tinhso_kernel::db::Backend) -> usize {
    match backend {
        tinhso_kernel::db::Backend::Postgres => 3,
        tinhso_kernel::db::Backend::Sqlite => 1,
    }
}

/// Loads `count` fictional incoming documents into the register of agency `agency_code`, in
/// transactions of `batch`. Returns the ids of the first and the last.
pub async fn load(
    ctx: &Ctx,
    agency_code: &str,
    count: usize,
    batch: usize,
) -> anyhow::Result<(String, String)> {
    let agency = tinhso_directory::find(&ctx.db, agency_code)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("no agency {agency_code}"))?;
    let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
    let year = 2026_i64;
    let writers = writers(ctx.db.backend);
    let (mut first, mut last) = (None, String::new());
    let mut done = 0;
    while done < count {
        let n = (batch * writers).min(count - done);
        let samples: Vec<Sample> = (done + 1..=done + n)
            .map(|i| Sample::draw(&mut draw, year, i))
            .collect();
        let mut tx = ctx.db.begin().await?;
        let arrival = store::take_numbers(
            &mut tx,
            &agency.id,
            Direction::In,
            "arrival",
            year,
            n as i64,
        )
        .await?;
        tx.commit().await?;
        let parts = samples
            .chunks(n.div_ceil(writers))
            .enumerate()
            .map(|(k, part)| {
                let first_number = arrival + (k * n.div_ceil(writers)) as i64;
                write_part(ctx, &agency.id, part, first_number)
            });
        for ids in futures::future::try_join_all(parts).await? {
            if first.is_none() {
                first = ids.first().cloned();
            }
            if let Some(id) = ids.last() {
                last = id.clone();
            }
        }
        done += n;
    }
    Ok((first.unwrap_or_else(|| last.clone()), last))
}

/// Inserts `part` in one transaction, numbered from `first_number`.
async fn write_part(
    ctx: &Ctx,
    agency_id: &str,
    part: &[Sample],
    first_number: i64,
) -> anyhow::Result<Vec<String>> {
    let mut tx = ctx.db.begin().await?;
    let mut ids = Vec::with_capacity(part.len());
    for (i, sample) in part.iter().enumerate() {
        ids.push(insert_one(&mut tx, sample, agency_id, first_number + i as i64).await?);
    }
    tx.commit().await?;
    Ok(ids)
}

/// One document's drawn content.
struct Sample {
    organ: (&'static str, &'static str),
    kind: (&'static str, &'static str, &'static str),
    subject: String,
    body: String,
    signer: &'static str,
    year: i64,
    n: usize,
}

impl Sample {
    fn draw(draw: &mut Draw, year: i64, n: usize) -> Sample {
        let organ = *draw.pick(&ISSUERS);
        let kind = *draw.pick(&KINDS);
        let subject = format!(
            "{} về việc {} {} năm {year}",
            kind.1,
            draw.pick(&ACTS),
            draw.pick(&sample::MATTERS)
        );
        let body: Vec<&str> = (0..5).map(|_| *draw.pick(&SENTENCES)).collect();
        let body = format!("{}. {}.", subject.to_uppercase(), body.join(". "));
        Sample {
            organ,
            kind,
            subject,
            body,
            signer: draw.pick::<&str>(&SIGNERS),
            year,
            n,
        }
    }
}

async fn insert_one(
    tx: &mut tinhso_kernel::db::Conn,
    sample: &Sample,
    agency_id: &str,
    arrival: i64,
) -> anyhow::Result<String> {
    let Sample {
        organ: (organ_id, organ_name),
        kind: (type_code, _, abbreviation),
        year,
        n,
        ..
    } = *sample;
    let subject = &sample.subject;
    let body = &sample.body;
    let notation = if abbreviation.is_empty() {
        "UBND-VP".to_owned()
    } else {
        format!("{abbreviation}-UBND")
    };
    let signer = sample.signer;
    let number = format!("{:02}", 1 + n % 9000);
    let day = 1 + n % 28;
    let month = 1 + (n / 28) % 11;
    let date = format!("{year}-{month:02}-{day:02}");
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let duplicate = format!("{year}|{number}|{notation}|{organ_id}|{n}");
    store::insert_document(
        tx,
        &NewDocument {
            id: &id,
            agency_id,
            direction: Direction::In,
            state: "registered",
            doc_type: type_code,
            urgency: if n.is_multiple_of(17) {
                "urgent"
            } else {
                "normal"
            },
            subject,
            subject_folded: &tinhso_domain::text::fold(subject),
            drafting_unit_id: None,
            drafter_id: None,
            signer_position: "Phó Chủ tịch",
            signer_full_name: signer,
            authority_prefix: Some("KT."),
            page_amount: 2,
            issued_amount: 1,
            description: "",
            due_date: None,
            code_number: Some(&number),
            code_notation: Some(&notation),
            issued_date: Some(&date),
            organ_id,
            organ_name,
            register: Some(("arrival", year, arrival)),
            arrival_date: Some(&date),
            source: Some("paper"),
            origin_id: None,
            duplicate_key: Some(&duplicate),
            created_by: None,
            now: &now,
        },
    )
    .await?;
    store::texts::upsert(
        tx,
        &store::texts::Write {
            document_id: &id,
            version_no: 1,
            method: "pdf",
            status: "done",
            text: body,
            truncated: false,
            failure_reason: None,
            attempted: 1,
            now: &now,
        },
    )
    .await?;
    crate::search_hook::text_ready(tx, &id).await?;
    Ok(id)
}
