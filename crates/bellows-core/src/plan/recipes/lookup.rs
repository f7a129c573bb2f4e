//! A foreign key from an existing table to a table this plan creates (a lookup table extracted
//! from a column): every row would be an orphan of the empty new table, so the plan fills it
//! with the distinct values the rows hold, and a trigger adds each value v1 writes until
//! Contract, when v2 adds a value to the lookup table before it uses it.
//!
//! Found once here for every dialect: the new table must be keyed (PRIMARY KEY or UNIQUE) by
//! exactly the referenced columns, and every other column of it must fill itself (NULL, a
//! default, an identity), or no row can be inserted from the values alone.

use crate::diff::Change;
use crate::model::{same_name, ForeignKey, Schema};

/// What to fill: `parent`'s `ref_columns` from `child`'s `columns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seed {
    pub parent: String,
    pub columns: Vec<String>,
    pub ref_columns: Vec<String>,
}

/// The seed a new foreign key of `table` needs, when it references a table the plan creates and
/// `table`'s rows already hold values.
pub(crate) fn seed(base: &Schema, target: &Schema, changes: &[Change], table: &str, fk: &ForeignKey) -> Option<Seed> {
    let created = |t: &str| changes.iter().any(|c| matches!(c, Change::CreateTable { table: x } if same_name(x, t)));
    if !created(&fk.ref_table) || created(table) {
        return None;
    }
    let child = base.find_table(table)?;
    if !fk.columns.iter().all(|c| child.column(c).is_some()) {
        return None;
    }
    let parent = target.find_table(&fk.ref_table)?;
    let ref_columns = fk.referenced_columns(Some(parent));
    if ref_columns.len() != fk.columns.len() || ref_columns.is_empty() {
        return None;
    }
    let keyed = parent.primary_key.iter().chain(parent.uniques.iter()).any(|k| {
        k.columns.len() == ref_columns.len() && k.columns.iter().all(|c| ref_columns.iter().any(|r| same_name(r, c)))
    });
    let fills_itself = parent.columns.iter().all(|c| {
        ref_columns.iter().any(|r| same_name(r, &c.name))
            || c.nullable
            || c.default.is_some()
            || c.identity.is_some()
            || c.generated.is_some()
    });
    (keyed && fills_itself).then(|| Seed { parent: parent.qualified_name(), columns: fk.columns.clone(), ref_columns })
}

pub(in crate::plan) mod postgres {
    use super::Seed;
    use crate::plan::postgres::*;

