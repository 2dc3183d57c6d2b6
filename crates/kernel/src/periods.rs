//! Figures of closed periods, kept per node (docs/opendata-design.md §10).
//!
//! The published statistics — the open datasets' monthly and yearly figures, the public
//! statistics page — count what happened in a period: dossiers received, processed, rated;
//! feedback reports received, answered. A period that ended before yesterday (Vietnam time)
//! gains nothing through new activity, which falls in today, so a module counts a period once
//! by index ranges of its own days, keeps the figures in the node's memory ([`Kept`], one per
//! [`crate::Ctx`]), and counts again at each refresh or page view only the open periods: the
//! cost follows what can have changed, not the history.
//!
//! What can still move a closed period's figures the module names: it says whether what it
//! counted is settled ([`keepable`]: a dossier still awaiting intake may be forwarded to another
//! agency, so its period is not kept while it waits), or it forgets the copies a change touched
//! ([`Kept::forget`], the feedback reports changed since its last look). What no rule sees —
//! an edit in the database, a sample load — shows within a day: a copy is counted again once
//! it is [`MAX_AGE`] old, and a node starts with none.

use chrono::{Datelike, Duration as Days, NaiveDate};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whole days of Vietnam time, `first` to `last` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Span {
    pub fn new(first: NaiveDate, last: NaiveDate) -> Span {
        Span { first, last }
    }

    /// The calendar month holding `day`.
    pub fn month(day: NaiveDate) -> Span {
        let first = day.with_day(1).unwrap_or(day);
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first);
        Span { first, last }
    }

    /// The calendar year `year`.
    pub fn year(year: i32) -> Span {
        let day = |m, d| NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
        Span {
            first: day(1, 1),
            last: day(12, 31),
        }
    }

    /// Whether it ended before yesterday: nothing happening now falls in it, and a day of
    /// margin covers a late commit and the nodes' clocks.
    pub fn closed(self, today: NaiveDate) -> bool {
        self.last + Days::days(2) <= today
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }

    /// Its bounds as stored moments (UTC text): [start of `first`, start of the day after
    /// `last`) — consecutive spans meet exactly, so their counts add up to the whole's.
    pub fn utc_bounds(self) -> (String, String) {
        crate::tables::utc_bounds(self.first, self.last)
    }
}

