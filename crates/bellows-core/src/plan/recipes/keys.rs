//! Unique constraints and primary keys.
//!
//! - PostgreSQL: the index built CONCURRENTLY, then `ADD CONSTRAINT ... USING INDEX`.
//! - MySQL: a duplicates gate, then `ADD UNIQUE`/`ADD PRIMARY KEY` in place (a primary key change
//!   is a table copy, with the gh-ost and pt-online-schema-change command lines).
//! - SQLite: the table rebuild, with a pre-check (`sqlite.rs`).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn drop_unique(ctx: &Ctx<'_>, i: usize, table: &str, key: &Key, b: &mut Builder) {
        let readd = crate::render::ddl::constraint_sql_unique(key, PG);
        let name = old_unique_name(table, key);
        let readd = if key.name.is_some() { readd } else { format!("CONSTRAINT {} {readd}", q(&name)) };
        let expand_steps = |b: &Builder| b.steps.get(&StageKind::Expand).map_or(0, Vec::len);
        let before = expand_steps(b);
        drop_constraint(
            ctx,
            i,
            table,
            Some(&name),
            &format!("unique ({})", key.columns.join(", ")),
            Some(readd),
            None,
            b,
        );
        if unique_replaced(ctx, table, key) && expand_steps(b) > before {
            // A unique key redefined (the same name, or some of the same columns): the old one is
            // dropped once the new one's index is built, so the rows are never without either.
            if let Some(s) = b.steps.get_mut(&StageKind::Expand).and_then(|v| v.last_mut()) {
                s.rank = R_INDEX + 1;
                s.reason = "the new unique index is built just before, so the rows are never without a unique rule; dropping the old one now lets v2 write what the target allows".to_string();
            }
        }
    }

    fn old_unique_name(table: &str, key: &Key) -> String {
        key.name.clone().unwrap_or_else(|| pg_default_name(table, Some(&key.columns.join("_")), "key"))
    }

    /// The unique key (not primary) that replaces `old` on `table`, built in Expand: one with the
    /// same name or a column in common, over columns that are there from the start.
    fn unique_replaced(ctx: &Ctx<'_>, table: &str, old: &Key) -> bool {
        let partitioned = ctx.target_table(table).is_some_and(|t| t.partition_by.is_some());
        let dropped_table =
            ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table)));
        if partitioned || dropped_table || added_table(ctx, table) {
            return false;
        }
        ctx.changes.iter().any(|c| match c {
            Change::AddUnique { table: t, key } if same_name(t, table) => {
                let same_name_ = key.name.is_some() && key.name == old.name;
                let overlap = key.columns.iter().any(|c| old.columns.iter().any(|o| same_name(o, c)));
                (same_name_ || overlap) && !key.columns.iter().any(|c| added_column(ctx, table, c))
            }
            _ => false,
        })
    }

    pub(in crate::plan) fn drop_primary_key(ctx: &Ctx<'_>, i: usize, table: &str, key: &Key, b: &mut Builder) {
        let replacement = replacement(ctx, table);
        if replacement == Replacement::Swap {
            return; // the new key's step drops this one in the same transaction
        }
        let name = old_primary_key_name(table, key);
        let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
        let readd = format!("CONSTRAINT {} PRIMARY KEY ({})", q(&name), cols.join(", "));
        let expand_steps = |b: &Builder| b.steps.get(&StageKind::Expand).map_or(0, Vec::len);
        let before = expand_steps(b);
        drop_constraint(ctx, i, table, Some(&name), "primary key", Some(readd), None, b);
        if replacement == Replacement::DropAfterIndex && expand_steps(b) > before {
            // Dropped once the new key's unique index is built: the rows stay unique throughout.
            if let Some(s) = b.steps.get_mut(&StageKind::Expand).and_then(|v| v.last_mut()) {
                s.rank = R_INDEX + 1;
                s.reason = "the new key's unique index is built just before, so the rows stay unique; dropping the old key now lets v2 write what the target allows, and Contract adopts the new key from its index".to_string();
            }
        }
    }

    /// How the plan replaces a table's primary key when it drops the old one and adds a new one.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(in crate::plan) enum Replacement {
        /// No replacement here (no old key, or the table is added, dropped or partitioned): the
        /// old key is dropped in Expand before anything else, the new one planned on its own.
        None,
        /// The new key's index is built CONCURRENTLY in Expand under another name; then one
        /// transaction drops the old key and adopts the index as the new key. The table is never
        /// without a primary key (logical replication's replica identity, ON CONFLICT) nor without
        /// uniqueness. Needs the new key's columns already there and NOT NULL.
        Swap,
        /// The new key's columns must first be made NOT NULL (Contract): the old key is dropped in
        /// Expand right after the new unique index is built, and the key adopted in Contract.
        DropAfterIndex,
        /// The new key is over a column this plan adds, or an old key column is dropped (v2 must be
        /// able to leave it out from Expand on): the old key goes first, as with no replacement.
        DropFirst,
    }

    pub(in crate::plan) fn replacement(ctx: &Ctx<'_>, table: &str) -> Replacement {
        let old = ctx.changes.iter().find_map(|c| match c {
            Change::DropPrimaryKey { table: t, key } if same_name(t, table) => Some(key),
            _ => None,
        });
        let new = ctx.changes.iter().find_map(|c| match c {
            Change::AddPrimaryKey { table: t, key } if same_name(t, table) => Some(key),
            _ => None,
        });
        let (Some(old), Some(new)) = (old, new) else { return Replacement::None };
        let dropped_table =
            ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table)));
        let partitioned = ctx.target_table(table).is_some_and(|t| t.partition_by.is_some())
            || ctx.base_table(table).is_some_and(|t| t.partition_by.is_some());
        if added_table(ctx, table) || dropped_table || partitioned {
            return Replacement::None;
        }
        let column_dropped = |c: &String| {
            ctx.changes.iter().any(
                |x| matches!(x, Change::DropColumn { table: t, column } if same_name(t, table) && same_name(column, c)),
            )
        };
        if old.columns.iter().any(column_dropped) || new.columns.iter().any(|c| added_column(ctx, table, c)) {
            return Replacement::DropFirst;
        }
        let ready = |c: &String| {
            !replaced_column(ctx, table, c)
                && ctx.base_table(table).and_then(|t| t.column(c)).is_some_and(|col| !col.nullable)
        };
        if new.columns.iter().all(ready) {
            Replacement::Swap
        } else {
            Replacement::DropAfterIndex
        }
    }

    /// The name a new unique key's index is built under: a spare one while a unique key of the
    /// same name is still there (it is dropped only once this index is built).
    fn unique_build_name(ctx: &Ctx<'_>, table: &str, cname: &str) -> String {
        let clash = ctx.changes.iter().any(|c| match c {
            Change::DropUnique { table: t, key } if same_name(t, table) => {
                old_unique_name(table, key) == cname && unique_replaced(ctx, table, key)
            }
            _ => false,
        });
        if clash {
            spare_name(cname)
        } else {
            cname.to_string()
        }
    }

    fn spare_name(name: &str) -> String {
        let mut n = name.to_string();
        while n.len() > 59 {
            n.pop();
        }
        format!("{n}_new")
    }

    fn old_primary_key_name(table: &str, key: &Key) -> String {
        key.name.clone().unwrap_or_else(|| format!("{}_pkey", split_qualified(table).1))
    }

    /// The name the new key's index is built under while the old key (and its index) still
    /// exists: the constraint's own name unless the old one has it. `ADD CONSTRAINT ... USING
    /// INDEX` renames the index to the constraint's name.
    fn build_name(ctx: &Ctx<'_>, table: &str, cname: &str) -> String {
        let old = ctx.changes.iter().find_map(|c| match c {
            Change::DropPrimaryKey { table: t, key } if same_name(t, table) => Some(old_primary_key_name(table, key)),
            _ => None,
        });
        if old.is_some_and(|o| o == cname) && replacement(ctx, table) != Replacement::DropFirst {
            spare_name(cname)
        } else {
            cname.to_string()
        }
    }

    /// Drops a constraint in Expand. `referenced`: the table a foreign key points at, which the
    /// drop locks too (ACCESS EXCLUSIVE), taken first (see [`referenced_first`]).
    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn drop_constraint(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        name: Option<&str>,
        what: &str,
        readd: Option<String>,
        referenced: Option<&str>,
        b: &mut Builder,
    ) {
        if ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table))) {
            return;
        }
        let tt = tq(table);
        let lt = ctx.lock_timeout();
        let Some(name) = name else {
            b.notes.push(format!(
                "the {what} on {table} has no name in the DDL: drop it by the name PostgreSQL gave it (\\d {table})"
            ));
            return;
        };
        // The undo re-adds the rule without a long lock where it can: NOT VALID, then VALIDATE.
        let rollback = match readd {
            Some(definition) if definition.contains("CHECK") || definition.contains("FOREIGN KEY") => vec![
                lt.clone(),
                format!("ALTER TABLE {tt} ADD {definition} NOT VALID"),
                format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(name)),
            ],
            Some(definition) => vec![lt.clone(), format!("ALTER TABLE {tt} ADD {definition}")],
            None => vec![],
        };
        let referenced = referenced.filter(|r| !same_name(r, table));
        let mut sql = vec![lt, format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(name))];
        let mut rollback = rollback;
        if let Some(r) = referenced {
            sql.insert(1, format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tq(r)));
            if !rollback.is_empty() {
                rollback.insert(1, format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", tq(r)));
            }
        }
        let tables: Vec<&str> = std::iter::once(table).chain(referenced).collect();
        b.push(
            StageKind::Expand,
            step(
                format!("drop {what} on {table}"),
                i,
                sql,
                rollback,
                (LockMode::AccessExclusive, &tables, Effect::Metadata),
                true,
                "relaxing a rule first lets v2 write what the target allows while v1 still runs",
                // Foreign keys go before the keys they may reference.
                if what.starts_with("foreign key") { R_DROP_RULE - 1 } else { R_DROP_RULE },
            ),
        );
    }

    pub(in crate::plan) fn add_unique(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        key: &Key,
        primary: bool,
        b: &mut Builder,
    ) {
        let tt = tq(table);
        let lt = ctx.lock_timeout();
        let short = split_qualified(table).1;
        let cname = key.name.clone().unwrap_or_else(|| {
            if primary {
                format!("{short}_pkey")
            } else {
                name(&[short, &key.columns.join("_"), "key"])
            }
        });
        let index_name = if primary { build_name(ctx, table, &cname) } else { unique_build_name(ctx, table, &cname) };
        let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
        let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
        // A key over a column this plan adds can only be checked (and indexed) once the column is
        // there and filled: in Backfill instead of Expand.
        let new_column = key.columns.iter().any(|c| added_column(ctx, table, c));
        let (stage, rank) =
            if new_column { (StageKind::Backfill, R_VALIDATE + 5) } else { (StageKind::Expand, R_INDEX) };
        b.prechecks.push(CheckQuery {
            title: format!("duplicate ({}) in {table}", key.columns.join(", ")),
            change: i,
            sql: format!(
                "SELECT count(*) FROM (SELECT 1 FROM {tt} WHERE {} GROUP BY {} HAVING count(*) > 1) d",
                key.columns.iter().map(|c| format!("{} IS NOT NULL", q(c))).collect::<Vec<_>>().join(" AND "),
                cols.join(", ")
            ),
            must_be_zero: matches!(resolution, Resolution::StopBeforeContract),
            before: stage,
            resolution: Some(resolution.clone()),
        });
        if ctx.target_table(table).is_some_and(|t| t.partition_by.is_some()) {
            partitioned_key(ctx, i, table, key, primary, &cname, b);
            return;
        }
        if resolution == Resolution::KeepFirstDuplicate {
            let same: Vec<String> = key.columns.iter().map(|c| format!("a.{c} = b.{c}", c = q(c))).collect();
            let doomed = format!(
                "SELECT count(*) FROM {tt} a WHERE EXISTS (SELECT 1 FROM {tt} b WHERE {} AND a.ctid > b.ctid)",
                same.join(" AND ")
            );
            referenced_rows_stop(ctx, i, table, "a", &doomed, "duplicate", stage, b);
            let mut s = step(
                format!("delete duplicate ({}) rows in {table}, keeping the first", key.columns.join(", ")),
                i,
                vec![format!("DELETE FROM {tt} a USING {tt} b WHERE {} AND a.ctid > b.ctid", same.join(" AND "))],
                vec![],
                (LockMode::None, &[table], Effect::Batched),
                true,
                "the resolution chosen for rows the new unique key rejects",
                rank - 1,
            );
            s.one_way = true;
            b.push(stage, s);
        }
        b.push(
            stage,
            step(
                format!("unique index on {table}({})", key.columns.join(", ")),
                i,
                vec![format!("CREATE UNIQUE INDEX CONCURRENTLY {} ON {tt} ({})", q(&index_name), cols.join(", "))],
                vec![format!(
                    "DROP INDEX CONCURRENTLY IF EXISTS {}",
                    qualified(split_qualified(table).0, &index_name, PG)
                )],
                (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                false,
                "built without blocking writes; from now on duplicates are rejected",
                rank,
            ),
        );
        if primary && replacement(ctx, table) == Replacement::Swap {
            swap_primary_key(ctx, i, table, key, &cname, &index_name, b);
            return;
        }
        let mut sql = vec![lt.clone()];
        if primary {
            for c in &key.columns {
                sql.push(format!("ALTER TABLE {tt} ALTER COLUMN {} SET NOT NULL", q(c)));
            }
            sql.push(format!(
                "ALTER TABLE {tt} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}",
                q(&cname),
                q(&index_name)
            ));
        } else {
            sql.push(format!("ALTER TABLE {tt} ADD CONSTRAINT {} UNIQUE USING INDEX {}", q(&cname), q(&index_name)));
        }
        b.push(
            StageKind::Contract,
            step(
                format!(
                    "{} ({}) on {table} from its index",
                    if primary { "primary key" } else { "unique" },
                    key.columns.join(", ")
                ),
                i,
                sql,
                vec![lt, format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                if primary {
                    "adopting a built index is catalog-only; SET NOT NULL scans unless the columns are already NOT NULL"
                } else {
                    "adopting a built index is catalog-only"
                },
                R_RULE,
            ),
        );
    }

    /// Drops the old primary key and adopts the new key's built index in one transaction, in
    /// Expand: see [`Replacement::Swap`].
    fn swap_primary_key(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        key: &Key,
        cname: &str,
        index_name: &str,
        b: &mut Builder,
    ) {
        let Some(old) = ctx.changes.iter().find_map(|c| match c {
            Change::DropPrimaryKey { table: t, key } if same_name(t, table) => Some(key),
            _ => None,
        }) else {
            return;
        };
        let tt = tq(table);
        let lt = ctx.lock_timeout();
        let old_name = old_primary_key_name(table, old);
        let old_cols: Vec<String> = old.columns.iter().map(|c| q(c)).collect();
        b.push(
            StageKind::Expand,
            step(
                format!(
                    "swap the primary key of {table}: ({}) for ({})",
                    old.columns.join(", "),
                    key.columns.join(", ")
                ),
                i,
                vec![
                    lt.clone(),
                    format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&old_name)),
                    format!("ALTER TABLE {tt} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}", q(cname), q(index_name)),
                ],
                vec![
                    lt.clone(),
                    format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(cname)),
                    format!("ALTER TABLE {tt} ADD CONSTRAINT {} PRIMARY KEY ({})", q(&old_name), old_cols.join(", ")),
                ],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "the new key's index is built and its columns are already NOT NULL, so one brief transaction drops the old key and adopts the index: the table is never without a primary key (replica identity, ON CONFLICT) nor its rows without a unique key",
                R_INDEX + 1,
            ),
        );
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    /// The stage that builds a rule over `columns`: Backfill when one of them is added by this plan
    /// (it is there and filled only then), else Expand.
    pub(in crate::plan) fn build_stage(ctx: &Ctx<'_>, table: &str, cols: &[String]) -> (StageKind, u32) {
        if cols.iter().any(|c| ctx.added_column(table, c)) {
            (StageKind::Backfill, R_VALIDATE + 5)
        } else {
            (StageKind::Expand, R_INDEX)
        }
    }

    pub(in crate::plan) fn duplicates_sql(table_sql: &str, cols: &[String]) -> String {
        let list: Vec<String> = cols.iter().map(|c| q(c)).collect();
        format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {table_sql} WHERE {} GROUP BY {} HAVING COUNT(*) > 1) AS bellows_d",
            list.iter().map(|c| format!("{c} IS NOT NULL")).collect::<Vec<_>>().join(" AND "),
            list.join(", ")
        )
    }

    /// The gate for a new unique rule, and the deletion of duplicates when the user chose it.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn unique_gate(
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

    pub(in crate::plan) fn add_key(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        key: &Key,
        primary: bool,
        b: &mut Builder,
    ) {
        if ctx.added_table(table) || key.columns.iter().any(|c| replaced(ctx, table, c)) {
            return;
        }
        if !primary {
            let (stage, rank) = build_stage(ctx, table, &key.columns);
            unique_gate(ctx, i, change, table, &key.columns, stage, rank, b);
            // Redefined under the same name: built beside the old one (see `spare_for`).
            let given = key.name.clone().or_else(|| key.columns.first().cloned()).unwrap_or_default();
            let spare = spare_for(ctx, table, &given);
            let index = Index {
                name: spare.or(key.name.clone()),
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

    pub(in crate::plan) fn drop_primary_key(ctx: &Ctx<'_>, i: usize, table: &str, key: &Key, b: &mut Builder) {
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
}
