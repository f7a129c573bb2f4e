//! Change a column's type.
//!
//! - PostgreSQL: binary-coercible changes in place; anything else through a replacement column
//!   (`replace_column`) with a pre-check for the values that do not fit.
//! - MySQL: metadata-only widenings where the length prefix allows; otherwise a shadow column kept
//!   in step by BEFORE INSERT and BEFORE UPDATE triggers, or an online copy where the server
//!   version does it without blocking.
//! - SQLite: the table rebuild (`sqlite.rs`).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn change_type(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        column: &str,
        from: &TypeKind,
        to: &crate::DataType,
        b: &mut Builder,
    ) {
        if ctx.changes.iter().any(
            |c| matches!(c, Change::RenameColumn { table: t, to: n, .. } if same_name(t, table) && same_name(n, column)),
        ) {
            return; // the rename carries the type change
        }
        let tt = tq(table);
        let lt = ctx.lock_timeout();
        let old_spelling =
            ctx.base_table(table).and_then(|bt| bt.column(column)).map(|c| c.data_type.as_type()).unwrap_or_default();
        if from.is_binary_coercible_to(&to.kind) {
            let base_name = ctx.base_table(table).map_or(table.to_string(), Table::qualified_name);
            let around = around(ctx, &base_name, &[column.to_string()], StageKind::Expand, b);
            b.push(
                StageKind::Expand,
                step(
                    format!("change type of {table}.{column} to {}", to.spelling),
                    i,
                    around.wrap(vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {} TYPE {}", q(column), to.as_type())]),
                    around.wrap_undo(vec![lt, format!("ALTER TABLE {tt} ALTER COLUMN {} TYPE {old_spelling}", q(column))]),
                    (LockMode::AccessExclusive, &[table], Effect::Metadata),
                    true,
                    &around.reason(
                        "a binary-compatible widening: catalog-only, no rewrite and no scan (its rollback narrows, which scans)",
                    ),
                    R_COLUMN,
                ),
            );
            return;
        }
        let Some(col) = ctx.target_table(table).and_then(|t| t.column(column)) else { return };
        let staging = name(&[column, "new"]);
        let up = format!("CAST(NEW.{} AS {})", q(column), to.as_type());
        let down = format!("CAST(NEW.{} AS {old_spelling})", q(&staging));
        if can_fail(from, &to.kind) {
            let labels = match &to.kind {
                TypeKind::Named { name } => ctx.target.find_enum(name).map(|e| e.labels.as_slice()),
                _ => None,
            };
            let (test, what) = match labels {
                // An enum type's labels, listed: the test needs no conversion (nor the type, which
                // Expand may create), on every version.
                Some(labels) => {
                    let listed: Vec<String> = labels.iter().map(|l| lit(l)).collect();
                    (
                        format!("{}::text NOT IN ({})", q(column), listed.join(", ")),
                        format!("one of {}", listed.join(", ")),
                    )
                }
                None => does_not_fit(&q(column), from, &to.kind, &to.as_type(), ctx.options.pg_version),
            };
            b.prechecks.push(CheckQuery {
                title: format!("rows of {table}.{column} that do not fit {} ({what})", to.spelling),
                change: i,
                sql: format!("SELECT count(*) FROM {tt} WHERE {} IS NOT NULL AND ({test})", q(column)),
                must_be_zero: true,
                before: StageKind::Expand,
                resolution: Some(ctx.resolution(change, Resolution::StopBeforeContract)),
            });
            b.notes.push(format!(
                "precondition of {table}.{column} -> {}: every value fits ({what}); the plan checks existing rows before Expand, and from Expand on v1 must write only such values (the trigger casts v1's writes, so one that does not fit fails)",
                to.spelling
            ));
        }
        let title = format!("change type of {table}.{column} to {}", to.spelling);
        replace_column(ctx, i, table, column, &staging, col, &up, &down, &title, b);
        b.app_changes.push(format!(
            "v2 reads and writes {table}.{staging} ({}) until Contract gives it the name {column}",
            to.spelling
        ));
        if can_fail(&to.kind, from) {
            b.app_changes.push(format!(
                "until Contract v2 writes to {table}.{staging} only values that also fit {old_spelling}: the trigger copies them into {column} for v1, and one that does not fit fails"
            ));
        }
    }

    /// The rows a cast from `from` to `to` rejects (a predicate on `c`), and the rule in words.
    /// On PostgreSQL 16 and later, `pg_input_is_valid` judges text exactly as the cast will;
    /// numbers are checked against the target's range (a cast rounds fractions, never rejects them).
    pub(in crate::plan) fn does_not_fit(
        c: &str,
        from: &TypeKind,
        to: &TypeKind,
        spelling: &str,
        pg_version: u32,
    ) -> (String, String) {
        use TypeKind::*;
        let textual = matches!(from, Text | Varchar { .. } | Char { .. } | Named { .. });
        let range = |t: &TypeKind| -> Option<(&'static str, &'static str)> {
            match t {
                SmallInt => Some(("-32768", "32767")),
                Integer => Some(("-2147483648", "2147483647")),
                BigInt => Some(("-9223372036854775808", "9223372036854775807")),
                _ => None,
            }
        };
        let number = "'^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$'";
        if textual && pg_version >= 16 {
            return (
                format!("NOT pg_input_is_valid({c}::text, {})", lit(spelling)),
                format!("values {spelling} reads"),
            );
        }
        match (from, to) {
            (_, Varchar { length: Some(n) } | Char { length: Some(n) }) => {
                (format!("char_length({c}::text) > {n}"), format!("at most {n} characters"))
            }
            (_, t) if range(t).is_some() => {
                let (lo, hi) = range(t).unwrap_or(("0", "0"));
                if textual {
                    (
                        format!("CASE WHEN {c}::text ~ {number} THEN round({c}::text::numeric) NOT BETWEEN {lo} AND {hi} ELSE true END"),
                        format!("whole numbers from {lo} to {hi}"),
                    )
                } else {
                    (format!("round({c}::numeric) NOT BETWEEN {lo} AND {hi}"), format!("whole numbers from {lo} to {hi}"))
                }
            }
            (_, Decimal { precision: Some(p), scale }) => {
                let digits = p.saturating_sub(scale.unwrap_or(0));
                let limit = format!("1{}", "0".repeat(digits as usize));
                if textual {
                    (
                        format!("CASE WHEN {c}::text ~ {number} THEN abs({c}::text::numeric) >= {limit} ELSE true END"),
                        format!("numbers below {limit} in absolute value"),
                    )
                } else {
                    (format!("abs({c}::numeric) >= {limit}"), format!("numbers below {limit} in absolute value"))
                }
            }
            (_, Real | Double | Decimal { .. }) => (format!("{c}::text !~ {number}"), "numbers".to_string()),
            (_, Uuid) => (
                format!("{c}::text !~* '^\\{{?[0-9a-f]{{8}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{12}}\\}}?$'"),
                "UUIDs".to_string(),
            ),
            (_, Boolean) => (
                format!("lower(trim({c}::text)) NOT IN ('t', 'f', 'true', 'false', 'yes', 'no', 'on', 'off', '1', '0', 'y', 'n')"),
                "true or false".to_string(),
            ),
            (_, Date) => (format!("{c}::text !~ '^\\s*[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}'"), "dates as YYYY-MM-DD".to_string()),
            _ => (
                "false".to_string(),
                format!("values {spelling} reads; PostgreSQL before 16 cannot test that without converting, so the copy in Backfill stops the plan on the first one"),
            ),
        }
    }

    pub(in crate::plan) fn can_fail(from: &TypeKind, to: &TypeKind) -> bool {
        from.narrows_to(to)
    }

    /// The shared core of rename and rewriting type change: `new` is added, kept in step with `old`
    /// by a trigger in both directions, backfilled, given the old column's rules, and `old` is
    /// dropped in Contract.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn replace_column(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        old: &str,
        new: &str,
        target_col: &Column,
        up: &str,
        down: &str,
        title: &str,
        b: &mut Builder,
    ) {
        let tt = tq(table);
        let lt = ctx.lock_timeout();
        let (trigger, function) = sync_trigger(table, new);
        let (o, n) = (q(old), q(new));
        // Expand: the new column (nullable, no constraints yet) and the trigger. On INSERT only v2
        // writes the new column, so a value there wins: the old column may hold nothing but its
        // default, which must not overwrite what v2 wrote. An update that touches neither column
        // of a row the backfill has not reached yet fills the new one too: the row must pass the
        // new column's NOT NULL check, which holds every written row (the harness saw it).
        let body = format!(
            "BEGIN \
             IF TG_OP = 'INSERT' THEN \
               IF NEW.{n} IS NULL THEN NEW.{n} := {up}; ELSE NEW.{o} := {down}; END IF; \
             ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN NEW.{n} := {up}; \
             ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN NEW.{o} := {down}; \
             ELSIF NEW.{n} IS NULL THEN NEW.{n} := {up}; \
             END IF; RETURN NEW; END"
        );
        b.push(
            StageKind::Expand,
            step(
                format!("{title}: add {new} and keep it in step with {old}"),
                i,
                vec![
                    lt.clone(),
                    format!("ALTER TABLE {tt} ADD COLUMN {n} {}", target_col.data_type.as_type()),
                    format!("CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"),
                    format!(
                        "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {tt} FOR EACH ROW EXECUTE FUNCTION {function}()",
                        q(&trigger)
                    ),
                    always(&tt, &trigger),
                ],
                vec![
                    lt.clone(),
                    format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&trigger)),
                    format!("DROP FUNCTION IF EXISTS {function}()"),
                    format!("ALTER TABLE {tt} DROP COLUMN IF EXISTS {n}"),
                ],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "a nullable column is catalog-only; the trigger copies every write from either version to the other column",
                R_SYNC,
            ),
        );
        // What the target has on the column (indexes, unique keys, the primary key, foreign keys)
        // is built on the new column in Expand, CONCURRENTLY, under a name of its own where the
        // old one still holds the target's name; the swap in Contract drops the old column (which
        // takes the old indexes and constraints along) and gives the copies their names.
        let swap = ctx.changes.iter().any(
            |c| matches!(c, Change::ChangeType { table: t, column: col, .. } if same_name(t, table) && same_name(col, old)),
        ) && !ctx
            .changes
            .iter()
            .any(|c| matches!(c, Change::RenameColumn { table: t, to, .. } if same_name(t, table) && same_name(to, old)));
        let final_name = if swap { old } else { new };
        // Every column of the table that this plan replaces, with the name that holds its new
        // values until Contract: an index over several of them is built once (by the first one's
        // recipe), on all their new columns.
        let replaced = replaced_columns(ctx, table);
        let responsible = |uses: &dyn Fn(&str) -> bool| {
            replaced.iter().find(|(f, _)| uses(f)).is_some_and(|(f, _)| same_name(f, final_name))
        };
        let live = |text: &str| {
            replaced.iter().fold(text.to_string(), |t, (f, l)| crate::render::rename_identifier(&t, f, &q(l)))
        };
        let live_column =
            |c: &str| replaced.iter().find(|(f, _)| same_name(f, c)).map_or(c.to_string(), |(_, l)| l.clone());
        // An index of the target built on the new columns, under the name `temp`.
        let live_index = |index: &Index, temp: &str| Index {
            name: Some(temp.to_string()),
            parts: index
                .parts
                .iter()
                .map(|p| match p {
                    IndexPart::Column { name: c, descending } => {
                        IndexPart::Column { name: live_column(c), descending: *descending }
                    }
                    IndexPart::Expression { sql } => IndexPart::Expression { sql: live(sql) },
                })
                .collect(),
            predicate: index.predicate.as_deref().map(live),
            ..index.clone()
        };
        let short = split_qualified(table).1;
        let namespace = split_qualified(table).0;
        let taken_in_base = |n: &str| {
            ctx.base.tables.iter().filter(|t| t.namespace.as_deref() == namespace).any(|t| {
                t.indexes.iter().any(|ix| ix.name.as_deref().is_some_and(|x| same_name(x, n)))
                    || t.uniques
                        .iter()
                        .chain(t.primary_key.iter())
                        .any(|k| k.name.as_deref().is_some_and(|x| same_name(x, n)))
            })
        };
        let mut after_swap: Vec<String> = Vec::new();
        if let Some(tt_) = ctx.target_table(table) {
            for (k, index) in tt_.indexes.iter().filter(|ix| responsible(&|c: &str| index_uses(ix, c))).enumerate() {
                let final_index = index.name.clone();
                let temp = match &final_index {
                    Some(n) if !taken_in_base(n) => n.clone(),
                    _ => name(&[PREFIX.trim_end_matches('_'), short, new, &k.to_string(), "idx"]),
                };
                let copy = live_index(index, &temp);
                let sql = create_index_sql(tt_, &copy, PG).replacen("INDEX ", "INDEX CONCURRENTLY ", 1);
                b.push(
                    StageKind::Expand,
                    step(
                        format!(
                            "index {} on {table}.{new}, as the target has it on {final_name}",
                            final_index.as_deref().unwrap_or("")
                        ),
                        i,
                        vec![sql],
                        vec![index_drop(table, &copy)],
                        (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                        false,
                        "built without blocking writes, so reads by the new column are as fast at Switch",
                        R_INDEX,
                    ),
                );
                if let Some(final_index) = final_index.filter(|f| !same_name(f, &temp)) {
                    after_swap.push(format!(
                        "ALTER INDEX {} RENAME TO {}",
                        qualified(namespace, &temp, PG),
                        q(&final_index)
                    ));
                }
            }
            let keys: Vec<(bool, &Key)> = tt_
                .primary_key
                .iter()
                .map(|k| (true, k))
                .chain(tt_.uniques.iter().map(|k| (false, k)))
                .filter(|(_, k)| responsible(&|c: &str| k.columns.iter().any(|x| same_name(x, c))))
                .collect();
            for (k, (primary, key)) in keys.into_iter().enumerate() {
                let base_had = ctx.base_table(table).is_some_and(|bt| {
                    let pk = bt.primary_key.as_ref().filter(|_| primary);
                    pk.is_some_and(|pk| pk.columns.iter().any(|c| same_name(c, old)))
                        || !primary && bt.uniques.iter().any(|u| u.columns.iter().any(|c| same_name(c, old)))
                });
                if !base_had {
                    continue; // a key the plan adds: its own recipe builds it
                }
                let index_name = name(&[
                    PREFIX.trim_end_matches('_'),
                    short,
                    new,
                    if primary { "pkey" } else { "key" },
                    &k.to_string(),
                ]);
                let cols: Vec<String> = key.columns.iter().map(|c| q(&live_column(c))).collect();
                b.push(
                    StageKind::Expand,
                    step(
                        format!(
                            "unique index on {table}({}) for its {}",
                            cols.join(", "),
                            if primary { "primary key" } else { "unique key" }
                        ),
                        i,
                        vec![format!(
                            "CREATE UNIQUE INDEX CONCURRENTLY {} ON {tt} ({})",
                            q(&index_name),
                            cols.join(", ")
                        )],
                        vec![format!("DROP INDEX CONCURRENTLY IF EXISTS {}", qualified(namespace, &index_name, PG))],
                        (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                        false,
                        "built without blocking writes; it becomes the key in Contract",
                        R_INDEX,
                    ),
                );
                let constraint = key.name.clone().unwrap_or_else(|| {
                    if primary {
                        format!("{short}_pkey")
                    } else {
                        name(&[short, &key.columns.join("_"), "key"])
                    }
                });
                after_swap.push(format!(
                    "ALTER TABLE {tt} ADD CONSTRAINT {} {} USING INDEX {}",
                    q(&constraint),
                    if primary { "PRIMARY KEY" } else { "UNIQUE" },
                    q(&index_name)
                ));
            }
            for fk in tt_
                .foreign_keys
                .iter()
                .filter(|fk| responsible(&|c: &str| fk.columns.iter().any(|x| same_name(x, c))))
                // A key that references columns another table's recipe replaces too: that
                // recipe builds it, from these new columns to its own.
                .filter(|fk| {
                    same_name(&fk.ref_table, table)
                        || !replaced_columns(ctx, &fk.ref_table)
                            .iter()
                            .any(|(f, _)| fk.ref_columns.iter().any(|c| same_name(c, f)))
                })
            {
                let final_fk = fk.name.clone().unwrap_or_else(|| name(&[short, &fk.columns.join("_"), "fkey"]));
                let taken = ctx.base_table(table).is_some_and(|bt| {
                    bt.foreign_keys.iter().any(|x| x.name.as_deref().is_some_and(|n| same_name(n, &final_fk)))
                });
                let cname =
                    if taken { name(&[PREFIX.trim_end_matches('_'), short, new, "fkey"]) } else { final_fk.clone() };
                let copy = ForeignKey {
                    name: Some(cname.clone()),
                    columns: fk.columns.iter().map(|c| live_column(c)).collect(),
                    ..fk.clone()
                };
                b.push(
                    StageKind::Expand,
                    step(
                        format!("foreign key on {table}.{new} like the target's, not yet validated"),
                        i,
                        vec![lt.clone(), format!("ALTER TABLE {tt} ADD {} NOT VALID", foreign_key_sql(&copy, PG))],
                        vec![lt.clone(), format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
                        (LockMode::ShareRowExclusive, &[table, &fk.ref_table], Effect::Metadata),
                        true,
                        "NOT VALID checks new rows only: a brief lock on both tables",
                        R_FK,
                    ),
                );
                b.push(
                    StageKind::Backfill,
                    step(
                        format!("validate the foreign key on {table}.{new}"),
                        i,
                        vec![format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(&cname))],
                        vec![],
                        (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                        true,
                        "VALIDATE scans without blocking writes",
                        R_VALIDATE + 1,
                    ),
                );
                if taken {
                    after_swap.push(format!("ALTER TABLE {tt} RENAME CONSTRAINT {} TO {}", q(&cname), q(&final_fk)));
                }
            }
        }
        // Foreign keys of other tables that reference the column: the old column cannot be
        // dropped under them. Each gets a copy that references the new column, added once the
        // backfill has filled it (a row not yet filled would fail a child's write) and validated;
        // the swap drops the old one and gives the copy its name.
        let mut child_locks: Vec<String> = Vec::new();
        let mut before_drop: Vec<String> = Vec::new();
        let target_name = ctx.target_table(table).map_or(table.to_string(), Table::qualified_name);
        let base_name = ctx.base_table(table).map_or(table.to_string(), Table::qualified_name);
        for child in &ctx.target.tables {
            let child_name = child.qualified_name();
            for (k, fk) in child.foreign_keys.iter().enumerate().filter(|(_, fk)| {
                same_name(&fk.ref_table, &target_name)
                    && fk.ref_columns.iter().any(|c| same_name(c, final_name))
                    && responsible(&|c: &str| fk.ref_columns.iter().any(|x| same_name(x, c)))
            }) {
                if same_name(&child_name, &target_name)
                    && fk.columns.iter().any(|c| replaced.iter().any(|(f, _)| same_name(f, c)))
                {
                    continue; // a self-reference over replaced columns: copied with the table's own keys
                }
                // The base's key on the old column, which the swap drops first.
                let Some(base_child) = ctx.base_table(&child_name).or_else(|| {
                    let id = child.id;
                    ctx.base.tables.iter().find(|t| t.id == id)
                }) else {
                    continue; // a new table: its own recipe adds the key after the swap
                };
                let Some(old_fk) = base_child.foreign_keys.iter().find(|b| {
                    same_name(&b.ref_table, &base_name)
                        && b.ref_columns.iter().any(|c| same_name(c, old))
                        && same_cols(&b.columns, &fk.columns)
                }) else {
                    continue;
                };
                let old_fk_name =
                    old_fk.name.clone().unwrap_or_else(|| name(&[&base_child.name, &old_fk.columns.join("_"), "fkey"]));
                let final_fk = fk.name.clone().unwrap_or_else(|| name(&[&child.name, &fk.columns.join("_"), "fkey"]));
                let temp = name(&[PREFIX.trim_end_matches('_'), &child.name, new, &k.to_string(), "fkey"]);
                let ct = tq(&base_child.qualified_name());
                // The child's own columns may be replaced too (both sides of the key widened):
                // the copy joins the two new columns, and the old key goes with the child's swap.
                let child_replaced = replaced_columns(ctx, &child_name);
                let child_live = |c: &str| {
                    child_replaced.iter().find(|(f, _)| same_name(f, c)).map_or(c.to_string(), |(_, l)| l.clone())
                };
                let copy = ForeignKey {
                    name: Some(temp.clone()),
                    columns: fk.columns.iter().map(|c| child_live(c)).collect(),
                    ref_table: table.to_string(),
                    ref_columns: fk.ref_columns.iter().map(|c| live_column(c)).collect(),
                    ..fk.clone()
                };
                b.push(
                    StageKind::Backfill,
                    step(
                        format!("foreign key {} -> {table}.{new}, not yet validated", base_child.qualified_name()),
                        i,
                        vec![lt.clone(), format!("ALTER TABLE {ct} ADD {} NOT VALID", foreign_key_sql(&copy, PG))],
                        vec![lt.clone(), format!("ALTER TABLE {ct} DROP CONSTRAINT IF EXISTS {}", q(&temp))],
                        (LockMode::ShareRowExclusive, &[&base_child.qualified_name(), table], Effect::Metadata),
                        true,
                        "after the copy, every row has its new value: NOT VALID checks new writes only, with a brief lock on both tables",
                        R_VALIDATE - 1,
                    ),
                );
                b.push(
                    StageKind::Backfill,
                    step(
                        format!("validate the foreign key {} -> {table}.{new}", base_child.qualified_name()),
                        i,
                        vec![format!("ALTER TABLE {ct} VALIDATE CONSTRAINT {}", q(&temp))],
                        vec![],
                        (LockMode::ShareUpdateExclusive, &[&base_child.qualified_name()], Effect::Scan),
                        true,
                        "VALIDATE scans without blocking writes",
                        R_VALIDATE + 1,
                    ),
                );
                before_drop.push(format!("ALTER TABLE {ct} DROP CONSTRAINT IF EXISTS {}", q(&old_fk_name)));
                let renamed_child = tq(&child_name);
                if !same_name(&temp, &final_fk) {
                    after_swap.push(format!(
                        "ALTER TABLE {renamed_child} RENAME CONSTRAINT {} TO {}",
                        q(&temp),
                        q(&final_fk)
                    ));
                }
                child_locks.push(base_child.qualified_name());
            }
        }
        // A partitioned table's partitions may have indexes and foreign keys of their own on the
        // column: each is built on the partition's new column the same way, under a name of its
        // own (the partition may be one this plan creates, with the old one under the final
        // name), and takes the target's name in the swap.
        if let Some(tt_) = ctx.target_table(table).filter(|t| t.partition_by.is_some()) {
            for part in
                ctx.target.tables.iter().filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, table)))
            {
                let pt = tq(&part.qualified_name());
                let pns = part.namespace.as_deref();
                let own_indexes = part.indexes.iter().filter(|ix| {
                    !tt_.indexes.iter().any(|p| same_definition(p, ix)) && responsible(&|c: &str| index_uses(ix, c))
                });
                for (k, index) in own_indexes.enumerate() {
                    let temp = name(&[PREFIX.trim_end_matches('_'), &part.name, new, &k.to_string(), "idx"]);
                    let copy = live_index(index, &temp);
                    let sql =
                        create_index_sql(part, &copy, PG).replacen("INDEX ", "INDEX CONCURRENTLY IF NOT EXISTS ", 1);
                    b.push(
                        StageKind::Expand,
                        step(
                            format!(
                                "index {} on partition {}.{new}, as the target has it on {final_name}",
                                index.name.as_deref().unwrap_or(""),
                                part.qualified_name()
                            ),
                            i,
                            vec![sql],
                            vec![index_drop(&part.qualified_name(), &copy)],
                            (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                            false,
                            "built on the partition without blocking writes",
                            R_INDEX + 1,
                        ),
                    );
                    if let Some(final_index) = &index.name {
                        after_swap.push(format!(
                            "ALTER INDEX {} RENAME TO {}",
                            qualified(pns, &temp, PG),
                            q(final_index)
                        ));
                    }
                }
                let own_fks = part.foreign_keys.iter().filter(|fk| {
                    !tt_.foreign_keys
                        .iter()
                        .any(|p| same_cols(&p.columns, &fk.columns) && same_name(&p.ref_table, &fk.ref_table))
                        && responsible(&|c: &str| fk.columns.iter().any(|x| same_name(x, c)))
                });
                for (k, fk) in own_fks.enumerate() {
                    let final_fk =
                        fk.name.clone().unwrap_or_else(|| name(&[&part.name, &fk.columns.join("_"), "fkey"]));
                    let cname = name(&[PREFIX.trim_end_matches('_'), &part.name, new, &k.to_string(), "fkey"]);
                    let copy = ForeignKey {
                        name: Some(cname.clone()),
                        columns: fk.columns.iter().map(|c| live_column(c)).collect(),
                        ..fk.clone()
                    };
                    b.push(
                        StageKind::Expand,
                        step(
                            format!(
                                "foreign key on partition {}.{new} like the target's, not yet validated",
                                part.qualified_name()
                            ),
                            i,
                            vec![lt.clone(), format!("ALTER TABLE {pt} ADD {} NOT VALID", foreign_key_sql(&copy, PG))],
                            vec![lt.clone(), format!("ALTER TABLE {pt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
                            (LockMode::ShareRowExclusive, &[&part.qualified_name(), &fk.ref_table], Effect::Metadata),
                            true,
                            "NOT VALID checks new rows only: a brief lock on the partition and the referenced table",
                            R_FK,
                        ),
                    );
                    b.push(
                        StageKind::Backfill,
                        step(
                            format!("validate the foreign key on partition {}.{new}", part.qualified_name()),
                            i,
                            vec![format!("ALTER TABLE {pt} VALIDATE CONSTRAINT {}", q(&cname))],
                            vec![],
                            (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                            true,
                            "VALIDATE scans without blocking writes",
                            R_VALIDATE + 1,
                        ),
                    );
                    after_swap.push(format!("ALTER TABLE {pt} RENAME CONSTRAINT {} TO {}", q(&cname), q(&final_fk)));
                }
            }
        }
        // Backfill: copy old into new in batches.
        let fill = batched(
            format!("{title}: copy existing rows"),
            i,
            ctx.batch_update(
                table,
                &format!("{n} = {}", up.replace("NEW.", "")),
                &format!("{n} IS DISTINCT FROM {}", up.replace("NEW.", "")),
            ),
            table,
            "batches of rows, each its own short transaction; the trigger keeps rows written meanwhile in step",
        );
        b.push(StageKind::Backfill, fill);
        b.verifications.push(CheckQuery {
            title: format!("{table}.{new} equals {old} in every row"),
            change: i,
            sql: format!("SELECT count(*) FROM {tt} WHERE {n} IS DISTINCT FROM {}", up.replace("NEW.", "")),
            must_be_zero: true,
            before: StageKind::Switch,
            resolution: None,
        });
        // NOT NULL on the new column, through the check recipe.
        if !target_col.nullable {
            let check = name(&[split_qualified(table).1, new, "not_null"]);
            b.push(
                StageKind::Expand,
                step(
                    format!("hold {table}.{new} to NOT NULL for new rows"),
                    i,
                    vec![
                        lt.clone(),
                        format!("ALTER TABLE {tt} ADD CONSTRAINT {} CHECK ({n} IS NOT NULL) NOT VALID", q(&check)),
                    ],
                    vec![lt.clone(), format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&check))],
                    (LockMode::AccessExclusive, &[table], Effect::Metadata),
                    true,
                    "NOT VALID: no scan now; the trigger fills it from every write",
                    R_SYNC + 1,
                ),
            );
            validate_and_set_not_null(ctx, i, table, new, &check, b);
        }
        // Sequences the old column owns (serial): the old column's drop would take them along,
        // so the new column owns them from the swap on, and a serial's default moves with it.
        let mut owned: Vec<String> = ctx
            .base
            .sequences
            .iter()
            .filter(|sq| {
                sq.owned_by
                    .as_deref()
                    .and_then(|o| o.rsplit_once('.'))
                    .is_some_and(|(t, c)| same_name(t, &base_name) && same_name(c, old))
            })
            .map(|sq| qualified(sq.namespace.as_deref(), &sq.name, PG))
            .collect();
        // A column written `serial` owns the sequence the server made for it, `t_c_seq` in the
        // table's schema, which no statement of the dump names.
        let base_col = ctx.base_table(table).and_then(|t| t.column(old));
        if owned.is_empty() && base_col.is_some_and(|c| c.identity == Some(Identity::Serial) && c.default.is_none()) {
            let (ns, short) = split_qualified(&base_name);
            owned.push(qualified(ns, &name(&[short, old, "seq"]), PG));
        }
        // A sequence that feeds a widened integer column widens with it (`serial` makes an
        // integer sequence, which would run out where the old column did).
        let seq_type = {
            let t = target_col.data_type.as_type().to_ascii_lowercase();
            let base_t = base_col.map(|c| c.data_type.as_type().to_ascii_lowercase()).unwrap_or_default();
            let int = |x: &str| matches!(x, "smallint" | "int2" | "integer" | "int" | "int4" | "bigint" | "int8");
            (int(&t) && int(&base_t) && t != base_t).then_some(t)
        };
        for sequence in &owned {
            if let Some(t) = &seq_type {
                before_drop.push(format!("ALTER SEQUENCE {sequence} AS {}", t.to_ascii_uppercase()));
            }
            before_drop.push(format!("ALTER SEQUENCE {sequence} OWNED BY {tt}.{n}"));
        }
        let serial_default =
            (target_col.default.is_none() && target_col.identity == Some(Identity::Serial)).then(|| {
                let sequence =
                    owned.first().cloned().unwrap_or_else(|| q(&name(&[split_qualified(&base_name).1, old, "seq"])));
                DefaultValue { expr: format!("nextval({})", lit(&sequence)), volatile: true }
            });
        if let Some(d) = target_col.default.as_ref().or(serial_default.as_ref()) {
            b.push(
                StageKind::Contract,
                step(
                    format!("default of {table}.{new}"),
                    i,
                    vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {n} SET DEFAULT {}", d.expr)],
                    vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {n} DROP DEFAULT")],
                    (LockMode::AccessExclusive, &[table], Effect::Metadata),
                    true,
                    "catalog-only; set while the trigger still runs, so no insert between the two steps misses it",
                    R_DROP_COLUMN - 2,
                ),
            );
        }
        // Contract: drop the trigger and the old column; a type change's staging column takes the
        // old name in the same transaction, and what depends on the old column moves to the new.
        let base_name = ctx.base_table(table).map_or(table.to_string(), Table::qualified_name);
        let around = around(ctx, &base_name, &[old.to_string()], StageKind::Contract, b);
        let mut sql = vec![
            lt.clone(),
            format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&trigger)),
            format!("DROP FUNCTION IF EXISTS {function}()"),
        ];
        sql.extend(before_drop);
        sql.push(format!("ALTER TABLE {tt} DROP COLUMN {o}"));
        if swap {
            sql.push(format!("ALTER TABLE {tt} RENAME COLUMN {n} TO {o}"));
        }
        sql.extend(after_swap);
        // The old column's comment went with it: the one that takes over carries the target's.
        if let Some(comment) = &target_col.comment {
            let last = if swap { &o } else { &n };
            sql.push(format!("COMMENT ON COLUMN {tt}.{last} IS {}", lit(comment)));
        }
        // An identity column's sequence goes with the old column: the column that takes over
        // becomes the identity, its sequence started past the highest value copied, so inserts
        // that leave the key to the server keep working after Contract.
        let base_identity = base_col.and_then(|c| c.identity);
        if let (Some(Identity::Always | Identity::ByDefault), Some(kind @ (Identity::Always | Identity::ByDefault))) =
            (base_identity, target_col.identity)
        {
            let last = if swap { o.clone() } else { n.clone() };
            let generated = if kind == Identity::Always { "ALWAYS" } else { "BY DEFAULT" };
            sql.push(format!("ALTER TABLE {tt} ALTER COLUMN {last} ADD GENERATED {generated} AS IDENTITY"));
            sql.push(format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({last}), 0) + 1, false) FROM {tt}",
                lit(&tt),
                lit(if swap { old } else { new })
            ));
        }
        let locked: Vec<&str> = std::iter::once(table).chain(child_locks.iter().map(String::as_str)).collect();
        let mut s = step(
            if swap {
                format!("{title}: drop {old} and give {new} its name")
            } else {
                format!("{title}: drop the trigger and {old}")
            },
            i,
            around.wrap(sql),
            vec![],
            (LockMode::AccessExclusive, &locked, Effect::Metadata),
            true,
            &around.reason(if swap {
                "v1 no longer runs; dropping a column and renaming one are catalog-only, in one short transaction"
            } else {
                "v1 no longer runs; dropping a column is catalog-only"
            }),
            R_DROP_COLUMN,
        );
        s.one_way = true;
        b.push(StageKind::Contract, s);
        b.v1_breaks.push(format!("v1 uses {table}.{old}, dropped in Contract"));
        b.one_way.push(format!("undoing Contract means re-adding {table}.{old} and copying it back from {new}"));
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    /// Bytes per character MySQL reserves for a VARCHAR: utf8mb4's 4 (the default character set
    /// since 8.0). A column in a narrower set gets a conservative answer.
    pub(in crate::plan) const BYTES_PER_CHAR: u32 = 4;

    /// A VARCHAR widened while its length prefix stays one byte (at most 255 bytes) or stays two:
    /// metadata only, INPLACE.
    pub(in crate::plan) fn prefix_preserving_widening(from: &TypeKind, to: &TypeKind) -> bool {
        match (from, to) {
            (TypeKind::Varchar { length: Some(a) }, TypeKind::Varchar { length: Some(b) }) => {
                b >= a && ((a * BYTES_PER_CHAR <= 255) == (b * BYTES_PER_CHAR <= 255))
            }
            _ => false,
        }
    }

    /// Values appended at the end of an ENUM (at most 255 labels, so the storage stays one byte):
    /// INSTANT.
    pub(in crate::plan) fn enum_append(from: &DataType, to: &DataType) -> bool {
        match (crate::types::inline_labels(&from.spelling), crate::types::inline_labels(&to.spelling)) {
            (Some(a), Some(b)) => b.len() > a.len() && b.len() <= 255 && b[..a.len()] == a[..],
            _ => false,
        }
    }

    /// True when a type change goes through a shadow column (not metadata-only, not a key column).
    pub(in crate::plan) fn shadow_type_change(
        ctx: &Ctx<'_>,
        table: &str,
        column: &str,
        from: &DataType,
        to: &DataType,
    ) -> bool {
        !(prefix_preserving_widening(&from.kind, &to.kind) || enum_append(from, to))
            && ctx
                .base_table(table)
                .is_some_and(|bt| !key_column(ctx, bt, column) && !online_copy_widening(ctx, bt, &from.kind, &to.kind))
    }

    /// The rows of `c` that do not fit the new type, as a predicate and in words.
    pub(in crate::plan) fn does_not_fit(c: &str, from: &TypeKind, to: &DataType) -> Option<(String, String)> {
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
        if let Some(labels) = crate::types::inline_labels(&to.spelling).filter(|_| textual) {
            // An ENUM takes its labels only (compared under the column's collation, as the
            // assignment does); anything else is truncated to '' or refused.
            let listed: Vec<String> = labels.iter().map(|l| crate::render::string_literal(l)).collect();
            return Some((format!("{c} NOT IN ({})", listed.join(", ")), format!("one of {}", listed.join(", "))));
        }
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
    pub(in crate::plan) fn widens(from: &TypeKind, to: &TypeKind) -> bool {
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

    pub(in crate::plan) fn can_fail(from: &TypeKind, to: &TypeKind) -> bool {
        !widens(from, to)
    }

    /// True when a foreign key to or from the table cascades: MariaDB's online COPY refuses
    /// those tables.
    pub(in crate::plan) fn cascading(ctx: &Ctx<'_>, bt: &Table) -> bool {
        let cascades = |fk: &ForeignKey| fk.on_delete == RefAction::Cascade || fk.on_update == RefAction::Cascade;
        bt.foreign_keys.iter().any(cascades)
            || ctx.base.tables.iter().any(|o| {
                o.foreign_keys.iter().any(|fk| same_name(split_qualified(&fk.ref_table).1, &bt.name) && cascades(fk))
            })
    }

    /// A widening that MariaDB 11.4 makes in one online COPY (writes go on), where v1 keeps
    /// working on the wider column: no shadow column needed.
    pub(in crate::plan) fn online_copy_widening(ctx: &Ctx<'_>, bt: &Table, from: &TypeKind, to: &TypeKind) -> bool {
        ctx.server.online_copy() && widens(from, to) && !cascading(ctx, bt)
    }

    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn change_type(
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
        // An ENUM that keeps every label of the old one takes every row.
        let more_labels = match (crate::types::inline_labels(&from.spelling), crate::types::inline_labels(&to.spelling))
        {
            (Some(old), Some(new)) => old.iter().all(|l| new.contains(l)),
            _ => false,
        };
        if can_fail(&from.kind, &to.kind) && !more_labels {
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
            let algorithm = if ctx.server.online_copy() && !cascading(ctx, bt) {
                Algorithm::CopyNone
            } else {
                Algorithm::CopyShared
            };
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
    pub(in crate::plan) fn with_shape(old: Option<&Column>, target: &Column) -> Column {
        let mut c = target.clone();
        if let Some(o) = old {
            c.nullable = o.nullable;
            c.default = o.default.clone();
        }
        c
    }

    /// A literal default of the type, for a NOT NULL column that v2 leaves out of its inserts.
    pub(in crate::plan) fn placeholder_default(ctx: &Ctx<'_>, ty: &DataType) -> Option<String> {
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
    pub(in crate::plan) fn shadowed_columns(ctx: &Ctx<'_>, table: &str) -> Vec<(String, String, String)> {
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
    pub(in crate::plan) fn shadow(
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
        let insert_body = format!(
            "SET NEW.{o} = IF(NEW.{n} IS NULL, NEW.{o}, NEW.{n}), NEW.{n} = IF(NEW.{n} IS NULL, NEW.{o}, NEW.{n})"
        );
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
        if let Some(oc) = bt
            .column(old)
            .filter(|c| !c.nullable && c.default.is_none() && c.identity.is_none() && c.generated.is_none())
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
                            IndexPart::Column { name: c, descending } => IndexPart::Column {
                                name: live_of(c).unwrap_or_else(|| c.clone()),
                                descending: *descending,
                            },
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
                    .map(|c| {
                        shadows.iter().find(|(_, _, f)| same_name(f, c)).map_or(c.to_string(), |(o, _, _)| o.clone())
                    })
                    .collect();
                let base_unique = bt.primary_key.iter().chain(bt.uniques.iter()).any(|k| {
                    k.columns.len() == base_cols.len()
                        && k.columns.iter().all(|c| base_cols.iter().any(|b| same_name(b, c)))
                }) || bt.indexes.iter().any(|bi| {
                    bi.unique
                        && bi.parts.iter().filter_map(IndexPart::column).count() == base_cols.len()
                        && bi
                            .parts
                            .iter()
                            .filter_map(IndexPart::column)
                            .all(|c| base_cols.iter().any(|b| same_name(b, c)))
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
                        vec![add_index_sql(ctx, &tb, &live)],
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
            assert_eq!(
                crate::types::inline_labels("enum('it''s','x')"),
                Some(vec!["it's".to_string(), "x".to_string()])
            );
        }
    }
}
