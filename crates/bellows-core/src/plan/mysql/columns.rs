//! Column recipes: add, drop, rename, change type, NOT NULL and defaults.

use super::{
    column_sql, keys, lit, name, q, Algorithm, Ctx, PREFIX, R_COLUMN, R_DROP_COLUMN, R_DROP_RULE, R_RULE,
    R_SWAP_COLUMN, R_SYNC, R_VALIDATE,
};
use crate::diff::Change;
use crate::model::*;
use crate::plan::{Builder, CheckQuery, Effect, LockMode, Resolution, StageKind};
use crate::Span;
use crate::{DataType, TypeKind};

/// A column whose identity the table's keys hang on: the primary key, AUTO_INCREMENT, a foreign
/// key (either side), or a generated column's input. Replacing it by a shadow column would mean
/// rebuilding those: a rename waits for Contract, a type change copies the table.
fn key_column(ctx: &Ctx<'_>, table: &Table, column: &str) -> bool {
    let col = table.column(column);
    table.is_primary_key(column)
        || col.is_some_and(|c| c.identity.is_some() || c.generated.is_some())
        || table.foreign_keys.iter().any(|fk| fk.columns.iter().any(|c| same_name(c, column)))
        || table
            .columns
            .iter()
            .any(|c| c.generated.as_ref().is_some_and(|g| crate::import::objects::mentions(&g.expr, column)))
        || ctx.base.tables.iter().any(|t| {
            t.foreign_keys.iter().any(|fk| {
                same_name(split_qualified(&fk.ref_table).1, &table.name)
                    && (fk.ref_columns.iter().any(|c| same_name(c, column))
                        || fk.ref_columns.is_empty() && table.is_primary_key(column))
            })
        })
}

/// True when this plan replaces the column (target name) by a shadow column: its recipe sets
/// the final NOT NULL and default itself.
pub(super) fn replaced(ctx: &Ctx<'_>, table: &str, column: &str) -> bool {
    ctx.changes.iter().any(|c| match c {
        Change::RenameColumn { table: t, from, to } => {
            same_name(t, table)
                && same_name(to, column)
                && ctx.base_table(table).is_some_and(|bt| !key_column(ctx, bt, from))
        }
        Change::ChangeType { table: t, column: col, from, to } => {
            same_name(t, table)
                && same_name(col, column)
                && shadow_type_change(ctx, table, column, from, to)
                && !renamed_to(ctx, table, column)
        }
        _ => false,
    })
}

fn renamed_to(ctx: &Ctx<'_>, table: &str, column: &str) -> bool {
    ctx.changes
        .iter()
        .any(|c| matches!(c, Change::RenameColumn { table: t, to, .. } if same_name(t, table) && same_name(to, column)))
}

/// Bytes per character MySQL reserves for a VARCHAR: utf8mb4's 4 (the default character set
/// since 8.0). A column in a narrower set gets a conservative answer.
const BYTES_PER_CHAR: u32 = 4;

/// A VARCHAR widened while its length prefix stays one byte (at most 255 bytes) or stays two:
/// metadata only, INPLACE.
fn prefix_preserving_widening(from: &TypeKind, to: &TypeKind) -> bool {
    match (from, to) {
        (TypeKind::Varchar { length: Some(a) }, TypeKind::Varchar { length: Some(b) }) => {
            b >= a && ((a * BYTES_PER_CHAR <= 255) == (b * BYTES_PER_CHAR <= 255))
        }
        _ => false,
    }
}

/// Values appended at the end of an ENUM (at most 255 labels, so the storage stays one byte):
/// INSTANT.
fn enum_append(from: &DataType, to: &DataType) -> bool {
    match (crate::types::inline_labels(&from.spelling), crate::types::inline_labels(&to.spelling)) {
        (Some(a), Some(b)) => b.len() > a.len() && b.len() <= 255 && b[..a.len()] == a[..],
        _ => false,
    }
}

/// True when a type change goes through a shadow column (not metadata-only, not a key column).
fn shadow_type_change(ctx: &Ctx<'_>, table: &str, column: &str, from: &DataType, to: &DataType) -> bool {
    !(prefix_preserving_widening(&from.kind, &to.kind) || enum_append(from, to))
        && ctx
            .base_table(table)
            .is_some_and(|bt| !key_column(ctx, bt, column) && !online_copy_widening(ctx, bt, &from.kind, &to.kind))
}

/// The rows of `c` that do not fit the new type, as a predicate and in words.
fn does_not_fit(c: &str, from: &TypeKind, to: &DataType) -> Option<(String, String)> {
    use TypeKind::*;
    let range = |t: &TypeKind| -> Option<(&'static str, &'static str)> {
        let unsigned = to.spelling.to_ascii_lowercase().contains("unsigned");
        match (t, unsigned) {
            (SmallInt, false) => Some(("-32768", "32767")),
            (SmallInt, true) => Some(("0", "65535")),
            (Integer, false) => Some(("-2147483648", "2147483647")),
            (Integer, true) => Some(("0", "4294967295")),
            (BigInt, false) => Some(("-9223372036854775808", "9223372036854775807")),
            _ => None,
        }
    };
    let textual = matches!(from, Text | Varchar { .. } | Char { .. } | Named { .. });
    match &to.kind {
        Varchar { length: Some(n) } | Char { length: Some(n) } => {
            Some((format!("CHAR_LENGTH({c}) > {n}"), format!("at most {n} characters")))
        }
        t @ (SmallInt | Integer | BigInt) if textual => {
            let (lo, hi) = range(t)?;
            Some((
                format!("NOT ({c} REGEXP '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$') OR CAST({c} AS DECIMAL(65,0)) NOT BETWEEN {lo} AND {hi}"),
                format!("a whole number from {lo} to {hi}"),
            ))
        }
        t @ (SmallInt | Integer | BigInt) => {
            let (lo, hi) = range(t)?;
            Some((format!("{c} NOT BETWEEN {lo} AND {hi}"), format!("a whole number from {lo} to {hi}")))
        }
        Date | Timestamp | TimestampTz if textual => Some((
            format!("STR_TO_DATE({c}, '%Y-%m-%d') IS NULL AND STR_TO_DATE({c}, '%Y-%m-%d %H:%i:%s') IS NULL"),
            "a date written YYYY-MM-DD".into(),
        )),
        _ => None,
    }
}

