//! Enum types (PostgreSQL). MySQL's inline `ENUM(...)` is a column type, planned in
//! `change_type.rs` (a value added at the end is instant); SQLite has none.

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn create_enum(ctx: &Ctx<'_>, i: usize, e: &str, b: &mut Builder) {
        let Some(en) = ctx.target.find_enum(e) else { return };
        let labels: Vec<String> = en.labels.iter().map(|l| lit(l)).collect();
        b.push(
            StageKind::Expand,
            step(
                format!("create enum type {e}"),
                i,
                vec![format!("CREATE TYPE {} AS ENUM ({})", tq(e), labels.join(", "))],
                vec![format!("DROP TYPE {}", tq(e))],
                (LockMode::None, &[], Effect::Metadata),
                true,
                "a new type touches no table",
                R_ENUM,
            ),
        );
    }

    /// Adds `value` where the target places it: after the label before it, or before the one
    /// after it, naming a label the type already has when the step runs (Expand, before any
    /// rename in Contract).
    pub(in crate::plan) fn add_enum_value(ctx: &Ctx<'_>, i: usize, e: &str, value: &str, b: &mut Builder) {
        let base_label = |l: &str| -> Option<String> {
            let from = ctx.changes.iter().find_map(|c| match c {
                Change::RenameEnumValue { name, from, to } if same_name(name, e) && to == l => Some(from.clone()),
                _ => None,
            });
            let base = ctx.base.find_enum(e)?;
            let l = from.unwrap_or_else(|| l.to_string());
            base.labels.contains(&l).then_some(l)
        };
        // The neighbour in the target exists by now: a base label (by its base name, before a
        // rename in Contract) or a label added before this one (changes follow the target's order).
        let now = |l: &String| base_label(l).unwrap_or_else(|| l.clone());
        let place = ctx.base.find_enum(e).and(ctx.target.find_enum(e)).and_then(|t| {
            let at = t.labels.iter().position(|l| l == value)?;
            match at.checked_sub(1) {
                Some(p) => Some(format!(" AFTER {}", lit(&now(&t.labels[p])))),
                None => t.labels[1..].iter().find_map(|l| base_label(l)).map(|l| format!(" BEFORE {}", lit(&l))),
            }
        });
        let mut s = step(
            format!("add value '{value}' to enum {e}"),
            i,
            vec![format!("ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{}", tq(e), lit(value), place.unwrap_or_default())],
            vec![],
            (LockMode::None, &[], Effect::Metadata),
            true,
            "adding an enum value is catalog-only; it cannot be removed again without recreating the type",
            R_ENUM,
        );
        s.one_way = true;
        b.push(StageKind::Expand, s);
        b.notes.push(format!("the new value '{value}' of {e} cannot be rolled back; it stays harmless if unused"));
    }

    /// A label renamed in place: catalog-only, so the rows follow at once. v1 knows only the old
    /// label and v2 only the new one, so the rename is the moment v2 replaces v1: it runs in
    /// Contract and v2 ships with it.
    pub(in crate::plan) fn rename_enum_value(_ctx: &Ctx<'_>, i: usize, e: &str, from: &str, to: &str, b: &mut Builder) {
        b.push(
            StageKind::Contract,
            step(
                format!("rename value '{from}' of enum {e} to '{to}'"),
                i,
                vec![format!("ALTER TYPE {} RENAME VALUE {} TO {}", tq(e), lit(from), lit(to))],
                vec![format!("ALTER TYPE {} RENAME VALUE {} TO {}", tq(e), lit(to), lit(from))],
                (LockMode::None, &[], Effect::Metadata),
                true,
                "renaming an enum label is catalog-only: no table is locked or read, and every row holding it reads the new label at once",
                R_ENUM,
            ),
        );
        b.v1_breaks.push(format!("v1 writes and expects '{from}' of {e}, renamed to '{to}' in Contract"));
        b.v2_waits.push(format!("v2 writes '{to}' of {e}, which is '{from}' until Contract"));
        b.app_changes.push(format!("v2 uses '{to}' where v1 used '{from}' (enum {e}); it ships with Contract"));
    }

    /// The columns of the target that hold labels of `e`: (table, column, an array of them).
    fn enum_columns(ctx: &Ctx<'_>, e: &str) -> Vec<(String, Column, bool)> {
        let Some(en) = ctx.target.find_enum(e) else { return vec![] };
        let mut out = Vec::new();
        for t in &ctx.target.tables {
            for c in &t.columns {
                if crate::edit::uses_enum(ctx.target, &c.data_type.kind, en) {
                    out.push((t.qualified_name(), c.clone(), matches!(c.data_type.kind, TypeKind::Array { .. })));
                }
            }
        }
        out
    }

    /// Labels leave an enum type. PostgreSQL cannot take a label out of a type, so the type is
    /// made anew in Contract and its columns converted to it (a rewrite of each table); the
    /// conversion gives the rows of a replaced label its replacement. Nothing is relabelled
    /// earlier, so undoing any stage before Contract loses nothing. A pre-check finds rows that
    /// hold a label removed without a replacement.
    pub(in crate::plan) fn remove_enum_values(
        ctx: &Ctx<'_>,
        i: usize,
        e: &str,
        values: &[String],
        replaced: &[[String; 2]],
        b: &mut Builder,
    ) {
        let Some(target) = ctx.target.find_enum(e) else { return };
        let columns = enum_columns(ctx, e);
        let dropped: Vec<&String> = values.iter().filter(|v| !replaced.iter().any(|r| &r[0] == *v)).collect();
        let lt = ctx.lock_timeout();
        let (ns, short) = split_qualified(e);
        let old_short = name(&[short, "bellows_old"]);
        let old = qualified(ns, &old_short, PG);
        let labels = |ls: &[String]| ls.iter().map(|l| lit(l)).collect::<Vec<_>>().join(", ");
        // The text a column's value becomes: replaced labels mapped.
        let mapped = |c: &str, array: bool| -> String {
            if array {
                replaced.iter().fold(format!("{}::text[]", q(c)), |acc, r| {
                    format!("array_replace({acc}, {}, {})", lit(&r[0]), lit(&r[1]))
                })
            } else if replaced.is_empty() {
                format!("{}::text", q(c))
            } else {
                let whens: Vec<String> =
                    replaced.iter().map(|r| format!("WHEN {} THEN {}", lit(&r[0]), lit(&r[1]))).collect();
                format!("CASE {}::text {} ELSE {}::text END", q(c), whens.join(" "), q(c))
            }
        };
        for (table, c, array) in &columns {
            let tt = tq(table);
            if !dropped.is_empty() && !added_column(ctx, table, &c.name) && !added_table(ctx, table) {
                let list: Vec<String> = dropped.iter().map(|l| lit(l)).collect();
                let test = if *array {
                    format!("{}::text[] && ARRAY[{}]", q(&c.name), list.join(", "))
                } else {
                    format!("{}::text IN ({})", q(&c.name), list.join(", "))
                };
                b.prechecks.push(CheckQuery {
                    title: format!(
                        "rows of {table}.{} that hold {} (removed from {e})",
                        c.name,
                        dropped.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", ")
                    ),
                    change: i,
                    sql: format!("SELECT count(*) FROM {tt} WHERE {test}"),
                    must_be_zero: true,
                    before: StageKind::Expand,
                    resolution: Some(Resolution::StopBeforeContract),
                });
            }
        }
        // The labels the type holds when Contract runs: the base's (renamed), with the added ones
        // where the target places them.
        let mut before: Vec<String> = ctx
            .base
            .find_enum(e)
            .map(|bt| {
                bt.labels
                    .iter()
                    .map(|l| {
                        ctx.changes
                            .iter()
                            .find_map(|c| match c {
                                Change::RenameEnumValue { name, from, to } if same_name(name, e) && from == l => {
                                    Some(to.clone())
                                }
                                _ => None,
                            })
                            .unwrap_or_else(|| l.clone())
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (k, l) in target.labels.iter().enumerate() {
            if !before.contains(l) {
                let at = target.labels[..k]
                    .iter()
                    .rev()
                    .find_map(|p| before.iter().position(|x| x == p))
                    .map_or(0, |p| p + 1);
                before.insert(at, l.clone());
            }
        }
        let mut sql = vec![
            lt.clone(),
            format!("ALTER TYPE {} RENAME TO {}", tq(e), q(&old_short)),
            format!("CREATE TYPE {} AS ENUM ({})", tq(e), labels(&target.labels)),
        ];
        let mut undo = vec![
            lt.clone(),
            format!("ALTER TYPE {} RENAME TO {}", tq(e), q(&old_short)),
            format!("CREATE TYPE {} AS ENUM ({})", tq(e), labels(&before)),
        ];
        let mut tables: Vec<&str> = Vec::new();
        let mut names = Vec::new();
        for (table, c, array) in &columns {
            let tt = tq(table);
            let ty = if *array { format!("{}[]", tq(e)) } else { tq(e) };
            let around = around(ctx, table, std::slice::from_ref(&c.name), StageKind::Contract, b);
            let mut forward = Vec::new();
            let mut backward = Vec::new();
            if c.default.is_some() {
                forward.push(format!("ALTER TABLE {tt} ALTER COLUMN {} DROP DEFAULT", q(&c.name)));
                backward.push(format!("ALTER TABLE {tt} ALTER COLUMN {} DROP DEFAULT", q(&c.name)));
            }
            forward.push(format!(
                "ALTER TABLE {tt} ALTER COLUMN {} TYPE {ty} USING ({})::{ty}",
                q(&c.name),
                mapped(&c.name, *array)
            ));
            let cast = if *array { format!("{}::text[]", q(&c.name)) } else { format!("{}::text", q(&c.name)) };
            backward.push(format!("ALTER TABLE {tt} ALTER COLUMN {} TYPE {ty} USING ({cast})::{ty}", q(&c.name)));
            if let Some(d) = &c.default {
                forward.push(format!("ALTER TABLE {tt} ALTER COLUMN {} SET DEFAULT {}", q(&c.name), d.expr));
                backward.push(format!("ALTER TABLE {tt} ALTER COLUMN {} SET DEFAULT {}", q(&c.name), d.expr));
            }
            names.extend(around.names.iter().cloned());
            sql.extend(around.wrap(forward));
            undo.extend(around.wrap_undo(backward));
            if !tables.iter().any(|t| same_name(t, table)) {
                tables.push(table);
            }
        }
        sql.push(format!("DROP TYPE {}", old));
        undo.push(format!("DROP TYPE {}", old));
        let mut reason = if columns.is_empty() {
            "no column uses the type, so making it anew touches no table".to_string()
        } else {
            format!(
                "PostgreSQL cannot take a label out of an enum type: the type is made anew and {} converted to it, which rewrites {} under ACCESS EXCLUSIVE (reads and writes wait for the rewrite; on a big table, plan a window or move the column through a new one)",
                columns.iter().map(|(t, c, _)| format!("{t}.{}", c.name)).collect::<Vec<_>>().join(", "),
                if tables.len() == 1 { "that table" } else { "those tables" }
            )
        };
        if !names.is_empty() {
            reason.push_str(&format!(
                "; {} read the columns and are dropped and created again in the same transaction",
                names.join(", ")
            ));
        }
        let effect = if columns.is_empty() { Effect::Metadata } else { Effect::Rewrite };
        let mode = if columns.is_empty() { LockMode::None } else { LockMode::AccessExclusive };
        b.push(
            StageKind::Contract,
            step(
                format!(
                    "remove {} from enum {e}",
                    values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")
                ),
                i,
                sql,
                undo,
                (mode, &tables, effect),
                true,
                &reason,
                R_DROP_TABLE + 1,
            ),
        );
        for v in &dropped {
            b.v1_breaks.push(format!("v1 may write '{v}' of {e}, removed in Contract"));
            b.notes.push(format!(
                "precondition: no row holds '{v}' of {e}; the plan checks before Expand, and v1 must not write it from then on (the type's replacement in Contract fails, and rolls back, on a row that holds it)"
            ));
        }
        for r in replaced {
            b.one_way.push(format!(
                "rows of {e} that held '{}' hold '{}' after Contract; undoing it keeps them so",
                r[0], r[1]
            ));
            b.app_changes.push(format!(
                "v2 writes '{1}' of {e}, never '{0}', and until Contract reads '{0}' as '{1}' (v1 may still write it)",
                r[0], r[1]
            ));
        }
    }
}
