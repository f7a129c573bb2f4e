//! Partitioned tables (PostgreSQL): new partitions, and indexes and keys built on each
//! partition, then attached to the partitioned table.

pub(in crate::plan) mod postgres {
    //! Partitioned tables: new partitions, and keys and indexes made ON ONLY the parent, built per
    //! partition and attached.

    use crate::plan::postgres::*;

    /// A new partition, made like its partitioned table as it is at that moment (which may hold
    /// staging columns of this plan), then attached: ATTACH takes SHARE UPDATE EXCLUSIVE on the
    /// partitioned table, where `CREATE TABLE ... PARTITION OF` would take ACCESS EXCLUSIVE, and
    /// finds the partition's copies of the partitioned table's indexes, keys and foreign keys.
    /// Indexes and constraints of the partition's own follow.
    pub(in crate::plan) fn new_partition(ctx: &Ctx<'_>, t: &Table, parent: &str, bound: &str) -> Vec<String> {
        let name = tq(&t.qualified_name());
        let mut sql = vec![format!(
            "CREATE TABLE {name} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE)",
            tq(parent)
        )];
        // Its own indexes first: ATTACH adopts one where the partitioned table has the same index,
        // instead of building another.
        for ix in &t.indexes {
            sql.push(create_index_sql(t, ix, PG).replacen("INDEX ", "INDEX IF NOT EXISTS ", 1));
        }
        // SHARE UPDATE EXCLUSIVE still queues behind a long transaction's lock: bounded like any.
        sql.push(ctx.lock_timeout());
        sql.push(format!("ALTER TABLE {} ATTACH PARTITION {name} {bound}", tq(parent)));
        let Some(p) = ctx.target.find_table(parent) else { return sql };
        if let Some(pk) = t.primary_key.as_ref().filter(|_| p.primary_key.is_none()) {
            let cols: Vec<String> = pk.columns.iter().map(|c| q(c)).collect();
            sql.push(format!("ALTER TABLE {name} ADD PRIMARY KEY ({})", cols.join(", ")));
        }
        for u in t.uniques.iter().filter(|u| !p.uniques.iter().any(|x| same_cols(&x.columns, &u.columns))) {
            sql.push(format!("ALTER TABLE {name} ADD {}", crate::render::ddl::constraint_sql_unique(u, PG)));
        }
        for fk in t.foreign_keys.iter().filter(|fk| !p.foreign_keys.iter().any(|x| same_cols(&x.columns, &fk.columns)))
        {
            sql.push(format!("ALTER TABLE {name} ADD {}", foreign_key_sql(fk, PG)));
        }
        sql
    }

    /// The columns of `table` (target names) that this plan replaces with a new column, each with
    /// the name of the column that holds its new values until Contract: a renamed column's new
    /// name, or a rewritten type's staging column.
    pub(in crate::plan) fn replaced_columns(ctx: &Ctx<'_>, table: &str) -> Vec<(String, String)> {
        let Some(t) = ctx.target_table(table) else { return vec![] };
        t.columns
            .iter()
            .filter(|c| replaced_column(ctx, table, &c.name))
            .map(|c| {
                let renamed = ctx.changes.iter().any(
                    |x| matches!(x, Change::RenameColumn { table: tt, to, .. } if same_name(tt, table) && same_name(to, &c.name)),
                );
                let live = if renamed { c.name.clone() } else { name(&[&c.name, "new"]) };
                (c.name.clone(), live)
            })
            .collect()
    }

    /// True when `index` of partition `t` is its partitioned table's index as the partition has
    /// it: the same parts, and the partitioned table's index is created or dropped by this plan.
    pub(in crate::plan) fn partition_copy(ctx: &Ctx<'_>, t: &Table, index: &Index) -> bool {
        let Some(parent) = &t.partition_of else { return false };
        ctx.changes.iter().any(|c| match c {
            Change::CreateIndex { table, index: pi } | Change::DropIndex { table, index: pi } => {
                same_name(table, parent) && same_definition(pi, index)
            }
            _ => false,
        })
    }