/// Every value of `from` is a value of `to`: the change cannot fail, and v1 keeps working on
/// the wider column.
fn widens(from: &TypeKind, to: &TypeKind) -> bool {
    use TypeKind::*;
    match (from, to) {
        (a, b) if a == b => true,
        (Boolean, SmallInt | Integer | BigInt) | (SmallInt, Integer | BigInt) | (Integer, BigInt) => true,
        (Varchar { length: Some(a) }, Varchar { length: Some(b) }) => b >= a,
        (Varchar { .. } | Char { .. }, Text) => true,
        (Real, Double) => true,
        (Decimal { precision: Some(p1), scale: s1 }, Decimal { precision: Some(p2), scale: s2 }) => {
            let (s1, s2) = (s1.unwrap_or(0), s2.unwrap_or(0));
            s2 >= s1 && p2 - s2 >= p1 - s1
        }
        (SmallInt | Integer, Decimal { precision: Some(p), scale }) => *p - scale.unwrap_or(0) >= 10,
        _ => false,
    }
}

fn can_fail(from: &TypeKind, to: &TypeKind) -> bool {
    !widens(from, to)
}

/// True when a foreign key to or from the table cascades: MariaDB's online COPY refuses
/// those tables.
fn cascading(ctx: &Ctx<'_>, bt: &Table) -> bool {
    let cascades = |fk: &ForeignKey| fk.on_delete == RefAction::Cascade || fk.on_update == RefAction::Cascade;
    bt.foreign_keys.iter().any(cascades)
        || ctx.base.tables.iter().any(|o| {
            o.foreign_keys.iter().any(|fk| same_name(split_qualified(&fk.ref_table).1, &bt.name) && cascades(fk))
        })
}

/// A widening that MariaDB 11.4 makes in one online COPY (writes go on), where v1 keeps
/// working on the wider column: no shadow column needed.
fn online_copy_widening(ctx: &Ctx<'_>, bt: &Table, from: &TypeKind, to: &TypeKind) -> bool {
    ctx.server.online_copy() && widens(from, to) && !cascading(ctx, bt)
}

pub(super) fn add_column(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, column: &str, b: &mut Builder) {
    if ctx.added_table(table) || renamed_to(ctx, table, column) {
        return;
    }
    let Some(t) = ctx.target_table(table) else { return };
    let Some(col) = t.column(column) else { return };
    let tt = ctx.live(table, StageKind::Expand);
    // Where the target puts it: after the column before it (instant at any position).
    let position = t.columns.iter().position(|c| same_name(&c.name, column)).unwrap_or(0);
    let place = match position.checked_sub(1).map(|p| &t.columns[p]) {
        Some(prev) => format!(" AFTER {}", q(&prev.name)),
        None => " FIRST".to_string(),
    };
    let drop = vec![ctx.alter(&tt, &format!("DROP COLUMN {}", q(column)), Algorithm::Instant)];
    let expr_default = col.default.as_ref().filter(|d| d.volatile && !is_current_timestamp(&d.expr));
    if col.identity.is_some() || col.generated.as_ref().is_some_and(|g| g.stored) {
        let algorithm = if ctx.server.online_copy() { Algorithm::CopyNone } else { Algorithm::CopyShared };
        let clause = format!("ADD COLUMN {}{place}", column_sql(col));
        let reason = format!(
            "an AUTO_INCREMENT or stored generated column fills every row: the table is copied{}; {}",
            if algorithm == Algorithm::CopyNone { " while writes go on" } else { ", and writes wait for the copy" },
            ctx.copy_tools(table, &clause)
        );
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("add column {table}.{column} (table copy)"),
                i,
                vec![ctx.alter(&tt, &clause, algorithm)],
                drop,
                (
                    if algorithm == Algorithm::CopyNone { LockMode::Online } else { LockMode::NoWrites },
                    &[table],
                    Effect::Rewrite,
                ),
                &reason,
                R_COLUMN,
            ),
        );
        b.app_changes.push(format!("v2 may read and write {table}.{column}"));
        return;
    }
    let instant = col.nullable || (col.default.is_some() && expr_default.is_none());
    if instant && expr_default.is_none() {
        let algorithm = if col.generated.is_some() { Algorithm::InplaceNone } else { Algorithm::Instant };
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("add column {table}.{column}"),
                i,
                vec![ctx.alter(&tt, &format!("ADD COLUMN {}{place}", column_sql(col)), algorithm)],
                drop,
                (LockMode::Metadata, &[table], Effect::Metadata),
                if col.nullable {
                    "a nullable column is added in the metadata only (INSTANT); v1 does not see it"
                } else {
                    "a NOT NULL column with a constant default is added in the metadata only (INSTANT); v1's inserts get the default"
                },
                R_COLUMN,
            ),
        );
        b.app_changes.push(format!("v2 may read and write {table}.{column}"));
        return;
    }
    // NOT NULL without a constant default, or a default computed per row: added nullable
    // (instant), the per-row default set for new rows, existing rows filled in batches, and
    // NOT NULL set in Contract after a gate counts the rows still empty.
    let mut nullable = col.clone();
    nullable.nullable = true;
    nullable.default = None;
    let mut sql = vec![ctx.alter(&tt, &format!("ADD COLUMN {}{place}", column_sql(&nullable)), Algorithm::Instant)];
    let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
    let fill = match (&col.default, &resolution) {
        (Some(d), _) => Some(d.expr.clone()),
        (None, Resolution::Fill { value }) => Some(value.clone()),
        _ => None,
    };
    let trigger = name(&[PREFIX.trim_end_matches('_'), "fill", &t.name, column]);
    if let Some(d) = expr_default {
        sql.push(ctx.alter(
            &tt,
            &format!("ALTER COLUMN {} SET DEFAULT {}", q(column), paren(&d.expr)),
            Algorithm::Instant,
        ));
    } else if let Some(value) = &fill {
        // v1 inserts without the column: a trigger fills it, as the target's rule will.
        sql.push(format!(
            "CREATE TRIGGER {} BEFORE INSERT ON {tt} FOR EACH ROW SET NEW.{c} = COALESCE(NEW.{c}, {value})",
            q(&trigger),
            c = q(column)
        ));
    }
    let mut undo = vec![format!("DROP TRIGGER IF EXISTS {}", q(&trigger))];
    undo.extend(drop);
    b.push(
        StageKind::Expand,
        ctx.step(
            format!("add column {table}.{column}, nullable until Contract"),
            i,
            sql,
            undo,
            (LockMode::Metadata, &[table], Effect::Metadata),
            "added nullable in the metadata only (INSTANT), so v1's inserts, which leave it out, still work; new rows get their value from the default or the plan's trigger",
            R_COLUMN,
        ),
    );
    if let Some(value) = &fill {
        b.push(
            StageKind::Backfill,
            ctx.batched(
                format!("fill {table}.{column} in existing rows"),
                i,
                table,
                &format!("{} = {value}", q(column)),
                &format!("{} IS NULL", q(column)),
                "existing rows get the value new rows get",
            ),
        );
    }
    b.app_changes.push(format!("v2 writes {table}.{column} on every insert"));
    if col.nullable {
        return;
    }
    not_null_in_contract(ctx, i, table, col, fill.is_some(), &resolution, b);
    if fill.is_some() && expr_default.is_none() {
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("drop the fill trigger of {table}.{column}"),
                i,
                vec![format!("DROP TRIGGER IF EXISTS {}", q(&trigger))],
                vec![format!(
                    "CREATE TRIGGER {} BEFORE INSERT ON {} FOR EACH ROW SET NEW.{c} = COALESCE(NEW.{c}, {})",
                    q(&trigger),
                    ctx.live(table, StageKind::Contract),
                    fill.clone().unwrap_or_default(),
                    c = q(column)
                )],
                (LockMode::Metadata, &[table], Effect::Metadata),
                "NOT NULL holds from here; the column has the target's definition",
                R_RULE + 1,
            ),
        );
    }
}

