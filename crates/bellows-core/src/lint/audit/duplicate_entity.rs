use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::Severity;
use std::collections::BTreeSet;

pub(crate) const DOC: Doc = Doc {
    code: "duplicate-entity",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "two tables hold largely the same columns",
    what_it_does: "Flags pairs of tables with at least 4 columns each whose column names (keys and timestamps aside) overlap by 75% or more.",
    why_is_this_bad: "The same entity stored twice drifts apart: two sources of truth, writes that update one copy, reports that disagree.",
    example: "CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text, phone text, city text);\nCREATE TABLE clients (id bigint PRIMARY KEY, name text, email text, phone text, city text);",
    use_instead: "Merge them into one table (Bellows' merge recipe: backfill into the survivor, keep the other as a view until its readers move).",
    peers: "none in migration linters",
};

const IGNORED: &[&str] =
    &["id", "created_at", "updated_at", "deleted_at", "inserted_at", "created", "updated", "version"];

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    let sets: Vec<(&crate::Table, BTreeSet<String>)> = super::tables(cx)
        .map(|t| {
            let names = t
                .columns
                .iter()
                .map(|c| c.name.to_ascii_lowercase())
                .filter(|n| !IGNORED.contains(&n.as_str()))
                .collect();
            (t, names)
        })
        .filter(|(_, s): &(_, BTreeSet<String>)| s.len() >= 4)
        .collect();
    // Large schemas: compare pairs, but bail out on pathological sizes to keep the audit fast.
    if sets.len() > 3000 {
        return;
    }
    for (i, (a, sa)) in sets.iter().enumerate() {
        for (b, sb) in &sets[i + 1..] {
            let common = sa.intersection(sb).count();
            let smaller = sa.len().min(sb.len());
            let union = sa.union(sb).count();
            if common * 4 >= smaller * 3 && common * 2 >= union {
                out.push(
                    Finding::new(
                        Rule::DuplicateEntity,
                        format!(
                            "{} and {} share {common} of their columns: likely the same entity twice",
                            a.qualified_name(),
                            b.qualified_name()
                        ),
                        "merge them into one table, or document why both exist",
                    )
                    .at(b.span)
                    .on(&b.qualified_name(), None),
                );
            }
        }
    }
}
