#![allow(clippy::print_stdout)]
//! Search benchmark (docs/benchmarks.md, "Full-text search"): loads N fictional Vietnamese
//! documents — subjects and bodies generated from word lists — through `kernel::search::index`
//! and into a plain table shaped like the old `LIKE` search, then measures query latency of the
//! search service (count + page + facets + snippets, visibility applied) against `LIKE` on the
//! folded text, on SQLite and PostgreSQL, one client and then many at once; then the same
//! queries on the embedded index built from those entries (docs/search.md).
//!
//! ```sh
//! BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run -p tinhso-kernel --example bench_search -- 100000
//! ```
//! PostgreSQL gets a fresh database `tinhso_bench_search` (dropped first); SQLite a file in a
//! temporary folder.

use sqlx::Row;
use std::time::{Duration, Instant};
use tinhso_kernel::db::Db;
use tinhso_kernel::migrate::ModuleMigrations;
use tinhso_kernel::search::{self, Entry, Require, Visible};

const AGENCIES: usize = 20;
const TYPES: [&str; 6] = [
    "Quyết định",
    "Công văn",
    "Kế hoạch",
    "Báo cáo",
    "Thông báo",
    "Tờ trình",
];
const VERBS: [&str; 12] = [
    "phê duyệt",
    "ban hành",
    "triển khai",
    "tổng kết",
    "điều chỉnh",
    "kiện toàn",
    "thành lập",
    "hướng dẫn",
    "kiểm tra",
    "đánh giá",
    "giao chỉ tiêu",
    "bổ sung",
];
const OBJECTS: [&str; 24] = [
    "kế hoạch cải cách hành chính",
    "dự toán ngân sách",
    "quy hoạch sử dụng đất",
    "đề án chuyển đổi số",
    "chương trình xây dựng nông thôn mới",
    "danh mục dự án đầu tư công",
    "quy chế phối hợp quản lý hộ tịch",
    "tổ công tác liên ngành",
    "hội đồng thi đua khen thưởng",
    "phương án phòng chống thiên tai",
    "kết quả giải quyết thủ tục hành chính",
    "công tác phổ biến giáo dục pháp luật",
    "kế hoạch tuyển dụng viên chức",
    "định mức chi thường xuyên",
    "bảng giá đất",
    "chỉ tiêu phát triển kinh tế xã hội",
    "mạng lưới trường học",
    "hệ thống cấp nước sinh hoạt",
    "dịch vụ công trực tuyến",
    "kho dữ liệu dùng chung",
    "tuyến đường giao thông nông thôn",
    "chợ đầu mối nông sản",
    "khu công nghiệp phía tây",
    "lực lượng dân quân tự vệ",
];
const PLACES: [&str; 12] = [
    "tỉnh",
    "phường Hạc Thành",
    "xã Quảng Phú",
    "huyện Nông Cống",
    "thị xã Nghi Sơn",
    "phường Đông Sơn",
    "xã Hoằng Hóa",
    "huyện Thọ Xuân",
    "xã Yên Định",
    "phường Sầm Sơn",
    "huyện Tĩnh Gia",
    "xã Hà Trung",
];
const FILLER: [&str; 40] = [
    "căn cứ",
    "luật tổ chức chính quyền địa phương",
    "theo đề nghị của",
    "giám đốc sở",
    "ủy ban nhân dân",
    "các cơ quan đơn vị",
    "có trách nhiệm",
    "tổ chức thực hiện",
    "báo cáo kết quả",
    "trước ngày",
    "kinh phí",
    "từ nguồn",
    "ngân sách nhà nước",
    "đảm bảo",
    "đúng quy định",
    "chủ tịch",
    "chịu trách nhiệm",
    "thi hành",
    "quyết định này",
    "kể từ ngày ký",
    "phối hợp",
    "hướng dẫn",
    "theo dõi",
    "đôn đốc",
    "tổng hợp",
    "kiến nghị",
    "xử lý",
    "vướng mắc",
    "người dân",
    "doanh nghiệp",
    "thủ tục",
    "hồ sơ",
    "trực tuyến",
    "một cửa",
    "liên thông",
    "công khai",
    "minh bạch",
    "hiệu quả",
    "tiết kiệm",
    "nơi nhận",
];

