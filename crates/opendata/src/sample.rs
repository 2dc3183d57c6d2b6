//! A province's open-data catalogue in bulk, for measuring the portal at scale
//! (`tinhso load-sample-opendata`, scripts/bench-opendata): fictional datasets published by
//! the directory's agencies over the 15 fields, with tags, open licences, update frequencies,
//! coverage and contact, each with a resource; and one large tabular resource, citizens'
//! feedback by ward (text, dates, figures, latitude and longitude), loaded into the datastore.
//!
//! The datasets are written as a migration from an earlier portal would write them: published
//! and approved, in multi-row statements, without audit rows or events; each has one resource
//! linked at its publisher's (fictional) address, in one of the five formats. The large
//! resource goes the way of an upload: its CSV is generated, checked by `tinhso-tabular`,
//! stored as an object, recorded as version 1 and published with the module's own statements,
//! and its rows are loaded into its table by the datastore's own statements (the same table,
//! columns, search words and indexes an upload gets). The catalogue's generation is raised at
//! the end, so every node's copy of the catalogue (what `package_search` reads) is read again.
//! Every name, figure and address here is made up.

use crate::datastore::{self, BATCH_ROWS};
use crate::store::sample::{self as bulk, Table, Value};
use crate::store::{self, NewResource, NewVersion};
use crate::{Metadata, demo};
use chrono::{Days, NaiveDate, TimeZone, Utc};
use sha2::{Digest, Sha256};
use tinhso_domain::opendata::codes::{FIELDS, FileFormat, Frequency, Licence, review_due};
use tinhso_domain::sample::MATTERS;
use tinhso_kernel::Ctx;

/// The names of the sample datasets start so (`mau-00001`, …); the first holds the large table.
pub const PREFIX: &str = "mau-";
/// The tag every sample dataset has (so a search can find exactly them).
pub const TAG: &str = "dữ liệu mẫu";
/// Datasets written per transaction.
const BATCH_DATASETS: usize = 1_000;

const KINDS: [&str; 12] = [
    "Danh mục",
    "Số liệu thống kê",
    "Danh sách",
    "Báo cáo tổng hợp",
    "Kết quả thực hiện",
    "Bản đồ",
    "Chỉ tiêu",
    "Kế hoạch",
    "Tình hình",
    "Dữ liệu",
    "Tổng hợp",
    "Bảng theo dõi",
];

const TAGS: [&str; 24] = [
    "thống kê",
    "hộ tịch",
    "đất đai",
    "ngân sách",
    "giáo dục",
    "y tế",
    "giao thông",
    "môi trường",
    "nông nghiệp",
    "doanh nghiệp",
    "đầu tư",
    "lao động",
    "du lịch",
    "văn hóa",
    "dân số",
    "quy hoạch",
    "xây dựng",
    "thủ tục hành chính",
    "chuyển đổi số",
    "an toàn thực phẩm",
    "thiên tai",
    "khoa học",
    "việc làm",
    "an sinh xã hội",
];

/// Open licences, the first most often (CC BY 4.0 is the portal's default).
const LICENCES: [Licence; 5] = [
    Licence::CcBy,
    Licence::CcZero,
    Licence::OdcBy,
    Licence::OdcOdbl,
    Licence::OtherOpen,
];

const FREQUENCIES: [Frequency; 6] = [
    Frequency::Monthly,
    Frequency::Quarterly,
    Frequency::Annual,
    Frequency::Biannual,
    Frequency::Irregular,
    Frequency::Weekly,
];

const FORMATS: [FileFormat; 5] = [
    FileFormat::Csv,
    FileFormat::Xlsx,
    FileFormat::Json,
    FileFormat::GeoJson,
    FileFormat::Pdf,
];

/// The large table's columns (a citizens' feedback register by ward).
const HEADER: [&str; 10] = [
    "Mã phản ánh",
    "Ngày tiếp nhận",
    "Lĩnh vực",
    "Đơn vị xử lý",
    "Phường, xã",
    "Số ngày xử lý",
    "Mức hài lòng",
    "Vĩ độ",
    "Kinh độ",
    "Nội dung",
];

