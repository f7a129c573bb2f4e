//! Add and drop a foreign key.
//!
//! - PostgreSQL: NOT VALID, then VALIDATE, the referenced table locked first.
//! - MySQL: an orphans gate, the key added with `foreign_key_checks = 0`, and the orphans counted
//!   again after it.
//! - SQLite: the table rebuild, with `PRAGMA foreign_key_check` (`sqlite.rs`).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn drop_foreign_key(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        foreign_key: &ForeignKey,
        b: &mut Builder,
    ) {
        let name = foreign_key
            .name
            .clone()
            .unwrap_or_else(|| pg_default_name(table, Some(&foreign_key.columns.join("_")), "fkey"));
        let readd = foreign_key_sql(&ForeignKey { name: Some(name.clone()), ..foreign_key.clone() }, PG);
        let what = format!("foreign key ({})", foreign_key.columns.join(", "));
        drop_constraint(ctx, i, table, Some(&name), &what, Some(readd), Some(&foreign_key.ref_table), b)
    }

    pub(in crate::plan) fn add_foreign_key(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        fk: &ForeignKey,
        b: &mut Builder,
    ) {
        let tt = tq(table);
        let lt = ctx.lock_timeout();
        let cname = fk.name.clone().unwrap_or_else(|| name(&[split_qualified(table).1, &fk.columns.join("_"), "fkey"]));
        let named = ForeignKey { name: Some(cname.clone()), ..fk.clone() };
        let covered = ctx.target_table(table).is_some_and(|t| {
            t.indexes.iter().any(|ix| {
                ix.parts.len() >= fk.columns.len()
                    && fk.columns.iter().zip(&ix.parts).all(|(c, p)| p.column().is_some_and(|pc| same_name(pc, c)))
            }) || t.primary_key.as_ref().is_some_and(|k| {
                k.columns.len() >= fk.columns.len() && fk.columns.iter().zip(&k.columns).all(|(a, b)| same_name(a, b))
            })
        });
        let was_covered = ctx.base_table(table).is_some_and(|t| {
            t.indexes.iter().any(|ix| {
                fk.columns.iter().zip(&ix.parts).all(|(c, p)| p.column().is_some_and(|pc| same_name(pc, c)))
                    && ix.parts.len() >= fk.columns.len()
            })
        });
        if !covered && !was_covered {
            // A name no index of either schema has: IF NOT EXISTS would skip the build on a
            // taken name, and the undo would drop the other index (Synapse has an index named
            // state_groups_state_type_idx on other columns).
            let stem = name(&[split_qualified(table).1, &fk.columns.join("_"), "idx"]);
            let taken = |n: &str| {
                [ctx.base, ctx.target]
                    .iter()
                    .flat_map(|s| s.tables.iter())
                    .flat_map(|t| t.indexes.iter())
                    .any(|ix| ix.name.as_deref().is_some_and(|x| same_name(x, n)))
            };
            let index_name = std::iter::once(stem.clone())
                .chain((1..).map(|k| format!("{stem}{k}")))
                .find(|n| !taken(n))
                .unwrap_or(stem);
            let cols: Vec<String> = fk.columns.iter().map(|c| q(c)).collect();
            b.push(
                StageKind::Expand,
                step(
                    format!("index {table}({}) for the new foreign key", fk.columns.join(", ")),
                    i,
                    vec![format!(
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {tt} ({})",
                        q(&index_name),
                        cols.join(", ")
                    )],
                    vec![format!(
                        "DROP INDEX CONCURRENTLY IF EXISTS {}",
                        qualified(split_qualified(table).0, &index_name, PG)
                    )],
                    (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                    false,
                    "without it every delete in the referenced table scans this one",
                    R_INDEX,
                ),
            );
        }
        // A key to a table this plan creates: the plan fills it, so no row is an orphan.
        let seed = crate::plan::recipes::lookup::seed(ctx.base, ctx.target, ctx.changes, table, fk);
        if let Some(seed) = &seed {
            seed_parent(ctx, i, table, seed, b);
        }
        let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
        let parent = tq(&fk.ref_table);
        let join: Vec<String> = fk
            .columns
            .iter()
            .zip(fk.ref_columns.iter().chain(std::iter::repeat(&"id".to_string())))
            .map(|(c, r)| format!("p.{} = c.{}", q(r), q(c)))
            .collect();
        let not_null: Vec<String> = fk.columns.iter().map(|c| format!("c.{} IS NOT NULL", q(c))).collect();
        let orphans = format!(
            "FROM {tt} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {})",
            not_null.join(" AND "),
            join.join(" AND ")
        );
        let mut add = step(
            format!("add foreign key {table}({}) -> {}, not yet validated", fk.columns.join(", "), fk.ref_table),
            i,
            vec![lt.clone(), format!("ALTER TABLE {tt} ADD {} NOT VALID", foreign_key_sql(&named, PG))],
            vec![lt, format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
            (LockMode::ShareRowExclusive, &[table, &fk.ref_table], Effect::Metadata),
            true,
            "NOT VALID checks new rows only: a brief lock on both tables, no scan",
            R_FK,
        );
        if seed.is_some() {
            // v1 writes the table and then, through the seeding trigger, the new one: the step
            // takes them in that order too, or v1's insert and the step would deadlock (seen on
            // Chinook's customer.last_name).
            let parent_first = format!("LOCK TABLE {parent} IN SHARE ROW EXCLUSIVE MODE");
            for s in add.sql.iter_mut().filter(|s| **s == parent_first) {
                *s = format!("LOCK TABLE {tt}, {parent} IN SHARE ROW EXCLUSIVE MODE");
            }
            add.reason
                .push_str("; the table before the new one, in the order v1's writes take them through the trigger");
        }
        b.push(StageKind::Expand, add);
        if seed.is_none() {
            add_foreign_key_orphans(ctx, i, table, fk, &resolution, &orphans, b);
        }
        b.push(
            StageKind::Backfill,
            step(
                format!("validate foreign key {table}({}) -> {}", fk.columns.join(", "), fk.ref_table),
                i,
                vec![format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(&cname))],
                vec![],
                (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                true,
                "VALIDATE scans without blocking writes (and takes ROW SHARE on the referenced table)",
                R_VALIDATE,
            ),
        );
    }

    /// What becomes of the rows a new foreign key rejects: counted before Backfill, and
    /// deleted or set to NULL there when the user chose so.
    fn add_foreign_key_orphans(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        fk: &ForeignKey,
        resolution: &Resolution,
        orphans: &str,
        b: &mut Builder,
    ) {
        let tt = tq(table);
        b.prechecks.push(CheckQuery {
            title: format!("orphan rows in {table}({}) with no {}", fk.columns.join(", "), fk.ref_table),
            change: i,
            sql: format!("SELECT count(*) {orphans}"),
            must_be_zero: matches!(resolution, Resolution::StopBeforeContract),
            before: StageKind::Backfill,
            resolution: Some(resolution.clone()),
        });
        if *resolution == Resolution::DeleteOrphans {
            referenced_rows_stop(
                ctx,
                i,
                table,
                "c",
                &format!("SELECT count(*) {orphans}"),
                "orphan",
                StageKind::Backfill,
                b,
            );
        }
        let fix = match &resolution {
            Resolution::DeleteOrphans => Some(format!(
                "DELETE FROM {tt} WHERE ctid IN (SELECT c.ctid {orphans} LIMIT {})",
                ctx.options.batch_size
            )),
            Resolution::NullOrphans => {
                let set: Vec<String> = fk.columns.iter().map(|c| format!("{} = NULL", q(c))).collect();
                Some(format!(
                    "UPDATE {tt} SET {} WHERE ctid IN (SELECT c.ctid {orphans} LIMIT {})",
                    set.join(", "),
                    ctx.options.batch_size
                ))
            }
            _ => None,
        };
        if let Some(fix) = fix {
            let mut s = batched_with_triggers(
                format!("{} in {table}", resolution.describe()),
                i,
                fix,
                table,
                "the resolution chosen for rows the new foreign key rejects",
            );
            s.one_way = matches!(resolution, Resolution::DeleteOrphans | Resolution::NullOrphans);
            b.push(StageKind::Backfill, s);
        }
    }

    /// A resolution that deletes rows cannot delete rows other tables reference (without a
    /// cascade the delete fails in the middle of the plan; with one it takes rows nobody chose):
    /// a pre-check counts them, and while there are any the plan stops before `stage`. `count` is
    /// `SELECT count(*) FROM t alias WHERE ...` over the rows the resolution deletes.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn referenced_rows_stop(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        alias: &str,
        count: &str,
        what: &str,
        stage: StageKind,
        b: &mut Builder,
    ) {
        let Some(bt) = ctx.base_table(table) else { return };
        let base_name = bt.qualified_name();
        for child in &ctx.base.tables {
            for fk in child.foreign_keys.iter().filter(|fk| {
                same_name(&fk.ref_table, &base_name)
                    && fk.on_delete != RefAction::SetNull
                    && fk.on_delete != RefAction::SetDefault
            }) {
                let parent_cols = fk.referenced_columns(Some(bt));
                if parent_cols.len() != fk.columns.len() || parent_cols.is_empty() {
                    continue;
                }
                let join: Vec<String> = fk
                    .columns
                    .iter()
                    .zip(&parent_cols)
                    .map(|(c, p)| format!("r.{} = {alias}.{}", q(c), q(p)))
                    .collect();
                let sql = format!(
                    "{count} AND EXISTS (SELECT 1 FROM {} r WHERE {})",
                    tq(&child.qualified_name()),
                    join.join(" AND ")
                );
                let verb = if fk.on_delete == RefAction::Cascade {
                    "would delete with them (ON DELETE CASCADE)"
                } else {
                    "references"
                };
                b.prechecks.push(CheckQuery {
                    title: format!(
                        "{what} rows of {table} that {} {verb}: the resolution cannot delete them; resolve them by hand",
                        child.qualified_name()
                    ),
                    change: i,
                    sql,
                    must_be_zero: true,
                    before: stage,
                    resolution: None,
                });
            }
        }
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    /// The name MySQL gives the k-th unnamed foreign key of a table.
    pub(in crate::plan) fn fk_name(table: &Table, fk: &ForeignKey) -> String {
        fk.name.clone().unwrap_or_else(|| {
            let k = table.foreign_keys.iter().filter(|f| f.name.is_none()).position(|f| f == fk).unwrap_or(0);
            format!("{}_ibfk_{}", table.name, k + 1)
        })
    }

    /// Rows of `table` whose reference finds no parent (MATCH SIMPLE: a NULL in the key exempts
    /// the row). The parent is read through a derived table, so a self-reference works inside
    /// UPDATE and DELETE too (error 1093 otherwise).
    pub(in crate::plan) fn orphans(ctx: &Ctx<'_>, table_sql: &str, fk: &ForeignKey, stage: StageKind) -> String {
        let parent = ctx.live(&fk.ref_table, stage);
        let ref_cols = fk.referenced_columns(ctx.target.find_table(&fk.ref_table));
        let not_null: Vec<String> = fk.columns.iter().map(|c| format!("{table_sql}.{} IS NOT NULL", q(c))).collect();
        let matches: Vec<String> = fk
            .columns
            .iter()
            .zip(&ref_cols)
            .map(|(c, r)| format!("bellows_p.{} = {table_sql}.{}", q(r), q(c)))
            .collect();
        let list: Vec<String> = ref_cols.iter().map(|r| q(r)).collect();
        format!(
            "{} AND NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT {} FROM {parent}) AS bellows_p WHERE {})",
            not_null.join(" AND "),
            list.join(", "),
            matches.join(" AND ")
        )
    }

    pub(in crate::plan) fn add_foreign_key(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        fk: &ForeignKey,
        b: &mut Builder,
    ) {
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
        // A key to a table this plan creates: the plan fills it, so no row is an orphan (and
        // the table does not exist for a gate to read before Expand).
        let seed = crate::plan::recipes::lookup::seed(ctx.base, ctx.target, ctx.changes, table, fk);
        if let Some(seed) = &seed {
            seed_parent(ctx, i, table, seed, b);
        }
        let resolution = if seed.is_some() {
            Resolution::StopBeforeContract
        } else {
            ctx.resolution(change, Resolution::StopBeforeContract)
        };
        let orphan = orphans(ctx, &t, fk, stage);
        if seed.is_none() {
            b.prechecks.push(CheckQuery {
                title: format!("rows of {table} ({}) with no parent in {}", fk.columns.join(", "), fk.ref_table),
                change: i,
                sql: format!("SELECT COUNT(*) FROM {t} WHERE {orphan}"),
                must_be_zero: matches!(resolution, Resolution::StopBeforeContract),
                before: stage,
                resolution: Some(resolution.clone()),
            });
        }
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
                let refs: Vec<&String> = if fk.ref_columns.is_empty() {
                    fk.columns.iter().collect()
                } else {
                    fk.ref_columns.iter().collect()
                };
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
        let drop_index = ctx.alter(&t, &format!("DROP INDEX {}", q(&name)), Algorithm::InplaceNone);
        if !indexed(tt) {
            undo.push(drop_index);
        } else {
            // The index that seems to serve the key may be a prefix index (WordPress's
            // `meta_key(191)`, which the model reads as the whole column), which InnoDB cannot
            // use: it then made one named after the key. The undo drops that one if it is there.
            let lit = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "''"));
            let (ns, short) = split_qualified(table);
            let short = ctx.renamed_from(table).map(|f| split_qualified(f).1).unwrap_or(short);
            undo.push(format!(
                "SET @bellows_undo = (SELECT IF(COUNT(*) > 0, {}, 'DO 0') FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND INDEX_NAME = {})",
                lit(&drop_index),
                ns.map(lit).unwrap_or_else(|| "DATABASE()".into()),
                lit(short),
                lit(&name)
            ));
            undo.push("PREPARE bellows_undo FROM @bellows_undo".into());
            undo.push("EXECUTE bellows_undo".into());
            undo.push("DEALLOCATE PREPARE bellows_undo".into());
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
                if seed.is_some() {
                    "added in place (metadata only) with foreign_key_checks = 0, the only way MySQL adds one without copying the table; the server checks the rows v1 writes from here (the triggers put their values in the new table first), Backfill adds the values the rows already hold, and a verification counts the orphans before Switch"
                } else {
                    "added in place (metadata only) with foreign_key_checks = 0, the only way MySQL adds one without copying the table; the server then does not check existing rows: the gate counted no orphan right before, and a verification counts them again after"
                },
                rank,
            ),
        );
        let after = match stage {
            StageKind::Expand if seed.is_none() => StageKind::Backfill,
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

    pub(in crate::plan) fn drop_foreign_key(ctx: &Ctx<'_>, i: usize, table: &str, fk: &ForeignKey, b: &mut Builder) {
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
        let target_needs = ctx
            .target_table(table)
            .is_some_and(|tt| leads(tt) || tt.foreign_keys.iter().any(|f| f.columns == fk.columns));
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
}
