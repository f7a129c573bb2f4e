//! Dependents a plan cannot carry: an object of the target (a view, a trigger, a policy, a
//! generated column) that still reads a table or column the target drops or renames. The
//! server would refuse the change (or the object would break), and only a person can say what
//! the object becomes, so the plan stops and names it.

use crate::diff::Change;
use crate::model::*;
use crate::rewrite::{self, TableRef};
use crate::Dialect;

/// A table or column the target no longer has under its base name.
enum Gone<'a> {
    Table { name: &'a str, what: String },
    Column { table: &'a str, column: &'a str, what: String },
}

pub(super) fn blockers(base: &Schema, target: &Schema, changes: &[Change], d: Dialect) -> Vec<String> {
    let mut gone = Vec::new();
    for c in changes {
        match c {
            Change::DropTable { table } => gone.push(Gone::Table { name: table, what: "drops".into() }),
            Change::RenameTable { from, to } => gone.push(Gone::Table { name: from, what: format!("renames to {to}") }),
            Change::DropColumn { table, column } => {
                gone.push(Gone::Column { table, column, what: "drops".into() });
            }
            Change::RenameColumn { table, from, to } => {
                gone.push(Gone::Column { table, column: from, what: format!("renames to {to}") });
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    // A new foreign key on a column whose values a sequence or identity generates: every row
    // inserted with the generated value would point at a row the other table does not have.
    for c in changes {
        let Change::AddForeignKey { table, foreign_key } = c else { continue };
        let Some(t) = target.find_table(table) else { continue };
        for column in foreign_key.columns.iter().filter_map(|n| t.column(n)) {
            let generated = column.identity.is_some()
                || column.default.as_ref().is_some_and(|d| d.expr.to_ascii_lowercase().contains("nextval("));
            if generated {
                out.push(format!(
                    "foreign key {table}({}) -> {}: {table}.{} takes its values from a sequence, so new rows would point at {} rows that do not exist; reference {} from another column",
                    foreign_key.columns.join(", "),
                    foreign_key.ref_table,
                    column.name,
                    foreign_key.ref_table,
                    foreign_key.ref_table
                ));
            }
        }
    }
    // PostgreSQL (before 18) has no NOT VALID foreign key on a partitioned table: the key
    // would be checked over every partition while writes wait.
    if d == Dialect::Postgres {
        for c in changes {
            let Change::AddForeignKey { table, foreign_key } = c else { continue };
            let partitioned = target.find_table(table).is_some_and(|t| t.partition_by.is_some());
            if partitioned && base.find_table(table).is_some() {
                out.push(format!(
                    "foreign key {table}({}) -> {}: {table} is partitioned, and PostgreSQL before 18 adds no NOT VALID foreign key to a partitioned table, so it would check every partition's rows while writes wait; add the key to each partition (NOT VALID, then VALIDATE), then to {table}",
                    foreign_key.columns.join(", "),
                    foreign_key.ref_table,
                ));
            }
        }
    }
    // A new single-column key on a column with a constant default: the second row inserted
    // with the default collides with the first.
    for c in changes {
        let (Change::AddUnique { table, key } | Change::AddPrimaryKey { table, key }) = c else { continue };
        let Some(t) = target.find_table(table) else { continue };
        let [only] = key.columns.as_slice() else { continue };
        let Some(column) = t.column(only) else { continue };
        if let Some(d) = column.default.as_ref().filter(|d| !d.volatile && !d.expr.trim().eq_ignore_ascii_case("null"))
        {
            out.push(format!(
                "unique ({only}) on {table}: {table}.{only} defaults to {}, so a second row inserted with the default would be a duplicate; drop the default or the key",
                d.expr
            ));
        }
    }
    let probe = "bellows_probe_name";
    for g in &gone {
        match g {
            Gone::Table { name, what } => {
                if target.find_table(name).is_some() {
                    continue; // the name is taken by another table in the target
                }
                let (ns, short) = split_qualified(name);
                let table = TableRef { namespace: ns, name: short };
                for v in target.views.iter().filter(|v| rewrite::reads_table(&v.definition, d, table)) {
                    out.push(format!(
                        "view {} reads {name}, which the target {what}: change or drop the view in the design",
                        v.qualified_name()
                    ));
                }
                // A routine that takes or returns the table's row type depends on the table.
                for r in target.routines.iter().filter(|r| {
                    crate::import::objects::mentions(crate::render::ddl::routine_signature(&r.definition), short)
                }) {
                    out.push(format!(
                        "{} {} takes or returns the row type of {name}, which the target {what}: change or drop it in the design",
                        r.kind.sql().to_ascii_lowercase(),
                        r.signature()
                    ));
                }
            }
            Gone::Column { table, column, what } => {
                // The column's table as the target names it (a renamed table keeps its id).
                let Some(t) = target.find_table(table).or_else(|| {
                    let id = base.find_table(table)?.id;
                    target.tables.iter().find(|t| t.id == id)
                }) else {
                    continue;
                };
                if t.column(column).is_some() {
                    continue; // another column took the name
                }
                let table_ref = TableRef { namespace: t.namespace.as_deref(), name: &t.name };
                let columns: Vec<(String, Vec<String>)> = target
                    .tables
                    .iter()
                    .map(|t| (t.qualified_name(), t.columns.iter().map(|c| c.name.clone()).collect()))
                    .collect();
                let columns_of = |parts: &[&str]| -> Option<Vec<String>> {
                    let name = parts.join(".");
                    columns
                        .iter()
                        .find(|(q, _)| same_name(q, &name) || same_name(split_qualified(q).1, &name))
                        .map(|(_, c)| c.clone())
                };
                let qualified = t.qualified_name();
                for v in &target.views {
                    let reads = match rewrite::rename_column_in_query(
                        &v.definition,
                        d,
                        table_ref,
                        column,
                        probe,
                        &columns_of,
                    ) {
                        Ok(text) => text != v.definition,
                        // Cannot tell which relation an unqualified name belongs to: it may be ours.
                        Err(_) => {
                            rewrite::reads_table(&v.definition, d, table_ref)
                                && rewrite::names(&v.definition, d, column)
                        }
                    };
                    if reads {
                        out.push(format!(
                            "view {} reads {qualified}.{column}, which the target {what}: change or drop the view in the design",
                            v.qualified_name()
                        ));
                    }
                }
                let header = |text: &str, quals: &[&str]| {
                    rewrite::rename_column_in_header(text, d, quals, column, probe) != text
                };
                for tr in target.triggers.iter().filter(|tr| same_name(&tr.table, &qualified)) {
                    if header(&tr.definition, &["new", "old", &t.name]) {
                        out.push(format!(
                            "trigger {} on {qualified} names {column}, which the target {what}: change or drop the trigger in the design",
                            tr.name
                        ));
                    }
                }
                for p in target.policies.iter().filter(|p| same_name(&p.table, &qualified)) {
                    if header(&p.definition, &[&t.name]) {
                        out.push(format!(
                            "{} {} on {qualified} names {column}, which the target {what}: change or drop it in the design",
                            if p.kind == PolicyKind::Rule { "rule" } else { "policy" },
                            p.name
                        ));
                    }
                }
                for r in target.routines.iter().filter(|r| routine_names_column(target, r, t, column)) {
                    out.push(format!(
                        "{} {} names {qualified}.{column} in its body, which the target {what}: Bellows does not rewrite routine bodies; change it in the design",
                        r.kind.sql().to_ascii_lowercase(),
                        r.signature()
                    ));
                }
                for c in t.columns.iter().filter(|c| c.generated.as_ref().is_some_and(|g| header(&g.expr, &[&t.name])))
                {
                    out.push(format!(
                        "generated column {qualified}.{} is computed from {column}, which the target {what}: change or drop it in the design",
                        c.name
                    ));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// True when routine `r`'s body names `column` of `t`: as `t.column`; as `NEW.column` or
/// `OLD.column` in a function a trigger on `t` runs; or unqualified, in a body that names `t`
/// and no other table of the target with a column of that name (the column cannot be another's).
fn routine_names_column(target: &Schema, r: &Routine, t: &Table, column: &str) -> bool {
    use crate::import::objects::mentions;
    let body = &r.definition;
    if !mentions(body, column) {
        return false;
    }
    let dotted = |q: &str| {
        [
            format!("{q}.{column}"),
            format!("{q}.\"{column}\""),
            format!("\"{q}\".\"{column}\""),
            format!("\"{q}\".{column}"),
        ]
        .iter()
        .any(|needle| mentions(body, needle))
    };
    if dotted(&t.name) {
        return true;
    }
    let fires_on_t = target.triggers.iter().any(|tr| {
        same_name(&tr.table, &t.qualified_name()) && {
            let f = tr.function.split('(').next().unwrap_or("").trim();
            same_name(split_qualified(f).1, &r.name)
        }
    });
    if fires_on_t && (dotted("new") || dotted("old")) {
        return true;
    }
    mentions(body, &t.name)
        && !target.tables.iter().any(|o| o.id != t.id && o.column(column).is_some() && mentions(body, &o.name))
}

#[cfg(test)]
mod tests {
    use crate::plan::{plan, PlanOptions};
    use crate::{diff::DiffOptions, import, Dialect};

    fn blockers_of(base: &str, target: &str) -> Vec<String> {
        let b = import(base, Some(Dialect::Postgres)).schema;
        let t = import(target, Some(Dialect::Postgres)).schema;
        plan(&b, &t, &DiffOptions::default(), &PlanOptions::default()).blockers
    }

    const TABLES: &str = "CREATE TABLE orders (id int PRIMARY KEY, total numeric, note text);\n\
        CREATE TABLE lines (id int PRIMARY KEY, note text);\n";

    #[test]
    fn a_reference_from_a_generated_key_is_named() {
        let base = "CREATE TABLE acls (id int PRIMARY KEY);\nCREATE TABLE notes (id serial PRIMARY KEY, body text, acl int);\n";
        let from_id = base.replace("id serial PRIMARY KEY, body", "id serial PRIMARY KEY REFERENCES acls (id), body");
        let found = blockers_of(base, &from_id);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("foreign key notes(id) -> acls: notes.id takes its values from a sequence"),
            "{found:?}"
        );
        // From a column the application writes, the same reference is fine.
        let from_acl = base.replace("acl int", "acl int REFERENCES acls (id)");
        assert!(blockers_of(base, &from_acl).is_empty());
    }

    #[test]
    fn a_view_reading_a_dropped_column_is_named() {
        let view = "CREATE VIEW big AS SELECT id, total FROM orders WHERE total > 100;\n";
        let base = format!("{TABLES}{view}");
        let target = format!("{}{view}", TABLES.replace(", total numeric", ""));
        let found = blockers_of(&base, &target);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("view big reads orders.total"), "{found:?}");
    }

    #[test]
    fn a_trigger_function_naming_new_column_is_named_and_another_tables_column_is_not() {
        let routines = "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := upper(NEW.note); RETURN NEW; END $$;\n\
            CREATE TRIGGER stamp BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION stamp();\n\
            CREATE FUNCTION line_notes() RETURNS bigint LANGUAGE sql AS $$ SELECT count(note) FROM lines $$;\n";
        let base = format!("{TABLES}{routines}");
        let target = format!("{}{routines}", TABLES.replace(", total numeric, note text", ", total numeric"));
        let found = blockers_of(&base, &target);
        assert!(found.iter().any(|f| f.starts_with("function stamp() names orders.note in its body")), "{found:?}");
        assert!(!found.iter().any(|f| f.contains("line_notes")), "{found:?}");
        // Without the drop, nothing is named.
        assert!(blockers_of(&base, &base).is_empty());
    }
}