/// A small deterministic generator (xorshift64*): the same N documents on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

struct Doc {
    id: String,
    agency: usize,
    doc_type: &'static str,
    year: u32,
    subject: String,
    body: String,
}

fn document(rng: &mut Rng, n: usize) -> Doc {
    let doc_type = rng.pick(&TYPES);
    let year = 2020 + (rng.next() % 7) as u32;
    let subject = format!(
        "{doc_type} về việc {} {} {} năm {year}",
        rng.pick(&VERBS),
        rng.pick(&OBJECTS),
        rng.pick(&PLACES)
    );
    let words = 60 + (rng.next() % 120) as usize;
    let mut body = String::new();
    for i in 0..words {
        let w = if i % 9 == 4 {
            rng.pick(&OBJECTS)
        } else if i % 13 == 7 {
            rng.pick(&PLACES)
        } else {
            rng.pick(&FILLER)
        };
        body.push_str(w);
        body.push_str(if i % 17 == 16 { ". " } else { " " });
    }
    Doc {
        id: format!("doc-{n:08}"),
        agency: (rng.next() % AGENCIES as u64) as usize,
        doc_type,
        year,
        subject,
        body,
    }
}

/// The queries people type: folded or not, two to five words, some with the last word cut.
const QUERIES: [&str; 12] = [
    "quyet dinh phe duyet",
    "Quyết định phê duyệt kế hoạch",
    "du toan ngan sach",
    "chuyen doi so",
    "quy hoach su dung dat xa quang phu",
    "ho tich",
    "cai cach hanh chinh 2024",
    "tuyen dung vien chuc",
    "bang gia da",
    "dich vu cong truc tuyen",
    "khu cong nghiep phia tay",
    "nong thon moi huyen tho xuan",
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "  {name:<44} n={:<5} p50 {:>8.2} ms  p95 {:>8.2} ms  p99 {:>8.2} ms",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99)
    );
}

async fn like_table(db: &Db) -> anyhow::Result<()> {
    sqlx::raw_sql(
        "DROP TABLE IF EXISTS bench_like;
         CREATE TABLE bench_like (id TEXT PRIMARY KEY, agency TEXT NOT NULL,
            subject TEXT NOT NULL, subject_folded TEXT NOT NULL, body_folded TEXT NOT NULL);
         CREATE INDEX bench_like_agency ON bench_like (agency, id);",
    )
    .execute(&db.pool)
    .await?;
    Ok(())
}

fn facets(d: &Doc) -> Vec<(&'static str, String)> {
    vec![
        ("type", d.doc_type.to_owned()),
        ("year", d.year.to_string()),
        ("organ", format!("000.00.{:02}.H56", d.agency)),
        ("state", "issued".to_owned()),
        ("urgency", "normal".to_owned()),
    ]
}

/// Ingest through the service, one document at a time as the modules write them (each in
/// batches of 100 per transaction): documents per second.
async fn ingest(db: &Db, n: usize) -> anyhow::Result<()> {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let started = Instant::now();
    for batch in 0..n.div_ceil(100) {
        let mut tx = db.begin().await?;
        for i in batch * 100..((batch + 1) * 100).min(n) {
            let d = document(&mut rng, i);
            let id = format!("ingest-{i:08}");
            search::index(
                &mut tx,
                &Entry {
                    kind: "ingest",
                    id: &id,
                    public: false,
                    readers: vec![format!("agency:{}", d.agency)],
                    facets: facets(&d),
                    title: &d.subject,
                    body: &d.body,
                    keys: "",
                },
            )
            .await?;
        }
        tx.commit().await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  ingest through search::index: {n} documents in {secs:.1} s ({:.0} documents/s)",
        n as f64 / secs
    );
    Ok(())
}

