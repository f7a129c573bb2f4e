//! Keys, indexes, CHECKs and foreign keys. MySQL has no NOT VALID: a gate query counts the rows
//! a new rule rejects right before its ALTER, with the same resolutions as PostgreSQL.

use super::{columns, q, Algorithm, Ctx, R_DROP_RULE, R_FK, R_INDEX, R_RULE, R_VALIDATE};
use crate::diff::Change;
use crate::model::*;
use crate::plan::{Builder, CheckQuery, Effect, LockMode, Resolution, StageKind};
use crate::render::ddl::{foreign_key_sql, index_parts};
use crate::Span;

/// `ALTER TABLE t ADD [UNIQUE|FULLTEXT|SPATIAL] INDEX name (parts), ALGORITHM=INPLACE, LOCK=...`.
pub(super) fn add_index_sql(ctx: &Ctx<'_>, table_sql: &str, index: &Index) -> String {
    let (kind, algorithm) = match index.method.as_deref() {
        Some("fulltext") => ("FULLTEXT INDEX", Algorithm::InplaceShared),
        Some("spatial") => ("SPATIAL INDEX", Algorithm::InplaceShared),
        _ if index.unique => ("UNIQUE INDEX", Algorithm::InplaceNone),
        _ => ("INDEX", Algorithm::InplaceNone),
    };
    let name = index.name.as_ref().map(|n| format!("{} ", q(n))).unwrap_or_default();
    ctx.alter(table_sql, &format!("ADD {kind} {name}({})", index_parts(index, Dialect::MySql)), algorithm)
}

use crate::Dialect;

/// The name MySQL gives an index written without one: its first column's.
fn index_name(index: &Index) -> String {
    index.name.clone().unwrap_or_else(|| index.parts.iter().find_map(IndexPart::column).unwrap_or("").to_string())
}

/// True when the base column is replaced by a shadow column: its recipe handles its indexes.
fn shadowed(ctx: &Ctx<'_>, table: &str, base_column: &str) -> bool {
    ctx.changes.iter().any(|c| match c {
        Change::RenameColumn { table: t, from, to } => {
            same_name(t, table) && same_name(from, base_column) && columns::replaced(ctx, table, to)
        }
        Change::ChangeType { table: t, column, .. } => {
            same_name(t, table) && same_name(column, base_column) && columns::replaced(ctx, table, column)
        }
        _ => false,
    })
}

/// The stage that builds a rule over `columns`: Backfill when one of them is added by this plan
/// (it is there and filled only then), else Expand.
fn build_stage(ctx: &Ctx<'_>, table: &str, cols: &[String]) -> (StageKind, u32) {
    if cols.iter().any(|c| ctx.added_column(table, c)) {
        (StageKind::Backfill, R_VALIDATE + 5)
    } else {
        (StageKind::Expand, R_INDEX)
    }
}

fn duplicates_sql(table_sql: &str, cols: &[String]) -> String {
    let list: Vec<String> = cols.iter().map(|c| q(c)).collect();
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {table_sql} WHERE {} GROUP BY {} HAVING COUNT(*) > 1) AS bellows_d",
        list.iter().map(|c| format!("{c} IS NOT NULL")).collect::<Vec<_>>().join(" AND "),
        list.join(", ")
    )
}

/// The gate for a new unique rule, and the deletion of duplicates when the user chose it.
#[allow(clippy::too_many_arguments)]
fn unique_gate(
    ctx: &Ctx<'_>,
    i: usize,
    change: &Change,
    table: &str,
    cols: &[String],
    stage: StageKind,
    rank: u32,
    b: &mut Builder,
) {
    let t = ctx.live(table, stage);
    let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
    b.prechecks.push(CheckQuery {
        title: format!("duplicate ({}) in {table}", cols.join(", ")),
        change: i,
        sql: duplicates_sql(&t, cols),
        must_be_zero: matches!(resolution, Resolution::StopBeforeContract),
        before: stage,
        resolution: Some(resolution.clone()),
    });
    if resolution != Resolution::KeepFirstDuplicate {
        return;
    }
    let Some(key) = ctx.base_table(table).and_then(|bt| ctx.walk_key(bt)) else {
        b.notes.push(format!(
            "{table} has no primary key to tell duplicate rows apart: its duplicates of ({}) must be removed by hand",
            cols.join(", ")
        ));
        return;
    };
    let same: Vec<String> = cols.iter().map(|c| format!("bellows_a.{c} = bellows_b.{c}", c = q(c))).collect();
    let later = key.iter().map(|c| format!("bellows_a.{c} > bellows_b.{c}", c = q(c))).next().unwrap_or_default();
    let mut s = ctx.step(
        format!("delete duplicate ({}) rows in {table}, keeping the first", cols.join(", ")),
        i,
        vec![format!(
            "DELETE bellows_a FROM {t} AS bellows_a JOIN {t} AS bellows_b ON {} AND {later}",
            same.join(" AND ")
        )],
        vec![],
        (LockMode::None, &[table], Effect::Batched),
        "the resolution chosen for rows the new unique key rejects; the row with the lowest key stays",
        rank - 1,
    );
    s.one_way = true;
    b.push(stage, s);
    b.one_way.push(format!("duplicate rows of {table} ({}) are deleted", cols.join(", ")));
}

