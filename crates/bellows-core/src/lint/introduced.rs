//! The debt a hand-written migration brings in. The audit judges a schema as it stands; a
//! migration is judged on what it adds: the tables it creates, the columns it adds to or retypes
//! on tables that exist, and every name it writes. Only the audit rules that judge a column on
//! its own (its type, its name) run here: the rest need the whole schema, which `bellows lint`
//! audits.

use super::audit::reserved_or_long_identifier::name_limit;
use super::{audit, Action, AuditCx, Finding, LintOptions, Op, Rule, Statement};
use crate::{Dialect, Schema};

/// The audit rules a new column is judged by, each reading nothing but the column.
fn column_rules(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    audit::timestamp_without_time_zone::check(cx, out);
    audit::fixed_length_char::check(cx, out);
    audit::json_not_jsonb::check(cx, out);
    audit::serial_not_identity::check(cx, out);
    audit::money_in_float::check(cx, out);
    audit::reserved_or_long_identifier::check(cx, out);
    audit::uuid_in_text::check(cx, out);
    audit::flag_in_number::check(cx, out);
    audit::time_in_number::check(cx, out);
}

/// A possibly qualified name, each part quoted where the dialect needs it.
fn quote(name: &str, dialect: Dialect) -> String {
    name.split('.').map(|part| crate::render::ident(part, dialect)).collect::<Vec<_>>().join(".")
}

fn too_long(name: &str, dialect: Dialect) -> bool {
    match (dialect, name_limit(dialect)) {
        (Dialect::MySql, Some(limit)) => name.chars().count() > limit,
        (_, Some(limit)) => name.len() > limit,
        (_, None) => false,
    }
}

pub(crate) fn run(
    sql: &str,
    statements: &[Statement],
    dialect: Dialect,
    options: &LintOptions,
    out: &mut Vec<Finding>,
) {
    let mut found = Vec::new();
    // The tables the migration creates, as the importer reads them (with the columns later
    // statements add to them); their spans are the migration's own.
    let created = crate::import(sql, Some(dialect)).schema;
    column_rules(&AuditCx::new(&created, dialect, options), &mut found);
    // Columns added to, or retyped on, a table the migration does not create: each is read as
    // a one-column table and judged alone, at its statement.
    for s in statements {
        let Op::AlterTable { table, actions } = &s.op else { continue };
        if created.find_table(table).is_some() {
            continue;
        }
        for action in actions {
            let (column, definition) = match action {
                Action::AddColumn { column, data_type, .. } => (column, data_type),
                Action::AlterType { column, to } => (column, to),
                _ => continue,
            };
            if definition.is_empty() {
                continue;
            }
            let ddl = format!("CREATE TABLE {} ({} {definition});", quote(table, dialect), quote(column, dialect));
            let mut one: Schema = crate::import(&ddl, Some(dialect)).schema;
            for t in &mut one.tables {
                t.span = s.span;
                for c in &mut t.columns {
                    c.span = s.span;
                }
            }
            let mut judged = Vec::new();
            column_rules(&AuditCx::new(&one, dialect, options), &mut judged);
            // The table exists: only the column is the migration's.
            found.extend(judged.into_iter().filter(|f| f.column.is_some()));
        }
    }
    // Names over the limit are reported once, below, wherever the migration writes them (a DROP
    // or an index names one as surely as a CREATE TABLE).
    found.retain(|f| {
        let name = f.column.as_deref().or(f.table.as_deref().map(super::short)).unwrap_or("");
        !(f.rule == Rule::ReservedOrLongIdentifier && too_long(name, dialect))
    });
    for f in &mut found {
        // The fixes are edits to a design; a migration is changed by hand.
        f.fix = None;
    }
    if let Some(limit) = name_limit(dialect) {
        let bytes = dialect != Dialect::MySql;
        for (name, span) in super::migration::long_names(sql, dialect, limit) {
            if !too_long(&name, dialect) {
                continue;
            }
            let (message, help) = if bytes {
                let mut cut = limit;
                while !name.is_char_boundary(cut) {
                    cut -= 1;
                }
                (
                    format!(
                        "{name} is {} bytes: PostgreSQL cuts it to its first {limit}, {}, so this statement names a different object than it says",
                        name.len(),
                        &name[..cut]
                    ),
                    format!("use a name of at most {limit} bytes"),
                )
            } else {
                (
                    format!("{name} is {} characters: MySQL refuses a name over {limit}", name.chars().count()),
                    format!("use a name of at most {limit} characters"),
                )
            };
            found.push(Finding::new(Rule::ReservedOrLongIdentifier, message, help).at(span));
        }
    }
    out.extend(found);
}
