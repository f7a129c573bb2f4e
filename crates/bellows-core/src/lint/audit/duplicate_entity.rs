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
    // Pairs that overlap join one group (union-find): a family of same-shaped tables (link
    // tables, per-year archives) is one finding, not one per pair.
    let mut parent: Vec<usize> = (0..sets.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut shared = vec![0usize; sets.len()];
    for (i, (_, sa)) in sets.iter().enumerate() {
        for (j, (_, sb)) in sets.iter().enumerate().skip(i + 1) {
            let common = sa.intersection(sb).count();
            let smaller = sa.len().min(sb.len());
            let union = sa.union(sb).count();
            if common * 4 >= smaller * 3 && common * 2 >= union {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if ri != rj {
                    parent[rj.max(ri)] = ri.min(rj);
                }
                shared[j] = shared[j].max(common);
                shared[i] = shared[i].max(common);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
    for i in 0..sets.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let names: Vec<String> = members.iter().map(|&i| sets[i].0.qualified_name()).collect();
        let shown = if names.len() > 4 {
            format!("{} and {} more", names[..4].join(", "), names.len() - 4)
        } else {
            names.join(", ")
        };
        let second = sets[members[1]].0;
        let message = if names.len() == 2 {
            format!(
                "{} and {} share {} of their columns: likely the same entity twice",
                names[0], names[1], shared[members[1]]
            )
        } else {
            format!(
                "{} tables have largely the same columns ({shown}): likely one entity, or one pattern, repeated",
                names.len()
            )
        };
        out.push(
            Finding::new(
                Rule::DuplicateEntity,
                message,
                "merge them into one table (with a kind column if they differ by type), or document why each exists",
            )
            .at(second.span)
            .on(&second.qualified_name(), None),
        );
    }
}
