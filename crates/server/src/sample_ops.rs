//! The operations centre at scale (`tinhso load-sample-ops COUNT`, scripts/bench-ops): COUNT
//! fictional one-stop dossiers of the demo province from January 2022 to yesterday
//! (`tinhso_onestop::sample`), feedback reports in proportion (one for every [`FEEDBACK_PER`]
//! dossiers, `tinhso_feedback::sample`) and the People's Committee's tasks (one for every
//! [`TASKS_PER`], `tinhso_tasks::sample`), each counted by the operations centre as it is
//! written (`tinhso_ops::bulk`): the counters and counted items end as the deliveries of their
//! events would have left them, without an event each and without a full recount (which reads
//! every item again, one at a time: hours at 10⁷).
//!
//! Dossiers and reports are written in transactions of `batch` rows with their counting (two
//! writers on PostgreSQL, one on SQLite), so a counter never disagrees with the rows committed.

// A command's progress, printed to standard output on purpose (as the CLI's own).
#![allow(clippy::print_stdout)]

use futures::future::BoxFuture;
use futures::future::try_join_all;
use std::io::Write as _;
use std::time::Instant;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::{Backend, Conn};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::Mark;
use tinhso_ops::bulk::Bulk;

/// Dossiers for each feedback report.
pub const FEEDBACK_PER: usize = 20;
/// Dossiers for each task of the People's Committee.
pub const TASKS_PER: usize = 100;

/// What a load wrote.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub dossiers: usize,
    pub feedback: usize,
    pub tasks: usize,
    pub task_units: usize,
    pub dossier_seconds: f64,
    pub feedback_seconds: f64,
    pub task_seconds: f64,
}

fn writers(backend: Backend) -> usize {
    match backend {
        Backend::Postgres => 2,
        Backend::Sqlite => 1,
    }
}

/// Prints progress every `step` items (and at the end) when `verbose`.
struct Progress {
    what: &'static str,
    total: usize,
    step: usize,
    next: usize,
    started: Instant,
    verbose: bool,
}

impl Progress {
    fn new(what: &'static str, total: usize, verbose: bool) -> Progress {
        let step = (total / 20).max(10_000);
        Progress {
            what,
            total,
            step,
            next: step,
            started: Instant::now(),
            verbose,
        }
    }

    fn at(&mut self, done: usize) {
        if !self.verbose || (done < self.next && done < self.total) {
            return;
        }
        while self.next <= done {
            self.next += self.step;
        }
        let s = self.started.elapsed().as_secs_f64();
        println!(
            "  {} {done}/{} in {s:.1} s ({:.0}/s)",
            self.what,
            self.total,
            done as f64 / s.max(0.001)
        );
        let _ = std::io::stdout().flush();
    }
}

