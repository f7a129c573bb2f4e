//! Set, change and take off the comment of a table or a column: catalog only, and nothing any
//! version of the application sees.
//!
//! - PostgreSQL: `COMMENT ON TABLE | COLUMN ... IS` in Expand. A column the plan replaces (a
//!   rename, a rewriting type change) gets its comment in the swap (`change_type.rs`), a new
//!   table or column with its creation.
//! - MySQL: `ALTER TABLE ... COMMENT =` for a table; a column's comment is part of its definition,
//!   which `MODIFY COLUMN` restates whole (metadata only: INSTANT on MariaDB, in place on MySQL).
//!   In Expand when nothing else in the plan changes the column, else last in Contract, when the
//!   column has its final definition.
//! - SQLite keeps no comments: the change stays in the design (`sqlite.rs` notes it).
//!
//! MySQL's `ON UPDATE` of a column is restated the same way (`SetOnUpdate`); PostgreSQL and
//! SQLite have no such clause, and their plans say so.

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
        let algorithm = metadata_algorithm(ctx);
        let Some(column) = column else {
            let t = ctx.live(table, StageKind::Expand);
            b.push(
                StageKind::Expand,
                ctx.step(
                    change.describe(),
                    i,
                    vec![ctx.alter(&t, &format!("COMMENT = {}", text(to)), algorithm)],
                    vec![ctx.alter(&t, &format!("COMMENT = {}", text(from)), algorithm)],
                    (LockMode::Metadata, &[table], Effect::Metadata),
                    "a table's comment is metadata only, and no application version reads it",
                    R_COLUMN,
                ),
            );
            return;
        };
        restate_column(ctx, i, change, table, column, "comment", &|c, v| c.comment = v.clone(), from, to, b);
    }

    /// MySQL's ON UPDATE of a column: restated with the column, as a comment is.
    pub(in crate::plan) fn set_on_update(ctx: &Ctx<'_>, i: usize, change: &Change, b: &mut Builder) {
        let Change::SetOnUpdate { table, column, from, to } = change else { return };
        restate_column(ctx, i, change, table, column, "ON UPDATE", &|c, v| c.on_update = v.clone(), from, to, b);
    }

    /// A change to a part of a column's definition MySQL has no ALTER COLUMN clause for (its
    /// comment, its ON UPDATE): MODIFY COLUMN restates the whole definition (metadata only).
    /// Alone, the base's with the new part, at Expand; beside the plan's other changes to the
    /// column, the target's, last in Contract, once they have all run.
    #[allow(clippy::too_many_arguments)]
    fn restate_column(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        column: &str,
        part: &str,
        set: &dyn Fn(&mut Column, &Option<String>),
        from: &Option<String>,
        to: &Option<String>,
        b: &mut Builder,
    ) {
        // A new column has it in its definition; a column replaced by a shadow gets the
        // target's definition, this part included, when the shadow takes over.
        if ctx.added_column(table, column) || replaced(ctx, table, column) {
            return;
        }
        // Alone, the column is neither renamed nor retyped here: the base has it by its name.
        let alone = !ctx
            .changes
            .iter()
            .any(|c| c != change && c.table().is_some_and(|t| same_name(t, table)) && touches_column(c, column));
        let known = if alone { ctx.base_table(table) } else { ctx.target_table(table) };
        let Some(mut definition) = known.and_then(|t| t.column(column)).cloned() else { return };
        if alone {
            set(&mut definition, to);
        }
        let (stage, rank, reason) = if alone {
            (
                StageKind::Expand,
                R_COLUMN,
                format!(
                    "a column's {part} is metadata only; MODIFY COLUMN restates the rest of its definition unchanged"
                ),
            )
        } else {
            (
                StageKind::Contract,
                R_DROP_ROUTINE + 1,
                format!("a column's {part} is metadata only; MODIFY COLUMN restates its whole definition, so it comes last, when the plan's other changes to the column have run"),
            )
        };
        let note = "MySQL: MODIFY COLUMN restates a whole column as the design reads it; the design keeps no CHARACTER SET or COLLATE clause of a column, so check such a column's statement against SHOW CREATE TABLE";
        if !b.notes.iter().any(|n| n == note) {
            b.notes.push(note.to_string());
        }
        let mut undo = definition.clone();
        set(&mut undo, from);
        let (t, algorithm) = (ctx.live(table, stage), metadata_algorithm(ctx));
        b.push(
            stage,
            ctx.step(
                change.describe(),
                i,
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&definition)), algorithm)],
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&undo)), algorithm)],
                (LockMode::Metadata, &[table], Effect::Metadata),
                &reason,
                rank,
            ),
        );
    }

    /// MariaDB changes a comment or an ON UPDATE instantly (tested on 10.11); MySQL's online DDL
    /// tables list them as in place and metadata only, so the plan asks for that.
    fn metadata_algorithm(ctx: &Ctx<'_>) -> Algorithm {
        if ctx.server.is_mariadb() {
            Algorithm::Instant
        } else {
            Algorithm::InplaceNone
        }
    }

    /// True when the change is about `column` (by its target name), the primary key over it, or
    /// its table's name: a MODIFY COLUMN beside it must wait for the column's final definition.
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
            SetComment { column: Some(c), .. } | SetOnUpdate { column: c, .. } => same_name(c, column),
            RenameTable { .. } => true,
            _ => false,
        }
    }
}