    /// The lookup table keeps up with v1 from Expand (a trigger adds each value written, before
    /// the NOT VALID key checks it), holds every existing value after Backfill, and is on its
    /// own from Contract.
    pub(in crate::plan) fn seed_parent(ctx: &Ctx<'_>, i: usize, table: &str, seed: &Seed, b: &mut Builder) {
        let lt = ctx.lock_timeout();
        let tt = tq(table);
        let pt = tq(&seed.parent);
        let cols: Vec<String> = seed.columns.iter().map(|c| q(c)).collect();
        let refs: Vec<String> = seed.ref_columns.iter().map(|c| q(c)).collect();
        let list = seed.columns.join(", ");
        let (trigger, function) = sync_trigger(table, &format!("{}_seed", seed.columns.join("_")));
        let present = |prefix: &str| -> String {
            cols.iter().map(|c| format!("{prefix}{c} IS NOT NULL")).collect::<Vec<_>>().join(" AND ")
        };
        let body = format!(
            "BEGIN IF {} THEN INSERT INTO {pt} ({}) VALUES ({}) ON CONFLICT DO NOTHING; END IF; RETURN NEW; END",
            present("NEW."),
            refs.join(", "),
            cols.iter().map(|c| format!("NEW.{c}")).collect::<Vec<_>>().join(", ")
        );
        b.push(
            StageKind::Expand,
            step(
                format!("add each {table}({list}) value v1 writes to {}", seed.parent),
                i,
                vec![
                    lt.clone(),
                    format!("CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"),
                    format!(
                        "CREATE TRIGGER {} BEFORE INSERT OR UPDATE OF {} ON {tt} FOR EACH ROW EXECUTE FUNCTION {function}()",
                        q(&trigger),
                        cols.join(", ")
                    ),
                    always(&tt, &trigger),
                ],
                vec![
                    lt.clone(),
                    format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&trigger)),
                    format!("DROP FUNCTION IF EXISTS {function}()"),
                ],
                (LockMode::ShareRowExclusive, &[table], Effect::Metadata),
                true,
                "a trigger is metadata: a brief lock; from here every value v1 writes is in the new table before the foreign key checks it",
                R_SYNC,
            ),
        );
        b.push(
            StageKind::Backfill,
            step(
                format!("fill {} with the distinct {table}({list}) values", seed.parent),
                i,
                vec![format!(
                    "INSERT INTO {pt} ({}) SELECT DISTINCT {} FROM {tt} c WHERE {} ON CONFLICT DO NOTHING",
                    refs.join(", "),
                    cols.iter().map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", "),
                    present("c.")
                )],
                vec![],
                (LockMode::AccessShare, &[table], Effect::Scan),
                true,
                "one read of the table (ACCESS SHARE: writers go on); only the new table is written, and values written meanwhile come through the trigger",
                R_BACKFILL,
            ),
        );
        b.verifications.push(CheckQuery {
            title: format!("{table}({list}) values missing from {}", seed.parent),
            change: i,
            sql: format!(
                "SELECT count(*) FROM {tt} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {pt} p WHERE {})",
                present("c."),
                cols.iter().zip(&refs).map(|(c, r)| format!("p.{r} = c.{c}")).collect::<Vec<_>>().join(" AND ")
            ),
            must_be_zero: true,
            before: StageKind::Switch,
            resolution: None,
        });
        b.push(
            StageKind::Contract,
            step(
                format!("stop adding {table}({list}) values to {} by trigger", seed.parent),
                i,
                vec![
                    lt.clone(),
                    format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&trigger)),
                    format!("DROP FUNCTION IF EXISTS {function}()"),
                ],
                vec![
                    lt,
                    format!("CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"),
                    format!(
                        "CREATE TRIGGER {} BEFORE INSERT OR UPDATE OF {} ON {tt} FOR EACH ROW EXECUTE FUNCTION {function}()",
                        q(&trigger),
                        cols.join(", ")
                    ),
                    always(&tt, &trigger),
                ],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "v1 is gone; v2 adds a value to the lookup table before it uses it",
                R_DROP_COLUMN - 5,
            ),
        );
        b.app_changes.push(format!("v2 adds a value to {} before {table}({list}) uses it", seed.parent));
        b.v1_breaks.push(format!(
            "v1 may write a value to {table}({list}) that {} does not list, which the foreign key refuses after Contract",
            seed.parent
        ));
    }
}

pub(in crate::plan) mod sqlite {
    use super::Seed;
    use crate::plan::sqlite::*;

    /// SQLite adds the key with the table's rebuild in Contract; until then triggers add each
    /// value v1 writes, and Backfill adds the values the rows hold, so the pre-check before
    /// Contract finds no orphan. The triggers go with the old table in the rebuild.
    pub(in crate::plan) fn seed_parent(i: usize, table: &str, seed: &Seed, b: &mut Builder) {
        let q = |n: &str| ident(n, SQ);
        let t = q(table);
        let p = q(&seed.parent);
        let list = seed.columns.join(", ");
        let refs: Vec<String> = seed.ref_columns.iter().map(|c| q(c)).collect();
        let present = |prefix: &str| -> String {
            seed.columns.iter().map(|c| format!("{prefix}{} IS NOT NULL", q(c))).collect::<Vec<_>>().join(" AND ")
        };
        let values: Vec<String> = seed.columns.iter().map(|c| format!("NEW.{}", q(c))).collect();
        let stem = format!("bellows_seed_{}_{}", split_qualified(table).1, seed.columns.join("_"));
        let insert = format!("INSERT OR IGNORE INTO {p} ({}) VALUES ({});", refs.join(", "), values.join(", "));
        let (ins, upd) = (format!("{stem}_ins"), format!("{stem}_upd"));
        b.push(
            StageKind::Expand,
            step(
                format!("add each {table}({list}) value v1 writes to {}", seed.parent),
                i,
                vec![
                    format!(
                        "CREATE TRIGGER {} AFTER INSERT ON {t} FOR EACH ROW WHEN {} BEGIN {insert} END",
                        q(&ins),
                        present("NEW.")
                    ),
                    format!(
                        "CREATE TRIGGER {} AFTER UPDATE OF {} ON {t} FOR EACH ROW WHEN {} BEGIN {insert} END",
                        q(&upd),
                        seed.columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
                        present("NEW.")
                    ),
                ],
                vec![format!("DROP TRIGGER IF EXISTS {}", q(&ins)), format!("DROP TRIGGER IF EXISTS {}", q(&upd))],
                table,
                "triggers are schema only; from here every value v1 writes is in the new table",
                30,
            ),
        );
        let mut fill = step(
            format!("fill {} with the distinct {table}({list}) values", seed.parent),
            i,
            vec![format!(
                "INSERT OR IGNORE INTO {p} ({}) SELECT DISTINCT {} FROM {t} WHERE {}",
                refs.join(", "),
                seed.columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
                present("")
            )],
            vec![],
            &seed.parent,
            "one read of the table; only the new table is written, and values written meanwhile come through the triggers",
            30,
        );
        fill.lock.effect = Effect::Scan;
        b.push(StageKind::Backfill, fill);
        b.app_changes.push(format!("v2 adds a value to {} before {table}({list}) uses it", seed.parent));
        b.v1_breaks.push(format!(
            "v1 may write a value to {table}({list}) that {} does not list, which the foreign key refuses after Contract",
            seed.parent
        ));
    }
}

