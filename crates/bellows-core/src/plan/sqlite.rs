//! SQLite: ALTER TABLE covers ADD COLUMN, RENAME COLUMN, RENAME TO and DROP COLUMN; anything
//! else rebuilds the table as SQLite documents (new table, copy, drop, rename, indexes, checks).

use super::{Builder, CheckQuery, Effect, Lock, LockMode, PlanOptions, Resolution, StageKind, Step};
use crate::diff::Change;
use crate::model::*;
use crate::render::ddl::{column_definition, table_statements};
use crate::render::ident;
use crate::Dialect;

const SQ: Dialect = Dialect::Sqlite;

/// Changes that SQLite's ALTER TABLE cannot make: the table is rebuilt.
fn needs_rebuild(change: &Change) -> bool {
    !matches!(
        change,
        Change::CreateIndex { .. }
            | Change::DropIndex { .. }
            | Change::CreateTrigger { .. }
            | Change::DropTrigger { .. }
            | Change::ReplaceTrigger { .. }
            | Change::CreatePolicy { .. }
            | Change::DropPolicy { .. }
            | Change::ReplacePolicy { .. }
    )
}

/// Views (of either version) that read a table, and the views that read those, in creation
/// order.
fn views_reading<'a>(base: &'a Schema, target: &'a Schema, old: &str, new: &str) -> Vec<&'a View> {
    use crate::import::objects::mentions;
    let mut out: Vec<&View> = Vec::new();
    let mut names: Vec<String> = vec![old.to_string(), new.to_string()];
    loop {
        let before = out.len();
        for v in base.views.iter().chain(&target.views) {
            if !out.iter().any(|o| same_name(&o.name, &v.name)) && names.iter().any(|n| mentions(&v.definition, n)) {
                out.push(v);
                names.push(v.name.clone());
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// Triggers, views: kept as text, created in Expand, dropped in Contract, replaced in Contract
/// (a rebuilt table's triggers and readers come back with the rebuild).
#[allow(clippy::too_many_arguments)]
fn object_recipe(
    base: &Schema,
    target: &Schema,
    changes: &[Change],
    i: usize,
    change: &Change,
    rebuilt: &[String],
    b: &mut Builder,
) {
    let rebuilds = |table: &str| rebuilt.iter().any(|t| same_name(t, table));
    let trigger = |schema: &Schema, table: &str, name: &str| {
        schema
            .triggers
            .iter()
            .find(|t| same_name(&t.name, name) && same_name(&t.table, table))
            .map(|t| t.definition.trim().trim_end_matches(';').to_string())
    };
    match change {
        Change::CreateTrigger { table, name } if !rebuilds(table) => {
            let Some(def) = trigger(target, table, name) else { return };
            b.push(
                StageKind::Expand,
                step(
                    format!("create trigger {name} on {table}"),
                    i,
                    vec![def],
                    vec![format!("DROP TRIGGER IF EXISTS {}", ident(name, SQ))],
                    table,
                    "a trigger is schema text; from now on it runs for v1's writes too",
                    60,
                ),
            );
        }
        Change::DropTrigger { table, name } if !rebuilds(table) => {
            let undo: Vec<String> = trigger(base, table, name).into_iter().collect();
            b.push(
                StageKind::Contract,
                step(
                    format!("drop trigger {name} on {table}"),
                    i,
                    vec![format!("DROP TRIGGER IF EXISTS {}", ident(name, SQ))],
                    undo,
                    table,
                    "v1 relied on it until Contract",
                    5,
                ),
            );
        }
        Change::ReplaceTrigger { table, name } if !rebuilds(table) => {
            let Some(def) = trigger(target, table, name) else { return };
            // A trigger that changes only by a table's new name: SQLite renames it there itself.
            let renamed = trigger(base, table, name).map(|old| {
                changes.iter().fold(old, |text: String, c| match c {
                    Change::RenameTable { from, to } => crate::render::rename_identifier(
                        &text,
                        split_qualified(from).1,
                        &ident(split_qualified(to).1, SQ),
                    ),
                    _ => text,
                })
            });
            if renamed.is_some_and(|r| crate::diff::normalize_definition(&r) == crate::diff::normalize_definition(&def))
            {
                return;
            }
            let mut undo = vec![format!("DROP TRIGGER IF EXISTS {}", ident(name, SQ))];
            undo.extend(trigger(base, table, name));
            b.push(
                StageKind::Contract,
                step(
                    format!("replace trigger {name} on {table}"),
                    i,
                    vec![format!("DROP TRIGGER IF EXISTS {}", ident(name, SQ)), def],
                    undo,
                    table,
                    "dropped and created in one transaction",
                    6,
                ),
            );
        }
        Change::CreateView { name } => {
            let Some(v) = target.find_view(name) else { return };
            b.push(
                StageKind::Expand,
                step(
                    format!("create view {name}"),
                    i,
                    vec![format!("CREATE VIEW {} AS {}", ident(name, SQ), v.definition.trim().trim_end_matches(';'))],
                    vec![format!("DROP VIEW IF EXISTS {}", ident(name, SQ))],
                    name,
                    "a view is schema text",
                    70,
                ),
            );
        }
        Change::DropView { name } => {
            let undo: Vec<String> = base
                .find_view(name)
                .map(|v| format!("CREATE VIEW {} AS {}", ident(name, SQ), v.definition.trim().trim_end_matches(';')))
                .into_iter()
                .collect();
            b.push(
                StageKind::Contract,
                step(
                    format!("drop view {name}"),
                    i,
                    vec![format!("DROP VIEW IF EXISTS {}", ident(name, SQ))],
                    undo,
                    name,
                    "no version reads it after Switch",
                    4,
                ),
            );
        }
        Change::ReplaceView { name } => {
            let Some(v) = target.find_view(name) else { return };
            if rebuilt.iter().any(|t| views_reading(base, target, t, t).iter().any(|r| same_name(&r.name, name))) {
                return; // a rebuild brings it back in its new definition
            }
            let mut undo = vec![format!("DROP VIEW IF EXISTS {}", ident(name, SQ))];
            undo.extend(
                base.find_view(name).map(|o| {
                    format!("CREATE VIEW {} AS {}", ident(name, SQ), o.definition.trim().trim_end_matches(';'))
                }),
            );
            b.push(
                StageKind::Contract,
                step(
                    format!("replace view {name}"),
                    i,
                    vec![
                        format!("DROP VIEW IF EXISTS {}", ident(name, SQ)),
                        format!("CREATE VIEW {} AS {}", ident(name, SQ), v.definition.trim().trim_end_matches(';')),
                    ],
                    undo,
                    name,
                    "dropped and created in one transaction",
                    95,
                ),
            );
        }
        _ => {}
    }
}

/// The tables the plan rebuilds: those with a change ALTER TABLE cannot make.
fn rebuilt_tables(target: &Schema, changes: &[Change]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for change in changes {
        let rebuild = match change {
            Change::CreateTable { .. } | Change::DropTable { .. } => false,
            Change::AddColumn { table, column } => target
                .find_table(table)
                .and_then(|t| t.column(column))
                .is_some_and(|c| !c.nullable && c.default.is_none()),
            other => needs_rebuild(other),
        };
        if let (true, Some(table)) = (rebuild, change.table()) {
            if !out.iter().any(|t| same_name(t, table)) {
                out.push(table.to_string());
            }
        }
    }
    out
}

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

/// A batched statement of Backfill: run again until it changes no row.
fn batched(title: String, change: usize, sql: String, table: &str, reason: &str, one_way: bool) -> Step {
    let mut s = step(title, change, vec![sql], vec![], table, reason, 40);
    s.lock.effect = Effect::Batched;
    s.repeat_until_no_rows = true;
    s.one_way = one_way;
    s
}

/// The rows a rebuild into the target's shape would refuse, counted before Contract, and what
/// the chosen resolution does with them in Backfill.
fn precheck(base: &Schema, target: &Schema, i: usize, change: &Change, options: &PlanOptions, b: &mut Builder) {
    let resolution = options.resolutions.get(&change.describe()).cloned().unwrap_or(Resolution::StopBeforeContract);
    // Only rows that exist can break a rule: columns the rebuild adds hold nothing yet.
    let existing = |table: &str, columns: &[String]| {
        base.find_table(table).is_some_and(|t| columns.iter().all(|c| t.column(c).is_some()))
    };
    let columns_ok = match change {
        Change::AddForeignKey { table, foreign_key } => existing(table, &foreign_key.columns),
        Change::AddUnique { table, key } | Change::AddPrimaryKey { table, key } => existing(table, &key.columns),
        Change::AddCheck { table, check } => base.find_table(table).is_some_and(|t| {
            !target.find_table(table).is_some_and(|tt| {
                tt.columns
                    .iter()
                    .any(|c| t.column(&c.name).is_none() && crate::import::objects::mentions(&check.expr, &c.name))
            })
        }),
        _ => true,
    };
    if !columns_ok {
        return;
    }
    let q = |n: &str| ident(n, SQ);
    let batch = options.batch_size;
    let (title, sql, fix): (String, String, Option<(String, String, bool)>) = match change {
        Change::AddForeignKey { table, foreign_key: fk } => {
            let parent = q(&fk.ref_table);
            let ref_columns: Vec<String> = if fk.ref_columns.is_empty() {
                target
                    .find_table(&fk.ref_table)
                    .and_then(|p| p.primary_key.as_ref())
                    .map(|k| k.columns.clone())
                    .unwrap_or_default()
            } else {
                fk.ref_columns.clone()
            };
            if ref_columns.len() != fk.columns.len() {
                return;
            }
            let join: Vec<String> =
                fk.columns.iter().zip(&ref_columns).map(|(c, r)| format!("p.{} = c.{}", q(r), q(c))).collect();
            let present: Vec<String> = fk.columns.iter().map(|c| format!("c.{} IS NOT NULL", q(c))).collect();
            let orphans = format!(
                "FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {})",
                q(table),
                present.join(" AND "),
                join.join(" AND ")
            );
            let fix = match &resolution {
                Resolution::DeleteOrphans => Some((
                    format!("delete orphan rows in {table}"),
                    format!("DELETE FROM {} WHERE rowid IN (SELECT c.rowid {orphans} LIMIT {batch})", q(table)),
                    true,
                )),
                Resolution::NullOrphans => Some((
                    format!("set orphan references in {table} to NULL"),
                    format!(
                        "UPDATE {} SET {} WHERE rowid IN (SELECT c.rowid {orphans} LIMIT {batch})",
                        q(table),
                        fk.columns.iter().map(|c| format!("{} = NULL", q(c))).collect::<Vec<_>>().join(", ")
                    ),
                    true,
                )),
                _ => None,
            };
            (
                format!("orphan rows in {table}({}) with no {}", fk.columns.join(", "), fk.ref_table),
                format!("SELECT count(*) {orphans}"),
                fix,
            )
        }
        Change::AddUnique { table, key } | Change::AddPrimaryKey { table, key } => {
            let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
            let present: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
            let fix = (resolution == Resolution::KeepFirstDuplicate).then(|| {
                (
                    format!("delete duplicate ({}) rows in {table}, keeping the first", key.columns.join(", ")),
                    format!(
                        "DELETE FROM {t} WHERE {} AND rowid NOT IN (SELECT min(rowid) FROM {t} WHERE {} GROUP BY {})",
                        present.join(" AND "),
                        present.join(" AND "),
                        cols.join(", "),
                        t = q(table)
                    ),
                    true,
                )
            });
            (
                format!("duplicate ({}) in {table}", key.columns.join(", ")),
                format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {} GROUP BY {} HAVING count(*) > 1)",
                    q(table),
                    present.join(" AND "),
                    cols.join(", ")
                ),
                fix,
            )
        }
        Change::SetNotNull { table, column } | Change::AddColumn { table, column } => {
            let required = target
                .find_table(table)
                .and_then(|t| t.column(column))
                .is_some_and(|c| !c.nullable && c.default.is_none());
            let existing = base.find_table(table).is_some_and(|t| t.column(column).is_some());
            if !required {
                return;
            }
            if !existing {
                // A new NOT NULL column without a default: every row the rebuild copies needs a
                // value, the fill value chosen for it, or the plan stops while there are rows.
                if base.find_table(table).is_none() {
                    return;
                }
                let fill = matches!(resolution, Resolution::Fill { .. });
                b.prechecks.push(CheckQuery {
                    title: format!("rows of {table}, which need a value for the new NOT NULL {column}"),
                    change: i,
                    sql: format!("SELECT count(*) FROM {}", q(table)),
                    must_be_zero: !fill,
                    before: StageKind::Contract,
                    resolution: Some(resolution.clone()),
                });
                return;
            }
            let fix = match &resolution {
                Resolution::Fill { value } => Some((
                    format!("fill NULL {table}.{column} with {value}"),
                    format!(
                        "UPDATE {t} SET {c} = {value} WHERE rowid IN (SELECT rowid FROM {t} WHERE {c} IS NULL LIMIT {batch})",
                        t = q(table),
                        c = q(column)
                    ),
                    false,
                )),
                _ => None,
            };
            (
                format!("rows where {table}.{column} is NULL"),
                format!("SELECT count(*) FROM {} WHERE {} IS NULL", q(table), q(column)),
                fix,
            )
        }
        Change::AddCheck { table, check } => (
            format!("rows of {table} that break ({})", check.expr),
            format!("SELECT count(*) FROM {} WHERE NOT ({})", q(table), check.expr),
            None,
        ),
        _ => return,
    };
    let stops = fix.is_none();
    b.prechecks.push(CheckQuery {
        title,
        change: i,
        sql,
        must_be_zero: stops,
        before: if stops { StageKind::Contract } else { StageKind::Backfill },
        resolution: Some(resolution.clone()),
    });
    if let Some((title, sql, one_way)) = fix {
        let table = change.table().unwrap_or_default().to_string();
        b.push(
            StageKind::Backfill,
            batched(
                title,
                i,
                sql,
                &table,
                "the resolution chosen for rows the new rule rejects; batches, each its own transaction",
                one_way,
            ),
        );
    }
}

pub(super) fn plan(base: &Schema, target: &Schema, changes: &[Change], options: &PlanOptions, b: &mut Builder) {
    let rebuild = rebuilt_tables(target, changes);
    let rebuilds = |table: &str| rebuild.iter().any(|t| same_name(t, table));
    for (i, change) in changes.iter().enumerate() {
        precheck(base, target, i, change, options, b);
        object_recipe(base, target, changes, i, change, &rebuild, b);
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
                if !rebuilds(table) {
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
                let Some(t) = target.find_table(table) else { continue };
                if rebuilds(table) {
                    continue; // the rebuild creates the table's indexes
                }
                let drop = index.name.as_ref().map(|n| format!("DROP INDEX IF EXISTS {}", ident(n, SQ)));
                // The same name in the base: the old index goes first, in Contract.
                let replaces = index.name.as_ref().is_some_and(|n| {
                    changes.iter().any(|c| matches!(c, Change::DropIndex { index: old, .. } if old.name.as_deref().is_some_and(|o| same_name(o, n))))
                });
                let stage = if replaces { StageKind::Contract } else { StageKind::Expand };
                b.push(
                    stage,
                    step(
                        format!("create index {} on {table}", index.name.as_deref().unwrap_or("")),
                        i,
                        vec![crate::render::ddl::create_index_sql(t, index, SQ)],
                        drop.into_iter().collect(),
                        table,
                        if replaces {
                            "the index of the same name was dropped just before; SQLite builds it in one write transaction"
                        } else {
                            "SQLite builds it in one write transaction"
                        },
                        if replaces { 31 } else { 30 },
                    ),
                );
            }
            Change::DropIndex { table, index } => {
                if rebuilds(table)
                    || changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table)))
                {
                    continue;
                }
                let Some(name) = &index.name else { continue };
                let recreate = base.find_table(table).map(|t| crate::render::ddl::create_index_sql(t, index, SQ));
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop index {name} on {table}"),
                        i,
                        vec![format!("DROP INDEX IF EXISTS {}", ident(name, SQ))],
                        recreate.into_iter().collect(),
                        table,
                        "no version relies on it after Switch",
                        30,
                    ),
                );
            }
            _ => {}
        }
    }
    // A table that lets go of a reference to another rebuilt table is rebuilt first: the
    // other's rebuild may take away the key it points at, and SQLite's foreign_key_check then
    // fails on the reference ("foreign key mismatch") rather than on rows.
    let mut ordered = rebuild.clone();
    ordered.sort_by_key(|table| {
        !changes.iter().any(|c| {
            matches!(c, Change::DropForeignKey { table: t, foreign_key }
                if same_name(t, table) && rebuilds(&foreign_key.ref_table) && !same_name(&foreign_key.ref_table, table))
        })
    });
    for table in ordered {
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
        // Renamed columns are renamed in place first (SQLite rewrites the foreign keys that
        // reference them, since 3.26); then columns that exist in both are copied by name.
        let renames: Vec<(String, String)> = changes
            .iter()
            .filter_map(|c| match c {
                Change::RenameColumn { table: ct, from, to } if same_name(ct, &table) => {
                    Some((from.clone(), to.clone()))
                }
                _ => None,
            })
            .collect();
        let mut into = Vec::new();
        let mut from = Vec::new();
        let mut kept: Vec<String> = Vec::new(); // the old columns whose values are copied
        for column in &t.columns {
            let source = renames.iter().find(|(_, to)| same_name(to, &column.name)).map(|(f, _)| f.clone());
            let source = source.unwrap_or_else(|| column.name.clone());
            if old.column(&source).is_some() {
                into.push(ident(&column.name, SQ));
                from.push(ident(&column.name, SQ));
                kept.push(source);
            } else if let Some(Resolution::Fill { value }) = options
                .resolutions
                .get(&Change::AddColumn { table: table.clone(), column: column.name.clone() }.describe())
            {
                // A new NOT NULL column gets the value chosen for the rows it finds.
                into.push(ident(&column.name, SQ));
                from.push(value.clone());
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
                // A rule the target drops still holds until the rebuild: v2 may write rows it
                // rejects.
                Change::DropForeignKey { foreign_key, .. } => Some(format!(
                    "v2 may write {table}({}) values with no {}, which the foreign key rejects until the rebuild",
                    foreign_key.columns.join(", "),
                    foreign_key.ref_table
                )),
                Change::DropNotNull { column, .. } => {
                    Some(format!("v2 may write NULL into {table}.{column}, NOT NULL until the rebuild"))
                }
                Change::DropCheck { check, .. } => {
                    Some(format!("v2 may write rows of {table} that break ({}), checked until the rebuild", check.expr))
                }
                // A default SQLite can only give with the rebuild: v2 leaves the column to it.
                Change::SetDefault { column, to: Some(_), .. } => {
                    Some(format!("v2 leaves {table}.{column} to its new default, which comes with the rebuild"))
                }
                Change::DropUnique { key, .. } | Change::DropPrimaryKey { key, .. } => Some(format!(
                    "v2 may write duplicate {table}({}), unique until the rebuild",
                    key.columns.join(", ")
                )),
                _ => None,
            };
            if let Some(w) = waits {
                b.v2_waits.push(w);
            }
        }
        for column in old.columns.iter().filter(|c| !kept.iter().any(|k| same_name(k, &c.name))) {
            b.one_way.push(format!("the values of {table}.{} are gone after the rebuild", column.name));
        }
        let mut sql = vec!["PRAGMA foreign_keys = OFF".to_string(), "BEGIN".to_string()];
        // Views that read the table go out before it and come back after (SQLite checks the
        // schema when a table is renamed); its triggers go with the old table and come back in
        // the target's definitions.
        let readers = views_reading(base, target, &old.name, &t.name);
        for v in readers.iter().rev() {
            sql.push(format!("DROP VIEW IF EXISTS {}", ident(&v.name, SQ)));
        }
        // A renamed table is renamed first: SQLite rewrites the foreign keys of the tables
        // that reference it (since 3.26), which a copy under the new name would leave behind.
        let current = if same_name(&old.name, &t.name) {
            old.name.clone()
        } else {
            sql.push(format!("ALTER TABLE {} RENAME TO {}", ident(&old.name, SQ), ident(&t.name, SQ)));
            t.name.clone()
        };
        for (f, to) in &renames {
            sql.push(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                ident(&current, SQ),
                ident(f, SQ),
                ident(to, SQ)
            ));
        }
        sql.extend(create);
        sql.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            ident(&temp, SQ),
            into.join(", "),
            from.join(", "),
            ident(&current, SQ)
        ));
        sql.push(format!("DROP TABLE {}", ident(&current, SQ)));
        // Triggers of other tables may name the table: while it is gone, SQLite's check of
        // the schema at a rename would refuse them. The new table takes the name as text, as
        // the documented rebuild expects (legacy_alter_table), and they read it again.
        sql.push("PRAGMA legacy_alter_table = ON".to_string());
        sql.push(format!("ALTER TABLE {} RENAME TO {}", ident(&temp, SQ), ident(&t.name, SQ)));
        sql.push("PRAGMA legacy_alter_table = OFF".to_string());
        for index in indexes {
            sql.push(index.replace(&ident(&temp, SQ), &ident(&t.name, SQ)));
        }
        for trigger in target.triggers.iter().filter(|tr| same_name(&tr.table, &t.qualified_name())) {
            sql.push(trigger.definition.trim().trim_end_matches(';').to_string());
        }
        for v in readers.iter().filter_map(|v| target.find_view(&v.name)) {
            sql.push(format!("CREATE VIEW {} AS {}", ident(&v.name, SQ), v.definition.trim().trim_end_matches(';')));
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
    for split in super::split::splits(base, target, changes, SQ) {
        match split {
            Ok(x) => split_recipe(base, &x, b),
            Err(note) => b.notes.push(note),
        }
    }
    if !b.v2_waits.is_empty() {
        b.app_changes.push(
            "v2 ships with Contract (as SQLite applications migrate at startup): stop v1, run Contract, start v2"
                .into(),
        );
    }
}

