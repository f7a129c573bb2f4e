//! Create and drop an index.
//!
//! - PostgreSQL: CONCURRENTLY, outside a transaction (partitioned tables in `partitions.rs`).
//! - MySQL: `ALGORITHM=INPLACE, LOCK=NONE`.
//! - SQLite: `CREATE INDEX` and `DROP INDEX`, unless the table is rebuilt anyway.

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    /// True when the index reads the column: as a part, in an expression, or in its WHERE.
    pub(in crate::plan) fn index_uses(index: &Index, column: &str) -> bool {
        use crate::import::objects::mentions;
        index.parts.iter().any(|p| match p {
            IndexPart::Column { name, .. } => same_name(name, column),
            IndexPart::Expression { sql } => mentions(sql, column),
        }) || index.predicate.as_deref().is_some_and(|w| mentions(w, column))
    }

    pub(in crate::plan) fn index_drop(table: &str, index: &Index) -> String {
        let ns = split_qualified(table).0;
        match &index.name {
            Some(n) => format!("DROP INDEX CONCURRENTLY IF EXISTS {}", qualified(ns, n, PG)),
            None => format!("-- the index on {table} has no name: find it with \\d {table} and drop it CONCURRENTLY"),
        }
    }

    pub(in crate::plan) fn create_index(ctx: &Ctx<'_>, i: usize, table: &str, index: &Index, b: &mut Builder) {
        let lt = ctx.lock_timeout();
        if added_table(ctx, table)
            || ctx.target_table(table).is_some_and(|t| {
                t.columns.iter().any(|c| replaced_column(ctx, table, &c.name) && index_uses(index, &c.name))
            })
        {
            return; // the column's replacement builds it
        }
        let Some(t) = ctx.target_table(table) else { return };
        if t.partition_by.is_some() {
            partitioned_index(ctx, i, t, index, b);
            return;
        }
        if partition_copy(ctx, t, index) {
            return; // built and attached by its partitioned table's index
        }
        // The same name on an index the plan drops: built under a name of its own, and
        // given its name in Contract, once the old one is gone.
        let replaces = index.name.as_deref().filter(|n| {
                ctx.changes.iter().any(|c| matches!(c, Change::DropIndex { index: old, .. } if old.name.as_deref().is_some_and(|o| same_name(o, n))))
            });
        let built = match replaces {
            Some(n) => Index { name: Some(name(&[PREFIX.trim_end_matches('_'), n])), ..index.clone() },
            None => index.clone(),
        };
        let mut sql = create_index_sql(t, &built, PG);
        sql = sql.replacen("INDEX ", "INDEX CONCURRENTLY ", 1);
        let drop = index_drop(table, &built);
        // A unique index over a column this plan adds is built once the column is filled.
        let new_column = t.columns.iter().any(|c| added_column(ctx, table, &c.name) && index_uses(index, &c.name));
        let (stage, rank) = if index.unique && new_column {
            (StageKind::Backfill, R_VALIDATE + 5)
        } else {
            (StageKind::Expand, R_INDEX)
        };
        if index.unique && index.parts.iter().all(|p| p.column().is_some()) && !added_table(ctx, table) {
            let cols: Vec<String> = index.parts.iter().filter_map(IndexPart::column).map(q).collect();
            let present: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
            let filter = match &index.predicate {
                Some(p) => format!("({p}) AND {}", present.join(" AND ")),
                None => present.join(" AND "),
            };
            b.prechecks.push(CheckQuery {
                title: format!(
                    "duplicate ({}) in {table}, which the unique index {} refuses",
                    cols.join(", "),
                    index.name.as_deref().unwrap_or("")
                ),
                change: i,
                sql: format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {filter} GROUP BY {} HAVING count(*) > 1) d",
                    tq(table),
                    cols.join(", ")
                ),
                must_be_zero: true,
                before: stage,
                resolution: Some(Resolution::StopBeforeContract),
            });
        }
        b.push(
                stage,
                step(
                    format!("create index {} on {table}", index.name.as_deref().unwrap_or("")),
                    i,
                    vec![sql],
                    vec![drop],
                    (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                    false,
                    "CONCURRENTLY builds without blocking writes; if it fails it leaves an INVALID index: drop it and retry",
                    rank,
                ),
            );
        if let (Some(final_name), Some(temp)) = (replaces, built.name.as_deref()) {
            let ns = split_qualified(table).0;
            b.push(
                StageKind::Contract,
                step(
                    format!("give index {temp} the name {final_name}"),
                    i,
                    vec![lt.clone(), format!("ALTER INDEX {} RENAME TO {}", qualified(ns, temp, PG), q(final_name))],
                    vec![lt.clone(), format!("ALTER INDEX {} RENAME TO {}", qualified(ns, final_name, PG), q(temp))],
                    (LockMode::ShareUpdateExclusive, &[table], Effect::Metadata),
                    true,
                    "the index of that name was dropped just before; renaming is catalog-only",
                    R_DROP_RULE + 1,
                ),
            );
        }
    }

    pub(in crate::plan) fn drop_index(ctx: &Ctx<'_>, i: usize, table: &str, index: &Index, b: &mut Builder) {
        let Some(bt) = ctx.base_table(table) else { return };
        if bt.partition_by.is_some() {
            drop_partitioned_index(ctx, i, bt, table, index, b);
            return;
        }
        if partition_copy(ctx, bt, index) {
            return; // goes with its partitioned table's index
        }
        let create = create_index_sql(bt, index, PG).replacen("INDEX ", "INDEX CONCURRENTLY ", 1);
        b.push(
            StageKind::Contract,
            step(
                format!("drop index {} on {table}", index.name.as_deref().unwrap_or("")),
                i,
                vec![index_drop(&bt.qualified_name(), index)],
                vec![create],
                (LockMode::ShareUpdateExclusive, &[table], Effect::Metadata),
                false,
                "DROP INDEX CONCURRENTLY waits for queries using the index instead of blocking the table",
                R_DROP_RULE,
            ),
        );
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    /// `ALTER TABLE t ADD [UNIQUE|FULLTEXT|SPATIAL] INDEX name (parts), ALGORITHM=INPLACE, LOCK=...`.
    pub(in crate::plan) fn add_index_sql(ctx: &Ctx<'_>, table_sql: &str, index: &Index) -> String {
        let (kind, algorithm) = match index.method.as_deref() {
            Some("fulltext") => ("FULLTEXT INDEX", Algorithm::InplaceShared),
            Some("spatial") => ("SPATIAL INDEX", Algorithm::InplaceShared),
            _ if index.unique => ("UNIQUE INDEX", Algorithm::InplaceNone),
            _ => ("INDEX", Algorithm::InplaceNone),
        };
        let name = index.name.as_ref().map(|n| format!("{} ", q(n))).unwrap_or_default();
        ctx.alter(table_sql, &format!("ADD {kind} {name}({})", index_parts(index, Dialect::MySql)), algorithm)
    }

    /// The name MySQL gives an index written without one: its first column's.
    pub(in crate::plan) fn index_name(index: &Index) -> String {
        index.name.clone().unwrap_or_else(|| index.parts.iter().find_map(IndexPart::column).unwrap_or("").to_string())
    }

    /// An index (or unique key) the plan redefines under the same name: the old one serves v1
    /// until Contract, so the new one is built beside it under a spare name, and Contract drops
    /// the old one and renames the new one in a single ALTER. The spare name, when so.
    pub(in crate::plan) fn spare_for(ctx: &Ctx<'_>, table: &str, name: &str) -> Option<String> {
        if ctx.added_table(table) || ctx.dropped_table(table) {
            return None;
        }
        let columns_of = |c: &Change| -> Option<(String, Vec<String>)> {
            match c {
                Change::DropIndex { table: t, index } | Change::CreateIndex { table: t, index }
                    if same_name(t, table) =>
                {
                    Some((
                        index_name(index),
                        index.parts.iter().filter_map(IndexPart::column).map(str::to_string).collect(),
                    ))
                }
                Change::DropUnique { table: t, key } | Change::AddUnique { table: t, key } if same_name(t, table) => {
                    let first = key.columns.first().cloned().unwrap_or_default();
                    Some((key.name.clone().unwrap_or(first), key.columns.clone()))
                }
                _ => None,
            }
        };
        let dropped = ctx.changes.iter().filter(|c| matches!(c, Change::DropIndex { .. } | Change::DropUnique { .. }));
        let old = dropped.filter_map(columns_of).find(|(n, _)| same_name(n, name))?;
        let added = ctx.changes.iter().filter(|c| matches!(c, Change::CreateIndex { .. } | Change::AddUnique { .. }));
        let new = added.filter_map(columns_of).find(|(n, _)| same_name(n, name))?;
        // Each recipe must run: the old index is not left to a shadow column's swap, the new one
        // not to a replaced column's.
        if old.1.iter().any(|c| shadowed(ctx, table, c)) || new.1.iter().any(|c| replaced(ctx, table, c)) {
            return None;
        }
        let mut n = name.to_string();
        while n.len() > 60 {
            n.pop();
        }
        Some(format!("{n}_new"))
    }

    /// True when the base column is replaced by a shadow column: its recipe handles its indexes.
    pub(in crate::plan) fn shadowed(ctx: &Ctx<'_>, table: &str, base_column: &str) -> bool {
        ctx.changes.iter().any(|c| match c {
            Change::RenameColumn { table: t, from, to } => {
                same_name(t, table) && same_name(from, base_column) && replaced(ctx, table, to)
            }
            Change::ChangeType { table: t, column, .. } => {
                same_name(t, table) && same_name(column, base_column) && replaced(ctx, table, column)
            }
            _ => false,
        })
    }

    pub(in crate::plan) fn create_index(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        index: &Index,
        b: &mut Builder,
    ) {
        if ctx.added_table(table) || index.parts.iter().filter_map(IndexPart::column).any(|c| replaced(ctx, table, c)) {
            return;
        }
        let cols: Vec<String> = index.parts.iter().filter_map(IndexPart::column).map(str::to_string).collect();
        let (stage, rank) = if index.unique { build_stage(ctx, table, &cols) } else { (StageKind::Expand, R_INDEX) };
        if index.unique {
            unique_gate(ctx, i, change, table, &cols, stage, rank, b);
        }
        let t = ctx.live(table, stage);
        let spare = spare_for(ctx, table, &index_name(index));
        let built = match &spare {
            Some(n) => Index { name: Some(n.clone()), ..index.clone() },
            None => index.clone(),
        };
        let index = &built;
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

    pub(in crate::plan) fn drop_index(ctx: &Ctx<'_>, i: usize, table: &str, index: &Index, b: &mut Builder) {
        if ctx.dropped_table(table) || index.parts.iter().filter_map(IndexPart::column).any(|c| shadowed(ctx, table, c))
        {
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
        let spare = spare_for(ctx, table, &index_name(index));
        let drop_clause = match &spare {
            Some(n) => format!("{drop_clause}, RENAME INDEX {} TO {}", q(n), q(&index_name(index))),
            None => drop_clause,
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
        let undo: Vec<String> = match &spare {
            Some(n) => std::iter::once(ctx.alter(
                &t,
                &format!("RENAME INDEX {} TO {}", q(&index_name(index)), q(n)),
                Algorithm::InplaceNone,
            ))
            .chain(undo)
            .collect(),
            None => undo,
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
}

pub(in crate::plan) mod sqlite {
    use crate::plan::sqlite::*;

    pub(in crate::plan) fn create_index(ctx: &Ctx<'_>, i: usize, table: &str, index: &Index, b: &mut Builder) {
        let Some(t) = ctx.target.find_table(table) else { return };
        if ctx.rebuilds(table) {
            return; // the rebuild creates the table's indexes
        }
        let drop = index.name.as_ref().map(|n| format!("DROP INDEX IF EXISTS {}", ident(n, SQ)));
        // The same name in the base: the old index goes first, in Contract.
        let replaces = index.name.as_ref().is_some_and(|n| {
            ctx.changes.iter().any(|c| matches!(c, Change::DropIndex { index: old, .. } if old.name.as_deref().is_some_and(|o| same_name(o, n))))
        });
        let stage = if replaces { StageKind::Contract } else { StageKind::Expand };
        b.push(
            stage,
            step(
                format!("create index {} on {table}", index.name.as_deref().unwrap_or("")),
                i,
                vec![crate::render::ddl::create_index_sql(t, index, SQ)],
                drop.into_iter().collect(),
                table,
                if replaces {
                    "the index of the same name was dropped just before; SQLite builds it in one write transaction"
                } else {
                    "SQLite builds it in one write transaction"
                },
                if replaces { 31 } else { 30 },
            ),
        );
    }

    pub(in crate::plan) fn drop_index(ctx: &Ctx<'_>, i: usize, table: &str, index: &Index, b: &mut Builder) {
        if ctx.rebuilds(table)
            || ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table)))
        {
            return;
        }
        let Some(name) = &index.name else { return };
        let recreate = ctx.base.find_table(table).map(|t| crate::render::ddl::create_index_sql(t, index, SQ));
        b.push(
            StageKind::Contract,
            step(
                format!("drop index {name} on {table}"),
                i,
                vec![format!("DROP INDEX IF EXISTS {}", ident(name, SQ))],
                recreate.into_iter().collect(),
                table,
                "no version relies on it after Switch",
                30,
            ),
        );
    }
}