pub(in crate::plan) mod mysql {
    use super::Seed;
    use crate::plan::mysql::*;

    /// Whether MySQL gives a column of this type a character set and collation (text, ENUM, SET).
    pub(in crate::plan) fn has_collation(t: &crate::types::DataType) -> bool {
        let spelling = t.spelling.to_ascii_lowercase();
        matches!(t.kind, crate::TypeKind::Varchar { .. } | crate::TypeKind::Char { .. } | crate::TypeKind::Text)
            || spelling.starts_with("enum")
            || spelling.starts_with("set")
    }

    /// Statements that give `table`'s `column` (new, empty) the type, character set and
    /// collation `from`'s `from_column` has on the server, which knows them where the DDL left
    /// them to the table's defaults or spelt them NVARCHAR; NULL as `nullable` says, and the
    /// column's `default` kept. Where `only_if_differs`, nothing runs when the server reports one
    /// collation for both columns already (a column of a table with rows is changed by a copy).
    pub(in crate::plan) fn align_column(
        from: &str,
        from_column: &str,
        table: &str,
        column: &str,
        nullable: bool,
        default: Option<&str>,
        only_if_differs: bool,
    ) -> Vec<String> {
        let lit = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "''"));
        let (ns, from_short) = split_qualified(from);
        let schema = ns.map(lit).unwrap_or_else(|| "DATABASE()".into());
        let alter = format!(
            "CONCAT('ALTER TABLE {} MODIFY {} ', COLUMN_TYPE, ' CHARACTER SET ', CHARACTER_SET_NAME, ' COLLATE ', COLLATION_NAME, '{}, ALGORITHM=COPY')",
            tq(table).replace('\'', "''"),
            q(column).replace('\'', "''"),
            format!(
                "{}{}",
                if nullable { " NULL" } else { " NOT NULL" },
                default.map(|d| format!(" DEFAULT {d}")).unwrap_or_default()
            )
            .replace('\'', "''"),
        );
        let source = format!(
            "information_schema.COLUMNS WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {} AND COLUMN_NAME = {}",
            lit(from_short),
            lit(from_column)
        );
        let select = if only_if_differs {
            let (tns, t_short) = split_qualified(table);
            let t_schema = tns.map(lit).unwrap_or_else(|| "DATABASE()".into());
            format!(
                "SELECT IF(COLLATION_NAME <=> (SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {t_schema} AND TABLE_NAME = {} AND COLUMN_NAME = {}), 'DO 0', {alter}) FROM {source}",
                lit(t_short),
                lit(column)
            )
        } else {
            format!("SELECT {alter} FROM {source}")
        };
        vec![
            format!("SET @bellows_align = ({select})"),
            "PREPARE bellows_align FROM @bellows_align".into(),
            "EXECUTE bellows_align".into(),
            "DEALLOCATE PREPARE bellows_align".into(),
        ]
    }

    /// MySQL adds the key at Expand with foreign_key_checks = 0: from then on the server checks
    /// v1's rows, so BEFORE triggers add each value first; Backfill adds the values the rows
    /// already hold, and the key's own verification counts the orphans before Switch.
    pub(in crate::plan) fn seed_parent(ctx: &Ctx<'_>, i: usize, table: &str, seed: &Seed, b: &mut Builder) {
        let t = ctx.live(table, StageKind::Expand);
        let p = tq(&seed.parent);
        let list = seed.columns.join(", ");
        let cols: Vec<String> = seed.columns.iter().map(|c| q(c)).collect();
        let refs: Vec<String> = seed.ref_columns.iter().map(|c| q(c)).collect();
        let present = |prefix: &str| -> String {
            cols.iter().map(|c| format!("{prefix}{c} IS NOT NULL")).collect::<Vec<_>>().join(" AND ")
        };
        let values: Vec<String> = cols.iter().map(|c| format!("NEW.{c}")).collect();
        let short = split_qualified(table).1;
        let p_ = PREFIX.trim_end_matches('_');
        let (ins, upd) = (
            name(&[p_, "seed", short, &seed.columns.join("_"), "ins"]),
            name(&[p_, "seed", short, &seed.columns.join("_"), "upd"]),
        );
        // A key's two sides must share their character set and collation, or the server
        // refuses it (errors 1822, 1825): the new table's columns take the old ones', type
        // included, read from the server, which knows them even where the DDL left them to the
        // table's defaults (WordPress's utf8mb4_unicode_520_ci) or spelt them NVARCHAR (Chinook).
        let mut align = Vec::new();
        for (c, r) in seed.columns.iter().zip(&seed.ref_columns) {
            let Some(col) = ctx.target.find_table(&seed.parent).and_then(|t| t.column(r)) else { continue };
            if !has_collation(&col.data_type) {
                continue;
            }
            align.extend(align_column(table, c, &seed.parent, r, false, None, false));
        }
        if !align.is_empty() {
            b.push(
                StageKind::Expand,
                ctx.step(
                    format!("give {} the character set and collation of {table}({list})", seed.parent),
                    i,
                    align,
                    vec![],
                    (LockMode::Metadata, &[&seed.parent], Effect::Metadata),
                    "the new table is empty: the copy a character set change takes is of no rows; a foreign key needs both sides to compare text the same way",
                    R_CREATE_TABLE + 1,
                ),
            );
        }
        let body = format!(
            "BEGIN IF {} THEN INSERT IGNORE INTO {p} ({}) VALUES ({}); END IF; END",
            present("NEW."),
            refs.join(", "),
            values.join(", ")
        );
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("add each {table}({list}) value v1 writes to {}", seed.parent),
                i,
                vec![
                    format!("CREATE TRIGGER {} BEFORE INSERT ON {t} FOR EACH ROW {body}", q(&ins)),
                    format!("CREATE TRIGGER {} BEFORE UPDATE ON {t} FOR EACH ROW {body}", q(&upd)),
                ],
                vec![format!("DROP TRIGGER IF EXISTS {}", q(&upd)), format!("DROP TRIGGER IF EXISTS {}", q(&ins))],
                (LockMode::Metadata, &[table], Effect::Metadata),
                "creating a trigger takes the table's metadata lock for a moment; from here every value v1 writes is in the new table before the foreign key checks it",
                R_SYNC,
            ),
        );
        b.push(
            StageKind::Backfill,
            ctx.step(
                format!("fill {} with the distinct {table}({list}) values", seed.parent),
                i,
                vec![
                    // The next transaction only: the statement after it.
                    "SET TRANSACTION ISOLATION LEVEL READ COMMITTED".into(),
                    format!(
                        "INSERT IGNORE INTO {p} ({}) SELECT DISTINCT {} FROM {} c WHERE {}",
                        refs.join(", "),
                        cols.iter().map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", "),
                        ctx.live(table, StageKind::Backfill),
                        present("c.")
                    ),
                ],
                vec![],
                (LockMode::None, &[table], Effect::Scan),
                "one read of the table under READ COMMITTED, a consistent read that locks none of its rows (under REPEATABLE READ, INSERT ... SELECT would hold shared locks on every row it reads); only the new table is written, and INSERT IGNORE skips the values the triggers added meanwhile",
                R_BACKFILL,
            ),
        );
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("stop adding {table}({list}) values to {} by trigger", seed.parent),
                i,
                vec![format!("DROP TRIGGER IF EXISTS {}", q(&upd)), format!("DROP TRIGGER IF EXISTS {}", q(&ins))],
                vec![
                    format!("CREATE TRIGGER {} BEFORE INSERT ON {} FOR EACH ROW {body}", q(&ins), tq(table)),
                    format!("CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW {body}", q(&upd), tq(table)),
                ],
                (LockMode::Metadata, &[table], Effect::Metadata),
                "v1 is gone; v2 adds a value to the lookup table before it uses it",
                R_DROP_COLUMN - 5,
            ),
        );
        b.app_changes.push(format!("v2 adds a value to {} before {table}({list}) uses it", seed.parent));
        b.v1_breaks.push(format!(
            "v1 may write a value to {table}({list}) that {} does not list, which the foreign key refuses after Contract",
            seed.parent
        ));
    }
}
