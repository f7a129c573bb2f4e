use crate::lint::{Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "blocking-index-build",
    family: Family::Safety,
    severity: Severity::Error,
    summary: "an index is built, rebuilt or dropped without CONCURRENTLY on a table that exists",
    what_it_does: "Flags CREATE INDEX, DROP INDEX and REINDEX (of an index, a table, a schema or a database) without CONCURRENTLY, unless the table was created earlier in the same migration.",
    why_is_this_bad: "CREATE INDEX holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE waits. DROP INDEX takes ACCESS EXCLUSIVE on the table. REINDEX blocks writes to the table for the whole rebuild, and every read that would use the index.",
    example: "CREATE INDEX orders_customer_idx ON orders (customer_id);\nDROP INDEX orders_old_idx;\nREINDEX TABLE orders;",
    use_instead: "CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY / REINDEX ... CONCURRENTLY (PostgreSQL 12 and later), each outside a transaction block; check for an INVALID index if the build fails, and drop it before retrying.",
    peers: "squawk require-concurrent-index-creation, require-concurrent-index-deletion, require-concurrent-reindex; eugene E6; strong_migrations add_index, remove_index",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for (i, s) in cx.statements.iter().enumerate() {
        match &s.op {
            // ON ONLY builds nothing (the partitions' indexes are built and attached apart).
            Op::CreateIndex { table, concurrently: false, name, only: false, .. } if !cx.created_here(table, i) => {
                let name = name.as_deref().unwrap_or("the index");
                out.push(
                    Finding::new(
                        Rule::BlockingIndexBuild,
                        format!("building {name} on {table} blocks writes to {table} until it finishes"),
                        "use CREATE INDEX CONCURRENTLY, outside a transaction block",
                    )
                    .at(s.span)
                    .on(table, None),
                );
            }
            // A partitioned table's index cannot be dropped CONCURRENTLY (and its drop is
            // catalog-only).
            Op::DropIndex { names, concurrently: false } if !names.iter().all(|n| super::partitioned_index(cx, n)) => {
                // An index on a table created in this migration is new too.
                let on_new_table = names.iter().all(|n| {
                    cx.statements[..i].iter().enumerate().any(|(j, p)| {
                        matches!(&p.op, Op::CreateIndex { name: Some(m), table, .. }
                            if crate::model::same_name(crate::lint::short(m), crate::lint::short(n)) && cx.created_here(table, j))
                    })
                });
                if !on_new_table {
                    out.push(
                        Finding::new(
                            Rule::BlockingIndexBuild,
                            format!("dropping {} takes ACCESS EXCLUSIVE on its table", names.join(", ")),
                            "use DROP INDEX CONCURRENTLY, outside a transaction block",
                        )
                        .at(s.span),
                    );
                }
            }
            // REINDEX SYSTEM cannot run CONCURRENTLY: nothing better to offer.
            Op::Reindex { what, name, concurrently: false } if what != "SYSTEM" => {
                if what == "TABLE" && cx.created_here(name, i) {
                    continue;
                }
                let help = if cx.options.pg_version >= 12 {
                    format!("use REINDEX {what} CONCURRENTLY {name}, outside a transaction block")
                } else {
                    "REINDEX CONCURRENTLY needs PostgreSQL 12: build a new index CONCURRENTLY, then drop the old one CONCURRENTLY".to_string()
                };
                let whose = match what.as_str() {
                    "INDEX" => format!("the table of {name}"),
                    "TABLE" => name.clone(),
                    _ => format!("every table of {name}"),
                };
                out.push(
                    Finding::new(
                        Rule::BlockingIndexBuild,
                        format!("REINDEX {what} {name} blocks writes to {whose}, and the reads that use the index, until it finishes"),
                        help,
                    )
                    .at(s.span),
                );
            }
            _ => {}
        }
    }
}
