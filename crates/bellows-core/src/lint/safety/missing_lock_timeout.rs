use crate::lint::{Action, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "missing-lock-timeout",
    family: Family::Safety,
    severity: Severity::Warning,
    summary: "an ACCESS EXCLUSIVE statement runs with no lock_timeout",
    what_it_does: "Flags the first statement that takes ACCESS EXCLUSIVE on an existing table (most ALTER TABLE forms, DROP TABLE, TRUNCATE, DROP INDEX, REINDEX, VACUUM FULL, CLUSTER) when no SET lock_timeout came before it. On MySQL and MariaDB: the first DDL statement on an existing table with no SET SESSION lock_wait_timeout before it and no WAIT clause.",
    why_is_this_bad: "While the statement waits for its lock behind a long query, every later query on the table queues behind it: a brief catalog change becomes an outage.",
    example: "ALTER TABLE orders ADD COLUMN note text;",
    use_instead: "SET lock_timeout = '2s'; first, and retry the migration when it times out.",
    peers: "squawk require-timeout-settings; eugene E9",
};

fn takes_access_exclusive(op: &Op) -> Option<&str> {
    match op {
        Op::AlterTable { table, actions } => {
            // VALIDATE CONSTRAINT and DETACH PARTITION CONCURRENTLY take SHARE UPDATE EXCLUSIVE.
            let weaker = actions.iter().all(|a| {
                matches!(a, Action::ValidateConstraint { .. } | Action::DetachPartition { concurrently: true, .. })
            });
            (!weaker).then_some(table.as_str())
        }
        // ACCESS EXCLUSIVE on each index it rebuilds.
        Op::Reindex { name, concurrently: false, .. } => Some(name.as_str()),
        // VACUUM FULL and CLUSTER of named tables (a bare CLUSTER names none here).
        Op::DropTable { tables } | Op::Truncate { tables } | Op::Rewrite { tables, .. } => {
            tables.first().map(String::as_str)
        }
        Op::DropIndex { concurrently: false, names } => names.first().map(String::as_str),
        _ => None,
    }
}

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect == Dialect::MySql {
        return check_mysql(cx, out);
    }
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for (i, s) in cx.statements.iter().enumerate() {
        if matches!(s.op, Op::SetLockTimeout) {
            return;
        }
        if let Some(table) = takes_access_exclusive(&s.op) {
            if cx.created_here(table, i) {
                continue;
            }
            out.push(
                Finding::new(
                    Rule::MissingLockTimeout,
                    format!("this statement takes ACCESS EXCLUSIVE on {table} with no lock_timeout set"),
                    "put SET lock_timeout = '2s'; before it, and retry when it times out",
                )
                .at(s.span)
                .on(table, None),
            );
            return;
        }
    }
}

/// MySQL and MariaDB: every DDL statement takes an exclusive metadata lock first, and waits for
/// it up to `lock_wait_timeout` (a year on MySQL, a day on MariaDB) behind any open
/// transaction that touched the table, while every later query on the table queues behind it.
fn check_mysql(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    for (i, s) in cx.statements.iter().enumerate() {
        if matches!(s.op, Op::SetLockTimeout) {
            return;
        }
        let table = match &s.op {
            Op::AlterTable { table, actions } if !actions.iter().any(|a| matches!(a, Action::Wait)) => table.as_str(),
            Op::DropTable { tables } | Op::Truncate { tables } => match tables.first() {
                Some(t) => t.as_str(),
                None => continue,
            },
            Op::CreateIndex { table, .. } => table.as_str(),
            _ => continue,
        };
        if cx.created_here(table, i) {
            continue;
        }
        out.push(
            Finding::new(
                Rule::MissingLockTimeout,
                format!("this statement waits for the metadata lock on {table} with no lock_wait_timeout set (a year on MySQL, a day on MariaDB)"),
                "put SET SESSION lock_wait_timeout = 5; before it (or ALTER TABLE ... WAIT 5 on MariaDB), and retry when it times out",
            )
            .at(s.span)
            .on(table, None),
        );
        return;
    }
}