fn is_current_timestamp(expr: &str) -> bool {
    let e = expr.trim().to_ascii_lowercase().replace(' ', "");
    ["current_timestamp", "current_timestamp()", "now()", "localtimestamp", "localtimestamp()"]
        .iter()
        .any(|k| e == *k || e.starts_with(&format!("{}(", k.trim_end_matches("()"))))
}

/// An expression default in the form MySQL's ALTER COLUMN SET DEFAULT takes.
fn paren(expr: &str) -> String {
    let e = expr.trim();
    if e.starts_with('(') {
        e.to_string()
    } else {
        format!("({e})")
    }
}

/// The statements that give a column its final definition: MODIFY (in place), and an
/// expression default (CURRENT_TIMESTAMP, `(uuid())`) set apart, since MariaDB will not make a
/// column NOT NULL in place together with a default that is not a constant.
fn modify_to(ctx: &Ctx<'_>, table_sql: &str, col: &Column) -> Vec<String> {
    let expression = col.default.as_ref().filter(|d| d.volatile || is_current_timestamp(&d.expr));
    let algorithm = if col.nullable {
        Algorithm::Instant
    } else if timestamp_copies(ctx, col) {
        if ctx.server.online_copy() {
            Algorithm::CopyNone
        } else {
            Algorithm::CopyShared
        }
    } else {
        Algorithm::InplaceNone
    };
    match expression {
        Some(d) if !col.nullable => {
            let mut plain = col.clone();
            plain.default = None;
            vec![
                ctx.alter(table_sql, &format!("MODIFY COLUMN {}", column_sql(&plain)), algorithm),
                ctx.alter(
                    table_sql,
                    &format!(
                        "ALTER COLUMN {} SET DEFAULT {}",
                        q(&col.name),
                        if is_current_timestamp(&d.expr) { d.expr.clone() } else { paren(&d.expr) }
                    ),
                    Algorithm::Instant,
                ),
            ]
        }
        _ => vec![ctx.alter(table_sql, &format!("MODIFY COLUMN {}", column_sql(col)), algorithm)],
    }
}

/// A TIMESTAMP column made NOT NULL on MariaDB: the table is copied.
fn timestamp_copies(ctx: &Ctx<'_>, col: &Column) -> bool {
    !col.nullable
        && ctx.server.timestamp_not_null_copies()
        && col.data_type.spelling.trim().to_ascii_lowercase().starts_with("timestamp")
}

fn timestamp_note(ctx: &Ctx<'_>, table: &str, col: &Column, b: &mut Builder) {
    if timestamp_copies(ctx, col) {
        b.notes.push(format!(
            "{}: making the TIMESTAMP column {table}.{} NOT NULL copies the table{}",
            ctx.server.label(),
            col.name,
            if ctx.server.online_copy() {
                " while writes go on"
            } else {
                ", and writes wait for the copy (a DATETIME column would not)"
            }
        ));
    }
}

/// Contract: the gate counts NULLs, then MODIFY gives the column its target definition
/// (INPLACE, LOCK=NONE: the table is rebuilt while reads and writes go on, and the server
/// refuses if a NULL is left).
fn not_null_in_contract(
    ctx: &Ctx<'_>,
    i: usize,
    table: &str,
    col: &Column,
    filled: bool,
    resolution: &Resolution,
    b: &mut Builder,
) {
    let t = ctx.live(table, StageKind::Contract);
    let gate_table = ctx.live(table, StageKind::Switch);
    b.prechecks.push(CheckQuery {
        title: format!("NULLs in {table}.{}", col.name),
        change: i,
        sql: format!("SELECT COUNT(*) FROM {gate_table} WHERE {} IS NULL", q(&col.name)),
        must_be_zero: !filled,
        before: StageKind::Contract,
        resolution: Some(resolution.clone()),
    });
    let mut relaxed = col.clone();
    relaxed.nullable = true;
    timestamp_note(ctx, table, col, b);
    b.push(
        StageKind::Contract,
        ctx.step(
            format!("set NOT NULL on {table}.{}", col.name),
            i,
            modify_to(ctx, &t, col),
            vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&relaxed)), Algorithm::InplaceNone)],
            (LockMode::Online, &[table], Effect::Rewrite),
            "the gate counted no NULL right before; MODIFY ... NOT NULL rebuilds the table in place while reads and writes go on (brief metadata locks at the start and the end), and the server refuses if a NULL came in since",
            R_RULE,
        ),
    );
    if col.default.is_none() {
        b.v1_breaks
            .push(format!("v1 inserts that leave out {table}.{} fail once it is NOT NULL in Contract", col.name));
    }
}