/// Loads `count` dossiers with feedback and tasks in proportion, counted as they are written.
pub async fn load(ctx: &Ctx, count: usize, batch: usize, verbose: bool) -> anyhow::Result<Loaded> {
    let err = |e: AppError| anyhow::anyhow!("{e}");
    // What was emitted before is counted first, by its deliveries.
    while tinhso_kernel::events::deliver_due(ctx, 256)
        .await
        .map_err(err)?
        > 0
    {}
    let now = tinhso_kernel::time::local_now();
    let backend = ctx.db.backend;
    let mut bulks = vec![Bulk::new(); writers(backend)];
    let batch = batch.max(1);
    let mut loaded = Loaded::default();

    let started = Instant::now();
    let plan = tinhso_onestop::sample::Plan::new(ctx, count, now).await?;
    let dossiers = Counted {
        what: "dossiers",
        kind: tinhso_onestop::kpi::COUNTING.item,
        make: &|i| plan.dossier(i),
        write: |tx, backend, dossiers| {
            Box::pin(tinhso_onestop::sample::write(tx, backend, dossiers))
        },
        marks: |d| (d.id, d.marks),
    };
    dossiers
        .load(ctx, &mut bulks, count, batch, verbose)
        .await?;
    loaded.dossiers = count;
    loaded.dossier_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let reports = count / FEEDBACK_PER;
    if reports > 0 {
        let plan = tinhso_feedback::sample::Plan::new(ctx, reports, now).await?;
        let samples = Counted {
            what: "feedback reports",
            kind: tinhso_feedback::kpi::COUNTING.item,
            make: &|i| plan.report(i),
            write: |tx, backend, samples| {
                Box::pin(tinhso_feedback::sample::write(tx, backend, samples))
            },
            marks: |s| (s.id, s.marks),
        };
        samples
            .load(ctx, &mut bulks, reports, batch, verbose)
            .await?;
    }
    loaded.feedback = reports;
    loaded.feedback_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let tasks = count / TASKS_PER;
    if tasks > 0 {
        let t = tinhso_tasks::sample::load(ctx, tasks, 1000, now.date()).await?;
        loaded.tasks = t.tasks;
        loaded.task_units = t.units;
        if verbose {
            println!(
                "  tasks {} written in {:.1} s; counting them",
                t.tasks,
                started.elapsed().as_secs_f64()
            );
        }
        // The tasks loader gives no marks: the tasks are read back through their module's
        // counting, those not counted yet.
        let mut tx = ctx.db.begin().await?;
        bulks[0]
            .count_uncounted(ctx, &mut tx, &tinhso_tasks::kpi::COUNTING)
            .await
            .map_err(err)?;
        tx.commit().await?;
    }
    loaded.task_seconds = started.elapsed().as_secs_f64();
    Ok(loaded)
}

/// Writes a module's sample items' rows in the caller's transaction.
type WriteRows<T> =
    for<'t> fn(&'t mut Conn, Backend, &'t [T]) -> BoxFuture<'t, Result<(), AppError>>;

/// Items of one module's sample, written with their counting: `make(i)` gives the i-th item,
/// `write` its rows, `marks` what the operations centre counts of it.
struct Counted<'a, T> {
    what: &'static str,
    kind: &'static str,
    make: &'a (dyn Fn(usize) -> T + Sync),
    write: WriteRows<T>,
    marks: fn(T) -> (String, Vec<Mark>),
}

impl<T> Counted<'_, T> {
    /// Writes `total` items, `batch` a transaction on each writer side by side (one per bulk
    /// counter), each with its counting.
    async fn load(
        &self,
        ctx: &Ctx,
        bulks: &mut [Bulk],
        total: usize,
        batch: usize,
        verbose: bool,
    ) -> anyhow::Result<()> {
        let writers = bulks.len();
        let mut progress = Progress::new(self.what, total, verbose);
        let mut done = 0;
        while done < total {
            let n = (batch * writers).min(total - done);
            let per = n.div_ceil(writers);
            try_join_all(bulks.iter_mut().enumerate().map(|(w, bulk)| {
                let from = (done + w * per).min(done + n);
                let to = (from + per).min(done + n);
                self.write_counted(ctx, bulk, from..to)
            }))
            .await?;
            done += n;
            progress.at(done);
        }
        Ok(())
    }

    async fn write_counted(
        &self,
        ctx: &Ctx,
        bulk: &mut Bulk,
        range: std::ops::Range<usize>,
    ) -> anyhow::Result<()> {
        if range.is_empty() {
            return Ok(());
        }
        let err = |e: AppError| anyhow::anyhow!("{e}");
        let items: Vec<T> = range.map(self.make).collect();
        let mut tx = ctx.db.begin().await?;
        (self.write)(&mut tx, ctx.db.backend, &items)
            .await
            .map_err(err)?;
        let marks = items.into_iter().map(self.marks).collect();
        bulk.count_new(&mut tx, self.kind, marks)
            .await
            .map_err(err)?;
        tx.commit().await?;
        Ok(())
    }
}