/// The spans a period `from`..=`to` is counted in, oldest first: each closed calendar year it
/// holds whole as one span, the rest month by month (a month cut by `from` or `to` as the part
/// inside). So the same years and months recur from view to view, and their copies serve all.
pub fn pieces(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Vec<Span> {
    let mut out = Vec::new();
    let mut at = from;
    while at <= to {
        let year = Span::year(at.year());
        let span = if at == year.first && year.last <= to && year.closed(today) {
            year
        } else {
            Span::new(at, Span::month(at).last.min(to))
        };
        out.push(span);
        match span.last.succ_opt() {
            Some(next) => at = next,
            None => break,
        }
    }
    out
}

/// How long a kept copy serves before it is counted again: the safety net for a change no
/// rule sees.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// At most this many copies on a node (the published spans need a few dozen); past it the
/// oldest go.
pub const CAPACITY: usize = 1024;

/// Whether the figures counted for `span` may be kept: it is closed, and nothing the module
/// knows of can still move what was counted (`settled`).
pub fn keepable(span: Span, today: NaiveDate, settled: bool) -> bool {
    settled && span.closed(today)
}

/// Whether a copy made `age` ago still serves.
pub fn fresh(age: Duration) -> bool {
    age < MAX_AGE
}

type Value = Arc<dyn Any + Send + Sync>;

struct Copy {
    made: Instant,
    value: Value,
}

#[derive(Default)]
struct Store {
    copies: HashMap<(&'static str, Span), Copy>,
    /// Bumped by each `forget` of a kind: a count begun before it is not kept.
    generations: HashMap<&'static str, u64>,
    /// Per kind, a module's own mark (e.g. when it last looked for changes).
    marks: HashMap<&'static str, String>,
}

/// The node's kept figures of closed periods, by kind (a module's name for what it counts)
/// and span.
#[derive(Default)]
pub struct Kept {
    store: Mutex<Store>,
    /// Held while counting spans to keep, so that readers at once (a refresh, page views)
    /// count a closed span once.
    counting: tokio::sync::Mutex<()>,
}

impl Kept {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The copy of `kind` for `span`, while fresh.
    pub fn get<T: Any + Send + Sync>(&self, kind: &'static str, span: Span) -> Option<Arc<T>> {
        self.get_at(kind, span, Instant::now())
    }

    fn get_at<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        span: Span,
        now: Instant,
    ) -> Option<Arc<T>> {
        let mut store = self.store();
        let copy = store.copies.get(&(kind, span))?;
        if !fresh(now.saturating_duration_since(copy.made)) {
            store.copies.remove(&(kind, span));
            return None;
        }
        copy.value.clone().downcast::<T>().ok()
    }

    /// The current generation of `kind` (see [`Kept::put`]).
    pub fn generation(&self, kind: &'static str) -> u64 {
        self.store().generations.get(kind).copied().unwrap_or(0)
    }

    /// Keeps `value` as the copy of `kind` for `span`, unless a copy of the kind was forgotten
    /// since `generation` was read (then what was counted may predate the change).
    pub fn put<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        span: Span,
        generation: u64,
        value: Arc<T>,
    ) {
        self.put_at(kind, span, generation, value, Instant::now());
    }

    fn put_at<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        span: Span,
        generation: u64,
        value: Arc<T>,
        now: Instant,
    ) {
        let mut store = self.store();
        if store.generations.get(kind).copied().unwrap_or(0) != generation {
            return;
        }
        store
            .copies
            .retain(|_, c| fresh(now.saturating_duration_since(c.made)));
        while store.copies.len() >= CAPACITY {
            let Some(oldest) = store
                .copies
                .iter()
                .min_by_key(|(_, c)| c.made)
                .map(|(k, _)| *k)
            else {
                break;
            };
            store.copies.remove(&oldest);
        }
        store.copies.insert((kind, span), Copy { made: now, value });
    }

    /// Forgets the copies of `kind` whose span `touched` says a change may have moved.
    pub fn forget(&self, kind: &'static str, touched: impl Fn(Span) -> bool) {
        let mut store = self.store();
        *store.generations.entry(kind).or_default() += 1;
        store
            .copies
            .retain(|(k, span), _| *k != kind || !touched(*span));
    }

    /// Forgets every copy (what a node has at start).
    pub fn clear(&self) {
        let mut store = self.store();
        store.copies.clear();
        for generation in store.generations.values_mut() {
            *generation += 1;
        }
    }

    /// How many copies the node keeps.
    pub fn len(&self) -> usize {
        self.store().copies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A module's mark for `kind` (e.g. when it last looked for changes).
    pub fn mark(&self, kind: &'static str) -> Option<String> {
        self.store().marks.get(kind).cloned()
    }

    /// Sets the mark of `kind` to `mark` unless it is later already (marks are times as text).
    pub fn advance_mark(&self, kind: &'static str, mark: String) {
        let mut store = self.store();
        let entry = store.marks.entry(kind).or_default();
        if *entry < mark {
            *entry = mark;
        }
    }
}

tokio::task_local! {
    /// The spans counted within one read ([`one_read`]), kept or not.
    static READ: Mutex<HashMap<(&'static str, Span), Value>>;
}

/// Runs `read` (a refresh, a page) counting each span at most once, open ones included: a
/// dataset of five years asks for this month's figures with each year's groups.
/// Within another read, `read` is part of it.
pub async fn one_read<F: Future>(read: F) -> F::Output {
    if READ.try_with(|_| ()).is_ok() {
        read.await
    } else {
        READ.scope(Mutex::new(HashMap::new()), read).await
    }
}

fn read_get<T: Any + Send + Sync>(kind: &'static str, span: Span) -> Option<Arc<T>> {
    READ.try_with(|m| {
        m.lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(kind, span))
            .cloned()
    })
    .ok()
    .flatten()
    .and_then(|v| v.downcast::<T>().ok())
}

