//! Drop a column: in Contract, once no version reads it; its rules, indexes and dependents
//! go first. SQLite drops it in the table rebuild (`sqlite.rs`).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn drop_column(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
        if ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table))) {
            return;
        }
        let Some(bt) = ctx.base_table(table) else { return };
        let Some(col) = bt.column(column) else { return };
        let tt = tq(table);
        let lt = ctx.lock_timeout();
        if !col.nullable && col.default.is_none() {
            b.push(
                StageKind::Expand,
                step(
                    format!("let v2 omit {table}.{column}"),
                    i,
                    vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {} DROP NOT NULL", q(column))],
                    vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {} SET NOT NULL", q(column))],
                    (LockMode::AccessExclusive, &[table], Effect::Metadata),
                    true,
                    "v2 inserts rows without the column; NOT NULL without a default would reject them",
                    R_DROP_RULE,
                ),
            );
        }
        let around = around(ctx, &bt.qualified_name(), &[column.to_string()], StageKind::Contract, b);
        let mut s = step(
            format!("drop column {table}.{column}"),
            i,
            around.wrap(vec![lt, format!("ALTER TABLE {tt} DROP COLUMN {}", q(column))]),
            vec![],
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            &around.reason("catalog-only (the space is reclaimed by later writes); the values are gone"),
            R_DROP_COLUMN,
        );
        s.one_way = true;
        b.push(StageKind::Contract, s);
        b.column_dropped(table, column);
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    pub(in crate::plan) fn drop_column(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
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
}