/// Feedback fields (the large table's third column).
pub const TOPICS: [&str; 8] = [
    "Đất đai",
    "Giao thông",
    "Môi trường",
    "Y tế",
    "Giáo dục",
    "Trật tự đô thị",
    "Điện, nước",
    "An ninh trật tự",
];

const UNITS: [&str; 8] = [
    "Sở Tài nguyên và Môi trường",
    "Sở Giao thông vận tải",
    "Sở Xây dựng",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Công an tỉnh",
    "UBND phường",
    "Công ty Điện lực (minh họa)",
];

const WARDS: [&str; 12] = [
    "Phường Hạc Thành",
    "Phường Hàm Rồng",
    "Phường Đông Sơn",
    "Phường Quảng Phú",
    "Phường Nguyệt Viên",
    "Xã Đông Tiến",
    "Xã Thiệu Hóa",
    "Xã Hoằng Hóa",
    "Phường Sầm Sơn",
    "Phường Bỉm Sơn",
    "Xã Quảng Xương",
    "Xã Nông Cống",
];

const ISSUES: [&str; 16] = [
    "Ngập úng sau mưa",
    "Đèn chiếu sáng công cộng hỏng",
    "Rác thải tồn đọng",
    "Lấn chiếm vỉa hè",
    "Mặt đường xuống cấp",
    "Tiếng ồn ban đêm",
    "Mất nước sinh hoạt",
    "Cắt điện không báo trước",
    "Khói bụi từ công trình",
    "Chậm cấp giấy chứng nhận",
    "Cây xanh có nguy cơ gãy đổ",
    "Nước thải chảy tràn",
    "Biển báo giao thông bị che khuất",
    "Trường học thiếu phòng học",
    "Trạm y tế quá tải",
    "Tụ tập gây mất trật tự",
];

const STREETS: [&str; 20] = [
    "đường Lê Lợi",
    "đường Trần Phú",
    "đường Bà Triệu",
    "đường Hạc Thành",
    "đường Nguyễn Trãi",
    "đường Quang Trung",
    "đường Lê Hoàn",
    "đường Phan Chu Trinh",
    "đường Tống Duy Tân",
    "đường Đình Hương",
    "đại lộ Nam Sông Mã",
    "đường Bến Ngự",
    "đường Tô Vĩnh Diện",
    "đường Dương Đình Nghệ",
    "đường Nguyễn Chí Thanh",
    "đường Lý Thường Kiệt",
    "đường Hải Thượng Lãn Ông",
    "đường Cao Sơn",
    "đường Mật Sơn",
    "đường Trường Thi",
];

/// What was loaded.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub datasets: usize,
    pub resources: usize,
    /// The large table's rows, its dataset's name and its resource's id.
    pub rows: usize,
    pub table_dataset: String,
    pub table_resource: String,
    /// The generated CSV's size.
    pub csv_bytes: usize,
}

/// splitmix64: a row's or dataset's draws from its number alone, so the same number always
/// gives the same values (the CSV and the table are generated in separate passes).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn pick<T: Copy>(items: &[T], h: u64) -> T {
    items[(h % items.len() as u64) as usize]
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn moment(day: NaiveDate, hour: u32) -> String {
    let t = day.and_hms_opt(hour, 0, 0).unwrap_or_default();
    tinhso_kernel::time::to_text(Utc.from_utc_datetime(&t))
}

