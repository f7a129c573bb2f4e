//! A PostgreSQL plan as a pgroll migration (<https://github.com/xataio/pgroll>).
//!
//! pgroll runs its own expand and contract: `pgroll start` expands (new columns, triggers that
//! keep both versions in step, a versioned schema of views per version) and `pgroll complete`
//! contracts. So a Bellows plan becomes one pgroll migration whose operations are the plan's
//! changes, each as pgroll's own operation where pgroll has one (add, drop, rename and alter
//! column, create and drop table and index, rename table, constraints). A change pgroll has no
//! operation for becomes `sql` operations holding the plan's own steps for it: those that
//! come before Contract run at start (with their undo as `down`), those of Contract run at
//! complete (`onComplete`). The file is checked against pgroll's JSON Schema by a test.

use super::{Plan, StageKind};
use crate::diff::{Change, ChangeSet};
use crate::model::{same_name, split_qualified, ForeignKey, RefAction, Schema, Table};
use serde_json::{json, Map, Value};

fn column_of<'a>(schema: &'a Schema, table: &str, column: &str) -> Option<(&'a Table, &'a crate::Column)> {
    let t = schema.find_table(table)?;
    Some((t, t.column(column)?))
}

fn quote(name: &str) -> String {
    crate::render::ident(name, crate::Dialect::Postgres)
}

fn action(a: RefAction) -> &'static str {
    a.sql()
}

fn references(fk: &ForeignKey, target: &Schema) -> Option<Value> {
    let parent = target.find_table(&fk.ref_table)?;
    let column = fk.ref_columns.first().cloned().or_else(|| parent.primary_key.as_ref()?.columns.first().cloned())?;
    Some(json!({
        "name": fk.name.clone().unwrap_or_else(|| format!("{}_{}_fkey", split_qualified(&fk.ref_table).1, fk.columns.join("_"))),
        "table": parent.qualified_name(),
        "column": column,
        "on_delete": action(fk.on_delete),
        "on_update": action(fk.on_update),
    }))
}

/// A column as pgroll's `Column`, or `None` when pgroll cannot add it as it is (a NOT NULL
/// column with no default, which needs values the plan asks the user for).
fn column_json(t: &Table, c: &crate::Column, target: &Schema, in_new_table: bool) -> Option<Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(c.name));
    m.insert("type".into(), json!(c.data_type.as_type()));
    m.insert("nullable".into(), json!(c.nullable));
    if let Some(d) = &c.default {
        m.insert("default".into(), json!(d.expr));
    } else if !c.nullable && !in_new_table && c.identity.is_none() {
        return None;
    }
    if in_new_table && t.is_primary_key(&c.name) && t.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1) {
        m.insert("pk".into(), json!(true));
    }
    if t.uniques.iter().any(|u| u.columns.len() == 1 && same_name(&u.columns[0], &c.name)) {
        m.insert("unique".into(), json!(true));
    }
    if let Some(fk) = t.foreign_keys.iter().find(|f| f.columns.len() == 1 && same_name(&f.columns[0], &c.name)) {
        if let Some(r) = references(fk, target) {
            m.insert("references".into(), r);
        }
    }
    if let Some(note) = &c.comment {
        m.insert("comment".into(), json!(note));
    }
    Some(Value::Object(m))
}

