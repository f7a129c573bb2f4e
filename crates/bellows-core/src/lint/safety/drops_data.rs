use crate::lint::{Action, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::types::TypeKind;
use crate::{DataType, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "drops-data",
    family: Family::Safety,
    severity: Severity::Warning,
    summary: "a table, a column or values are dropped",
    what_it_does: "Flags DROP DATABASE, DROP SCHEMA (CASCADE on PostgreSQL), DROP TABLE, DROP COLUMN, TRUNCATE and a narrowing type change (a shorter varchar, a smaller integer) on objects that exist before the migration. In a Bellows plan it is raised only outside Contract or on a step not marked one-way.",
    why_is_this_bad: "The data is gone; undoing the migration cannot bring it back, and a running version that still reads it fails.",
    example: "ALTER TABLE customers DROP COLUMN fax;\nDROP TABLE audit_log;",
    use_instead: "Stop reading and writing it first (deploy), keep a backup or an archive copy, then drop in a separate, last step (Contract).",
    peers: "squawk ban-drop-column, ban-drop-table, ban-drop-database; Atlas DS102, DS103; strong_migrations remove_column",
};

fn narrows(from: &TypeKind, to: &TypeKind) -> bool {
    use TypeKind::*;
    match (from, to) {
        (Varchar { length: Some(a) }, Varchar { length: Some(b) }) => b < a,
        (Text | Varchar { length: None }, Varchar { length: Some(_) } | Char { .. }) => true,
        (BigInt, Integer | SmallInt) | (Integer, SmallInt) => true,
        (Decimal { precision: Some(a), .. }, Decimal { precision: Some(b), .. }) => b < a,
        _ => false,
    }
}

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    for (i, s) in cx.statements.iter().enumerate() {
        match &s.op {
            Op::DropTable { tables } | Op::Truncate { tables } => {
                for t in tables.iter().filter(|t| !cx.created_here(t, i)) {
                    let verb = if matches!(s.op, Op::Truncate { .. }) { "truncating" } else { "dropping" };
                    out.push(
                        Finding::new(
                            Rule::DropsData,
                            format!("{verb} {t} deletes its rows for good"),
                            "stop every version from using it first, keep a backup, and drop it as the last step",
                        )
                        .at(s.span)
                        .on(t, None),
                    );
                }
            }
            Op::DropDatabase { name, what } => out.push(
                Finding::new(
                    Rule::DropsData,
                    format!("DROP {what} {name} deletes every table in it, and their rows, for good"),
                    "a migration should not drop a database or a schema: do it by hand, after a backup",
                )
                .at(s.span),
            ),
            Op::AlterTable { table, actions } if !cx.created_here(table, i) => {
                for a in actions {
                    match a {
                        Action::DropColumn { column } => out.push(
                            Finding::new(Rule::DropsData, format!("dropping {table}.{column} deletes its values for good"), "stop every version from reading and writing it first, keep a backup, and drop it as the last step")
                                .at(s.span)
                                .on(table, Some(column)),
                        ),
                        Action::AlterType { column, to } => {
                            let Some(from) = cx.base_column(table, column) else { continue };
                            if narrows(&from.data_type.kind, &DataType::parse(to).kind) {
                                out.push(
                                    Finding::new(Rule::DropsData, format!("changing {table}.{column} from {} to {to} narrows it: longer values fail or are cut", from.data_type.spelling), "count the values that do not fit first, and decide what to do with them before the change")
                                        .at(s.span)
                                        .on(table, Some(column)),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}