/// The large table's row `i` (0-based) of `total`: its cells as a CSV holds them. Days go
/// from 2022-01-03 onwards in row order, as a register is kept.
pub fn row(i: usize, total: usize) -> [String; 10] {
    let h = mix(i as u64 ^ 0x5EED);
    let start = NaiveDate::from_ymd_opt(2022, 1, 3).unwrap_or_default();
    let span = 1_790u64;
    let day = start + Days::new(i as u64 * span / total.max(1) as u64);
    let topic = (h % TOPICS.len() as u64) as usize;
    let ward = pick(&WARDS, h >> 8);
    let issue = pick(&ISSUES, h >> 16);
    let street = pick(&STREETS, h >> 24);
    let lat = 19.70 + ((h >> 32) % 400_000) as f64 / 1_000_000.0;
    let lon = 105.60 + ((h >> 40) % 400_000) as f64 / 1_000_000.0;
    [
        format!("PA-{}-{:07}", day.format("%Y"), i + 1),
        day.to_string(),
        TOPICS[topic].to_owned(),
        UNITS[topic].to_owned(),
        format!("{ward} (minh họa)"),
        (1 + (h >> 48) % 30).to_string(),
        (1 + (h >> 53) % 5).to_string(),
        format!("{lat:.6}"),
        format!("{lon:.6}"),
        format!("{issue} tại {street}, {ward}; đề nghị xem xét, xử lý (mẫu)."),
    ]
}

fn csv_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

fn csv_line(out: &mut String, cells: &[impl AsRef<str>]) {
    for (k, c) in cells.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        csv_field(out, c.as_ref());
    }
    out.push('\n');
}

/// The large table as a CSV file.
pub fn csv(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 200 + 200);
    csv_line(&mut out, &HEADER);
    for i in 0..rows {
        csv_line(&mut out, &row(i, rows));
    }
    out
}

/// Dataset `i`'s description, publisher's position among `agencies` and resource format.
fn dataset_metadata(i: usize, agency_name: &str) -> (Metadata, FileFormat, NaiveDate) {
    let h = mix(i as u64);
    let (field, field_title) = pick(&FIELDS, h);
    let kind = pick(&KINDS, h >> 8);
    let matter = pick(&MATTERS, h >> 12);
    let year = 2020 + (h >> 16) % 7;
    let mut tags = vec![TAG.to_owned()];
    for k in 0..1 + (h >> 20) % 3 {
        let t = pick(&TAGS, h >> (24 + 5 * k));
        if !tags.iter().any(|x| x == t) {
            tags.push(t.to_owned());
        }
    }
    // Three in five datasets under CC BY 4.0, the rest spread over the others.
    let licence = if (h >> 40) % 5 < 3 {
        Licence::CcBy
    } else {
        pick(&LICENCES[1..], h >> 43)
    };
    let issued =
        NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or_default() + Days::new((h >> 46) % 1_420);
    let metadata = Metadata {
        title: format!(
            "{kind} {matter} năm {year} — {agency_name} (mẫu {:05})",
            i + 1
        ),
        notes: format!(
            "{kind} {matter} thuộc lĩnh vực {}, năm {year}, do {agency_name} công bố. \
             Dữ liệu mẫu để đo hiệu năng cổng dữ liệu mở; mọi số liệu đều là giả định.",
            field_title.to_lowercase()
        ),
        field: field.to_owned(),
        tags,
        licence,
        frequency: pick(&FREQUENCIES, h >> 50),
        temporal_start: Some(format!("{year}-01-01")),
        temporal_end: Some(format!("{year}-12-31")),
        spatial: "Tỉnh Thanh Hóa (minh họa)".into(),
        contact_name: agency_name.to_owned(),
        contact_email: "dulieu.mau@tinhso.local".into(),
    };
    (metadata, pick(&FORMATS, h >> 55), issued)
}

fn json(m: &Metadata) -> anyhow::Result<String> {
    Ok(serde_json::to_string(m)?)
}