pub(super) fn drop_column(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
    if ctx.dropped_table(table) {
        return;
    }
    let Some(bt) = ctx.base_table(table) else { return };
    let Some(col) = bt.column(column) else { return };
    if !col.nullable && col.default.is_none() && col.identity.is_none() && bt.is_primary_key(column) {
        // A primary key column cannot be NULL: v2's inserts, which leave it out, work only
        // once Contract drops it.
        b.v2_waits.push(format!(
            "v2 inserts leave out {table}.{column}, which stays the primary key (never NULL, no default) until Contract drops it"
        ));
    } else if !col.nullable && col.default.is_none() && col.identity.is_none() {
        let mut relaxed = col.clone();
        relaxed.nullable = true;
        let t = ctx.live(table, StageKind::Expand);
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("let v2 omit {table}.{column}"),
                i,
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&relaxed)), Algorithm::InplaceNone)],
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(col)), Algorithm::InplaceNone)],
                (LockMode::Online, &[table], Effect::Rewrite),
                "v2 inserts rows without the column; NOT NULL without a default would reject them. Dropping NOT NULL rebuilds the table in place while reads and writes go on",
                R_DROP_RULE,
            ),
        );
    }
    // An index the column stays in (one this plan does not drop) makes the drop rebuild it.
    let dropped_index = |ix: &Index| {
        ctx.changes.iter().any(|c| match c {
            Change::DropIndex { table: t, index } => same_name(t, table) && index.name == ix.name,
            _ => false,
        })
    };
    let in_index = bt
        .indexes
        .iter()
        .any(|ix| ix.parts.iter().any(|p| p.column().is_some_and(|c| same_name(c, column))) && !dropped_index(ix))
        || bt.uniques.iter().any(|k| k.columns.iter().any(|c| same_name(c, column)))
        // InnoDB indexes a foreign key's columns itself when no index serves them.
        || bt.foreign_keys.iter().any(|fk| fk.columns.iter().any(|c| same_name(c, column)))
        || bt.is_primary_key(column);
    // A primary key column takes the key with it: InnoDB rebuilds the table by copying it.
    let primary = bt.is_primary_key(column);
    let algorithm = if primary {
        if ctx.server.online_copy() {
            Algorithm::CopyNone
        } else {
            Algorithm::CopyShared
        }
    } else if in_index {
        Algorithm::InplaceNone
    } else {
        Algorithm::Instant
    };
    let t = ctx.live(table, StageKind::Contract);
    let mut s = ctx.step(
        format!("drop column {table}.{column}"),
        i,
        vec![ctx.alter(&t, &format!("DROP COLUMN {}", q(column)), algorithm)],
        vec![],
        (if in_index { LockMode::Online } else { LockMode::Metadata }, &[table], if in_index { Effect::Rewrite } else { Effect::Metadata }),
        if primary {
            "the column is the primary key: dropping it drops the key, and InnoDB copies the table (writes wait unless the server copies online); the values are gone"
        } else if in_index {
            "the column is in an index that stays: the table is rebuilt in place while reads and writes go on; the values are gone"
        } else {
            "metadata only (INSTANT); the values are gone"
        },
        R_DROP_COLUMN,
    );
    s.one_way = true;
    b.push(StageKind::Contract, s);
    b.column_dropped(table, column);
}

pub(super) fn rename_column(ctx: &Ctx<'_>, i: usize, table: &str, from: &str, to: &str, b: &mut Builder) {
    let Some(bt) = ctx.base_table(table) else { return };
    let Some(col) = ctx.target_table(table).and_then(|t| t.column(to)) else { return };
    if key_column(ctx, bt, from) {
        // Keys and AUTO_INCREMENT hang on the column: renamed in place, which is metadata only,
        // when v1 no longer runs.
        let t = ctx.live(table, StageKind::Contract);
        let referenced = ctx
            .base
            .tables
            .iter()
            .any(|o| o.foreign_keys.iter().any(|fk| same_name(split_qualified(&fk.ref_table).1, &bt.name)));
        let algorithm =
            if referenced && !ctx.server.is_mariadb() { Algorithm::InplaceNone } else { Algorithm::Instant };
        let type_changes = bt.column(from).is_some_and(|c| c.data_type.kind != col.data_type.kind);
        let clause = if type_changes {
            format!("CHANGE COLUMN {} {}", q(from), column_sql(col))
        } else {
            format!("RENAME COLUMN {} TO {}", q(from), q(to))
        };
        let undo = match bt.column(from) {
            Some(old) if type_changes => format!("CHANGE COLUMN {} {}", q(to), column_sql(old)),
            _ => format!("RENAME COLUMN {} TO {}", q(to), q(from)),
        };
        let algorithm = if type_changes { Algorithm::CopyShared } else { algorithm };
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("rename column {table}.{from} -> {to}"),
                i,
                vec![ctx.alter(&t, &clause, algorithm)],
                vec![ctx.alter(&t, &undo, algorithm)],
                (LockMode::Metadata, &[table], Effect::Metadata),
                "the column carries a key, a foreign key or AUTO_INCREMENT, which a shadow column would have to rebuild: it is renamed in place (metadata only) once v1 has stopped, and the keys follow it",
                R_SWAP_COLUMN,
            ),
        );
        b.v2_waits.push(format!("v2 reads {table}.{to}, which has that name from Contract on"));
        b.v1_breaks.push(format!("v1 uses {table}.{from}, renamed in Contract"));
        b.app_changes.push(format!("v2 reads and writes {table}.{to} instead of {from}"));
        return;
    }
    shadow(ctx, i, table, from, to, to, col, &format!("rename column {table}.{from} -> {to}"), b);
    b.app_changes.push(format!("v2 reads and writes {table}.{to} instead of {from}"));
    b.v1_breaks.push(format!("v1 uses {table}.{from}, dropped in Contract"));
}