/// Split (found by `plan::split`): triggers keep the old columns and the new table in step
/// while v1 and v2 run, Backfill copies the existing values, and Contract drops the triggers
/// before the old table's rebuild. SQLite has no trigger depth: each trigger writes the other
/// table only where no row there holds the values already, so the echo of a write does nothing
/// (v2's second row for one parent is not overwritten by its own echo), and with
/// `recursive_triggers` on the chain still ends.
fn split_recipe(base: &Schema, x: &super::split::Split, b: &mut Builder) {
    let i = x.change;
    let (s, t) = (x.source.as_str(), x.table.as_str());
    let (st, tt) = (ident(s, SQ), ident(t, SQ));
    let (k, f) = (ident(&x.key, SQ), ident(&x.fk, SQ));
    let cols: Vec<String> = x.moved.iter().map(|c| ident(c, SQ)).collect();
    let list = x.moved.join(", ");
    let (short_s, short_t) = (split_qualified(s).1, split_qualified(t).1);
    let trigger = |parts: &[&str]| ident(&format!("bellows_{}", parts.join("_")), SQ);
    let (s_ins, s_upd, s_del) = (
        trigger(&["split", short_s, short_t, "ins"]),
        trigger(&["split", short_s, short_t, "upd"]),
        trigger(&["split", short_s, short_t, "del"]),
    );
    let (t_ins, t_upd, t_del) = (
        trigger(&["unsplit", short_t, short_s, "ins"]),
        trigger(&["unsplit", short_t, short_s, "upd"]),
        trigger(&["unsplit", short_t, short_s, "del"]),
    );
    let same = |alias: &str, row: &str| {
        cols.iter().map(|c| format!("{alias}{c} IS {row}.{c}")).collect::<Vec<_>>().join(" AND ")
    };
    let any = |row: &str| cols.iter().map(|c| format!("{row}{c} IS NOT NULL")).collect::<Vec<_>>().join(" OR ");
    let assign = |row: &str| cols.iter().map(|c| format!("{c} = {row}.{c}")).collect::<Vec<_>>().join(", ");
    let values = |row: &str| cols.iter().map(|c| format!("{row}.{c}")).collect::<Vec<_>>().join(", ");
    let insert_t = format!(
        "INSERT INTO {tt} ({f}, {}) SELECT NEW.{k}, {} WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k});",
        cols.join(", "),
        values("NEW"),
        any("NEW.")
    );
    let to_s = format!("UPDATE {st} SET {} WHERE {k} = NEW.{f} AND NOT ({});", assign("NEW"), same("", "NEW"));
    let nullable_in_s =
        base.find_table(s).is_some_and(|bt| x.moved.iter().all(|m| bt.column(m).is_some_and(|c| c.nullable)));
    let mut t_sql = vec![
        format!("CREATE TRIGGER {t_ins} AFTER INSERT ON {tt} BEGIN {to_s} END"),
        format!("CREATE TRIGGER {t_upd} AFTER UPDATE ON {tt} BEGIN {to_s} END"),
    ];
    let mut t_drop = vec![format!("DROP TRIGGER IF EXISTS {t_ins}"), format!("DROP TRIGGER IF EXISTS {t_upd}")];
    if nullable_in_s {
        let nulls = cols.iter().map(|c| format!("{c} = NULL")).collect::<Vec<_>>().join(", ");
        t_sql.push(format!(
            "CREATE TRIGGER {t_del} AFTER DELETE ON {tt} BEGIN UPDATE {st} SET {nulls} WHERE {k} = OLD.{f} AND ({}); END",
            any("")
        ));
        t_drop.push(format!("DROP TRIGGER IF EXISTS {t_del}"));
    }
    let s_sql = vec![
        format!("CREATE TRIGGER {s_ins} AFTER INSERT ON {st} BEGIN {insert_t} END"),
        format!(
            "CREATE TRIGGER {s_upd} AFTER UPDATE OF {} ON {st} WHEN NOT EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k} AND {}) BEGIN UPDATE {tt} SET {} WHERE {f} = NEW.{k}; {insert_t} END",
            cols.join(", "),
            same("", "NEW"),
            assign("NEW"),
        ),
        format!("CREATE TRIGGER {s_del} BEFORE DELETE ON {st} BEGIN DELETE FROM {tt} WHERE {f} = OLD.{k}; END"),
    ];
    let s_drop = vec![
        format!("DROP TRIGGER IF EXISTS {s_del}"),
        format!("DROP TRIGGER IF EXISTS {s_upd}"),
        format!("DROP TRIGGER IF EXISTS {s_ins}"),
    ];
    b.push(
        StageKind::Expand,
        step(
            format!("split {list} from {s} into {t}: each version's writes reach the other's table"),
            i,
            t_sql.iter().chain(&s_sql).cloned().collect(),
            s_drop.iter().chain(&t_drop).cloned().collect(),
            t,
            "triggers are schema text: v1's writes to the old columns reach the new table, v2's writes to the new table reach the old columns, and deleting a row of the old table takes its new rows with it until Contract",
            15,
        ),
    );
    b.push(
        StageKind::Backfill,
        batched(
            format!("copy {list} of existing {s} rows into {t}"),
            i,
            format!(
                "INSERT INTO {tt} ({f}, {}) SELECT s.{k}, {} FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k}) ORDER BY s.{k} LIMIT 1000",
                cols.join(", "),
                cols.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", "),
                any("s.")
            ),
            t,
            "batches of rows, each its own short write transaction; rows written meanwhile are copied by the triggers",
            false,
        ),
    );
    b.verifications.push(CheckQuery {
        title: format!("every {s} row with {list} has them in {t}"),
        change: i,
        sql: format!(
            "SELECT count(*) FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k} AND {})",
            any("s."),
            same("t.", "s")
        ),
        must_be_zero: true,
        before: StageKind::Switch,
        resolution: None,
    });
    // Before the old table's rebuild: the triggers on the new table name the old columns.
    b.push(
        StageKind::Contract,
        step(
            format!("split {list} from {s} into {t}: drop the triggers"),
            i,
            s_drop.into_iter().chain(t_drop).collect(),
            vec![],
            t,
            "v1 has stopped; the triggers name the old columns, which the rebuild of the old table drops next",
            45,
        ),
    );
    b.app_changes.push(format!("v2 reads and writes {list} in {t} instead of {s}"));
    b.columns_moved(s, t, &x.moved);
}
