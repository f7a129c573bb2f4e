use crate::lint::{Action, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "concurrent-index-in-transaction",
    family: Family::Safety,
    severity: Severity::Error,
    summary: "CONCURRENTLY inside a transaction block fails",
    what_it_does: "Flags CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY between BEGIN and COMMIT (or anywhere, when the migration tool wraps every migration in a transaction).",
    why_is_this_bad: "PostgreSQL refuses CONCURRENTLY inside a transaction block: the migration fails at that statement, after the ones before it ran.",
    example: "BEGIN;\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\nCOMMIT;",
    use_instead: "Run the concurrent index statement on its own, outside BEGIN/COMMIT (most migration tools have a per-migration switch to turn their transaction off).",
    peers: "squawk ban-concurrent-index-creation-in-transaction; strong_migrations (disable_ddl_transaction!)",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    let mut in_transaction = cx.options.assume_in_transaction;
    for s in cx.statements {
        match &s.op {
            Op::Begin => in_transaction = true,
            // An explicit COMMIT ends the tool's transaction too.
            Op::Commit => in_transaction = false,
            Op::CreateIndex { concurrently: true, table, .. } if in_transaction => out.push(
                Finding::new(
                    Rule::ConcurrentIndexInTransaction,
                    format!("CREATE INDEX CONCURRENTLY on {table} cannot run inside a transaction block"),
                    "move it out of BEGIN/COMMIT, or turn off the migration tool's transaction for this migration",
                )
                .at(s.span)
                .on(table, None),
            ),
            Op::DropIndex { concurrently: true, .. } if in_transaction => out.push(
                Finding::new(
                    Rule::ConcurrentIndexInTransaction,
                    "DROP INDEX CONCURRENTLY cannot run inside a transaction block",
                    "move it out of BEGIN/COMMIT, or turn off the migration tool's transaction for this migration",
                )
                .at(s.span),
            ),
            Op::Reindex { concurrently: true, what, name } if in_transaction => out.push(
                Finding::new(
                    Rule::ConcurrentIndexInTransaction,
                    format!("REINDEX {what} CONCURRENTLY {name} cannot run inside a transaction block"),
                    "move it out of BEGIN/COMMIT, or turn off the migration tool's transaction for this migration",
                )
                .at(s.span),
            ),
            Op::AlterTable { table, actions }
                if in_transaction
                    && actions.iter().any(|a| matches!(a, Action::DetachPartition { concurrently: true, .. })) =>
            {
                out.push(
                    Finding::new(
                        Rule::ConcurrentIndexInTransaction,
                        format!("DETACH PARTITION ... CONCURRENTLY on {table} cannot run inside a transaction block"),
                        "move it out of BEGIN/COMMIT, or turn off the migration tool's transaction for this migration",
                    )
                    .at(s.span)
                    .on(table, None),
                )
            }
            _ => {}
        }
    }
}