pub(super) fn add_key(
    ctx: &Ctx<'_>,
    i: usize,
    change: &Change,
    table: &str,
    key: &Key,
    primary: bool,
    b: &mut Builder,
) {
    if ctx.added_table(table) || key.columns.iter().any(|c| columns::replaced(ctx, table, c)) {
        return;
    }
    if !primary {
        let (stage, rank) = build_stage(ctx, table, &key.columns);
        unique_gate(ctx, i, change, table, &key.columns, stage, rank, b);
        let index = Index {
            name: key.name.clone(),
            unique: true,
            parts: key.columns.iter().map(|c| IndexPart::Column { name: c.clone(), descending: false }).collect(),
            method: None,
            predicate: None,
            span: Span::new(0, 0),
        };
        let t = ctx.live(table, stage);
        b.push(
            stage,
            ctx.step(
                format!("unique index on {table}({})", key.columns.join(", ")),
                i,
                vec![add_index_sql(ctx, &t, &index)],
                vec![ctx.alter(&t, &format!("DROP INDEX {}", q(&index_name(&index))), Algorithm::InplaceNone)],
                (LockMode::Online, &[table], Effect::Scan),
                "the gate counted no duplicate right before; the index is built in place while reads and writes go on (writes meanwhile are logged, up to innodb_online_alter_log_max_size), and from now on duplicates are rejected",
                rank,
            ),
        );
        return;
    }
    // A primary key: the table is rebuilt in place (LOCK=NONE) in Contract, after the NOT NULL
    // steps, once the gate found no duplicate and no NULL.
    let t = ctx.live(table, StageKind::Contract);
    let gate_t = ctx.live(table, StageKind::Switch);
    unique_gate(ctx, i, change, table, &key.columns, StageKind::Contract, R_RULE + 2, b);
    b.prechecks.push(CheckQuery {
        title: format!("NULLs in the new primary key ({}) of {table}", key.columns.join(", ")),
        change: i,
        sql: format!(
            "SELECT COUNT(*) FROM {gate_t} WHERE {}",
            key.columns.iter().map(|c| format!("{} IS NULL", q(c))).collect::<Vec<_>>().join(" OR ")
        ),
        must_be_zero: true,
        before: StageKind::Contract,
        resolution: None,
    });
    let replaces =
        ctx.changes.iter().any(|c| matches!(c, Change::DropPrimaryKey { table: x, .. } if same_name(x, table)));
    let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
    let clause = if replaces {
        format!("DROP PRIMARY KEY, ADD PRIMARY KEY ({})", cols.join(", "))
    } else {
        format!("ADD PRIMARY KEY ({})", cols.join(", "))
    };
    let undo = match ctx.base_table(table).and_then(|bt| bt.primary_key.as_ref()) {
        Some(old) if replaces => format!(
            "DROP PRIMARY KEY, ADD PRIMARY KEY ({})",
            old.columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
        ),
        _ => "DROP PRIMARY KEY".to_string(),
    };
    let undo_algorithm = if replaces { Algorithm::InplaceNone } else { Algorithm::CopyShared };
    b.push(
        StageKind::Contract,
        ctx.step(
            format!("primary key ({}) on {table}", key.columns.join(", ")),
            i,
            vec![ctx.alter(&t, &clause, Algorithm::InplaceNone)],
            vec![ctx.alter(&t, &undo, undo_algorithm)],
            (LockMode::Online, &[table], Effect::Rewrite),
            "InnoDB rebuilds the table around the new key in place while reads and writes go on; the gate counted no duplicate and no NULL right before",
            R_RULE + 2,
        ),
    );
}

