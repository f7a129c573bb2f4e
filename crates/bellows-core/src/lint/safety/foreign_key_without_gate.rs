use crate::lint::{Action, Constraint, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "foreign-key-without-gate",
    family: Family::Safety,
    severity: Severity::Warning,
    summary: "a MySQL foreign key is added to an existing table without its gate",
    what_it_does: "Flags ADD FOREIGN KEY on an existing MySQL or MariaDB table: with foreign_key_checks = 1 the server copies the table (or refuses INPLACE, error 1846); with foreign_key_checks = 0 it adds the key in place but never checks the rows already there.",
    why_is_this_bad: "MySQL has no NOT VALID / VALIDATE: either writes wait for a copy, or orphans stay in the table unseen and the key promises what the data does not hold.",
    example: "SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id), ALGORITHM=INPLACE;",
    use_instead: "Count the orphans first (SELECT COUNT(*) ... WHERE NOT EXISTS (parent)), add the key with foreign_key_checks = 0 only when they are 0, and count again after.",
    peers: "MySQL manual, Online DDL: foreign key operations",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::MySql {
        return;
    }
    let mut checks_on = true;
    for (i, s) in cx.statements.iter().enumerate() {
        match &s.op {
            Op::ForeignKeyChecks { on } => checks_on = *on,
            Op::AlterTable { table, actions } if !cx.created_here(table, i) => {
                let adds = actions
                    .iter()
                    .any(|a| matches!(a, Action::AddConstraint { constraint: Constraint::ForeignKey, .. }));
                if !adds {
                    continue;
                }
                let (message, help) = if checks_on {
                    (
                        format!("adding a foreign key to {table} with foreign_key_checks on copies the table while writes wait"),
                        "count the orphans first, then add the key with SET foreign_key_checks = 0 and ALGORITHM=INPLACE, and count again after",
                    )
                } else {
                    (
                        format!("with foreign_key_checks = 0 the server adds the key to {table} without checking the rows already there"),
                        "run a gate first (SELECT COUNT(*) of rows whose parent is missing must be 0) and again after the ALTER",
                    )
                };
                out.push(Finding::new(Rule::ForeignKeyWithoutGate, message, help).at(s.span).on(table, None));
            }
            _ => {}
        }
    }
}