/// The pgroll operation for a change, when pgroll has one.
fn operation(change: &Change, target: &Schema) -> Option<Value> {
    Some(match change {
        Change::AddColumn { table, column } => {
            let (t, c) = column_of(target, table, column)?;
            json!({ "add_column": { "table": table, "column": column_json(t, c, target, false)? } })
        }
        Change::DropColumn { table, column } => json!({ "drop_column": { "table": table, "column": column } }),
        Change::RenameColumn { table, from, to } => {
            json!({ "rename_column": { "table": table, "from": from, "to": to } })
        }
        Change::RenameTable { from, to } => json!({ "rename_table": { "from": from, "to": to } }),
        Change::DropTable { table } => json!({ "drop_table": { "name": table } }),
        Change::CreateTable { table } => {
            let t = target.find_table(table)?;
            let columns: Option<Vec<Value>> = t.columns.iter().map(|c| column_json(t, c, target, true)).collect();
            // A composite key has no place in pgroll's column list: the plan's SQL does it.
            if t.primary_key.as_ref().is_some_and(|k| k.columns.len() > 1) || t.columns.is_empty() {
                return None;
            }
            json!({ "create_table": { "name": table, "columns": columns? } })
        }
        Change::ChangeType { table, column, from, to } => {
            let q = quote(column);
            json!({ "alter_column": {
                "table": table, "column": column, "type": to.as_type(),
                "up": format!("CAST({q} AS {})", to.as_type()),
                "down": format!("CAST({q} AS {})", from.as_type()),
            } })
        }
        Change::SetDefault { table, column, to, .. } => {
            let q = quote(column);
            json!({ "alter_column": { "table": table, "column": column, "default": to, "up": q, "down": q } })
        }
        Change::DropNotNull { table, column } => {
            let q = quote(column);
            json!({ "alter_column": { "table": table, "column": column, "nullable": true, "up": q, "down": q } })
        }
        Change::SetNotNull { table, column } => {
            // pgroll needs a value for the rows that have none; only the column's default is one
            // the design states.
            let (_, c) = column_of(target, table, column)?;
            let fill = c.default.as_ref()?.expr.clone();
            let q = quote(column);
            json!({ "alter_column": {
                "table": table, "column": column, "nullable": false,
                "up": format!("COALESCE({q}, {fill})"), "down": q,
            } })
        }
        Change::CreateIndex { table, index } => {
            let columns: Option<Vec<Value>> = index
                .parts
                .iter()
                .map(|p| match p {
                    crate::model::IndexPart::Column { name, descending } => Some(if *descending {
                        json!({ "column": name, "sort": "DESC" })
                    } else {
                        json!({ "column": name })
                    }),
                    crate::model::IndexPart::Expression { .. } => None,
                })
                .collect();
            let method = index.method.as_deref().map(str::to_ascii_lowercase).unwrap_or_else(|| "btree".into());
            if !["btree", "hash", "gist", "spgist", "gin", "brin"].contains(&method.as_str()) {
                return None;
            }
            let mut m = Map::new();
            m.insert("name".into(), json!(index.name.clone()?));
            m.insert("table".into(), json!(table));
            m.insert("columns".into(), json!(columns?));
            m.insert("method".into(), json!(method));
            if index.unique {
                m.insert("unique".into(), json!(true));
            }
            if let Some(p) = &index.predicate {
                m.insert("predicate".into(), json!(p));
            }
            json!({ "create_index": Value::Object(m) })
        }
        Change::DropIndex { index, .. } => json!({ "drop_index": { "name": index.name.clone()? } }),
        Change::AddUnique { table, key } | Change::AddPrimaryKey { table, key } if key.name.is_some() => {
            let kind = if matches!(change, Change::AddUnique { .. }) { "unique" } else { "primary_key" };
            let same: Map<String, Value> = key.columns.iter().map(|c| (c.clone(), json!(quote(c)))).collect();
            json!({ "create_constraint": {
                "table": table, "name": key.name, "type": kind, "columns": key.columns,
                "up": same.clone(), "down": same,
            } })
        }
        Change::AddForeignKey { table, foreign_key } if foreign_key.name.is_some() => {
            let parent = target.find_table(&foreign_key.ref_table)?;
            let ref_columns = foreign_key.referenced_columns(Some(parent));
            if ref_columns.is_empty() {
                return None;
            }
            let same: Map<String, Value> = foreign_key.columns.iter().map(|c| (c.clone(), json!(quote(c)))).collect();
            json!({ "create_constraint": {
                "table": table, "name": foreign_key.name, "type": "foreign_key", "columns": foreign_key.columns,
                "references": { "table": parent.qualified_name(), "columns": ref_columns,
                    "on_delete": action(foreign_key.on_delete), "on_update": action(foreign_key.on_update) },
                "up": same.clone(), "down": same,
            } })
        }
        Change::AddCheck { table, check } if check.name.is_some() => {
            let t = target.find_table(table)?;
            let columns: Vec<String> = t
                .columns
                .iter()
                .filter(|c| crate::import::objects::mentions(&check.expr, &c.name))
                .map(|c| c.name.clone())
                .collect();
            if columns.is_empty() {
                return None;
            }
            let same: Map<String, Value> = columns.iter().map(|c| (c.clone(), json!(quote(c)))).collect();
            json!({ "create_constraint": {
                "table": table, "name": check.name, "type": "check", "columns": columns, "check": check.expr,
                "up": same.clone(), "down": same,
            } })
        }
        _ => return None,
    })
}

