//! Set, change and take off the comment of a table or a column: catalog only, and nothing any
//! version of the application sees.
//!
//! - PostgreSQL: `COMMENT ON TABLE | COLUMN ... IS` in Expand. A column the plan replaces (a
//!   rename, a rewriting type change) gets its comment in the swap (`change_type.rs`), a new
//!   table or column with its creation.
//! - MySQL: `ALTER TABLE ... COMMENT =` for a table; a column's comment is part of its definition,
//!   which `MODIFY COLUMN` restates whole (INSTANT). In Expand when nothing else in the plan
//!   changes the column, else last in Contract, when the column has its final definition.
//! - SQLite keeps no comments: the change stays in the design (`sqlite.rs` notes it).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn set_comment(ctx: &Ctx<'_>, i: usize, change: &Change, b: &mut Builder) {
        let Change::SetComment { table, column, from, to } = change else { return };
        if let Some(c) = column {
            if replaced_column(ctx, table, c) || added_column(ctx, table, c) {
                return;
            }
        }
        let object = match column {
            Some(c) => format!("COLUMN {}.{}", tq(table), q(c)),
            None => format!("TABLE {}", tq(table)),
        };
        comment_step(ctx, i, change.describe(), &object, from, to, table, R_COLUMN, b);
    }

    /// The comment of a column the plan adds, after it (ADD COLUMN has no comment clause).
    pub(in crate::plan) fn added_column_comment(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
        let Some(text) = ctx.target_table(table).and_then(|t| t.column(column)).and_then(|c| c.comment.clone()) else {
            return;
        };
        let object = format!("COLUMN {}.{}", tq(table), q(column));
        let title = format!("set the comment of {table}.{column}");
        comment_step(ctx, i, title, &object, &None, &Some(text), table, R_COLUMN + 1, b);
    }

    #[allow(clippy::too_many_arguments)]
    fn comment_step(
        ctx: &Ctx<'_>,
        i: usize,
        title: String,
        object: &str,
        from: &Option<String>,
        to: &Option<String>,
        table: &str,
        rank: u32,
        b: &mut Builder,
    ) {
        let set = |text: &Option<String>| {
            format!("COMMENT ON {object} IS {}", text.as_deref().map_or_else(|| "NULL".to_string(), lit))
        };
        let lt = ctx.lock_timeout();
        b.push(
            StageKind::Expand,
            step(
                title,
                i,
                vec![lt.clone(), set(to)],
                vec![lt, set(from)],
                (LockMode::ShareUpdateExclusive, &[table], Effect::Metadata),
                true,
                "a comment is catalog only and no application version reads it; COMMENT ON takes SHARE UPDATE EXCLUSIVE, which reads and writes do not wait for",
                rank,
            ),
        );
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    pub(in crate::plan) fn set_comment(ctx: &Ctx<'_>, i: usize, change: &Change, b: &mut Builder) {
        let Change::SetComment { table, column, from, to } = change else { return };
        let text = |t: &Option<String>| lit(t.as_deref().unwrap_or(""));
        let Some(column) = column else {
            let t = ctx.live(table, StageKind::Expand);
            b.push(
                StageKind::Expand,
                ctx.step(
                    change.describe(),
                    i,
                    vec![ctx.alter(&t, &format!("COMMENT = {}", text(to)), Algorithm::Instant)],
                    vec![ctx.alter(&t, &format!("COMMENT = {}", text(from)), Algorithm::Instant)],
                    (LockMode::Metadata, &[table], Effect::Metadata),
                    "a table's comment is metadata only (INSTANT), and no application version reads it",
                    R_COLUMN,
                ),
            );
            return;
        };
        // A new column has its comment in its definition; a column replaced by a shadow gets
        // the target's definition, comment included, when the shadow takes over.
        if ctx.added_column(table, column) || replaced(ctx, table, column) {
            return;
        }
        let (Some(base), Some(target)) = (
            ctx.base_table(table).and_then(|t| {
                let from_name = renamed_from_column(ctx, table, column).unwrap_or(column.as_str());
                t.column(from_name).cloned()
            }),
            ctx.target_table(table).and_then(|t| t.column(column)).cloned(),
        ) else {
            return;
        };
        // MODIFY COLUMN restates the whole definition: alone, the base's with the new comment;
        // beside the plan's other changes to the column, the target's, once they have all run.
        let alone = !ctx.changes.iter().any(|c| {
            !matches!(c, Change::SetComment { .. })
                && c.table().is_some_and(|t| same_name(t, table))
                && touches_column(c, column)
        });
        let (stage, definition, rank, reason) = if alone {
            let mut with = base.clone();
            with.comment = to.clone();
            (
                StageKind::Expand,
                with,
                R_COLUMN,
                "a column's comment is metadata only (INSTANT); MODIFY COLUMN restates the rest of its definition unchanged",
            )
        } else {
            (
                StageKind::Contract,
                target.clone(),
                R_DROP_ROUTINE + 1,
                "a column's comment is metadata only (INSTANT); MODIFY COLUMN restates its whole definition, so the comment comes last, when the plan's other changes to the column have run",
            )
        };
        let note = "MySQL: a column's comment is changed with MODIFY COLUMN, which restates the whole column as the design reads it; the design keeps no ON UPDATE, CHARACTER SET or COLLATE clause of a column, so check such a column's statement against SHOW CREATE TABLE";
        if !b.notes.iter().any(|n| n == note) {
            b.notes.push(note.to_string());
        }
        let mut undo = definition.clone();
        undo.comment = from.clone();
        let t = ctx.live(table, stage);
        b.push(
            stage,
            ctx.step(
                change.describe(),
                i,
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&definition)), Algorithm::Instant)],
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&undo)), Algorithm::Instant)],
                (LockMode::Metadata, &[table], Effect::Metadata),
                reason,
                rank,
            ),
        );
    }

    /// The base name of a column the plan renames to `column`.
    fn renamed_from_column<'a>(ctx: &'a Ctx<'_>, table: &str, column: &str) -> Option<&'a str> {
        ctx.changes.iter().find_map(|c| match c {
            Change::RenameColumn { table: t, from, to } if same_name(t, table) && same_name(to, column) => {
                Some(from.as_str())
            }
            _ => None,
        })
    }

    /// True when the change is about `column` (by its target name), or a key, check or index
    /// over it.
    fn touches_column(change: &Change, column: &str) -> bool {
        use Change::*;
        match change {
            AddColumn { column: c, .. }
            | DropColumn { column: c, .. }
            | ChangeType { column: c, .. }
            | SetNotNull { column: c, .. }
            | DropNotNull { column: c, .. }
            | SetDefault { column: c, .. }
            | SetIdentity { column: c, .. } => same_name(c, column),
            RenameColumn { to, .. } => same_name(to, column),
            AddPrimaryKey { key, .. } | DropPrimaryKey { key, .. } => key.columns.iter().any(|c| same_name(c, column)),
            RenameTable { .. } => true,
            _ => false,
        }
    }
}