/// Loads `datasets` published datasets (the first holding a table of `rows` rows) into a
/// province whose demo is loaded; `progress` is told how far it got.
pub async fn load(
    ctx: &Ctx,
    datasets: usize,
    rows: usize,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<Loaded> {
    let err = |e: tinhso_kernel::error::AppError| anyhow::anyhow!("{e}");
    if datasets == 0 {
        anyhow::bail!("at least one dataset (the first holds the datastore table)");
    }
    if bulk::named_like(&ctx.db, PREFIX).await.map_err(err)? > 0 {
        anyhow::bail!("sample datasets ({PREFIX}…) are already loaded in this database");
    }
    let officer = store::user_id_by_email(&ctx.db, demo::OFFICER)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no account {}: load the demo first", demo::OFFICER))?;
    let agencies = bulk::agencies(&ctx.db).await.map_err(err)?;
    if agencies.is_empty() {
        anyhow::bail!("the directory has no agency: load the demo first");
    }
    let mut loaded = Loaded::default();
    let mut table_dataset_id = String::new();
    let mut done = 0;
    while done < datasets {
        let n = BATCH_DATASETS.min(datasets - done);
        let mut dataset_rows = Vec::with_capacity(n);
        let mut resource_rows = Vec::with_capacity(n);
        for i in done..done + n {
            let (agency_id, agency_code, agency_name) = &agencies[i % agencies.len()];
            let (mut metadata, format, issued) = dataset_metadata(i, agency_name);
            if i == 0 {
                metadata.title = format!(
                    "Phản ánh, kiến nghị của người dân theo phường, xã 2022–2026 (mẫu, {rows} dòng)"
                );
                metadata.field = "hanh-chinh".into();
                metadata.tags.push("phản ánh kiến nghị".into());
                metadata.frequency = Frequency::Daily;
            }
            let text = json(&metadata)?;
            let modified = issued + Days::new(mix(i as u64 ^ 7) % 120);
            let dataset_id = id();
            let name = format!("{PREFIX}{:05}", i + 1);
            dataset_rows.push(vec![
                Value::from(dataset_id.clone()),
                name.clone().into(),
                agency_id.clone().into(),
                "published".into(),
                Value::MaybeText(None),
                text.clone().into(),
                text.into(),
                moment(issued, 2).into(),
                moment(modified, 3).into(),
                review_due(modified).to_string().into(),
                officer.clone().into(),
                moment(issued, 1).into(),
                moment(modified, 3).into(),
            ]);
            if i == 0 {
                table_dataset_id = dataset_id;
                loaded.table_dataset = name;
                continue;
            }
            let ext = format.as_str().to_lowercase();
            let org = crate::ckan::org_name(agency_code);
            resource_rows.push(vec![
                Value::from(id()),
                dataset_id.into(),
                1i64.into(),
                format!("Tệp dữ liệu ({})", format.as_str()).into(),
                format.as_str().into(),
                "link".into(),
                Some(format!("https://{org}.du-lieu-mau.example/{name}.{ext}")).into(),
                Value::MaybeInt(None),
                Value::MaybeInt(None),
                1i64.into(),
                moment(issued, 1).into(),
            ]);
        }
        let mut tx = ctx.db.begin().await?;
        bulk::insert(&mut tx, ctx.db.backend, Table::Datasets, &dataset_rows)
            .await
            .map_err(err)?;
        bulk::insert(&mut tx, ctx.db.backend, Table::Resources, &resource_rows)
            .await
            .map_err(err)?;
        tx.commit().await?;
        loaded.datasets += dataset_rows.len();
        loaded.resources += resource_rows.len();
        done += n;
        progress(&format!("{done} of {datasets} datasets"));
    }

    // The large table: generated, checked and stored as an upload is, then loaded.
    let text = csv(rows);
    loaded.csv_bytes = text.len();
    progress(&format!(
        "{rows} rows generated ({} MB of CSV)",
        text.len() >> 20
    ));
    let bytes = bytes::Bytes::from(text.into_bytes());
    let checked = bytes.clone();
    let report = tokio::task::spawn_blocking(move || {
        tinhso_tabular::check(
            FileFormat::Csv,
            std::io::Cursor::new(checked),
            &tinhso_tabular::Limits::default(),
        )
    })
    .await?;
    if !report.passed() || report.rows != rows as u64 {
        anyhow::bail!(
            "the generated CSV did not pass its check: {} rows, {:?}",
            report.rows,
            report.errors
        );
    }
    progress("CSV checked");
    let version_id = id();
    let key = format!("opendata/{table_dataset_id}/{version_id}");
    tinhso_kernel::storage::put(ctx.storage.as_ref(), &key, bytes.clone()).await?;
    let resource_id = id();
    let now = tinhso_kernel::time::now_text();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let encoding = report.encoding.map(|e| e.label().to_owned());
    let report_json = serde_json::to_string(&report)?;
    let mut tx = ctx.db.begin().await?;
    store::insert_resource(
        &mut tx,
        &NewResource {
            id: &resource_id,
            dataset_id: &table_dataset_id,
            name: "Phản ánh, kiến nghị 2022–2026 (CSV)",
            format: FileFormat::Csv.as_str(),
            kind: "upload",
            url: None,
            now: &now,
        },
    )
    .await
    .map_err(err)?;
    store::insert_version(
        &mut tx,
        &NewVersion {
            id: &version_id,
            resource_id: &resource_id,
            object_key: &key,
            file_name: "phan-anh-kien-nghi-mau.csv",
            media_type: FileFormat::Csv.media_type(),
            size_bytes: bytes.len() as i64,
            sha256: &sha256,
            encoding: encoding.as_deref(),
            report: &report_json,
            row_count: Some(rows as i64),
            created_by: &officer,
            now: &now,
        },
    )
    .await
    .map_err(err)?;
    store::publish_resources(&mut tx, &table_dataset_id)
        .await
        .map_err(err)?;
    tx.commit().await?;
    drop(bytes);
    loaded.resources += 1;
    loaded.table_resource = resource_id;

    // Its rows, as the datastore loads an upload's (`datastore::load`), with progress.
    let table = datastore::table_name(&version_id);
    let mut columns = datastore::columns_of(&report);
    use crate::store::datastore as sql;
    sql::create(&ctx.db, &version_id, &table, &columns, &now)
        .await
        .map_err(err)?;
    let mut longest = vec![0usize; columns.len()];
    let mut start = 0;
    let mut told = 0;
    while start < rows {
        let end = (start + BATCH_ROWS).min(rows);
        let pending: Vec<sql::NewRow> = (start..end)
            .map(|i| datastore::new_row(&columns, &row(i, rows), i as i64 + 1, &mut longest))
            .collect();
        sql::insert_rows(&ctx.db, &table, &columns, &pending)
            .await
            .map_err(err)?;
        start = end;
        if start - told >= 100_000 || start == rows {
            told = start;
            progress(&format!("{start} of {rows} rows in the datastore"));
        }
    }
    datastore::choose_indexes(&mut columns, &longest);
    sql::finish(&ctx.db, &version_id, &table, &columns, rows as i64, &now)
        .await
        .map_err(err)?;
    loaded.rows = rows;
    progress("datastore table indexed");

    // Every node reads the catalogue again.
    let mut tx = ctx.db.begin().await?;
    store::bump_catalogue_generation(&mut tx)
        .await
        .map_err(err)?;
    tx.commit().await?;
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_the_same_each_time_and_read_as_typed_columns() {
        assert_eq!(row(41, 1000), row(41, 1000));
        let text = csv(200);
        let report = tinhso_tabular::check(
            FileFormat::Csv,
            std::io::Cursor::new(text.into_bytes()),
            &tinhso_tabular::Limits::default(),
        );
        assert!(report.passed(), "{:?}", report.errors);
        assert_eq!(report.rows, 200);
        use tinhso_tabular::ColumnType::*;
        let kinds: Vec<_> = report.columns.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                Text, Date, Text, Text, Text, Int, Int, Numeric, Numeric, Text
            ]
        );
    }

    #[test]
    fn datasets_take_every_tag_once_and_the_sample_tag() {
        for i in 0..50 {
            let (m, _, _) = dataset_metadata(i, "Sở Tư pháp");
            assert_eq!(m.tags[0], TAG);
            let mut tags = m.tags.clone();
            tags.sort();
            tags.dedup();
            assert_eq!(tags.len(), m.tags.len());
            assert!(FIELDS.iter().any(|(c, _)| *c == m.field));
        }
    }
}
