//! SQLite: ALTER TABLE covers ADD COLUMN, RENAME COLUMN, RENAME TO and DROP COLUMN; anything
//! else rebuilds the table as SQLite documents (new table, copy, drop, rename, indexes, checks).
//! The rebuild and its pre-checks are here, since they carry most change kinds at once; the
//! recipes that need no rebuild are in `recipes/`, beside their PostgreSQL and MySQL
//! counterparts, with `use crate::plan::sqlite::*` as their prelude.

pub(in crate::plan) use super::recipes::{
    add_column::sqlite::*, indexes::sqlite::*, lookup::sqlite::*, merge::sqlite::*, objects::sqlite::*,
    split::sqlite::*, tables::sqlite::*,
};
pub(in crate::plan) use super::{
    Builder, CheckQuery, Effect, Lock, LockMode, PlanOptions, Resolution, StageKind, Step,
};
pub(in crate::plan) use crate::diff::Change;
pub(in crate::plan) use crate::model::*;
pub(in crate::plan) use crate::render::ddl::{column_definition, table_statements};
pub(in crate::plan) use crate::render::ident;
pub(in crate::plan) use crate::Dialect;

pub(in crate::plan) const SQ: Dialect = Dialect::Sqlite;

/// Changes that SQLite's ALTER TABLE cannot make: the table is rebuilt.
pub(in crate::plan) fn needs_rebuild(change: &Change) -> bool {
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
            | Change::SetComment { .. }
            | Change::SetOnUpdate { .. }
    )
}

/// The tables the plan rebuilds: those with a change ALTER TABLE cannot make.
pub(in crate::plan) fn rebuilt_tables(target: &Schema, changes: &[Change]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for change in changes {
        let rebuild = match change {
            Change::CreateTable { .. } | Change::DropTable { .. } => false,
            Change::MergeTable { .. } | Change::MoveColumn { .. } => false,
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

pub(in crate::plan) fn step(
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
pub(in crate::plan) fn batched(
    title: String,
    change: usize,
    sql: String,
    table: &str,
    reason: &str,
    one_way: bool,
) -> Step {
    let mut s = step(title, change, vec![sql], vec![], table, reason, 40);
    s.lock.effect = Effect::Batched;
    s.repeat_until_no_rows = true;
    s.one_way = one_way;
    s
}

/// The rows a rebuild into the target's shape would refuse, counted before Contract, and what
/// the chosen resolution does with them in Backfill.
pub(in crate::plan) fn precheck(
    base: &Schema,
    target: &Schema,
    i: usize,
    change: &Change,
    options: &PlanOptions,
    b: &mut Builder,
) {
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
            let ref_columns = fk.referenced_columns(target.find_table(&fk.ref_table));
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

/// What every SQLite recipe reads: the two schemas, the changes, and the tables the plan
/// rebuilds (which take most changes with them).
pub(in crate::plan) struct Ctx<'a> {
    pub(in crate::plan) base: &'a Schema,
    pub(in crate::plan) target: &'a Schema,
    pub(in crate::plan) changes: &'a [Change],
    pub(in crate::plan) rebuild: Vec<String>,
}

impl Ctx<'_> {
    pub(in crate::plan) fn rebuilds(&self, table: &str) -> bool {
        self.rebuild.iter().any(|t| same_name(t, table))
    }
}

pub(in crate::plan) fn plan(
    base: &Schema,
    target: &Schema,
    changes: &[Change],
    options: &PlanOptions,
    b: &mut Builder,
) {
    let ctx = Ctx { base, target, changes, rebuild: rebuilt_tables(target, changes) };
    let rebuild = &ctx.rebuild;
    let rebuilds = |table: &str| ctx.rebuilds(table);
    for (i, change) in changes.iter().enumerate() {
        precheck(base, target, i, change, options, b);
        object_recipe(base, target, changes, i, change, rebuild, b);
        match change {
            Change::CreateTable { table } => create_table(&ctx, i, table, b),
            Change::AddColumn { table, column } => add_column(&ctx, i, table, column, b),
            Change::DropTable { table } => drop_table(&ctx, i, table, b),
            Change::CreateIndex { table, index } => create_index(&ctx, i, table, index, b),
            Change::DropIndex { table, index } => drop_index(&ctx, i, table, index, b),
            Change::AddForeignKey { table, foreign_key } => {
                if let Some(seed) = super::recipes::lookup::seed(base, target, changes, table, foreign_key) {
                    seed_parent(i, table, &seed, b);
                }
            }
            Change::SetOnUpdate { .. } => b.notes.push(format!(
                "{}: ON UPDATE is MySQL's alone; a trigger after UPDATE does it in SQLite",
                change.describe()
            )),
            Change::SetComment { .. } => {
                b.notes.push(format!("{}: SQLite keeps no comments; the design keeps it", change.describe()))
            }
            _ => {}
        }
    }
    merge_tables(&ctx, b);
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
    for split in crate::plan::split::splits(base, target, changes, SQ) {
        match split {
            Ok(x) => split_recipe(base, &x, b),
            Err(note) => b.notes.push(note),
        }
    }
    super::recipes::moves::sqlite::move_columns_up(base, target, changes, options, b);
    if !b.v2_waits.is_empty() {
        b.app_changes.push(
            "v2 ships with Contract (as SQLite applications migrate at startup): stop v1, run Contract, start v2"
                .into(),
        );
    }
}