#[allow(clippy::too_many_arguments)]
pub(super) fn change_type(
    ctx: &Ctx<'_>,
    i: usize,
    change: &Change,
    table: &str,
    column: &str,
    from: &DataType,
    to: &DataType,
    b: &mut Builder,
) {
    if renamed_to(ctx, table, column) {
        return; // the rename carries the type change
    }
    let Some(col) = ctx.target_table(table).and_then(|t| t.column(column)) else { return };
    let Some(bt) = ctx.base_table(table) else { return };
    let old = bt.column(column).cloned();
    let tt = ctx.live(table, StageKind::Expand);
    let gate_table = ctx.live(table, StageKind::Expand);
    if can_fail(&from.kind, &to.kind) {
        if let Some((test, what)) = does_not_fit(&q(column), &from.kind, to) {
            b.prechecks.push(CheckQuery {
                title: format!("rows of {table}.{column} that do not fit {} ({what})", to.spelling),
                change: i,
                sql: format!("SELECT COUNT(*) FROM {gate_table} WHERE {} IS NOT NULL AND ({test})", q(column)),
                must_be_zero: true,
                before: StageKind::Expand,
                resolution: Some(ctx.resolution(change, Resolution::StopBeforeContract)),
            });
            b.notes.push(format!(
                "precondition of {table}.{column} -> {}: every value fits ({what}); the plan checks existing rows before Expand, and from Expand on v1 must write only such values (strict mode rejects one that does not fit)",
                to.spelling
            ));
        }
    }
    // Same-shape widenings: one metadata step. Its undo narrows, which copies the table.
    let metadata = prefix_preserving_widening(&from.kind, &to.kind) || enum_append(from, to);
    if metadata {
        let algorithm = if enum_append(from, to) { Algorithm::Instant } else { Algorithm::InplaceNone };
        let mut s = ctx.step(
            format!("change type of {table}.{column} to {}", to.spelling),
            i,
            vec![ctx.alter(&tt, &format!("MODIFY COLUMN {}", column_sql(&with_shape(old.as_ref(), col))), algorithm)],
            old.iter()
                .map(|o| ctx.alter(&tt, &format!("MODIFY COLUMN {}", column_sql(o)), Algorithm::CopyShared))
                .collect(),
            (LockMode::Metadata, &[table], Effect::Metadata),
            if algorithm == Algorithm::Instant {
                "values appended at the end of an ENUM change the metadata only (INSTANT); its undo removes them, which copies the table"
            } else {
                "a VARCHAR widened within the same length-prefix size (up to 255 bytes, or past it on both sides, at 4 bytes a character) changes the metadata only; its undo narrows, which copies the table"
            },
            R_COLUMN,
        );
        s.rank = R_COLUMN;
        b.push(StageKind::Expand, s);
        return;
    }
    let online_widening = online_copy_widening(ctx, bt, &from.kind, &to.kind);
    if key_column(ctx, bt, column) || online_widening {
        // The table is copied with the new type (keys, AUTO_INCREMENT and foreign keys stay).
        let algorithm =
            if ctx.server.online_copy() && !cascading(ctx, bt) { Algorithm::CopyNone } else { Algorithm::CopyShared };
        let clause = format!("MODIFY COLUMN {}", column_sql(&with_shape(old.as_ref(), col)));
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("change type of {table}.{column} to {} (table copy)", to.spelling),
                i,
                vec![ctx.alter(&tt, &clause, algorithm)],
                old.iter()
                    .map(|o| ctx.alter(&tt, &format!("MODIFY COLUMN {}", column_sql(o)), algorithm))
                    .collect(),
                (if algorithm == Algorithm::CopyNone { LockMode::Online } else { LockMode::NoWrites }, &[table], Effect::Rewrite),
                &format!(
                    "{}: the table is copied with the new type{}; {}",
                    if online_widening && !key_column(ctx, bt, column) {
                        "a widening that v1 keeps working with"
                    } else {
                        "the column carries a key, a foreign key or AUTO_INCREMENT, so a shadow column cannot stand in for it"
                    },
                    if algorithm == Algorithm::CopyNone { " while writes go on (online COPY)" } else { ", and writes wait for the copy" },
                    ctx.copy_tools(table, &clause)
                ),
                R_COLUMN,
            ),
        );
        return;
    }
    let staging = name(&[column, "new"]);
    shadow(
        ctx,
        i,
        table,
        column,
        &staging,
        column,
        col,
        &format!("change type of {table}.{column} to {}", to.spelling),
        b,
    );
    b.app_changes.push(format!(
        "v2 reads and writes {table}.{staging} ({}) until Contract gives it the name {column}",
        to.spelling
    ));
}

/// The target column with the base's NOT NULL and default: a one-step type change must not
/// tighten a rule in Expand (the rule's own change does, in its stage).
fn with_shape(old: Option<&Column>, target: &Column) -> Column {
    let mut c = target.clone();
    if let Some(o) = old {
        c.nullable = o.nullable;
        c.default = o.default.clone();
    }
    c
}

/// A literal default of the type, for a NOT NULL column that v2 leaves out of its inserts.
fn placeholder_default(ctx: &Ctx<'_>, ty: &DataType) -> Option<String> {
    if let Some(labels) = crate::types::inline_labels(&ty.spelling) {
        return labels.first().map(|l| lit(l));
    }
    Some(match &ty.kind {
        TypeKind::Boolean | TypeKind::SmallInt | TypeKind::Integer | TypeKind::BigInt => "0".into(),
        TypeKind::Decimal { .. } | TypeKind::Real | TypeKind::Double => "0".into(),
        TypeKind::Varchar { .. } | TypeKind::Char { .. } => "''".into(),
        // MariaDB takes a literal default on TEXT; MySQL wants an expression there.
        TypeKind::Text if ctx.server.is_mariadb() => "''".into(),
        TypeKind::Date => "'2000-01-01'".into(),
        TypeKind::Timestamp | TypeKind::TimestampTz => "'2000-01-01 00:00:00'".into(),
        TypeKind::Time => "'00:00:00'".into(),
        _ => return None,
    })
}

