//! Rename a column.
//!
//! - PostgreSQL: a replacement column kept in step by a trigger, backfilled and swapped in
//!   Contract (`change_type.rs` `replace_column`), so v1 and v2 both work until Contract.
//! - MySQL: a shadow column kept in step by triggers, or a plain `RENAME COLUMN` in Contract for a
//!   key column.
//! - SQLite: `RENAME COLUMN` in place, in the table rebuild (`sqlite.rs`).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    /// Rename: a new column kept equal to the old by a trigger, backfilled, then the old dropped.
    pub(in crate::plan) fn rename_column(ctx: &Ctx<'_>, i: usize, table: &str, from: &str, to: &str, b: &mut Builder) {
        let Some(t) = ctx.target_table(table) else { return };
        let Some(col) = t.column(to) else { return };
        let old_type = ctx.base_table(table).and_then(|bt| bt.column(from)).map(|c| c.data_type.as_type());
        let type_changes = old_type.as_deref().is_some_and(|o| TypeKind::parse(o) != col.data_type.kind);
        // A type change on a renamed column: cast both ways.
        let (up, down) = if type_changes {
            (
                format!("CAST(NEW.{} AS {})", q(from), col.data_type.as_type()),
                format!("CAST(NEW.{} AS {})", q(to), old_type.clone().unwrap_or_default()),
            )
        } else {
            (format!("NEW.{}", q(from)), format!("NEW.{}", q(to)))
        };
        let title = format!("rename column {table}.{from} -> {to}");
        replace_column(ctx, i, table, from, to, col, &up, &down, &title, b);
        b.app_changes.push(format!("v2 reads and writes {table}.{to} instead of {from}"));
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    pub(in crate::plan) fn renamed_to(ctx: &Ctx<'_>, table: &str, column: &str) -> bool {
        ctx.changes.iter().any(
            |c| matches!(c, Change::RenameColumn { table: t, to, .. } if same_name(t, table) && same_name(to, column)),
        )
    }

    pub(in crate::plan) fn rename_column(ctx: &Ctx<'_>, i: usize, table: &str, from: &str, to: &str, b: &mut Builder) {
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
}