/// Loads N documents in bulk, as `search::index` would store them (same folding), and the
/// same documents into the `LIKE` table.
async fn load(db: &Db, n: usize) -> anyhow::Result<()> {
    like_table(db).await?;
    let mut rng = Rng(0x7153_0c0f_fee1_dead);
    let started = Instant::now();
    const BATCH: usize = 200;
    let now = tinhso_kernel::time::now_text();
    let mut done = 0;
    while done < n {
        let docs: Vec<Doc> = (done..(done + BATCH).min(n))
            .map(|i| document(&mut rng, i))
            .collect();
        let mut tx = db.begin().await?;
        let marks = |rows: usize, cols: usize| -> String {
            (0..rows)
                .map(|r| {
                    let row: Vec<String> =
                        (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
                    format!("({})", row.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "INSERT INTO search_entries (kind, entry_id, public, title, body, title_folded, body_folded, updated_at, scope_tokens) VALUES {}",
            marks(docs.len(), 9)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in &docs {
            let title_folded = format!(
                "{} {}",
                search::terms::indexed_text(&d.subject),
                search::terms::joined_pairs(&d.subject)
            );
            q = q
                .bind("document")
                .bind(d.id.clone())
                .bind(0_i64)
                .bind(d.subject.clone())
                .bind(d.body.clone())
                .bind(title_folded)
                .bind(search::terms::indexed_text(&d.body))
                .bind(now.clone())
                .bind(search::terms::grant_token(&format!("agency:{}", d.agency)));
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO search_readers (kind, entry_id, reader) VALUES {}",
            marks(docs.len(), 3)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in &docs {
            q = q
                .bind("document")
                .bind(d.id.clone())
                .bind(format!("agency:{}", d.agency));
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO search_facets (kind, entry_id, facet, value) VALUES {}",
            marks(docs.len() * 5, 4)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in &docs {
            for (facet, value) in facets(d) {
                q = q
                    .bind("document")
                    .bind(d.id.clone())
                    .bind(facet)
                    .bind(value);
            }
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO bench_like (id, agency, subject, subject_folded, body_folded) VALUES {}",
            marks(docs.len(), 5)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in &docs {
            q = q
                .bind(d.id.clone())
                .bind(format!("agency:{}", d.agency))
                .bind(d.subject.clone())
                .bind(tinhso_domain::text::fold(&d.subject))
                .bind(tinhso_domain::text::fold(&d.body));
        }
        q.execute(&mut *tx).await?;
        tx.commit().await?;
        done += docs.len();
    }
    println!(
        "  bulk-loaded {n} documents in {:.1} s (index rows + LIKE table)",
        started.elapsed().as_secs_f64()
    );
    if db.backend == tinhso_kernel::db::Backend::Postgres {
        sqlx::raw_sql("VACUUM ANALYZE").execute(&db.pool).await?;
    }
    Ok(())
}

fn grants() -> Vec<String> {
    vec!["agency:3".to_owned(), "agency:7".to_owned()]
}

async fn fts(db: &Db, q: &str) -> anyhow::Result<i64> {
    let found = search::query(
        db,
        &search::Query {
            kinds: &["document"],
            text: q,
            require: Require::All,
            filters: Vec::new(),
            count: &["type", "organ", "year", "state", "urgency"],
            visible: Visible {
                public: false,
                grants: grants(),
            },
            page: 1,
            per_page: 20,
            snippet_chars: if std::env::var_os("BENCH_NO_SNIPPET").is_some() {
                0
            } else {
                200
            },
            texts: search::Texts::Read,
        },
    )
    .await?;
    Ok(found.total)
}

/// The old way: every folded word `LIKE '%word%'` over subject and body, visibility applied,
/// a count and the first page (no ranking, no facets: it has none).
async fn like(db: &Db, q: &str) -> anyhow::Result<i64> {
    let words = tinhso_domain::text::fold(q);
    let words: Vec<&str> = words.split(' ').filter(|w| !w.is_empty()).collect();
    let mut clauses = vec!["agency IN ($1, $2)".to_owned()];
    for i in 0..words.len() {
        clauses.push(format!(
            "(subject_folded LIKE ${n} OR body_folded LIKE ${n})",
            n = i + 3
        ));
    }
    let filter = clauses.join(" AND ");
    let mut count = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM bench_like WHERE {filter}"
    )));
    let mut page = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, subject FROM bench_like WHERE {filter} ORDER BY id DESC LIMIT 20"
    )));
    for g in grants() {
        count = count.bind(g.clone());
        page = page.bind(g);
    }
    for w in &words {
        count = count.bind(format!("%{w}%"));
        page = page.bind(format!("%{w}%"));
    }
    let total: i64 = count.fetch_one(&db.pool).await?.try_get("n")?;
    page.fetch_all(&db.pool).await?;
    Ok(total)
}

async fn measure(db: &Db, rounds: usize, clients: usize, like_too: bool) -> anyhow::Result<()> {
    for q in QUERIES.iter().filter(|_| like_too) {
        let t = Instant::now();
        let a = fts(db, q).await?;
        let ta = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let b = like(db, q).await?;
        let tb = t.elapsed().as_secs_f64() * 1000.0;
        println!("  {q:<40} FTS {a:>6} hits ({ta:.1} ms), LIKE {b:>6} hits ({tb:.1} ms)");
    }
    for (name, use_fts) in [
        ("search service (FTS)", true),
        ("LIKE on folded text", false),
    ]
    .into_iter()
    .filter(|(_, fts)| *fts || like_too)
    {
        let mut times = Vec::new();
        for _ in 0..rounds {
            for q in QUERIES {
                let t = Instant::now();
                if use_fts {
                    fts(db, q).await?;
                } else {
                    like(db, q).await?;
                }
                times.push(t.elapsed());
            }
        }
        report(&format!("{name}, 1 client"), times);
    }
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for c in 0..clients {
        let db = db.clone();
        set.spawn(async move {
            let mut times = Vec::new();
            for r in 0..rounds {
                let q = QUERIES[(c + r) % QUERIES.len()];
                let t = Instant::now();
                if fts(&db, q).await.is_ok() {
                    times.push(t.elapsed());
                }
            }
            times
        });
    }
    let mut all = Vec::new();
    while let Some(done) = set.join_next().await {
        all.extend(done?);
    }
    let failed = clients * rounds - all.len();
    if failed > 0 {
        println!("  {failed} searches failed (no connection within the pool's 10 s)");
    }
    let secs = started.elapsed().as_secs_f64();
    let n = all.len();
    report(&format!("search service (FTS), {clients} clients"), all);
    println!("  {:.0} searches/s with {clients} clients", n as f64 / secs);
    Ok(())
}

/// Attaches the embedded index and waits until it is built from the entries.
async fn embedded(db: &Db, folder: &std::path::Path) -> anyhow::Result<()> {
    let started = Instant::now();
    search::sync::attach(db, folder.to_path_buf()).await?;
    while search::sync::current(db).await.is_none() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let bytes: u64 = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "  embedded index built in {:.1} s, {:.0} MB on disk",
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1e6
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(10);
    let platform = [ModuleMigrations {
        module: "platform",
        files: tinhso_kernel::platform::MODULE.migrations,
    }];
    let dir = tempfile::tempdir()?;
    let mut targets = vec![(
        "SQLite".to_owned(),
        format!("sqlite://{}/bench.db", dir.path().display()),
    )];
    if let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") {
        let db = Db::connect(&admin).await?;
        sqlx::raw_sql("DROP DATABASE IF EXISTS tinhso_bench_search")
            .execute(&db.pool)
            .await?;
        sqlx::raw_sql("CREATE DATABASE tinhso_bench_search")
            .execute(&db.pool)
            .await?;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        targets.push((
            "PostgreSQL".to_owned(),
            format!("{base}/tinhso_bench_search"),
        ));
    }
    for (name, url) in targets {
        println!("{name}, {n} documents:");
        let db = Db::connect(&url).await?;
        db.migrate(&platform).await?;
        ingest(&db, n.min(5_000)).await?;
        load(&db, n).await?;
        measure(&db, rounds, 100, true).await?;
        embedded(&db, &dir.path().join(format!("index-{name}"))).await?;
        println!("{name}, {n} documents, the embedded index (tinhso-searchindex):");
        measure(&db, rounds, 100, false).await?;
    }
    Ok(())
}