pub(super) fn drop_primary_key(ctx: &Ctx<'_>, i: usize, table: &str, key: &Key, b: &mut Builder) {
    let column_dropped = |c: &String| {
        ctx.changes.iter().any(
            |x| matches!(x, Change::DropColumn { table: t, column } if same_name(t, table) && same_name(column, c)),
        )
    };
    if ctx.dropped_table(table)
        || ctx.changes.iter().any(|c| matches!(c, Change::AddPrimaryKey { table: x, .. } if same_name(x, table)))
        || key.columns.iter().all(column_dropped)
    {
        return; // dropped with the table or its columns, or swapped for the new key in one ALTER
    }
    let t = ctx.live(table, StageKind::Contract);
    let algorithm = if ctx.server.online_copy() { Algorithm::CopyNone } else { Algorithm::CopyShared };
    let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
    b.push(
        StageKind::Contract,
        ctx.step(
            format!("drop the primary key of {table}"),
            i,
            vec![ctx.alter(&t, "DROP PRIMARY KEY", algorithm)],
            vec![ctx.alter(&t, &format!("ADD PRIMARY KEY ({})", cols.join(", ")), Algorithm::InplaceNone)],
            (if algorithm == Algorithm::CopyNone { LockMode::Online } else { LockMode::NoWrites }, &[table], Effect::Rewrite),
            &format!(
                "InnoDB keeps rows in primary-key order: without a new key in the same statement the table is copied{}; {}",
                if algorithm == Algorithm::CopyNone { " while writes go on" } else { ", and writes wait for the copy" },
                ctx.copy_tools(table, "DROP PRIMARY KEY")
            ),
            R_DROP_RULE,
        ),
    );
}

pub(super) fn create_index(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, index: &Index, b: &mut Builder) {
    if ctx.added_table(table)
        || index.parts.iter().filter_map(IndexPart::column).any(|c| columns::replaced(ctx, table, c))
    {
        return;
    }
    let cols: Vec<String> = index.parts.iter().filter_map(IndexPart::column).map(str::to_string).collect();
    let (stage, rank) = if index.unique { build_stage(ctx, table, &cols) } else { (StageKind::Expand, R_INDEX) };
    if index.unique {
        unique_gate(ctx, i, change, table, &cols, stage, rank, b);
    }
    let t = ctx.live(table, stage);
    let shared = matches!(index.method.as_deref(), Some("fulltext" | "spatial"));
    // InnoDB drops the index it made for a foreign key once a new index serves the key: the
    // undo gives the key its own index back in the same ALTER that drops the new one.
    let served = ctx.base_table(table).and_then(|bt| {
        bt.foreign_keys
            .iter()
            .find(|fk| {
                !bt.indexes.iter().any(|ix| {
                    ix.parts.iter().filter_map(IndexPart::column).take(fk.columns.len()).collect::<Vec<_>>()
                        == fk.columns.iter().map(String::as_str).collect::<Vec<_>>()
                }) && cols.iter().take(fk.columns.len()).zip(&fk.columns).all(|(a, b)| same_name(a, b))
                    && cols.len() >= fk.columns.len()
            })
            .map(|fk| (fk_name(bt, fk), fk.columns.clone()))
    });
    let undo = match &served {
        Some((fk, fk_cols)) => ctx.alter(
            &t,
            &format!(
                "ADD INDEX {} ({}), DROP INDEX {}",
                q(fk),
                fk_cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
                q(&index_name(index))
            ),
            Algorithm::InplaceNone,
        ),
        None => ctx.alter(&t, &format!("DROP INDEX {}", q(&index_name(index))), Algorithm::InplaceNone),
    };
    b.push(
        stage,
        ctx.step(
            format!("create index {} on {table}", index.name.as_deref().unwrap_or("")),
            i,
            vec![add_index_sql(ctx, &t, index)],
            vec![undo],
            (if shared { LockMode::NoWrites } else { LockMode::Online }, &[table], Effect::Scan),
            if shared {
                "a FULLTEXT or SPATIAL index is built in place but writes wait for the build (LOCK=SHARED)"
            } else {
                "built in place while reads and writes go on; writes during the build are logged up to innodb_online_alter_log_max_size (128 MiB by default), past which the ALTER aborts on a busy, large table"
            },
            rank,
        ),
    );
}