/// The plan as one pgroll migration named `name`, and how many of its changes are pgroll's own
/// operations (the rest are `sql` operations with the plan's steps).
pub fn plan_pgroll(plan: &Plan, target: &Schema, changes: &ChangeSet, name: &str) -> (Value, usize) {
    let mut operations = Vec::new();
    let mut native = 0;
    for change in &changes.changes {
        let index = plan.changes.iter().position(|c| *c == change.describe());
        // A change whose steps also rebuild views that read the column is left to the plan's
        // SQL: pgroll would not know to recreate them.
        let rebuilds_views = index.is_some_and(|i| {
            plan.steps()
                .filter(|(_, s)| s.change == i)
                .any(|(_, s)| s.sql.iter().any(|q| q.to_ascii_uppercase().contains(" VIEW ")))
        });
        if let Some(op) = operation(change, target).filter(|_| !rebuilds_views) {
            operations.push(op);
            native += 1;
            continue;
        }
        let Some(index) = index else { continue };
        let (mut up, mut down, mut complete) = (Vec::new(), Vec::new(), Vec::new());
        for (stage, step) in plan.steps().filter(|(_, s)| s.change == index) {
            if stage == StageKind::Contract {
                complete.extend(step.sql.iter().map(|s| format!("{s};")));
            } else {
                up.extend(step.sql.iter().map(|s| format!("{s};")));
                down.extend(step.rollback.iter().rev().map(|s| format!("{s};")));
            }
        }
        if !up.is_empty() {
            down.reverse();
            operations.push(json!({ "sql": { "up": up.join("\n"), "down": down.join("\n") } }));
        }
        if !complete.is_empty() {
            operations.push(json!({ "sql": { "up": complete.join("\n"), "onComplete": true } }));
        }
    }
    (json!({ "name": name, "operations": operations }), native)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::edit::Edit;
    use crate::share::Design;

    #[test]
    fn renames_and_new_columns_are_pgroll_operations_and_the_rest_is_the_plans_sql() {
        let sql = "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n\
                   CREATE VIEW v AS SELECT id, name FROM users;";
        let base = crate::import(sql, Some(crate::Dialect::Postgres)).schema;
        let t = &base.tables[0];
        let mut d = Design::new(sql);
        d.edits = vec![
            Edit::RenameColumn { table: t.id, column: t.columns[1].id, to: "mail".into() },
            Edit::AddColumn {
                table: t.id,
                column: crate::ColumnId(90),
                name: "age".into(),
                data_type: "int".into(),
                nullable: true,
            },
            Edit::SetType { table: t.id, column: t.columns[2].id, data_type: "varchar(80)".into() },
        ];
        let a = analyze(&d);
        let (m, native) = plan_pgroll(&a.plan, &a.target, &a.changes, "01_users");
        let ops = m["operations"].as_array().expect("operations");
        assert_eq!(m["name"], "01_users");
        assert!(
            ops.iter().any(|o| o["rename_column"] == json!({"table": "users", "from": "email", "to": "mail"})),
            "{m:#}"
        );
        assert!(ops.iter().any(|o| o["add_column"]["column"]["name"] == "age"), "{m:#}");
        assert_eq!(native, 2, "{m:#}");
        // The type change rebuilds the view that reads the column: that is the plan's own SQL,
        // what comes before Contract at start (with its undo), Contract's at complete.
        let sql: Vec<&Value> = ops.iter().filter_map(|o| o.get("sql")).collect();
        let text = |s: &Value| s["up"].as_str().unwrap_or_default().to_string();
        assert!(sql.iter().any(|s| text(s).contains("ADD COLUMN name_new") && s.get("down").is_some()), "{m:#}");
        assert!(
            sql.iter().any(|s| s["onComplete"] == true && text(s).contains("VIEW") && s.get("down").is_none()),
            "{m:#}"
        );
    }
}