/// Every column of the table this plan replaces by a shadow column: (old name, the new column
/// holding its values until Contract, the final name).
fn shadowed_columns(ctx: &Ctx<'_>, table: &str) -> Vec<(String, String, String)> {
    ctx.changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameColumn { table: t, from, to } if same_name(t, table) && replaced(ctx, table, to) => {
                Some((from.clone(), to.clone(), to.clone()))
            }
            Change::ChangeType { table: t, column, .. }
                if same_name(t, table) && replaced(ctx, table, column) && !renamed_to(ctx, table, column) =>
            {
                Some((column.clone(), name(&[column, "new"]), column.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The shadow column recipe: `new` added next to `old` and kept in step by BEFORE INSERT and
/// BEFORE UPDATE triggers, filled in batches, verified, then `old` dropped in Contract and
/// `new` renamed to `final_name` (a type change) with the target's rules and indexes.
#[allow(clippy::too_many_arguments)]
fn shadow(
    ctx: &Ctx<'_>,
    i: usize,
    table: &str,
    old: &str,
    new: &str,
    final_name: &str,
    target_col: &Column,
    title: &str,
    b: &mut Builder,
) {
    let Some(bt) = ctx.base_table(table) else { return };
    let tt = ctx.live(table, StageKind::Expand);
    let (o, n) = (q(old), q(new));
    let ins = name(&[PREFIX.trim_end_matches('_'), "sync", &bt.name, new, "ins"]);
    let upd = name(&[PREFIX.trim_end_matches('_'), "sync", &bt.name, new, "upd"]);
    let mut shadow_col = target_col.clone();
    shadow_col.name = new.to_string();
    shadow_col.nullable = true;
    shadow_col.default = None;
    shadow_col.comment = None;
    // On INSERT only v2 writes the new column, so a value there wins (the old column may hold
    // nothing but its default). On UPDATE, a changed old column wins (v1), then a changed new
    // one (v2); a row the backfill has not reached yet gets its new value on any update.
    // Assignments run left to right: the old column is settled first, from the row as written.
    let insert_body =
        format!("SET NEW.{o} = IF(NEW.{n} IS NULL, NEW.{o}, NEW.{n}), NEW.{n} = IF(NEW.{n} IS NULL, NEW.{o}, NEW.{n})");
    let update_body = format!(
        "SET NEW.{o} = IF(NOT (NEW.{o} <=> OLD.{o}) OR (NEW.{n} <=> OLD.{n}), NEW.{o}, NEW.{n}), \
         NEW.{n} = IF(NOT (NEW.{o} <=> OLD.{o}) OR (NEW.{n} IS NULL AND OLD.{n} IS NULL), NEW.{o}, NEW.{n})"
    );
    let mut sql = vec![
        ctx.alter(&tt, &format!("ADD COLUMN {} AFTER {o}", column_sql(&shadow_col)), Algorithm::Instant),
        format!("CREATE TRIGGER {} BEFORE INSERT ON {tt} FOR EACH ROW {insert_body}", q(&ins)),
        format!("CREATE TRIGGER {} BEFORE UPDATE ON {tt} FOR EACH ROW {update_body}", q(&upd)),
    ];
    let mut undo = vec![
        format!("DROP TRIGGER IF EXISTS {}", q(&ins)),
        format!("DROP TRIGGER IF EXISTS {}", q(&upd)),
        ctx.alter(&tt, &format!("DROP COLUMN {n}"), Algorithm::Instant),
    ];
    // v2 inserts leave the old column out. NOT NULL without a default would refuse them before
    // the trigger runs (an INSERT ... SELECT checks first): the old column gets a placeholder
    // default (instant), which the trigger overwrites with v2's value; where the type takes
    // no literal default, NOT NULL is dropped instead (an online rebuild).
    if let Some(oc) =
        bt.column(old).filter(|c| !c.nullable && c.default.is_none() && c.identity.is_none() && c.generated.is_none())
    {
        match placeholder_default(ctx, &oc.data_type) {
            Some(d) => {
                sql.insert(0, ctx.alter(&tt, &format!("ALTER COLUMN {o} SET DEFAULT {d}"), Algorithm::Instant));
                undo.push(ctx.alter(&tt, &format!("ALTER COLUMN {o} DROP DEFAULT"), Algorithm::Instant));
            }
            None => {
                let mut relaxed = oc.clone();
                relaxed.nullable = true;
                sql.insert(
                    0,
                    ctx.alter(&tt, &format!("MODIFY COLUMN {}", column_sql(&relaxed)), Algorithm::InplaceNone),
                );
                undo.push(ctx.alter(&tt, &format!("MODIFY COLUMN {}", column_sql(oc)), Algorithm::InplaceNone));
            }
        }
    }
    b.push(
        StageKind::Expand,
        ctx.step(
            format!("{title}: add {new} and keep it in step with {old}"),
            i,
            sql,
            undo,
            (LockMode::Metadata, &[table], Effect::Metadata),
            "a nullable column is added in the metadata only (INSTANT); two triggers (one per event, as MySQL requires) copy every write of either version to the other column",
            R_SYNC,
        ),
    );
    // The target's indexes on the column, built on the new columns under names of their own.
    // An index over several replaced columns is built once, by the recipe of its first one,
    // on all their new columns; an old index is dropped once, by its first one's recipe.
    let shadows = shadowed_columns(ctx, table);
    let live_of = |c: &str| shadows.iter().find(|(_, _, f)| same_name(f, c)).map(|(_, n, _)| n.clone());
    let mut renames: Vec<(String, String)> = Vec::new();
    let mut old_indexes: Vec<String> = Vec::new();
    let first_old = |cols: Vec<&str>| {
        cols.into_iter().find(|c| shadows.iter().any(|(o, _, _)| same_name(o, c))).map(str::to_string)
    };
    for ix in &bt.indexes {
        if first_old(ix.parts.iter().filter_map(IndexPart::column).collect()).is_some_and(|c| same_name(&c, old)) {
            old_indexes.push(
                ix.name
                    .clone()
                    .unwrap_or_else(|| ix.parts.iter().find_map(IndexPart::column).unwrap_or("").to_string()),
            );
        }
    }
    for k in &bt.uniques {
        if first_old(k.columns.iter().map(String::as_str).collect()).is_some_and(|c| same_name(&c, old)) {
            old_indexes.push(k.name.clone().unwrap_or_else(|| k.columns[0].clone()));
        }
    }
    if let Some(ft) = ctx.target_table(table) {
        let mut targets: Vec<Index> = ft.indexes.clone();
        targets.extend(ft.uniques.iter().map(|k| Index {
            name: k.name.clone(),
            unique: true,
            parts: k.columns.iter().map(|c| IndexPart::Column { name: c.clone(), descending: false }).collect(),
            method: None,
            predicate: None,
            span: Span::new(0, 0),
        }));
        let mine = |ix: &Index| {
            ix.parts
                .iter()
                .filter_map(IndexPart::column)
                .find(|c| live_of(c).is_some())
                .is_some_and(|c| same_name(c, final_name))
        };
        for (k, ix) in targets.iter().filter(|ix| mine(ix)).enumerate() {
            // A key over an added column is built by its own recipe.
            if ix.parts.iter().filter_map(IndexPart::column).any(|c| ctx.added_column(table, c)) {
                continue;
            }
            let temp = name(&[PREFIX.trim_end_matches('_'), new, &k.to_string(), "idx"]);
            let live = Index {
                name: Some(temp.clone()),
                parts: ix
                    .parts
                    .iter()
                    .map(|p| match p {
                        IndexPart::Column { name: c, descending } => {
                            IndexPart::Column { name: live_of(c).unwrap_or_else(|| c.clone()), descending: *descending }
                        }
                        other => other.clone(),
                    })
                    .collect(),
                ..ix.clone()
            };
            // A unique rule the base does not have: its duplicates are counted on the old
            // columns before Expand (they hold the same values).
            let base_cols: Vec<String> = ix
                .parts
                .iter()
                .filter_map(IndexPart::column)
                .map(|c| shadows.iter().find(|(_, _, f)| same_name(f, c)).map_or(c.to_string(), |(o, _, _)| o.clone()))
                .collect();
            let base_unique = bt.primary_key.iter().chain(bt.uniques.iter()).any(|k| {
                k.columns.len() == base_cols.len()
                    && k.columns.iter().all(|c| base_cols.iter().any(|b| same_name(b, c)))
            }) || bt.indexes.iter().any(|bi| {
                bi.unique
                    && bi.parts.iter().filter_map(IndexPart::column).count() == base_cols.len()
                    && bi.parts.iter().filter_map(IndexPart::column).all(|c| base_cols.iter().any(|b| same_name(b, c)))
            });
            if ix.unique && !base_unique {
                let list: Vec<String> = base_cols.iter().map(|c| q(c)).collect();
                b.prechecks.push(CheckQuery {
                    title: format!("duplicate ({}) in {table}", base_cols.join(", ")),
                    change: i,
                    sql: format!(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM {tt} WHERE {} GROUP BY {} HAVING COUNT(*) > 1) AS bellows_d",
                        list.iter().map(|c| format!("{c} IS NOT NULL")).collect::<Vec<_>>().join(" AND "),
                        list.join(", ")
                    ),
                    must_be_zero: true,
                    before: StageKind::Expand,
                    resolution: Some(Resolution::StopBeforeContract),
                });
            }
            // Built once the new column is filled: a unique index built before the copy would
            // meet the copy's rows one batch at a time.
            let tb = ctx.live(table, StageKind::Backfill);
            b.push(
                StageKind::Backfill,
                ctx.step(
                    format!("index {} on {table}.{new}, as the target has it", ix.name.as_deref().unwrap_or("")),
                    i,
                    vec![keys::add_index_sql(ctx, &tb, &live)],
                    vec![ctx.alter(&tb, &format!("DROP INDEX {}", q(&temp)), Algorithm::InplaceNone)],
                    (LockMode::Online, &[table], Effect::Scan),
                    "built in place on the filled column while reads and writes go on (writes meanwhile are logged, up to innodb_online_alter_log_max_size), so reads by the new column are as fast at Switch",
                    R_VALIDATE + 5,
                ),
            );
            let final_ix = ix.name.clone().unwrap_or_else(|| final_name.to_string());
            renames.push((temp, final_ix));
        }
    }
    // Backfill: the rows the triggers have not touched.
    b.push(
        StageKind::Backfill,
        ctx.batched(
            format!("copy {table}.{old} into {new} in existing rows"),
            i,
            table,
            &format!("{n} = {o}"),
            &format!("{n} IS NULL AND {o} IS NOT NULL"),
            "existing rows get the value the triggers give new writes",
        ),
    );
    let bf = ctx.live(table, StageKind::Switch);
    b.verifications.push(CheckQuery {
        title: format!("rows where {table}.{new} differs from {old}"),
        change: i,
        sql: format!("SELECT COUNT(*) FROM {bf} WHERE NOT ({n} <=> {o})"),
        must_be_zero: true,
        before: StageKind::Switch,
        resolution: None,
    });
    // Contract: the triggers go, the old indexes and column go, the new one takes its name and
    // the target's rules.
    let tc = ctx.live(table, StageKind::Contract);
    if !old_indexes.is_empty() {
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("{title}: drop the indexes on {old}"),
                i,
                old_indexes.iter().map(|ix| ctx.alter(&tc, &format!("DROP INDEX {}", q(ix)), Algorithm::InplaceNone)).collect(),
                vec![],
                (LockMode::Metadata, &[table], Effect::Metadata),
                "their copies on the new column serve from here; dropping an index is metadata only, and a column still in an index cannot be dropped instantly",
                R_DROP_COLUMN - 1,
            ),
        );
    }
    let sql = vec![
        format!("DROP TRIGGER IF EXISTS {}", q(&ins)),
        format!("DROP TRIGGER IF EXISTS {}", q(&upd)),
        ctx.alter(&tc, &format!("DROP COLUMN {o}"), Algorithm::Instant),
    ];
    let mut s = ctx.step(
        format!("{title}: drop {old}"),
        i,
        sql,
        vec![],
        (LockMode::Metadata, &[table], Effect::Metadata),
        "v1 has stopped; the triggers come out first, the old indexes are dropped (metadata only), then the column (INSTANT)",
        R_DROP_COLUMN,
    );
    s.one_way = true;
    b.push(StageKind::Contract, s);
    let mut finish = Vec::new();
    if !same_name(new, final_name) {
        finish.push(ctx.alter(&tc, &format!("RENAME COLUMN {n} TO {}", q(final_name)), Algorithm::Instant));
    }
    for (temp, fin) in &renames {
        finish.push(ctx.alter(&tc, &format!("RENAME INDEX {} TO {}", q(temp), q(fin)), Algorithm::Instant));
    }
    let mut final_col = target_col.clone();
    final_col.name = final_name.to_string();
    let needs_rules = !final_col.nullable || final_col.default.is_some() || final_col.comment.is_some();
    if !final_col.nullable {
        b.prechecks.push(CheckQuery {
            title: format!("NULLs in {table}.{new}"),
            change: i,
            sql: format!("SELECT COUNT(*) FROM {bf} WHERE {n} IS NULL"),
            must_be_zero: true,
            before: StageKind::Contract,
            resolution: Some(Resolution::StopBeforeContract),
        });
    }
    if needs_rules {
        finish.extend(modify_to(ctx, &tc, &final_col));
        timestamp_note(ctx, table, &final_col, b);
    }
    if !finish.is_empty() {
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("{title}: {final_name} takes its final name and rules"),
                i,
                finish,
                vec![],
                (if final_col.nullable { LockMode::Metadata } else { LockMode::Online }, &[table], if final_col.nullable { Effect::Metadata } else { Effect::Rewrite }),
                "renames are metadata only (INSTANT); NOT NULL rebuilds the table in place while reads and writes go on",
                R_SWAP_COLUMN,
            ),
        );
    }
    b.one_way.push(if same_name(old, final_name) {
        format!("undoing Contract means changing {table}.{old} back to its old type, as a new migration")
    } else {
        format!("undoing Contract means re-adding {table}.{old} and copying it back from {final_name}")
    });
}

