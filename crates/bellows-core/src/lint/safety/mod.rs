//! Safety rules: one per file. Each reads the analyzed statements of a migration (or of a plan
//! step) and reports what can hurt a running production database.

pub(crate) mod alter_without_algorithm;
pub(crate) mod blocking_index_build;
pub(crate) mod blocking_partition_detach;
pub(crate) mod breaks_running_app;
pub(crate) mod concurrent_index_in_transaction;
pub(crate) mod copies_table;
pub(crate) mod drops_data;
pub(crate) mod foreign_key_without_gate;
pub(crate) mod irreversible_enum_change;
pub(crate) mod missing_lock_timeout;
pub(crate) mod not_null_without_default;
pub(crate) mod rewrites_table;
pub(crate) mod scans_under_exclusive_lock;
pub(crate) mod unique_without_index_first;

use super::{Action, Finding, Op, SafetyCx, Statement};

pub(crate) fn run(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    rewrites_table::check(cx, out);
    scans_under_exclusive_lock::check(cx, out);
    blocking_index_build::check(cx, out);
    blocking_partition_detach::check(cx, out);
    concurrent_index_in_transaction::check(cx, out);
    missing_lock_timeout::check(cx, out);
    drops_data::check(cx, out);
    breaks_running_app::check(cx, out);
    not_null_without_default::check(cx, out);
    unique_without_index_first::check(cx, out);
    irreversible_enum_change::check(cx, out);
    alter_without_algorithm::check(cx, out);
    copies_table::check(cx, out);
    foreign_key_without_gate::check(cx, out);
}

/// Every `ALTER TABLE` action on a table that exists before the migration (not created
/// earlier in it): (statement index, statement, table, action).
/// True when the statement is `ALTER TABLE ONLY t` and the base has `t` partitioned.
pub(crate) fn only_partitioned(cx: &SafetyCx<'_>, s: &Statement, table: &str) -> bool {
    let words: Vec<String> = s.text.split_whitespace().take(3).map(str::to_ascii_uppercase).collect();
    words.len() == 3
        && words[0] == "ALTER"
        && words[1] == "TABLE"
        && words[2] == "ONLY"
        && cx.base.and_then(|b| b.find_table(table)).is_some_and(|t| t.partition_by.is_some())
}

/// True when an index of that name is on a partitioned table of the base: it cannot be
/// dropped CONCURRENTLY, and dropping it is catalog-only.
pub(crate) fn partitioned_index(cx: &SafetyCx<'_>, name: &str) -> bool {
    let short = crate::lint::short(name);
    cx.base.is_some_and(|b| {
        b.tables
            .iter()
            .filter(|t| t.partition_by.is_some())
            .any(|t| t.indexes.iter().any(|ix| ix.name.as_deref().is_some_and(|n| crate::model::same_name(n, short))))
    })
}

pub(crate) fn existing_table_actions<'a>(
    cx: &'a SafetyCx<'a>,
) -> impl Iterator<Item = (usize, &'a Statement, &'a str, &'a Action)> + 'a {
    cx.statements.iter().enumerate().flat_map(move |(i, s)| {
        let (table, actions): (&str, &[Action]) = match &s.op {
            Op::AlterTable { table, actions } if !cx.created_here(table, i) => (table.as_str(), actions.as_slice()),
            _ => ("", &[]),
        };
        actions.iter().map(move |a| (i, s, table, a))
    })
}
