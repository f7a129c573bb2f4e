use crate::lint::{Action, Constraint, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "scans-under-exclusive-lock",
    family: Family::Safety,
    severity: Severity::Error,
    summary: "a constraint is checked against every row while writes are blocked",
    what_it_does: "Flags SET NOT NULL without a validated CHECK (col IS NOT NULL) earlier in the migration, and ADD CONSTRAINT ... CHECK or FOREIGN KEY without NOT VALID, on a table that exists; ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID, SET NOT NULL and VALIDATE CONSTRAINT on a domain the migration does not create.",
    why_is_this_bad: "Validating the rule reads the whole table while the ALTER holds ACCESS EXCLUSIVE (SHARE ROW EXCLUSIVE on both tables for a foreign key): writes wait for the full scan. A domain's constraint is checked against every column of the domain in every table, each under SHARE (measured on PostgreSQL 15: VALIDATE of a domain's constraint takes SHARE too, unlike a table's).",
    example: "ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL;\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
    use_instead: "Add the constraint NOT VALID (a brief lock, no scan), then VALIDATE CONSTRAINT in its own statement (it scans under SHARE UPDATE EXCLUSIVE, which lets writes through). For NOT NULL on PostgreSQL 12+: a validated CHECK (col IS NOT NULL) lets SET NOT NULL skip its scan.",
    peers: "squawk adding-not-nullable-field, constraint-missing-not-valid, adding-foreign-key-constraint; ban-alter-domain-with-add-constraint; eugene E1, E2; strong_migrations add_foreign_key, change_column_null",
};

/// The tables of `base` with a column of the domain `name`.
fn domain_users(cx: &SafetyCx<'_>, name: &str) -> Vec<String> {
    let Some(base) = cx.base else { return Vec::new() };
    let short = crate::lint::short(name);
    base.tables
        .iter()
        .filter(|t| {
            t.columns.iter().any(|c| {
                let spelled = c.data_type.spelling.trim_matches('"');
                crate::model::same_name(crate::lint::short(spelled), short)
            })
        })
        .map(|t| t.qualified_name())
        .collect()
}

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for (i, s) in cx.statements.iter().enumerate() {
        let Op::DomainScan { name, what } = &s.op else { continue };
        // A domain the migration creates has no column yet.
        let short = crate::lint::short(name).to_ascii_lowercase();
        let created = cx.statements[..i].iter().any(|p| {
            let t = p.text.to_ascii_lowercase();
            t.starts_with("create domain")
                && t.split_whitespace().nth(2).is_some_and(|n| crate::lint::short(n.trim_matches('"')) == short)
        });
        if created {
            continue;
        }
        let users = domain_users(cx, name);
        if cx.base.is_some() && users.is_empty() {
            continue;
        }
        let tables = if users.is_empty() { format!("every table with a column of {name}") } else { users.join(", ") };
        let fix = if what == "VALIDATE CONSTRAINT" {
            "a domain's VALIDATE blocks writes too: run it when writes can wait, or check the columns with a NOT VALID CHECK on each table, validated table by table".to_string()
        } else {
            format!("add the constraint NOT VALID (no scan); the columns of {name} can be checked table by table with a CHECK on each, added NOT VALID and validated")
        };
        out.push(
            Finding::new(
                Rule::ScansUnderExclusiveLock,
                format!("ALTER DOMAIN {name} {what} checks every value of the domain in {tables} while writes to them are blocked (SHARE)"),
                fix,
            )
            .at(s.span),
        );
    }
    for (i, s, table, action) in super::existing_table_actions(cx) {
        match action {
            Action::SetNotNull { column } => {
                // Already NOT NULL in the schema it runs on: PostgreSQL does nothing.
                if cx.base_column(table, column).is_some_and(|c| !c.nullable) {
                    continue;
                }
                // A CHECK (column IS NOT NULL) validated earlier lets PostgreSQL 12+ skip the scan.
                // A CHECK (column IS NOT NULL) validated before lets PostgreSQL 12+ skip the
                // scan. The check may come from an earlier migration: a VALIDATE here of a
                // constraint on this table named after the column counts too.
                let validated: Vec<String> = cx.statements[..i]
                    .iter()
                    .filter_map(|p| match &p.op {
                        Op::AlterTable { table: t, actions }
                            if crate::model::same_name(crate::lint::short(t), crate::lint::short(table)) =>
                        {
                            Some(actions.iter().filter_map(|a| match a {
                                Action::ValidateConstraint { name } => Some(name.to_ascii_lowercase()),
                                _ => None,
                            }))
                        }
                        _ => None,
                    })
                    .flatten()
                    .collect();
                let col = column.to_ascii_lowercase();
                let check_here = cx.statements[..i].iter().any(|p| {
                    let t = p.text.to_ascii_lowercase().replace(['"', ' ', '\n'], "");
                    t.contains(&format!("check({col}isnotnull)"))
                });
                let proven = cx.options.pg_version >= 12
                    && !validated.is_empty()
                    && (check_here || validated.iter().any(|n| n.contains(&col)));
                if !proven {
                    out.push(
                        Finding::new(
                            Rule::ScansUnderExclusiveLock,
                            format!("SET NOT NULL on {table}.{column} scans the whole table under ACCESS EXCLUSIVE"),
                            format!("first ADD CONSTRAINT ... CHECK ({column} IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the check"),
                        )
                        .at(s.span)
                        .on(table, Some(column)),
                    );
                }
            }
            Action::AddConstraint {
                constraint: c @ (Constraint::Check | Constraint::ForeignKey),
                not_valid: false,
                ..
            } => {
                let what = if *c == Constraint::Check { "CHECK" } else { "FOREIGN KEY" };
                out.push(
                    Finding::new(
                        Rule::ScansUnderExclusiveLock,
                        format!("adding a {what} on {table} checks every existing row while writes are blocked"),
                        "add it NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a separate statement",
                    )
                    .at(s.span)
                    .on(table, None),
                );
            }
            Action::ValidateConstraint { name } => {
                // VALIDATE is harmless alone, but inside the transaction of the ALTER that added
                // the constraint it scans while that ALTER's ACCESS EXCLUSIVE is still held.
                let mut in_tx = cx.options.assume_in_transaction;
                let mut locked = false;
                for p in &cx.statements[..i] {
                    match &p.op {
                        Op::Begin => {
                            in_tx = true;
                            locked = false;
                        }
                        Op::Commit => {
                            in_tx = cx.options.assume_in_transaction;
                            locked = false;
                        }
                        Op::AlterTable { table: t, actions }
                            if crate::model::same_name(crate::lint::short(t), crate::lint::short(table))
                                && actions.iter().any(|a| !matches!(a, Action::ValidateConstraint { .. })) =>
                        {
                            locked = in_tx;
                        }
                        _ => {}
                    }
                }
                if locked {
                    out.push(
                        Finding::new(
                            Rule::ScansUnderExclusiveLock,
                            format!("VALIDATE CONSTRAINT {name} runs in the same transaction as an ALTER of {table}, so it scans while ACCESS EXCLUSIVE is held"),
                            "COMMIT after adding the constraint NOT VALID, and VALIDATE in its own transaction",
                        )
                        .at(s.span)
                        .on(table, None),
                    );
                }
            }
            _ => {}
        }
    }
}