pub(super) fn set_not_null(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, column: &str, b: &mut Builder) {
    if replaced(ctx, table, column) || ctx.added_column(table, column) || renamed_to(ctx, table, column) {
        return;
    }
    let Some(col) = ctx.target_table(table).and_then(|t| t.column(column)) else { return };
    let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
    let filled = if let Resolution::Fill { value } = &resolution {
        b.push(
            StageKind::Backfill,
            ctx.batched(
                format!("fill NULLs in {table}.{column}"),
                i,
                table,
                &format!("{} = {value}", q(column)),
                &format!("{} IS NULL", q(column)),
                "the resolution chosen for rows the new rule rejects",
            ),
        );
        true
    } else {
        false
    };
    // The base's type (a type change has its own step) with the target's rule.
    let mut c = col.clone();
    if let Some(old) = ctx.base_table(table).and_then(|bt| bt.column(column)) {
        if !replaced(ctx, table, column) {
            c.data_type = old.data_type.clone();
            if ctx.changes.iter().any(|x| matches!(x, Change::ChangeType { table: t, column: cc, .. } if same_name(t, table) && same_name(cc, column))) {
                c.data_type = col.data_type.clone();
            }
        }
    }
    not_null_in_contract(ctx, i, table, &c, filled, &resolution, b);
    b.notes.push(format!(
        "precondition of NOT NULL on {table}.{column}: from Expand on v1 writes no NULL there{}",
        if filled { "; rows it writes before Contract are filled again by the gate's resolution" } else { "" }
    ));
}

