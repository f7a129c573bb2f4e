//! The audit's fixes on every corpus schema (`../shared/corpora`): each finding that offers a
//! fix is applied on its own, and every rule's fixes are applied all at once ("Fix all"). Either
//! way the edits must apply without one being skipped, the finding must be gone from the audit
//! of the new target, no finding may appear that was not there before (but for a table that
//! new indexes take past the audit's limit on indexes, and a column whose new type now differs
//! from columns of its name elsewhere, which "Fix all" resolves, columns that look like
//! references to a table the fix gave a primary key, a renamed column's findings under its new name (and
//! a name that now reads as required), a finding that moves with its column into a new table, two
//! tables extracted alike, a foreign key a fix adds to owned rows (no ON DELETE stated), and the mixed table names of a schema too
//! small for the naming rule until a lookup table joins it), and the plan must carry
//! the change (at least one step, each with its SQL).
//!
//! Running every fix on its own costs a re-audit and a plan per fix over the whole schema: a
//! deterministic sample of `PER_RULE` fixes per rule and schema runs by default, and
//! `BELLOWS_FIXES_FULL=1` runs them all. The counts per rule are printed (the README has them).

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod support;

use bellows_core::diff::{diff, DiffOptions, Matching};
use bellows_core::edit::{apply, Edit};
use bellows_core::lint::{audit, fix_all, Finding, LintOptions, Rule};
use bellows_core::plan::{plan_changes, PlanOptions};
use bellows_core::{import, Dialect, Schema};
use std::collections::{BTreeMap, BTreeSet};

const PER_RULE: usize = 1;

/// What identifies a finding across two audits: its rule and object, not its place in the text
/// (which moves with the edits) nor its wording (which may list the types a fix changed). Two
/// redundant indexes on one column are told apart by their names, in the message. The rule on inconsistent types makes one finding per column name, at the first use of an
/// odd type: which use is odd moves when a fix adds columns of that name (a lookup table keyed by
/// `status`), so its finding is known by the name alone.
fn key(f: &Finding) -> (Rule, Option<String>, Option<String>, String) {
    let message = if f.rule == Rule::RedundantIndex { f.message.clone() } else { String::new() };
    let table = if f.rule == Rule::InconsistentColumnType { None } else { f.table.clone() };
    let column =
        f.column
            .as_ref()
            .map(|c| if f.rule == Rule::InconsistentColumnType { c.to_ascii_lowercase() } else { c.clone() });
    (f.rule, table, column, message)
}