pub(super) fn drop_index(ctx: &Ctx<'_>, i: usize, table: &str, index: &Index, b: &mut Builder) {
    if ctx.dropped_table(table) || index.parts.iter().filter_map(IndexPart::column).any(|c| shadowed(ctx, table, c)) {
        return;
    }
    let t = ctx.live(table, StageKind::Contract);
    let undo = match ctx.base_table(table) {
        Some(bt) if index.parts.iter().filter_map(IndexPart::column).all(|c| bt.column(c).is_some()) => {
            vec![add_index_sql(ctx, &t, &Index { name: Some(index_name(index)), ..index.clone() })]
        }
        _ => vec![],
    };
    // A foreign key of the target that only this index serves: InnoDB refuses the drop (error
    // 1553) unless another index serves the key, so one over exactly its columns goes in, in
    // the same ALTER (what InnoDB makes itself for a key written without an index).
    let cols: Vec<&str> = index.parts.iter().filter_map(IndexPart::column).collect();
    let serves = |t: &Table, fk: &ForeignKey, skip: Option<&str>| {
        t.indexes.iter().filter(|ix| skip.is_none_or(|s| ix.name.as_deref().is_none_or(|n| !same_name(n, s)))).any(
            |ix| {
                let c: Vec<&str> = ix.parts.iter().filter_map(IndexPart::column).collect();
                c.len() >= fk.columns.len() && c.iter().zip(&fk.columns).all(|(a, b)| same_name(a, b))
            },
        ) || t.primary_key.iter().chain(t.uniques.iter()).any(|k| {
            k.columns.len() >= fk.columns.len() && k.columns.iter().zip(&fk.columns).all(|(a, b)| same_name(a, b))
        })
    };
    let keep_for: Option<&ForeignKey> = ctx.target_table(table).and_then(|tt| {
        tt.foreign_keys.iter().find(|fk| {
            cols.len() >= fk.columns.len()
                && cols.iter().zip(&fk.columns).all(|(a, b)| same_name(a, b))
                && !serves(tt, fk, index.name.as_deref())
        })
    });
    let drop_clause = match keep_for {
        Some(fk) => format!(
            "ADD INDEX {} ({}), DROP INDEX {}",
            q(fk.name.as_deref().unwrap_or(&fk.columns[0])),
            fk.columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
            q(&index_name(index))
        ),
        None => format!("DROP INDEX {}", q(&index_name(index))),
    };
    let undo = match (keep_for, undo.is_empty()) {
        (Some(fk), false) => vec![ctx.alter(
            &t,
            &format!(
                "ADD {}INDEX {} ({}), DROP INDEX {}",
                if index.unique { "UNIQUE " } else { "" },
                q(&index_name(index)),
                index_parts(index, Dialect::MySql),
                q(fk.name.as_deref().unwrap_or(&fk.columns[0]))
            ),
            Algorithm::InplaceNone,
        )],
        _ => undo,
    };
    if let Some(fk) = keep_for {
        b.notes.push(format!(
            "the foreign key of {table} ({}) needs an index: dropping {} puts one over exactly its columns in its place, as InnoDB would",
            fk.columns.join(", "),
            index_name(index)
        ));
    }
    b.push(
        StageKind::Contract,
        ctx.step(
            format!("drop index {} on {table}", index_name(index)),
            i,
            vec![ctx.alter(&t, &drop_clause, Algorithm::InplaceNone)],
            undo,
            (LockMode::Metadata, &[table], Effect::Metadata),
            "metadata only; v1 may rely on it until Contract",
            R_DROP_RULE,
        ),
    );
}

