//! Query cost of the embedded index alone (docs/search.md, docs/benchmarks.md "Search at
//! 1,000,000 documents"): N fictional documents whose words follow the sample loader's
//! vocabulary (a type, an act, a matter, five of eight stock sentences), all visible to the
//! searcher as in the HTTP benchmark, five facets counted, 20 hits a page. Reports the time to
//! index them and, per query, the first search (which builds the bit sets it needs that no
//! search kept before) and the median and 99th percentile of one thread's next searches.
//!
//! Run: `cargo bench -p tinhso-searchindex --bench query [-- N]` (default 200,000).

// A benchmark reports its figures on standard output.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};
use tinhso_searchindex::{Entry, Index, Mark, Query};

const TYPES: [&str; 6] = [
    "quyet dinh",
    "cong van",
    "ke hoach",
    "bao cao",
    "thong bao",
    "to trinh",
];
const ACTS: [&str; 10] = [
    "phe duyet",
    "trien khai thuc hien",
    "so ket",
    "ra soat",
    "kien toan",
    "huong dan",
    "don doc",
    "dieu chinh",
    "tang cuong",
    "to chuc kiem tra",
];
const MATTERS: [&str; 16] = [
    "cong tac cai cach hanh chinh",
    "du toan thu chi ngan sach",
    "quy hoach chung do thi",
    "chuong trinh muc tieu quoc gia giam ngheo",
    "cong tac phong chong dich benh",
    "ke hoach tuyen sinh dau cap",
    "viec cap giay chung nhan quyen su dung dat",
    "ho so giai phong mat bang",
    "cong tac tiep cong dan",
    "chuyen doi so trong co quan nha nuoc",
    "an toan thuc pham dip cuoi nam",
    "phong chong thien tai va tim kiem cuu nan",
    "thi dua khen thuong",
    "boi duong can bo cong chuc cap xa",
    "quan ly trat tu xay dung",
    "thu hut dau tu vao khu cong nghiep",
];
const SENTENCES: [&str; 8] = [
    "cac co quan don vi can cu chuc nang nhiem vu duoc giao chu dong phoi hop trien khai",
    "giao van phong tong hop ket qua bao cao truoc ngay 25 hang thang",
    "trong qua trinh thuc hien neu co kho khan vuong mac kip thoi phan anh ve co quan thuong truc",
    "kinh phi thuc hien duoc bo tri tu nguon ngan sach nam va cac nguon hop phap khac",
    "thu truong cac co quan don vi chiu trach nhiem thi hanh",
    "de nghi cac xa phuong ra soat cap nhat so lieu va gui ve truoc thoi han",
    "quyet dinh nay co hieu luc ke tu ngay ky",
    "to chuc kiem tra danh gia ket qua thuc hien va de xuat khen thuong kip thoi",
];
const QUERIES: [&str; 8] = [
    "quyet dinh phe duyet",
    "cai cach hanh chinh",
    "ke hoach tuyen sinh",
    "giai phong mat bang",
    "chuyen doi so",
    "tiep cong dan nam 2026",
    "ngan sach",
    "boi duong can bo",
];
const FACETS: [&str; 5] = ["type", "organ", "year", "state", "urgency"];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn entry(rng: &mut Rng, i: usize) -> Entry {
    let t = rng.below(TYPES.len());
    let title = format!(
        "{} ve viec {} {} nam 2026",
        TYPES[t],
        ACTS[rng.below(ACTS.len())],
        MATTERS[rng.below(MATTERS.len())]
    );
    let sentences: Vec<&str> = (0..5)
        .map(|_| SENTENCES[rng.below(SENTENCES.len())])
        .collect();
    Entry {
        kind: "document".into(),
        id: format!("d{i:08}"),
        body: format!("{title} {}", sentences.join(" ")),
        title,
        grants: vec!["agency-stp".into()],
        facets: vec![
            ("type".into(), t.to_string()),
            ("organ".into(), format!("000.00.{:02}.H56", rng.below(8))),
            ("year".into(), "2026".into()),
            ("state".into(), "registered".into()),
            (
                "urgency".into(),
                ["normal", "urgent"][usize::from(i.is_multiple_of(17))].into(),
            ),
        ],
        updated: i as i64,
    }
}

fn groups(text: &str) -> Vec<Vec<(String, bool)>> {
    let words: Vec<&str> = text.split(' ').collect();
    vec![
        words
            .iter()
            .enumerate()
            .map(|(i, w)| ((*w).to_owned(), i + 1 == words.len()))
            .collect(),
    ]
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().unwrap();
    let index = Index::open(dir.path()).unwrap();
    let mark = Mark {
        epoch: "bench".into(),
        position: 0,
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(20_000) {
        let entries: Vec<Entry> = chunk.iter().map(|&i| entry(&mut rng, i)).collect();
        index.apply(false, &entries, &[], &mark).unwrap();
    }
    println!(
        "{n} documents indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let grants = vec!["agency-stp".to_owned()];
    // BENCH_NO_FACETS: the same searches without counting facets (what facets cost).
    let count: &[&str] = if std::env::var_os("BENCH_NO_FACETS").is_some() {
        &[]
    } else {
        &FACETS
    };
    for text in QUERIES.iter().copied().chain([""]) {
        let groups = if text.is_empty() {
            Vec::new()
        } else {
            groups(text)
        };
        let q = Query {
            kinds: &["document"],
            groups: &groups,
            grants: &grants,
            count,
            limit: 20,
            ..Query::default()
        };
        // The first search of a query builds the sets it needs that no search kept before
        // (its prefix's entries; the searcher's visible entries, on the first query).
        let t = Instant::now();
        let found = index.search(&q).unwrap();
        let first = t.elapsed();
        let total = format!("{}{}", if found.estimated { "~" } else { "" }, found.total);
        let mut times: Vec<Duration> = (0..30)
            .map(|_| {
                let t = Instant::now();
                index.search(&q).unwrap();
                t.elapsed()
            })
            .collect();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "  {:<26} {total:>8} hits  first {:>7.2} ms  p50 {:>7.2} ms  p99 {:>7.2} ms",
            if text.is_empty() {
                "(no words, newest)"
            } else {
                text
            },
            ms(first),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
}
