//! Set, change and drop a column default (catalog-only). SQLite changes it in the table rebuild.

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn set_default(ctx: &Ctx<'_>, i: usize, change: &Change, b: &mut Builder) {
        let Change::SetDefault { table, column, from, to } = change else { return };
        let lt = ctx.lock_timeout();
        if replaced_column(ctx, table, column) || added_column(ctx, table, column) {
            return;
        }
        let set = |d: &Option<String>| match d {
            Some(d) => format!("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {d}", tq(table), q(column)),
            None => format!("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT", tq(table), q(column)),
        };
        // v1 may leave the column to its old default: a default is taken away or changed
        // once v1 no longer runs; a new one can come at once.
        let (stage, reason) = if from.is_some() {
            (StageKind::Contract, "v1 relied on the old default when it left the column out; a default applies to new rows only: catalog-only")
        } else {
            (
                StageKind::Expand,
                "a default applies to new rows only: catalog-only; v1 wrote the column itself, as it had no default",
            )
        };
        b.push(
            stage,
            step(
                change.describe(),
                i,
                vec![lt.clone(), set(to)],
                vec![lt.clone(), set(from)],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                reason,
                R_COLUMN,
            ),
        );
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    pub(in crate::plan) fn set_default(
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
    pub(in crate::plan) fn is_expression(d: &str) -> bool {
        let d = d.trim();
        !(d.starts_with('\'')
            || d.starts_with('"')
            || d.parse::<f64>().is_ok()
            || d.eq_ignore_ascii_case("null")
            || d.eq_ignore_ascii_case("true")
            || d.eq_ignore_ascii_case("false")
            || d.starts_with('-') && d[1..].trim().parse::<f64>().is_ok())
    }
}
