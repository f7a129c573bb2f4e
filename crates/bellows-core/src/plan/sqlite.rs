//! SQLite: ALTER TABLE covers ADD COLUMN, RENAME COLUMN, RENAME TO and DROP COLUMN; anything
//! else rebuilds the table as SQLite documents (new table, copy, drop, rename, indexes, checks).

use super::{Builder, Effect, Lock, LockMode, PlanOptions, StageKind, Step};
use crate::diff::Change;
use crate::model::*;
use crate::render::ddl::{column_definition, table_statements};
use crate::render::ident;
use crate::Dialect;

const SQ: Dialect = Dialect::Sqlite;

fn step(
    title: String,
    change: usize,
    sql: Vec<String>,
    rollback: Vec<String>,
    table: &str,
    reason: &str,
    rank: u32,
) -> Step {
    Step {
        title,
        change,
        sql,
        rollback,
        lock: Lock { mode: LockMode::Write, tables: vec![table.to_string()], effect: Effect::Metadata },
        transactional: true,
        repeat_until_no_rows: false,
        one_way: false,
        reason: reason.to_string(),
        rank,
    }
}

pub(super) fn plan(base: &Schema, target: &Schema, changes: &[Change], _options: &PlanOptions, b: &mut Builder) {
    let mut rebuild: Vec<String> = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        match change {
            Change::CreateTable { table } => {
                if let Some(t) = target.find_table(table) {
                    b.push(
                        StageKind::Expand,
                        step(
                            format!("create table {table}"),
                            i,
                            table_statements(target, t, SQ),
                            vec![format!("DROP TABLE {}", ident(table, SQ))],
                            table,
                            "a new, empty table",
                            10,
                        ),
                    );
                }
            }
            Change::AddColumn { table, column } => {
                let Some(col) = target.find_table(table).and_then(|t| t.column(column)) else { continue };
                // SQLite adds NOT NULL columns only with a non-NULL default.
                if col.nullable || col.default.is_some() {
                    b.push(
                        StageKind::Expand,
                        step(
                            format!("add column {table}.{column}"),
                            i,
                            vec![format!(
                                "ALTER TABLE {} ADD COLUMN {}",
                                ident(table, SQ),
                                column_definition(col, SQ, true, true)
                            )],
                            vec![format!("ALTER TABLE {} DROP COLUMN {}", ident(table, SQ), ident(column, SQ))],
                            table,
                            "ALTER TABLE ADD COLUMN only changes the schema text; v1 does not see it",
                            20,
                        ),
                    );
                } else if !rebuild.contains(table) {
                    rebuild.push(table.clone());
                }
            }
            Change::DropTable { table } => {
                let mut s = step(
                    format!("drop table {table}"),
                    i,
                    vec![format!("DROP TABLE {}", ident(table, SQ))],
                    vec![],
                    table,
                    "no version uses it after Switch",
                    90,
                );
                s.one_way = true;
                b.push(StageKind::Contract, s);
                b.v1_breaks.push(format!("v1 uses table {table}, dropped in Contract"));
                b.one_way.push(format!("the rows of {table} are gone after Contract"));
            }
            Change::CreateIndex { table, index } => {
                if let Some(t) = target.find_table(table) {
                    b.push(
                        StageKind::Expand,
                        step(
                            format!("create index on {table}"),
                            i,
                            vec![crate::render::ddl::create_index_sql(t, index, SQ)],
                            vec![],
                            table,
                            "SQLite builds it in one write transaction",
                            30,
                        ),
                    );
                }
            }
            other => {
                if let Some(table) = other.table() {
                    let known = base.find_table(table).is_some() || target.find_table(table).is_some();
                    if known && !rebuild.iter().any(|t| t == table) {
                        rebuild.push(table.to_string());
                    }
                }
            }
        }
    }
    for table in rebuild {
        let Some(t) = target.find_table(&table) else { continue };
        let Some(old) = base.find_table(&table).or_else(|| {
            changes.iter().find_map(|c| match c {
                Change::RenameTable { from, to } if same_name(to, &table) => base.find_table(from),
                _ => None,
            })
        }) else {
            continue;
        };
        let temp = format!("{}_bellows_new", t.name);
        let mut staged = t.clone();
        staged.name = temp.clone();
        let mut create = table_statements(target, &staged, SQ);
        let indexes: Vec<String> = create.split_off(1);
        // Columns that exist in both (by name, or renamed): copied.
        let mut into = Vec::new();
        let mut from = Vec::new();
        for column in &t.columns {
            let source = changes.iter().find_map(|c| match c {
                Change::RenameColumn { table: ct, from, to }
                    if same_name(ct, &table) && same_name(to, &column.name) =>
                {
                    Some(from.clone())
                }
                _ => None,
            });
            let source = source.unwrap_or_else(|| column.name.clone());
            if old.column(&source).is_some() {
                into.push(ident(&column.name, SQ));
                from.push(ident(&source, SQ));
            }
        }
        // What v2 can do before the rebuild: it needs the new shape for a new or renamed
        // column, a renamed table, or a required column that is gone.
        let table_changes: Vec<&Change> =
            changes.iter().filter(|c| c.table().is_some_and(|x| same_name(x, &table))).collect();
        for c in &table_changes {
            let waits = match c {
                Change::RenameColumn { from, to, .. } => {
                    Some(format!("v2 uses {table}.{to}, named {from} until the rebuild"))
                }
                Change::AddColumn { column, .. } => Some(format!("v2 writes {table}.{column}, added by the rebuild")),
                Change::RenameTable { from, .. } => {
                    Some(format!("v2 uses table {table}, named {from} until the rebuild"))
                }
                Change::DropColumn { column, .. } => old
                    .column(column)
                    .filter(|c| !c.nullable && c.default.is_none())
                    .map(|_| format!("v2 inserts no {table}.{column}, which is NOT NULL until the rebuild")),
                _ => None,
            };
            if let Some(w) = waits {
                b.v2_waits.push(w);
            }
        }
        for column in old.columns.iter().filter(|c| !from.iter().any(|f| f == &ident(&c.name, SQ))) {
            b.one_way.push(format!("the values of {table}.{} are gone after the rebuild", column.name));
        }
        let mut sql = vec!["PRAGMA foreign_keys = OFF".to_string(), "BEGIN".to_string()];
        sql.extend(create);
        sql.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            ident(&temp, SQ),
            into.join(", "),
            from.join(", "),
            ident(&old.name, SQ)
        ));
        sql.push(format!("DROP TABLE {}", ident(&old.name, SQ)));
        sql.push(format!("ALTER TABLE {} RENAME TO {}", ident(&temp, SQ), ident(&t.name, SQ)));
        for index in indexes {
            sql.push(index.replace(&ident(&temp, SQ), &ident(&t.name, SQ)));
        }
        sql.push("PRAGMA foreign_key_check".to_string());
        sql.push("COMMIT".to_string());
        sql.push("PRAGMA foreign_keys = ON".to_string());
        let mut s = step(
            format!("rebuild table {table} in its new shape"),
            0,
            sql,
            vec![],
            &table,
            "SQLite's documented table rebuild, in one transaction with foreign keys off; if PRAGMA foreign_key_check returns rows, ROLLBACK instead of COMMIT",
            50,
        );
        s.lock.effect = Effect::Rewrite;
        s.one_way = true;
        b.push(StageKind::Contract, s);
        b.v1_breaks.push(format!("v1 may rely on the old shape of {table}, rebuilt in Contract"));
    }
    if !b.v2_waits.is_empty() {
        b.app_changes.push(
            "v2 ships with Contract (as SQLite applications migrate at startup): stop v1, run Contract, start v2"
                .into(),
        );
    }
}
