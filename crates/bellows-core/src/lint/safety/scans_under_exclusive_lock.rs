use crate::lint::{Action, Constraint, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "scans-under-exclusive-lock",
    family: Family::Safety,
    severity: Severity::Error,
    summary: "a constraint is checked against every row while writes are blocked",
    what_it_does: "Flags SET NOT NULL without a validated CHECK (col IS NOT NULL) earlier in the migration, and ADD CONSTRAINT ... CHECK or FOREIGN KEY without NOT VALID, on a table that exists.",
    why_is_this_bad: "Validating the rule reads the whole table while the ALTER holds ACCESS EXCLUSIVE (SHARE ROW EXCLUSIVE on both tables for a foreign key): writes wait for the full scan.",
    example: "ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL;\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
    use_instead: "Add the constraint NOT VALID (a brief lock, no scan), then VALIDATE CONSTRAINT in its own statement (it scans under SHARE UPDATE EXCLUSIVE, which lets writes through). For NOT NULL on PostgreSQL 12+: a validated CHECK (col IS NOT NULL) lets SET NOT NULL skip its scan.",
    peers: "squawk adding-not-nullable-field, constraint-missing-not-valid, adding-foreign-key-constraint; eugene E1, E2; strong_migrations add_foreign_key, change_column_null",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for (i, s, table, action) in super::existing_table_actions(cx) {
        match action {
            Action::SetNotNull { column } => {
                // Already NOT NULL in the schema it runs on: PostgreSQL does nothing.
                if cx.base_column(table, column).is_some_and(|c| !c.nullable) {
                    continue;
                }
                // A CHECK (column IS NOT NULL) validated earlier lets PostgreSQL 12+ skip the scan.
                let proven = cx.options.pg_version >= 12
                    && cx.statements[..i].iter().any(|p| match &p.op {
                        Op::AlterTable { table: t, actions } => {
                            crate::model::same_name(crate::lint::short(t), crate::lint::short(table))
                                && actions.iter().any(|a| matches!(a, Action::ValidateConstraint { .. }))
                                && p.text.to_ascii_lowercase().contains("validate")
                        }
                        _ => false,
                    })
                    && cx.statements[..i].iter().any(|p| {
                        let t = p.text.to_ascii_lowercase().replace(['"', ' '], "");
                        t.contains(&format!("check({}isnotnull)", column.to_ascii_lowercase()))
                    });
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
            _ => {}
        }
    }
}