pub(super) fn add_check(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, check: &Check, b: &mut Builder) {
    if ctx.added_table(table) {
        return;
    }
    let t = ctx.live(table, StageKind::Contract);
    let gate_t = ctx.live(table, StageKind::Switch);
    let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
    b.prechecks.push(CheckQuery {
        title: format!("rows of {table} that break CHECK ({})", check.expr),
        change: i,
        sql: format!("SELECT COUNT(*) FROM {gate_t} WHERE NOT ({})", check.expr),
        must_be_zero: true,
        before: StageKind::Contract,
        resolution: Some(resolution),
    });
    let algorithm = if ctx.server.online_copy() { Algorithm::CopyNone } else { Algorithm::CopyShared };
    let clause = format!(
        "ADD {}CHECK ({})",
        check.name.as_ref().map(|n| format!("CONSTRAINT {} ", q(n))).unwrap_or_default(),
        check.expr
    );
    let undo = match &check.name {
        Some(n) => vec![ctx.alter(&t, &format!("DROP CONSTRAINT {}", q(n)), Algorithm::InplaceNone)],
        None => vec![],
    };
    b.push(
        StageKind::Contract,
        ctx.step(
            format!("CHECK ({}) on {table}", check.expr),
            i,
            vec![ctx.alter(&t, &clause, algorithm)],
            undo,
            (
                if algorithm == Algorithm::CopyNone { LockMode::Online } else { LockMode::NoWrites },
                &[table],
                Effect::Rewrite,
            ),
            &format!(
                "a CHECK is validated by copying the table{}; the gate counted no violation right before; {}",
                if algorithm == Algorithm::CopyNone {
                    " while writes go on (online COPY)"
                } else {
                    ", and writes wait for the copy"
                },
                ctx.copy_tools(table, &clause)
            ),
            R_RULE,
        ),
    );
    b.notes.push(format!(
        "precondition of CHECK ({}) on {table}: from Expand on v1 writes only rows that pass it",
        check.expr
    ));
}

pub(super) fn drop_check(ctx: &Ctx<'_>, i: usize, table: &str, check: &Check, b: &mut Builder) {
    if ctx.dropped_table(table) {
        return;
    }
    // A CHECK written without a name has the one the server gave it: MariaDB numbers a
    // table's unnamed checks CONSTRAINT_1, CONSTRAINT_2, ...; MySQL names them t_chk_1, ....
    let generated = ctx.base_table(table).and_then(|bt| {
        let k = bt.checks.iter().filter(|c| c.name.is_none()).position(|c| c == check)? + 1;
        Some(if ctx.server.is_mariadb() { format!("CONSTRAINT_{k}") } else { format!("{}_chk_{k}", bt.name) })
    });
    let Some(n) = check.name.clone().or(generated) else { return };
    let n = &n;
    if check.name.is_none() {
        b.notes.push(format!(
            "the CHECK ({}) on {table} has no name in the DDL: the plan drops it by the name {} gives it, {n} (SHOW CREATE TABLE shows it)",
            check.expr,
            ctx.server.label()
        ));
    }
    let t = ctx.live(table, StageKind::Expand);
    b.push(
        StageKind::Expand,
        ctx.step(
            format!("drop CHECK {n} on {table}"),
            i,
            vec![ctx.alter(&t, &format!("DROP CONSTRAINT {}", q(n)), Algorithm::InplaceNone)],
            vec![ctx.alter(&t, &format!("ADD CONSTRAINT {} CHECK ({})", q(n), check.expr), Algorithm::CopyShared)],
            (LockMode::Metadata, &[table], Effect::Metadata),
            "relaxing a rule is metadata only; its undo validates the table again, which copies it",
            R_DROP_RULE,
        ),
    );
}

/// The name MySQL gives the k-th unnamed foreign key of a table.
fn fk_name(table: &Table, fk: &ForeignKey) -> String {
    fk.name.clone().unwrap_or_else(|| {
        let k = table.foreign_keys.iter().filter(|f| f.name.is_none()).position(|f| f == fk).unwrap_or(0);
        format!("{}_ibfk_{}", table.name, k + 1)
    })
}

/// Rows of `table` whose reference finds no parent (MATCH SIMPLE: a NULL in the key exempts
/// the row). The parent is read through a derived table, so a self-reference works inside
/// UPDATE and DELETE too (error 1093 otherwise).
fn orphans(ctx: &Ctx<'_>, table_sql: &str, fk: &ForeignKey, stage: StageKind) -> String {
    let parent = ctx.live(&fk.ref_table, stage);
    let ref_cols: Vec<String> = if fk.ref_columns.is_empty() {
        ctx.target
            .find_table(&fk.ref_table)
            .and_then(|t| t.primary_key.as_ref())
            .map(|k| k.columns.clone())
            .unwrap_or_default()
    } else {
        fk.ref_columns.clone()
    };
    let not_null: Vec<String> = fk.columns.iter().map(|c| format!("{table_sql}.{} IS NOT NULL", q(c))).collect();
    let matches: Vec<String> =
        fk.columns.iter().zip(&ref_cols).map(|(c, r)| format!("bellows_p.{} = {table_sql}.{}", q(r), q(c))).collect();
    let list: Vec<String> = ref_cols.iter().map(|r| q(r)).collect();
    format!(
        "{} AND NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT {} FROM {parent}) AS bellows_p WHERE {})",
        not_null.join(" AND "),
        list.join(", "),
        matches.join(" AND ")
    )
}