/// Applies `edits` to `schema` and checks what every fix promises; `gone` are the findings the
/// edits fix.
fn check_fix(
    label: &str,
    schema: &Schema,
    dialect: Dialect,
    before: &[Finding],
    edits: &[Edit],
    gone: &[&Finding],
    whole_rule: bool,
) {
    let (target, skipped) = apply(schema, edits);
    assert!(skipped.is_empty(), "{label}: edits skipped: {skipped:?}\n{edits:?}");
    let options = LintOptions::default();
    let after = audit(&target, dialect, &options);
    let after_keys: BTreeSet<_> = after.iter().map(key).collect();
    for f in gone {
        assert!(!after_keys.contains(&key(f)), "{label}: still flagged after its fix: {}", f.message);
    }
    let before_keys: BTreeSet<_> = before.iter().map(key).collect();
    // Three consequences are reported, not avoided. Indexing a table's foreign keys can take it
    // past the audit's index limit, and the audit then says so. One column's new type sets it
    // apart from the columns of its name elsewhere, until "Fix all" changes them all. And a
    // table's new primary key shows the columns that look like references to it.
    let adds_indexes = edits.iter().any(|e| matches!(e, Edit::AddIndex { .. }));
    let keyed: Vec<String> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::SetPrimaryKey { table, primary: true, .. } => target.table(*table).map(|t| t.qualified_name()),
            _ => None,
        })
        .collect();
    let references_new_key = |f: &Finding| {
        f.rule == Rule::ReferenceWithoutForeignKey
            && keyed.iter().any(|k| f.message.ends_with(&format!(" to {k} but has no foreign key")))
    };
    let retypes_one = !whole_rule && edits.iter().any(|e| matches!(e, Edit::SetType { .. }));
    // A lookup table takes the style most of the schema's table names have; a schema of three
    // tables, too few for the naming rule, may grow into it and show its minority (Synapse's
    // state tables). The finding names an old table, never the new one.
    let created: Vec<String> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::ExtractLookup { lookup, .. } => target.table(*lookup).map(|t| t.qualified_name()),
            _ => None,
        })
        .collect();
    let old_minority = |f: &Finding| {
        f.rule == Rule::MixedNamingStyle
            && !created.is_empty()
            && f.table.as_ref().is_some_and(|t| !created.contains(t))
            && schema.tables.len() < 4
    };
    // A renamed column keeps its findings, under its new name; and renamed to the schema's
    // usual name for its concept (`date_added` to `created`), it is read by that name: a
    // creation time that allows NULL was there before, under a name the rule on
    // required-sounding names does not know.
    let renamed: Vec<(String, String, String)> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::RenameColumn { table, column, to } => {
                let old = schema.table(*table)?.columns.iter().find(|c| c.id == *column)?.name.clone();
                target.table(*table).map(|t| (t.qualified_name(), old, to.clone()))
            }
            _ => None,
        })
        .collect();
    let read_by_new_name = |f: &Finding| {
        renamed.iter().any(|(t, old, new)| {
            f.table.as_ref() == Some(t)
                && f.column.as_ref() == Some(new)
                && (f.rule == Rule::NullableButRequired || {
                    let (rule, table, _, message) = key(f);
                    before_keys.contains(&(rule, table, Some(old.clone()), message))
                })
        })
    };
    // Columns a fix moves into a new table take their findings with them: the same finding,
    // on the new table.
    let moved: Vec<(String, String, String)> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::ExtractColumns { table, columns, into, .. } => {
                let (old, new) = (schema.table(*table)?, target.table(*into)?);
                Some(
                    columns
                        .iter()
                        .filter_map(|id| old.columns.iter().find(|c| c.id == *id))
                        .map(|c| (new.qualified_name(), c.name.clone(), old.qualified_name()))
                        .collect::<Vec<_>>(),
                )
            }
            _ => None,
        })
        .flatten()
        .collect();
    let moved_with_its_column = |f: &Finding| {
        moved.iter().any(|(new, column, old)| {
            f.table.as_ref() == Some(new) && f.column.as_ref() == Some(column) && {
                let (rule, _, column, message) = key(f);
                before_keys.contains(&(rule, Some(old.clone()), column, message))
            }
        })
    };
    // Extracting a group changes which tables look alike: the same group taken from two tables
    // (Evergreen's `circ_*` in two import tables) makes two new tables alike, and the tables it
    // leaves narrower can now match a third (Evergreen's copies and serial units, once their
    // `dummy_*` columns left, and copy templates). The audit says so; the likeness was there,
    // spread over wider tables.
    let reshaped: Vec<String> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::ExtractColumns { table, into, .. } => {
                Some([target.table(*into)?.qualified_name(), target.table(*table)?.qualified_name()])
            }
            _ => None,
        })
        .flatten()
        .collect();
    let extracted_alike = |f: &Finding| {
        f.rule == Rule::DuplicateEntity
            && reshaped.iter().any(|t| {
                f.message.starts_with(&format!("{t} and "))
                    || f.message.contains(&format!(" and {t} share "))
                    || f.message.contains(&format!("({t},"))
                    || f.message.contains(&format!(" {t},"))
                    || f.message.contains(&format!(" {t})"))
            })
    };
    // A foreign key a fix adds states no ON DELETE (the edit has none to state), so where its
    // rows belong to the parent the audit asks which it should be: the owner's decision.
    let linked: Vec<(String, String)> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::AddForeignKey { table, column, .. } => {
                let t = target.table(*table)?;
                Some((t.qualified_name(), t.columns.iter().find(|c| c.id == *column)?.name.clone()))
            }
            _ => None,
        })
        .collect();
    let new_key_asks_intent = |f: &Finding| {
        f.rule == Rule::OwnershipWithoutOnDelete
            && linked.iter().any(|(t, c)| f.table.as_ref() == Some(t) && f.column.as_ref() == Some(c))
    };
    let new: Vec<&str> = after
        .iter()
        .filter(|f| !before_keys.contains(&key(f)))
        .filter(|f| !(adds_indexes && f.rule == Rule::WideTable && f.message.contains(" indexes ")))
        .filter(|f| !(retypes_one && f.rule == Rule::InconsistentColumnType))
        .filter(|f| !references_new_key(f))
        .filter(|f| !old_minority(f))
        .filter(|f| !read_by_new_name(f))
        .filter(|f| !moved_with_its_column(f))
        .filter(|f| !extracted_alike(f))
        .filter(|f| !new_key_asks_intent(f))
        .map(|f| f.message.as_str())
        .collect();
    assert!(new.is_empty(), "{label}: the fix raised new findings: {new:?}");
    let changes =
        diff(schema, &target, &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] });
    let plan = plan_changes(schema, &target, &changes, &PlanOptions { dialect, ..PlanOptions::default() });
    let steps: Vec<_> = plan.stages.iter().flat_map(|s| s.steps.iter()).collect();
    assert!(!steps.is_empty(), "{label}: the fix plans nothing");
    for step in steps {
        assert!(!step.sql.is_empty(), "{label}: a step without SQL: {}", step.title);
    }
}