fn read_put<T: Any + Send + Sync>(kind: &'static str, span: Span, value: Arc<T>) {
    let _ = READ.try_with(|m| {
        m.lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((kind, span), value);
    });
}

/// The figures of `kind` for each of `spans`, in order: the kept copy while fresh, else
/// counted by `count`, which also says whether what it counted is settled; a closed span's
/// settled figures are kept. Spans not kept are counted under the node's counting lock, one
/// reader at a time.
pub async fn each<T, E, F, Fut>(
    kept: &Kept,
    kind: &'static str,
    spans: &[Span],
    today: NaiveDate,
    count: F,
) -> Result<Vec<Arc<T>>, E>
where
    T: Any + Send + Sync,
    F: Fn(Span) -> Fut,
    Fut: Future<Output = Result<(T, bool), E>>,
{
    let mut out = Vec::with_capacity(spans.len());
    let mut lock = None;
    for &span in spans {
        if let Some(v) = read_get::<T>(kind, span).or_else(|| kept.get(kind, span)) {
            out.push(v);
            continue;
        }
        if span.closed(today) && lock.is_none() {
            lock = Some(kept.counting.lock().await);
            // Another reader may have counted it meanwhile.
            if let Some(v) = kept.get::<T>(kind, span) {
                out.push(v);
                continue;
            }
        }
        let generation = kept.generation(kind);
        let (value, settled) = count(span).await?;
        let value = Arc::new(value);
        if keepable(span, today, settled) {
            kept.put(kind, span, generation, value.clone());
        }
        read_put(kind, span, value.clone());
        out.push(value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn span(a: &str, b: &str) -> Span {
        Span::new(day(a), day(b))
    }

    #[test]
    fn a_period_ends_closed_the_day_after_yesterday() {
        let november = Span::month(day("2026-11-17"));
        assert_eq!(november, span("2026-11-01", "2026-11-30"));
        for (today, closed) in [
            ("2026-11-30", false),
            ("2026-12-01", false),
            ("2026-12-02", true),
            ("2027-03-01", true),
        ] {
            assert_eq!(november.closed(day(today)), closed, "{today}");
        }
        assert_eq!(Span::month(day("2024-02-10")).last, day("2024-02-29"));
        assert_eq!(Span::year(2025), span("2025-01-01", "2025-12-31"));
        assert!(!Span::year(2025).closed(day("2026-01-01")));
        assert!(Span::year(2025).closed(day("2026-01-02")));
    }

    #[test]
    fn a_period_is_counted_in_closed_years_and_months() {
        let today = day("2026-11-30");
        // This year to today: month by month, the last one open.
        let this_year = pieces(day("2026-01-01"), today, today);
        assert_eq!(this_year.len(), 11);
        assert_eq!(this_year[0], span("2026-01-01", "2026-01-31"));
        assert_eq!(this_year[10], span("2026-11-01", "2026-11-30"));
        // A closed year whole; a year cut short or not yet closed by months.
        assert_eq!(
            pieces(day("2025-01-01"), day("2025-12-31"), today),
            [Span::year(2025)]
        );
        assert_eq!(
            pieces(day("2025-12-01"), day("2025-12-31"), day("2026-01-01")),
            [span("2025-12-01", "2025-12-31")]
        );
        let history = pieces(day("2023-01-01"), today, today);
        assert_eq!(&history[..3], [2023, 2024, 2025].map(Span::year));
        assert_eq!(history.len(), 3 + 11);
        // Parts of months at either end.
        assert_eq!(
            pieces(day("2026-02-10"), day("2026-03-05"), today),
            [
                span("2026-02-10", "2026-02-28"),
                span("2026-03-01", "2026-03-05")
            ]
        );
        // The pieces tile the period: consecutive bounds meet.
        for w in history.windows(2) {
            assert_eq!(w[0].utc_bounds().1, w[1].utc_bounds().0);
        }
        assert_eq!(history[0].utc_bounds().0, "2022-12-31T17:00:00.000Z");
        assert!(pieces(day("2026-02-01"), day("2026-01-31"), today).is_empty());
    }

    #[test]
    fn only_settled_figures_of_closed_spans_are_kept_and_for_a_day() {
        let today = day("2026-11-30");
        let october = Span::month(day("2026-10-05"));
        let november = Span::month(today);
        assert!(keepable(october, today, true));
        assert!(!keepable(october, today, false), "a dossier may still move");
        assert!(!keepable(november, today, true), "open");
        assert!(fresh(Duration::from_secs(23 * 3600)));
        assert!(!fresh(MAX_AGE));

        let kept = Kept::default();
        let t0 = Instant::now();
        kept.put_at("k", october, 0, Arc::new(7_i64), t0);
        assert_eq!(kept.get_at::<i64>("k", october, t0).as_deref(), Some(&7));
        assert_eq!(kept.get_at::<i64>("other", october, t0), None);
        assert_eq!(
            kept.get_at::<i64>("k", october, t0 + MAX_AGE),
            None,
            "a day old: counted again"
        );
        assert!(kept.is_empty(), "and dropped");

        // A count begun before a change was forgotten is not kept.
        kept.put("k", october, 0, Arc::new(7_i64));
        let before = kept.generation("k");
        kept.forget("k", |s| s.contains(day("2026-10-20")));
        assert_eq!(kept.get::<i64>("k", october), None);
        kept.put("k", october, before, Arc::new(6_i64));
        assert_eq!(kept.get::<i64>("k", october), None);
        kept.put("k", october, kept.generation("k"), Arc::new(8_i64));
        assert_eq!(kept.get::<i64>("k", october).as_deref(), Some(&8));

        kept.advance_mark("k", "2026-11-30T01:00:00.000Z".into());
        kept.advance_mark("k", "2026-11-30T00:00:00.000Z".into());
        assert_eq!(kept.mark("k").as_deref(), Some("2026-11-30T01:00:00.000Z"));
    }

    #[test]
    fn the_oldest_copies_go_past_the_capacity() {
        let kept = Kept::default();
        let t0 = Instant::now();
        let first = day("1900-01-01");
        for i in 0..=CAPACITY {
            let d = first + Days::days(i as i64);
            kept.put_at(
                "k",
                Span::new(d, d),
                0,
                Arc::new(i),
                t0 + Duration::from_secs(i as u64),
            );
        }
        assert_eq!(kept.len(), CAPACITY);
        assert_eq!(kept.get::<usize>("k", Span::new(first, first)), None);
    }

    #[tokio::test]
    async fn closed_spans_are_counted_once_and_open_ones_each_time_but_once_a_read() {
        let kept = Kept::default();
        let today = day("2026-11-30");
        let spans = [Span::year(2025), Span::month(today)];
        let counted = Mutex::new(Vec::new());
        let count = |s: Span| {
            counted.lock().unwrap().push(s);
            async move { Ok::<_, ()>((s.first.year(), true)) }
        };
        for _ in 0..2 {
            let v = each(&kept, "k", &spans, today, count).await.unwrap();
            assert_eq!((*v[0], *v[1]), (2025, 2026));
        }
        assert_eq!(
            *counted.lock().unwrap(),
            [spans[0], spans[1], spans[1]],
            "the closed year once, the open month at each read"
        );
        counted.lock().unwrap().clear();
        one_read(async {
            each(&kept, "k", &spans, today, count).await.unwrap();
            each(&kept, "k", &spans[1..], today, count).await.unwrap();
        })
        .await;
        assert_eq!(*counted.lock().unwrap(), [spans[1]], "once within a read");
        // Unsettled figures of a closed span are counted each time.
        counted.lock().unwrap().clear();
        let unsettled = |s: Span| {
            counted.lock().unwrap().push(s);
            async move { Ok::<_, ()>((0, false)) }
        };
        let october = [Span::month(day("2026-10-01"))];
        each(&kept, "u", &october, today, unsettled).await.unwrap();
        each(&kept, "u", &october, today, unsettled).await.unwrap();
        assert_eq!(counted.lock().unwrap().len(), 2);
    }
}