pub(super) fn add_foreign_key(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, fk: &ForeignKey, b: &mut Builder) {
    if ctx.added_table(table) {
        return;
    }
    let Some(tt) = ctx.target_table(table) else { return };
    let (stage, rank) = if fk.columns.iter().any(|c| ctx.added_column(table, c)) {
        (StageKind::Backfill, R_VALIDATE + 10)
    } else {
        (StageKind::Expand, R_FK)
    };
    let t = ctx.live(table, stage);
    let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
    let orphan = orphans(ctx, &t, fk, stage);
    b.prechecks.push(CheckQuery {
        title: format!("rows of {table} ({}) with no parent in {}", fk.columns.join(", "), fk.ref_table),
        change: i,
        sql: format!("SELECT COUNT(*) FROM {t} WHERE {orphan}"),
        must_be_zero: matches!(resolution, Resolution::StopBeforeContract),
        before: stage,
        resolution: Some(resolution.clone()),
    });
    match &resolution {
        Resolution::DeleteOrphans => {
            let mut s = ctx.step(
                format!("delete rows of {table} with no parent in {}", fk.ref_table),
                i,
                vec![format!("DELETE FROM {t} WHERE {orphan} LIMIT {}", ctx.options.batch_size)],
                vec![],
                (LockMode::None, &[table], Effect::Batched),
                "the resolution chosen for rows the new foreign key rejects; batches of short transactions",
                rank - 1,
            );
            s.repeat_until_no_rows = true;
            s.one_way = true;
            b.push(stage, s);
            b.one_way.push(format!("orphan rows of {table} are deleted"));
        }
        Resolution::NullOrphans => {
            let set: Vec<String> = fk.columns.iter().map(|c| format!("{} = NULL", q(c))).collect();
            let mut s = ctx.batched(
                format!("set references of {table} with no parent to NULL"),
                i,
                table,
                &set.join(", "),
                &orphan,
                "the resolution chosen for rows the new foreign key rejects",
            );
            s.rank = rank - 1;
            s.one_way = true;
            b.push(stage, s);
        }
        _ => {}
    }
    if ctx.server.fk_needs_unique_parent() {
        let parent = ctx.target.find_table(&fk.ref_table);
        let whole_key = parent.is_some_and(|p| {
            let refs: Vec<&String> =
                if fk.ref_columns.is_empty() { fk.columns.iter().collect() } else { fk.ref_columns.iter().collect() };
            p.primary_key.iter().chain(p.uniques.iter()).any(|k| {
                k.columns.len() == refs.len() && k.columns.iter().all(|c| refs.iter().any(|r| same_name(r, c)))
            }) || fk.ref_columns.is_empty()
        });
        if !whole_key {
            b.notes.push(format!(
                "{}: the foreign key of {table} ({}) references columns of {} that are not a whole PRIMARY KEY or UNIQUE key, which MySQL 8.4 refuses (restrict_fk_on_non_standard_key)",
                ctx.server.label(),
                fk.columns.join(", "),
                fk.ref_table
            ));
        }
    }
    let name = fk_name(tt, fk);
    let named = ForeignKey { name: Some(name.clone()), ..fk.clone() };
    // No index of the table leads with the key's columns: InnoDB makes one, named after the
    // key, and keeps it when the key is dropped; the undo drops it too.
    let indexed = |t: &Table| {
        t.indexes.iter().any(|ix| {
            ix.parts.iter().filter_map(IndexPart::column).take(fk.columns.len()).count() == fk.columns.len()
                && ix.parts.iter().filter_map(IndexPart::column).zip(&fk.columns).all(|(a, b)| same_name(a, b))
        }) || t.primary_key.iter().chain(t.uniques.iter()).any(|k| {
            k.columns.len() >= fk.columns.len() && k.columns.iter().zip(&fk.columns).all(|(a, b)| same_name(a, b))
        })
    };
    let mut undo = vec![ctx.alter(&t, &format!("DROP FOREIGN KEY {}", q(&name)), Algorithm::InplaceNone)];
    if !indexed(tt) {
        undo.push(ctx.alter(&t, &format!("DROP INDEX {}", q(&name)), Algorithm::InplaceNone));
    }
    b.push(
        stage,
        ctx.step(
            format!("foreign key {table}({}) -> {}", fk.columns.join(", "), fk.ref_table),
            i,
            vec![
                "SET SESSION foreign_key_checks = 0".into(),
                ctx.alter(&t, &format!("ADD {}", foreign_key_sql(&named, Dialect::MySql)), Algorithm::InplaceNone),
                "SET SESSION foreign_key_checks = 1".into(),
            ],
            undo,
            (LockMode::Metadata, &[table, &fk.ref_table], Effect::Metadata),
            "added in place (metadata only) with foreign_key_checks = 0, the only way MySQL adds one without copying the table; the server then does not check existing rows: the gate counted no orphan right before, and a verification counts them again after",
            rank,
        ),
    );
    let after = match stage {
        StageKind::Expand => StageKind::Backfill,
        _ => StageKind::Switch,
    };
    b.verifications.push(CheckQuery {
        title: format!(
            "rows of {table} ({}) with no parent in {}, after the key went in",
            fk.columns.join(", "),
            fk.ref_table
        ),
        change: i,
        sql: format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            ctx.live(table, after),
            orphans(ctx, &ctx.live(table, after), fk, after)
        ),
        must_be_zero: true,
        before: after,
        resolution: None,
    });
}