/// Audits one schema file and checks its fixes, counting into `tally`: rule -> (findings, with a
/// fix, fixes run on their own).
fn check_file(
    root: &std::path::Path,
    path: &std::path::Path,
    full: bool,
    tally: &mut BTreeMap<&'static str, (usize, usize, usize)>,
) {
    let label = support::relative(root, path);
    let dialect = support::dialect_of(path);
    let text = std::fs::read_to_string(path).expect("corpus file");
    let schema = import(&text, Some(dialect)).schema;
    let findings = audit(&schema, dialect, &LintOptions::default());
    let mut by_rule: BTreeMap<Rule, Vec<&Finding>> = BTreeMap::new();
    for f in &findings {
        let t = tally.entry(f.rule.code()).or_default();
        t.0 += 1;
        if f.fix.is_some() {
            t.1 += 1;
            by_rule.entry(f.rule).or_default().push(f);
        }
    }
    for (rule, fixed) in &by_rule {
        // Spread over the list, so a sample is not just the first tables.
        let step = if full { 1 } else { fixed.len().div_ceil(PER_RULE).max(1) };
        for f in fixed.iter().step_by(step) {
            let fix = f.fix.as_ref().unwrap();
            check_fix(
                &format!("{label}: {} ({})", f.message, fix.label),
                &schema,
                dialect,
                &findings,
                &fix.edits,
                &[f],
                false,
            );
            tally.entry(rule.code()).or_default().2 += 1;
        }
        // Fix all: every fix of the rule as one list of edits, as the playground applies it.
        let all = fix_all(fixed.iter().copied());
        check_fix(&format!("{label}: fix all {}", rule.code()), &schema, dialect, &findings, &all, fixed, true);
    }
}

#[test]
fn every_fix_on_every_corpus_schema_applies_retires_its_finding_and_plans() {
    let Some(root) = support::corpora() else { return };
    let full = std::env::var("BELLOWS_FIXES_FULL").is_ok_and(|v| v == "1");
    // The files are independent: one worker per core takes the next file, the largest first so
    // the last to finish is a small one. A failing file panics its worker, and the scope then
    // fails the test with that file's message printed.
    let mut files = support::schema_files(&root);
    files.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    let tallies: Vec<BTreeMap<&'static str, (usize, usize, usize)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut tally = BTreeMap::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        check_file(&root, path, full, &mut tally);
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut tally: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for part in tallies {
        for (code, (n, fixable, run)) in part {
            let t = tally.entry(code).or_default();
            t.0 += n;
            t.1 += fixable;
            t.2 += run;
        }
    }
    println!("audit findings in the corpora, per rule: findings / with a fix / fixes run on their own");
    for (code, (n, fixable, run)) in &tally {
        println!("  {code}: {n} / {fixable} / {run}");
    }
    let fixable: usize = tally.values().map(|t| t.1).sum();
    assert!(fixable > 0, "no finding in the corpora offers a fix");
}