    /// The same column names, in order.
    pub(in crate::plan) fn same_cols(a: &[String], b: &[String]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_name(x, y))
    }

    pub(in crate::plan) fn same_definition(a: &Index, b: &Index) -> bool {
        a.unique == b.unique && a.method == b.method && a.predicate == b.predicate && a.parts == b.parts
    }

    /// An index on a partitioned table: CONCURRENTLY is refused there, so it is made on the
    /// partitioned table alone (invalid, instant), built CONCURRENTLY on each partition, and each
    /// build attached; the last attachment makes it valid, and partitions made later get it.
    pub(in crate::plan) fn partitioned_index(ctx: &Ctx<'_>, i: usize, t: &Table, index: &Index, b: &mut Builder) {
        let table = t.qualified_name();
        let ns = t.namespace.as_deref();
        let parent_name = index.name.clone().unwrap_or_else(|| name(&[&t.name, "idx"]));
        let on_only = create_index_sql(t, &Index { name: Some(parent_name.clone()), ..index.clone() }, PG).replacen(
            " ON ",
            " ON ONLY ",
            1,
        );
        b.push(
            StageKind::Expand,
            step(
                format!("index {parent_name} on the partitioned table {table}, not yet valid"),
                i,
                vec![ctx.lock_timeout(), on_only],
                vec![ctx.lock_timeout(), format!("DROP INDEX IF EXISTS {}", qualified(ns, &parent_name, PG))],
                (LockMode::Share, &[&table], Effect::Metadata),
                true,
                "ON ONLY makes the index on the partitioned table alone: no rows are read, the lock is brief",
                R_INDEX - 1,
            ),
        );
        for part in ctx.target.tables.iter().filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, &table)))
        {
            let own = part.indexes.iter().find(|x| same_definition(x, index)).and_then(|x| x.name.clone());
            let part_index = own.unwrap_or_else(|| name(&[&part.name, &parent_name]));
            let mut built = create_index_sql(part, &Index { name: Some(part_index.clone()), ..index.clone() }, PG);
            built = built.replacen("INDEX ", "INDEX CONCURRENTLY IF NOT EXISTS ", 1);
            let pns = part.namespace.as_deref();
            b.push(
                StageKind::Expand,
                step(
                    format!("index {parent_name} on partition {}, attached", part.qualified_name()),
                    i,
                    vec![
                        built,
                        format!(
                            "ALTER INDEX {} ATTACH PARTITION {}",
                            qualified(ns, &parent_name, PG),
                            qualified(pns, &part_index, PG)
                        ),
                    ],
                    vec![],
                    (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                    false,
                    "CONCURRENTLY on the partition: writes go on; attaching is catalog-only",
                    R_INDEX,
                ),
            );
        }
    }

    /// A primary key or unique key on a partitioned table: CONCURRENTLY is refused there, so the
    /// key is made on the partitioned table alone (its index invalid), and each partition gets its
    /// unique index built CONCURRENTLY, its own key made from it, and that key attached; once all
    /// are attached the index is valid, and partitions made later get the key.
    pub(in crate::plan) fn partitioned_key(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        key: &Key,
        primary: bool,
        cname: &str,
        b: &mut Builder,
    ) {
        let tt = tq(table);
        let lt = ctx.lock_timeout();
        let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
        let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
        let ns = split_qualified(table).0;
        b.push(
            StageKind::Expand,
            step(
                format!(
                    "{} ({}) on the partitioned table {table}, not yet valid",
                    kind.to_ascii_lowercase(),
                    key.columns.join(", ")
                ),
                i,
                vec![
                    lt.clone(),
                    format!("ALTER TABLE ONLY {tt} ADD CONSTRAINT {} {kind} ({})", q(cname), cols.join(", ")),
                ],
                vec![lt.clone(), format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(cname))],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "ONLY: the key is made on the partitioned table alone, reading no rows; the lock is brief",
                R_INDEX - 1,
            ),
        );
        for part in ctx.target.tables.iter().filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, table)))
        {
            let same = |k: &Key| {
                k.columns.len() == key.columns.len() && k.columns.iter().zip(&key.columns).all(|(a, b)| same_name(a, b))
            };
            let own = if primary {
                part.primary_key.as_ref().filter(|k| same(k))
            } else {
                part.uniques.iter().find(|k| same(k))
            };
            let part_key = own
                .and_then(|k| k.name.clone())
                .unwrap_or_else(|| name(&[&part.name, &key.columns.join("_"), if primary { "pkey" } else { "key" }]));
            let building = name(&[PREFIX.trim_end_matches('_'), &part_key]);
            let pt = tq(&part.qualified_name());
            let pns = part.namespace.as_deref();
            b.push(
                StageKind::Expand,
                step(
                    format!(
                        "{} ({}) on partition {}, attached",
                        kind.to_ascii_lowercase(),
                        key.columns.join(", "),
                        part.qualified_name()
                    ),
                    i,
                    vec![
                        format!(
                            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {pt} ({})",
                            q(&building),
                            cols.join(", ")
                        ),
                        format!("ALTER TABLE {pt} ADD CONSTRAINT {} {kind} USING INDEX {}", q(&part_key), q(&building)),
                        format!(
                            "ALTER INDEX {} ATTACH PARTITION {}",
                            qualified(ns, cname, PG),
                            qualified(pns, &part_key, PG)
                        ),
                    ],
                    vec![],
                    (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                    false,
                    "the index is built without blocking writes; the key adopts it and is attached, both catalog-only",
                    R_INDEX,
                ),
            );
        }
    }

    /// Dropping a partitioned table's index drops its partitions' with it (CONCURRENTLY is
    /// refused there); a partition index the target keeps on its own is built again after.
    pub(in crate::plan) fn drop_partitioned_index(
        ctx: &Ctx<'_>,
        i: usize,
        bt: &Table,
        table: &str,
        index: &Index,
        b: &mut Builder,
    ) {
        let Some(n) = &index.name else { return };
        let ns = split_qualified(table).0;
        let lt = ctx.lock_timeout();
        let recreate = create_index_sql(bt, index, PG).replacen(" ON ", " ON ONLY ", 1);
        b.push(
            StageKind::Contract,
            step(
                format!("drop index {n} on the partitioned table {table}"),
                i,
                vec![lt.clone(), format!("DROP INDEX IF EXISTS {}", qualified(ns, n, PG))],
                vec![lt, recreate],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "a partitioned index cannot be dropped CONCURRENTLY: the lock is brief, and its partitions' indexes go with it",
                R_DROP_RULE,
            ),
        );
        // An index over a column this plan replaces is built on the new column by that recipe.
        let replaced = replaced_columns(ctx, table);
        for part in ctx.target.tables.iter().filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, table)))
        {
            for own in part
                .indexes
                .iter()
                .filter(|x| same_definition(x, index) && !replaced.iter().any(|(c, _)| index_uses(x, c)))
            {
                let sql = create_index_sql(part, own, PG).replacen("INDEX ", "INDEX CONCURRENTLY IF NOT EXISTS ", 1);
                b.push(
                    StageKind::Contract,
                    step(
                        format!(
                            "index {} on {}, of its own now",
                            own.name.as_deref().unwrap_or(""),
                            part.qualified_name()
                        ),
                        i,
                        vec![sql],
                        vec![],
                        (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                        false,
                        "the partition keeps this index in the target: built again, without blocking writes",
                        R_DROP_RULE + 2,
                    ),
                );
            }
        }
    }
}