pub(super) fn drop_foreign_key(ctx: &Ctx<'_>, i: usize, table: &str, fk: &ForeignKey, b: &mut Builder) {
    if ctx.dropped_table(table) {
        return;
    }
    let Some(bt) = ctx.base_table(table) else { return };
    let name = fk_name(bt, fk);
    let t = ctx.live(table, StageKind::Expand);
    let named = ForeignKey { name: Some(name.clone()), ..fk.clone() };
    // The index InnoDB made for the key (none in the DDL serves it) stays when the key goes:
    // dropped too when the target has no index there. It is named after the key, or after its
    // first column when the key was written without a name.
    let leads = |t: &Table| {
        t.indexes.iter().any(|ix| {
            ix.parts.iter().filter_map(IndexPart::column).zip(&fk.columns).filter(|(a, b)| same_name(a, b)).count()
                == fk.columns.len()
        }) || t
            .primary_key
            .iter()
            .chain(t.uniques.iter())
            .any(|k| k.columns.iter().zip(&fk.columns).filter(|(a, b)| same_name(a, b)).count() == fk.columns.len())
    };
    let target_needs =
        ctx.target_table(table).is_some_and(|tt| leads(tt) || tt.foreign_keys.iter().any(|f| f.columns == fk.columns));
    let implicit = (!leads(bt) && !target_needs)
        .then(|| fk.name.clone().unwrap_or_else(|| fk.columns.first().cloned().unwrap_or_default()));
    b.push(
        StageKind::Expand,
        ctx.step(
            format!("drop foreign key {name} on {table}"),
            i,
            std::iter::once(ctx.alter(&t, &format!("DROP FOREIGN KEY {}", q(&name)), Algorithm::InplaceNone))
                .chain(implicit.iter().map(|ix| ctx.alter(&t, &format!("DROP INDEX {}", q(ix)), Algorithm::InplaceNone)))
                .collect(),
            vec![
                "SET SESSION foreign_key_checks = 0".into(),
                ctx.alter(
                    &t,
                    &format!(
                        "{}ADD {}",
                        implicit
                            .iter()
                            .map(|ix| format!(
                                "ADD INDEX {} ({}), ",
                                q(ix),
                                fk.columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
                            ))
                            .collect::<String>(),
                        foreign_key_sql(&named, Dialect::MySql)
                    ),
                    Algorithm::InplaceNone,
                ),
                "SET SESSION foreign_key_checks = 1".into(),
            ],
            (LockMode::Metadata, &[table, &fk.ref_table], Effect::Metadata),
            "relaxing a rule is metadata only; its undo adds the key back (and the index it had) without checking the rows written meanwhile",
            R_DROP_RULE,
        ),
    );
}
