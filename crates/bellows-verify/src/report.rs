//! What a run of the harness found, and the verdict line it prints.

use bellows_core::plan::StageKind;

#[derive(Debug, Default, Clone)]
pub struct Report {
    pub case: String,
    /// `postgres 15`, `sqlite 3.49.1`: where it ran.
    pub server: String,
    /// 1: rows that break the target's rules mixed in; 2: clean rows and chosen resolutions.
    pub run: u8,
    pub steps_run: usize,
    pub steps_total: usize,
    pub rows_seeded: u64,
    pub rows_checked: u64,
    /// Seeded rows the workloads updated in place (`SET c = c`) to wake triggers and checks.
    pub rows_touched: u64,
    /// Seeded rows the schema's own triggers change or remove when the workloads write (seen
    /// on the base, before the plan): left out of the comparisons.
    pub volatile_rows: u64,
    /// Tables the seed left empty, and why.
    pub unseeded: Vec<(String, String)>,
    /// Seed statements the database refused: a defect of the seed generator.
    pub seed_errors: usize,
    /// The changes (indexes into the plan's) whose pre-checks stopped the plan.
    pub stopping_changes: Vec<usize>,
    /// Workload units left out because they failed before the plan ran.
    pub excluded: Vec<(String, String)>,
    pub v1_statements: u64,
    pub v2_statements: u64,
    /// Inserts that wrote nothing (a CHECK or a unique key refused the generated row).
    pub empty_inserts: u64,
    pub v1_failures: Vec<String>,
    pub v2_failures: Vec<String>,
    pub step_failures: Vec<String>,
    /// Steps retried after a lock timeout or a lost deadlock, as the plan allows.
    pub lock_retries: u64,
    /// Application units run again after InnoDB chose them as a deadlock victim (MySQL).
    pub deadlock_retries: u64,
    pub rollback_problems: Vec<String>,
    pub schema_differences: Vec<String>,
    pub lost_rows: Vec<String>,
    pub changed_rows: Vec<String>,
    /// Rows a resolution removed or changed, as the plan states.
    pub resolved_rows: u64,
    /// The plan stopped before this stage, as it says it will while a pre-check finds rows.
    pub stopped_before: Option<(StageKind, String)>,
    /// The application's statements run at each point, against Bellows' predictions.
    pub consumers: crate::consumers::Tally,
    /// The schema read back was compared with a database built from the target's own text.
    pub against_reference: bool,
    pub seconds: f64,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.v1_failures.is_empty()
            && self.v2_failures.is_empty()
            && self.step_failures.is_empty()
            && self.rollback_problems.is_empty()
            && self.schema_differences.is_empty()
            && self.lost_rows.is_empty()
            && self.changed_rows.is_empty()
            && self.consumers.mismatches.is_empty()
    }

    /// One line: the verdict and its figures.
    pub fn verdict(&self) -> String {
        let stop = match &self.stopped_before {
            Some((stage, why)) => format!(", stopped before {} as planned ({why})", stage.label()),
            None => String::new(),
        };
        let notes = [
            (!self.unseeded.is_empty()).then(|| format!("{} tables not seeded", self.unseeded.len())),
            (!self.excluded.is_empty()).then(|| format!("{} workload tables left out", self.excluded.len())),
            (self.deadlock_retries > 0).then(|| format!("{} units retried after a deadlock", self.deadlock_retries)),
            (self.consumers.runs > 0).then(|| {
                format!(
                    "application statements {}/{} as predicted ({} refused as predicted)",
                    self.consumers.agreed, self.consumers.runs, self.consumers.refused
                )
            }),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        format!(
            "{} {} (run {}, {}): {}/{} steps, {} rows seeded, {} rows checked, v1 {} statements ({} failed), v2 {} statements ({} failed), {} rows resolved, {} lock retries{}, {:.1}s{stop}",
            if self.passed() { "PASS" } else { "FAIL" },
            self.case,
            self.run,
            self.server,
            self.steps_run,
            self.steps_total,
            self.rows_seeded,
            self.rows_checked,
            self.v1_statements,
            self.v1_failures.len(),
            self.v2_statements,
            self.v2_failures.len(),
            self.resolved_rows,
            self.lock_retries,
            if notes.is_empty() { String::new() } else { format!(", {}", notes.join(", ")) },
            self.seconds
        )
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |label: &str, items: &[String]| {
            for item in items.iter().take(5) {
                out.push(format!("{label}: {}", shorten(item)));
            }
            if items.len() > 5 {
                out.push(format!("{label}: ... and {} more", items.len() - 5));
            }
        };
        add("v1", &self.v1_failures);
        add("v2", &self.v2_failures);
        add("step", &self.step_failures);
        add("rollback", &self.rollback_problems);
        add("schema", &self.schema_differences);
        add("lost", &self.lost_rows);
        add("changed", &self.changed_rows);
        add("consumer", &self.consumers.mismatches);
        out
    }

    /// Notes that are not failures: what the generators could not cover.
    /// (`BELLOWS_VERBOSE=1` lists every one.)
    pub fn notes(&self) -> Vec<String> {
        let limit = if std::env::var_os("BELLOWS_VERBOSE").is_some() { usize::MAX } else { 5 };
        let mut out: Vec<String> =
            self.unseeded.iter().take(limit).map(|(t, why)| format!("not seeded: {t}: {why}")).collect();
        if self.unseeded.len() > limit {
            out.push(format!("not seeded: ... and {} more", self.unseeded.len() - limit));
        }
        out.extend(
            self.excluded.iter().take(limit).map(|(t, why)| format!("workload left out: {t}: {}", shorten(why))),
        );
        if self.excluded.len() > limit {
            out.push(format!("workload left out: ... and {} more", self.excluded.len() - limit));
        }
        out
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 600 {
        let head: String = text.chars().take(400).collect();
        let tail: String = text.chars().rev().take(180).collect::<Vec<_>>().into_iter().rev().collect();
        format!("{head} ... {tail}")
    } else {
        text.to_string()
    }
}

/// Both runs of a case: the first with offending rows; the second, when the first stopped as
/// planned, on clean rows with a resolution for every pre-check that stopped it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub case: String,
    pub runs: Vec<Report>,
    /// Set when the plan cannot run at all here (a missing extension, a library the server
    /// lacks): the case is skipped with this reason.
    pub skipped: Option<String>,
    /// Set when a pre-check stops the plan whatever the rows: a dependent only a person can
    /// change (a routine body naming a column the plan renames).
    pub blocked: Option<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.skipped.is_none() && self.runs.iter().all(Report::passed)
    }

    /// The run that executed the whole plan, if any.
    pub fn complete(&self) -> Option<&Report> {
        self.runs.iter().find(|r| r.stopped_before.is_none() && r.steps_run == r.steps_total)
    }

    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(why) = &self.skipped {
            out.push(format!("SKIPPED {}: {why}", self.case));
        }
        for r in &self.runs {
            out.push(r.verdict());
            out.extend(r.problems().into_iter().map(|p| format!("  {p}")));
        }
        if let Some(why) = &self.blocked {
            out.push(format!("  blocked as planned: {why}"));
        }
        if let Some(last) = self.runs.last() {
            out.extend(last.notes().into_iter().map(|n| format!("  note: {n}")));
        }
        out
    }
}