pub(super) fn drop_not_null(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
    if replaced(ctx, table, column) || renamed_to(ctx, table, column) {
        return;
    }
    let Some(col) = ctx.target_table(table).and_then(|t| t.column(column)) else { return };
    let Some(old) = ctx.base_table(table).and_then(|bt| bt.column(column)) else { return };
    let mut relaxed = old.clone();
    relaxed.nullable = true;
    relaxed.default = col.default.clone().or(old.default.clone());
    let t = ctx.live(table, StageKind::Expand);
    b.push(
        StageKind::Expand,
        ctx.step(
            format!("drop NOT NULL on {table}.{column}"),
            i,
            vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&relaxed)), Algorithm::InplaceNone)],
            vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(old)), Algorithm::InplaceNone)],
            (LockMode::Online, &[table], Effect::Rewrite),
            "relaxing a rule: the table is rebuilt in place while reads and writes go on, and v1 never writes NULL there",
            R_DROP_RULE,
        ),
    );
}

pub(super) fn set_default(
    ctx: &Ctx<'_>,
    i: usize,
    table: &str,
    column: &str,
    from: &Option<String>,
    to: &Option<String>,
    b: &mut Builder,
) {
    if replaced(ctx, table, column) || ctx.added_column(table, column) || renamed_to(ctx, table, column) {
        return;
    }
    let t = ctx.live(table, StageKind::Expand);
    let set = |d: &Option<String>| match d {
        Some(d) if is_current_timestamp(d) || !is_expression(d) => {
            format!("ALTER COLUMN {} SET DEFAULT {d}", q(column))
        }
        Some(d) => format!("ALTER COLUMN {} SET DEFAULT {}", q(column), paren(d)),
        None => format!("ALTER COLUMN {} DROP DEFAULT", q(column)),
    };
    b.push(
        StageKind::Expand,
        ctx.step(
            match to {
                Some(d) => format!("set default of {table}.{column} to {d}"),
                None => format!("drop default of {table}.{column}"),
            },
            i,
            vec![ctx.alter(&t, &set(to), Algorithm::Instant)],
            vec![ctx.alter(&t, &set(from), Algorithm::Instant)],
            (LockMode::Metadata, &[table], Effect::Metadata),
            "a default is metadata only (INSTANT); it applies to rows inserted from now on",
            R_COLUMN,
        ),
    );
}

/// True for a default that is an expression rather than a literal.
fn is_expression(d: &str) -> bool {
    let d = d.trim();
    !(d.starts_with('\'')
        || d.starts_with('"')
        || d.parse::<f64>().is_ok()
        || d.eq_ignore_ascii_case("null")
        || d.eq_ignore_ascii_case("true")
        || d.eq_ignore_ascii_case("false")
        || d.starts_with('-') && d[1..].trim().parse::<f64>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varchar_widenings_are_metadata_only_within_one_length_prefix() {
        let v = |n| TypeKind::Varchar { length: Some(n) };
        assert!(prefix_preserving_widening(&v(5), &v(16)));
        assert!(prefix_preserving_widening(&v(100), &v(255)));
        assert!(!prefix_preserving_widening(&v(63), &v(64)), "63 x 4 = 252 bytes, 64 x 4 = 256: the prefix grows");
        assert!(!prefix_preserving_widening(&v(16), &v(5)));
    }

    #[test]
    fn enum_values_appended_at_the_end_are_instant() {
        let t = |s: &str| DataType::parse(s);
        assert!(enum_append(&t("enum('a','b')"), &t("ENUM('a','b','c')")));
        assert!(!enum_append(&t("enum('a','b')"), &t("enum('b','a','c')")));
        assert!(!enum_append(&t("enum('a','b')"), &t("enum('a')")));
        assert_eq!(crate::types::inline_labels("enum('it''s','x')"), Some(vec!["it's".to_string(), "x".to_string()]));
    }
}
