use crate::lint::{Action, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "blocking-partition-detach",
    family: Family::Safety,
    severity: Severity::Warning,
    summary: "a partition is detached without CONCURRENTLY",
    what_it_does: "Flags `ALTER TABLE ... DETACH PARTITION` without CONCURRENTLY (or FINALIZE, which completes a concurrent detach) on a partitioned table the migration did not create, when the target is PostgreSQL 14 or later.",
    why_is_this_bad: "A plain detach takes ACCESS EXCLUSIVE on the partitioned table: it waits for every query on any partition to finish, and every query that arrives after it waits too, so a long report stalls all reads and writes of the table.",
    example: "ALTER TABLE measurements DETACH PARTITION measurements_2019;",
    use_instead: "ALTER TABLE measurements DETACH PARTITION measurements_2019 CONCURRENTLY;  -- outside a transaction block; if it is interrupted, finish it with ... FINALIZE. Not possible while the table has a default partition.",
    peers: "squawk require-concurrent-partition-detach",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    // CONCURRENTLY arrived in PostgreSQL 14: before it, there is nothing better to say.
    if cx.dialect != Dialect::Postgres || cx.options.pg_version < 14 {
        return;
    }
    for (i, s) in cx.statements.iter().enumerate() {
        let Op::AlterTable { table, actions } = &s.op else { continue };
        if cx.created_here(table, i) {
            continue;
        }
        for a in actions {
            let Action::DetachPartition { partition, concurrently: false } = a else { continue };
            out.push(
                Finding::new(
                    Rule::BlockingPartitionDetach,
                    format!("detaching {partition} takes ACCESS EXCLUSIVE on {table}: every query on it waits"),
                    "use DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14 and later), outside a transaction block",
                )
                .at(s.span)
                .on(table, None),
            );
        }
    }
}
