//! Merge a table into another (the same entity stored twice): the rows of B (dropped) go into A,
//! matched on a unique key of A, A's row kept on a match. Found once here for every planner and
//! for the harness; each dialect keeps A in step with v1's writes to B by triggers, copies B's
//! rows in batches, and verifies before Switch that every row of B has its row in A.

use crate::diff::Change;
use crate::model::{same_name, Schema, Table};
use crate::Dialect;

/// One merge the plan carries, checked against both schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Merge {
    /// The index of the MergeTable change.
    pub change: usize,
    pub from: String,
    pub into: String,
    /// (column of B, column of A), in B's order.
    pub columns: Vec<(String, String)>,
    /// The key of A that matches rows, and B's columns that go to it, in the same order.
    pub on: Vec<String>,
    pub from_on: Vec<String>,
    /// B's columns with no place in A: their values go with B.
    pub lost: Vec<String>,
    /// B's columns the key's `on` holds that may be NULL in B (such rows match nothing).
    pub nullable_on: Vec<String>,
    /// Per column of `columns`: A's default, where A requires a value B may leave NULL (the
    /// copy writes the default in place of NULL, as an insert that names no value would).
    pub fills: Vec<Option<String>>,
    /// B's columns that may be NULL where A requires a value and has no default.
    pub required: Vec<String>,
    /// Matched on another key than A's primary key: B's rows get A's keys.
    pub rekeyed: bool,
    /// Every column of B with a place in A, keys included: what a view of A shows as B.
    pub view_columns: Vec<(String, String)>,
    /// A's other unique keys that B's columns fill: (A's columns, B's columns). A row of B
    /// that meets a row of A on one of them but not on `on` cannot be copied.
    pub other_keys: Vec<(Vec<String>, Vec<String>)>,
    /// The references to B that the target points at A, moved once B's rows are in A.
    pub repoints: Vec<Repoint>,
    /// On a match B's values replace A's; A's own values are kept aside for the undo.
    pub from_wins: bool,
}

/// A foreign key of another table that pointed at B and points at A in the target: its rows
/// keep their values, which name B's copies in A once Backfill's copy is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repoint {
    pub table: String,
    /// The indexes of its DropForeignKey (to B) and AddForeignKey (to A) changes.
    pub drop: usize,
    pub add: usize,
    pub old: crate::model::ForeignKey,
    pub new: crate::model::ForeignKey,
}

impl Merge {
    /// B's value of each mapped column in `row` (`NEW`, `b`), with A's default for NULL where
    /// A requires a value.
    pub(crate) fn values(&self, row: &str, q: &dyn Fn(&str) -> String) -> Vec<String> {
        self.columns
            .iter()
            .zip(&self.fills)
            .map(|((c, _), fill)| match fill {
                Some(f) => format!("COALESCE({row}{}, {f})", q(c)),
                None => format!("{row}{}", q(c)),
            })
            .collect()
    }

    /// Where B wins, the table that keeps A's own values aside (unquoted, unqualified; each
    /// dialect shortens and quotes it), and its column that tells A's own rows from copies.
    pub(crate) fn kept_aside(&self) -> (String, &'static str) {
        let short = |t: &str| crate::model::split_qualified(t).1.to_string();
        (format!("bellows_replaced_{}_by_{}", short(&self.into), short(&self.from)), "bellows_own")
    }

    /// The condition that a row of A (columns after `a`, such as `a.`) matches a row of B
    /// (after `b`) on the merge's key: `a.email = b.email AND ...`.
    pub(crate) fn matches(&self, a: &str, b: &str, q: &dyn Fn(&str) -> String) -> String {
        self.on
            .iter()
            .zip(&self.from_on)
            .map(|(o, f)| format!("{a}{} = {b}{}", q(o), q(f)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

/// Every merge in `changes`: `Ok` when the rows can travel, `Err` with the reason for the user.
pub(crate) fn merges(base: &Schema, target: &Schema, changes: &[Change], d: Dialect) -> Vec<Result<Merge, String>> {
    let mut out = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let Change::MergeTable { from, into, on, columns, from_wins } = change else { continue };
        out.push(merge(base, target, changes, i, from, into, on, columns, *from_wins, d));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn merge(
    base: &Schema,
    target: &Schema,
    changes: &[Change],
    i: usize,
    from: &str,
    into: &str,
    on: &[String],
    columns: &[(String, String)],
    from_wins: bool,
    d: Dialect,
) -> Result<Merge, String> {
    let (Some(b), Some(a)) = (base.find_table(from), target.find_table(into)) else {
        return Err(format!(
            "merge {from} into {into}: {from} must be a table of the base and {into} one of the target"
        ));
    };
    let head = format!("merge {from} into {into}");
    let pf = poss(from);
    // Matched on another key than A's primary key, B's rows take A's keys: B's own key values
    // are not copied, and A must make its keys itself.
    let on_pk = a
        .primary_key
        .as_ref()
        .is_some_and(|k| k.columns.len() == on.len() && k.columns.iter().all(|c| on.iter().any(|o| same_name(o, c))));
    let rekeyed: Vec<String> =
        if on_pk { vec![] } else { a.primary_key.iter().flat_map(|k| k.columns.clone()).collect() };
    let view_columns = columns.to_vec();
    let columns: Vec<(String, String)> =
        columns.iter().filter(|(_, y)| !rekeyed.iter().any(|k| same_name(k, y))).cloned().collect();
    let columns = columns.as_slice();
    if on.is_empty() {
        return Err(format!(
            "{head}: no key of {into} is filled by {pf} columns, so no row can be matched: name the columns of {into} that match rows (on=...)"
        ));
    }
    // `on` must be a whole unique key of A (the target's), so a row of B finds at most one.
    let is_key = |cols: &[String]| cols.len() == on.len() && cols.iter().all(|c| on.iter().any(|o| same_name(o, c)));
    let unique = a.primary_key.iter().chain(a.uniques.iter()).any(|k| is_key(&k.columns))
        || a.indexes.iter().any(|ix| {
            ix.unique
                && ix.predicate.is_none()
                && is_key(&ix.parts.iter().filter_map(|p| p.column().map(str::to_string)).collect::<Vec<_>>())
        });
    if !unique {
        return Err(format!(
            "{head}: {into}({}) is not a unique key of {into}, so a row of {from} could match several: add a unique key on it, or match on one {into} has",
            on.join(", ")
        ));
    }
    let mut from_on = Vec::new();
    for o in on {
        match columns.iter().find(|(_, y)| same_name(y, o)) {
            Some((x, _)) => from_on.push(x.clone()),
            None => {
                return Err(format!(
                    "{head}: {into}.{o} matches rows, but no column of {from} goes to it: map one ({pf} column={o})"
                ))
            }
        }
    }
    // A's required columns must be filled by B's rows, or the copy cannot insert.
    let fills_itself = |c: &crate::model::Column| {
        (c.nullable && !rekeyed.iter().any(|k| same_name(k, &c.name)))
            || c.default.is_some()
            || c.identity.is_some()
            || c.generated.is_some()
            || (d == Dialect::Sqlite && rowid_alias(a, &c.name))
    };
    if let Some(c) = a.columns.iter().find(|c| !fills_itself(c) && !columns.iter().any(|(_, y)| same_name(y, &c.name)))
    {
        return Err(format!(
            "{head}: {into}.{} is required and no column of {from} fills it, so {pf} rows cannot be copied: give it a default, or map a column of {from} to it",
            c.name
        ));
    }
    let repoints = repoints(base, target, changes, from, into, on, &from_on)?;
    if changes.iter().any(|c| matches!(c, Change::RenameTable { from: f, .. } if same_name(f, into))) {
        return Err(format!("{head}: {into} is renamed in the same plan; merge into it in a plan of its own"));
    }
    let lost = b
        .columns
        .iter()
        .filter(|c| !view_columns.iter().any(|(x, _)| same_name(x, &c.name)))
        .map(|c| c.name.clone())
        .collect();
    let nullable_on = from_on.iter().filter(|c| b.column(c).is_some_and(|bc| bc.nullable)).cloned().collect();
    let b_of = |y: &String| columns.iter().find(|(_, a)| same_name(a, y)).map(|(x, _)| x.clone());
    let other_keys: Vec<(Vec<String>, Vec<String>)> =
        a.primary_key
            .iter()
            .chain(a.uniques.iter())
            .map(|k| k.columns.clone())
            .chain(
                a.indexes.iter().filter(|ix| ix.unique && ix.predicate.is_none()).filter_map(|ix| {
                    ix.parts.iter().map(|p| p.column().map(str::to_string)).collect::<Option<Vec<_>>>()
                }),
            )
            .filter(|k| !is_key(k))
            .filter_map(|k| Some((k.clone(), k.iter().map(b_of).collect::<Option<Vec<_>>>()?)))
            .collect();
    let mut fills = Vec::new();
    let mut required = Vec::new();
    for (x, y) in columns {
        let (Some(bc), Some(ac)) = (b.column(x), a.column(y)) else {
            fills.push(None);
            continue;
        };
        let gap = bc.nullable && !ac.nullable && !on.iter().any(|o| same_name(o, y));
        fills.push(if gap { ac.default.as_ref().map(|d| d.expr.clone()) } else { None });
        if gap && ac.default.is_none() {
            required.push(x.clone());
        }
    }
    Ok(Merge {
        rekeyed: !rekeyed.is_empty(),
        view_columns,
        other_keys,
        change: i,
        from: b.qualified_name(),
        into: a.qualified_name(),
        columns: columns.to_vec(),
        on: on.to_vec(),
        from_on,
        lost,
        nullable_on,
        fills,
        required,
        repoints,
        from_wins,
    })
}

/// The references to B that the target points at A (see [`Repoint`]), or why one cannot follow.
/// A row that points at B holds the values of B's columns it references; they name the same row
/// in A when those columns are the ones the merge matches on (B's row is copied with them, or
/// meets A's row that holds them). B's other keys get A's values on a match, or none at all
/// when B's rows get A's keys, so such a reference would need its values translated.
fn repoints(
    base: &Schema,
    target: &Schema,
    changes: &[Change],
    from: &str,
    into: &str,
    on: &[String],
    from_on: &[String],
) -> Result<Vec<Repoint>, String> {
    let Some(b) = base.find_table(from) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for t in base.tables.iter().filter(|t| !same_name(&t.qualified_name(), from)) {
        let name = t.qualified_name();
        for fk in t.foreign_keys.iter().filter(|fk| same_name(&fk.ref_table, from)) {
            let same_cols = |f: &crate::model::ForeignKey| {
                f.columns.len() == fk.columns.len() && f.columns.iter().zip(&fk.columns).all(|(x, y)| same_name(x, y))
            };
            let found = |want_ref: &str, add: bool| {
                changes.iter().position(|c| match c {
                    Change::AddForeignKey { table, foreign_key } if add => {
                        same_name(table, &name) && same_cols(foreign_key) && same_name(&foreign_key.ref_table, want_ref)
                    }
                    Change::DropForeignKey { table, foreign_key } if !add => {
                        same_name(table, &name) && same_cols(foreign_key) && same_name(&foreign_key.ref_table, want_ref)
                    }
                    _ => false,
                })
            };
            // The target drops the reference, or the table: nothing follows.
            let (Some(drop), Some(add)) = (found(from, false), found(into, true)) else { continue };
            let Change::AddForeignKey { foreign_key: new, .. } = &changes[add] else { continue };
            let refs: Vec<String> = if fk.ref_columns.is_empty() {
                b.primary_key.iter().flat_map(|k| k.columns.clone()).collect()
            } else {
                fk.ref_columns.clone()
            };
            let a_refs: Vec<String> = if new.ref_columns.is_empty() {
                target
                    .find_table(into)
                    .and_then(|a| a.primary_key.as_ref())
                    .map(|k| k.columns.clone())
                    .unwrap_or_default()
            } else {
                new.ref_columns.clone()
            };
            // Each referenced column of B pairs with the column of A the reference now names,
            // and the pairs are the merge's key.
            let kept = refs.len() == on.len()
                && a_refs.len() == refs.len()
                && refs
                    .iter()
                    .zip(&a_refs)
                    .all(|(r, ar)| from_on.iter().zip(on).any(|(f, o)| same_name(f, r) && same_name(o, ar)));
            if !kept {
                return Err(format!(
                    "merge {from} into {into}: {name}({}) references {from}({}) and is to reference {into}({}), but the merge matches rows on {} = {}: the references' values would need translating to {poss} keys, which is not planned yet; match on the key they reference, or repoint them in a plan of their own",
                    fk.columns.join(", "),
                    refs.join(", "),
                    a_refs.join(", "),
                    from_on.join(", "),
                    on.join(", "),
                    poss = poss(into)
                ));
            }
            out.push(Repoint { table: name.clone(), drop, add, old: fk.clone(), new: new.clone() });
        }
    }
    Ok(out)
}

/// The changes a merge plans itself (its references' drops and adds), which the dialects'
/// foreign key recipes leave to it.
pub(crate) fn repointed(base: &Schema, target: &Schema, changes: &[Change], d: Dialect) -> Vec<usize> {
    if !changes.iter().any(|c| matches!(c, Change::MergeTable { .. })) {
        return Vec::new();
    }
    merges(base, target, changes, d)
        .into_iter()
        .flatten()
        .flat_map(|x| x.repoints)
        .flat_map(|r| [r.drop, r.add])
        .collect()
}

/// SQLite's `INTEGER PRIMARY KEY`: the rowid, which SQLite fills itself.
fn rowid_alias(table: &Table, column: &str) -> bool {
    table.column(column).is_some_and(|c| c.data_type.spelling.trim().eq_ignore_ascii_case("integer"))
        && !table.without_rowid
        && table.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1 && same_name(&k.columns[0], column))
}

/// Whether the plan merges `table` into another.
pub(crate) fn merged(changes: &[Change], table: &str) -> bool {
    changes.iter().any(|c| matches!(c, Change::MergeTable { from, .. } if same_name(from, table)))
}

/// What every dialect tells the user: the application's side, and what Contract ends.
fn notes(x: &Merge, b: &mut crate::plan::Builder, view: bool) {
    let (from, into) = (&x.from, &x.into);
    let pf = poss(from);
    b.app_changes.push(format!(
        "v2 reads and writes {into} instead of {from}; every {from} row is in {into} once Backfill is done"
    ));
    if !x.lost.is_empty() {
        b.notes.push(
            format!(
                "merge {from} into {into}: {} of {from} {} no column in {into}; {} values go with {from} in Contract",
                x.lost.join(", "),
                if x.lost.len() == 1 { "has" } else { "have" },
                if x.lost.len() == 1 { "its" } else { "their" }
            ) + if view { "; from Switch the view reads them as NULL and v1 cannot write them" } else { "" },
        );
        for c in &x.lost {
            b.one_way.push(format!("the values of {from}.{c} are gone after Contract"));
        }
    }
    if x.from_wins {
        b.app_changes.push(format!(
            "where {} is in both, {into} holds {pf} values from the copy on; {pi} own values are kept aside until Contract",
            x.on.join(", "),
            pi = poss(into)
        ));
        b.one_way.push(format!("{} own values that {pf} values replaced are gone after Contract", poss(into)));
    }
    if x.rekeyed {
        let key = if view { b_key_note(x) } else { String::new() };
        b.app_changes.push(format!("{pf} rows get new keys in {into}{key}"));
    }
    if view {
        b.v1_breaks.push(format!("v1 uses {from}, a view of {into} from Switch, dropped in Contract"));
    } else {
        b.v1_breaks.push(format!("v1 uses table {from}, dropped in Contract"));
    }
    b.one_way.push(format!("{pf} rows are only in {into} after Contract"));
}

/// The rows of B that cannot be copied stop the plan before Expand: a NULL in the key matches no
/// row of A; a NULL where A requires a value and has no default cannot be written; a row that
/// meets a row of A on another unique key of A, but not on the key that matches rows, would
/// break that key.
fn null_checks(x: &Merge, table_sql: &str, a_sql: &str, col: &dyn Fn(&str) -> String) -> Vec<crate::plan::CheckQuery> {
    let check = |cols: &[String], title: String| crate::plan::CheckQuery {
        title,
        change: x.change,
        sql: format!(
            "SELECT count(*) FROM {table_sql} WHERE {}",
            cols.iter().map(|c| format!("{} IS NULL", col(c))).collect::<Vec<_>>().join(" OR ")
        ),
        must_be_zero: true,
        before: crate::plan::StageKind::Expand,
        resolution: None,
    };
    let mut out = Vec::new();
    let matched = x.matches("a.", "b.", col);
    for (a_key, b_key) in &x.other_keys {
        let meets = a_key.iter().zip(b_key).map(|(y, c)| format!("a.{} = b.{}", col(y), col(c))).collect::<Vec<_>>();
        out.push(crate::plan::CheckQuery {
            title: format!(
                "{} rows that meet a row of {} on {} but not on {}",
                x.from,
                x.into,
                a_key.join(", "),
                x.on.join(", ")
            ),
            change: x.change,
            sql: format!(
                "SELECT count(*) FROM {table_sql} b WHERE EXISTS (SELECT 1 FROM {a} a WHERE {} AND NOT ({matched}))",
                meets.join(" AND "),
                a = a_sql
            ),
            must_be_zero: true,
            before: crate::plan::StageKind::Expand,
            resolution: None,
        });
    }
    if !x.nullable_on.is_empty() {
        out.push(check(
            &x.nullable_on,
            format!("{} rows with no {} to match a row of {}", x.from, x.nullable_on.join(" or "), x.into),
        ));
    }
    if !x.required.is_empty() {
        out.push(check(
            &x.required,
            format!("{} rows with no {}, which {} requires", x.from, x.required.join(" or "), x.into),
        ));
    }
    out
}

/// How v1 sees a row's key once B is a view (PostgreSQL), or nothing.
fn b_key_note(x: &Merge) -> String {
    format!(": from Switch, v1 reads {} through the view, with {} keys", x.from, poss(&x.into))
}

/// ` AND NOT EXISTS (...)` for each reference to A in the base: a row of A that another table
/// references is left where a trigger would delete it, so v1's delete of B never fails on it.
/// `q` quotes a name, `tq` a table's; `at` is A as the trigger's statement names it.
fn unreferenced(
    base: &Schema,
    into: &str,
    at: &str,
    q: &dyn Fn(&str) -> String,
    tq: &dyn Fn(&str) -> String,
) -> String {
    base.tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .filter(|(_, fk)| same_name(&fk.ref_table, into))
        .map(|(t, fk)| {
            let cond = fk
                .columns
                .iter()
                .zip(&fk.ref_columns)
                .map(|(c, r)| format!("r.{} = {at}.{}", q(c), q(r)))
                .collect::<Vec<_>>()
                .join(" AND ");
            format!(" AND NOT EXISTS (SELECT 1 FROM {} r WHERE {cond})", tq(&t.qualified_name()))
        })
        .collect()
}

/// The select list of the view that stands in for B: B's columns from A (renamed where the
/// names differ), and `missing` for a column with no place in A (it reads as NULL).
fn view_columns(
    base: &Schema,
    x: &Merge,
    q: &dyn Fn(&str) -> String,
    missing: &dyn Fn(&crate::model::Column) -> String,
) -> Vec<String> {
    let Some(t) = base.find_table(&x.from) else { return Vec::new() };
    t.columns
        .iter()
        .map(|c| match x.view_columns.iter().find(|(bc, _)| same_name(bc, &c.name)) {
            Some((_, ac)) if same_name(ac, &c.name) => q(ac),
            Some((_, ac)) => format!("{} AS {}", q(ac), q(&c.name)),
            None => format!("{} AS {}", missing(c), q(&c.name)),
        })
        .collect()
}

/// `table's`, or `tables'`.
use crate::model::possessive as poss;

pub(in crate::plan) mod postgres {
    //! Merge on PostgreSQL: a trigger on B writes v1's rows into A, a batched copy moves the
    //! existing ones, Switch puts a view named B over A in B's place (a single-table view is
    //! updatable, so v1 keeps reading and writing B, now A's rows), and Contract drops the view
    //! and the old table.

    use super::{Merge, *};
    use crate::plan::postgres::*;

    pub(in crate::plan) fn merge_tables(ctx: &Ctx<'_>, b: &mut Builder) {
        for x in merges(ctx.base, ctx.target, ctx.changes, PG) {
            match x {
                Ok(x) => recipe(ctx, &x, b),
                Err(note) => b.notes.push(note),
            }
        }
    }

    fn recipe(ctx: &Ctx<'_>, x: &Merge, b: &mut Builder) {
        let i = x.change;
        let (from, into) = (x.from.as_str(), x.into.as_str());
        let (pf, pi) = (super::poss(from), super::poss(into));
        let (bt, at) = (tq(from), tq(into));
        let lt = ctx.lock_timeout();
        let a_cols: Vec<String> = x.columns.iter().map(|(_, y)| q(y)).collect();
        let list = a_cols.join(", ");
        let qf = |c: &str| q(c);
        let vals = |row: &str| x.values(&format!("{row}."), &qf).join(", ");
        let a_row = |alias: &str| a_cols.iter().map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ");
        let matches = |alias: &str, row: &str| x.matches(&format!("{alias}."), &format!("{row}."), &q);
        let row = |v: String| if x.columns.len() == 1 { format!("ROW({v})") } else { format!("({v})") };
        let set_list = format!("({list})");
        let short_b = split_qualified(from).1;
        let short_a = split_qualified(into).1;
        let p = PREFIX.trim_end_matches('_');
        let func = name(&[p, "merge", short_b, short_a]);
        let func_sql = qualified(split_qualified(from).0, &func, PG);
        let parked = name(&[p, "merged", short_b]);
        // A's row is B's copy when it holds B's old values: only that row follows B's updates
        // and deletes (A's own row is kept on a match).
        let is_copy = format!("{} AND ({}) IS NOT DISTINCT FROM ({})", matches("a", "OLD"), a_row("a"), vals("OLD"));
        let insert = format!("INSERT INTO {at} ({list}) VALUES ({}) ON CONFLICT DO NOTHING", vals("NEW"));
        // B wins: A's own row is kept aside (`own`) the first time B's values replace it, and a
        // row B's trigger or copy adds is marked as a copy, so an undo puts A's values back and a
        // delete in B takes only copies.
        let (kept, own) = x.kept_aside();
        let kept_table = qualified(split_qualified(into).0, &name(&[&kept]), PG);
        let on_list: Vec<String> = x.on.iter().map(|c| q(c)).collect();
        let kept_own =
            |row: &str| format!("EXISTS (SELECT 1 FROM {kept_table} s WHERE {} AND s.{own})", matches("s", row));
        let body = if x.from_wins {
            let from_on: Vec<String> = x.from_on.iter().map(|c| format!("NEW.{}", q(c))).collect();
            let old_on: Vec<String> = x.from_on.iter().map(|c| format!("OLD.{}", q(c))).collect();
            format!(
                "BEGIN \
                 IF TG_OP = 'DELETE' OR ({old}) IS DISTINCT FROM ({new_on}) THEN \
                 BEGIN DELETE FROM {at} a WHERE {gone} AND NOT {own_old}; EXCEPTION WHEN foreign_key_violation THEN NULL; END; \
                 IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; END IF; \
                 IF EXISTS (SELECT 1 FROM {at} a WHERE {hit}) THEN \
                 INSERT INTO {kept_table} ({own}, {list}) SELECT true, {a_all} FROM {at} a WHERE {hit} ON CONFLICT DO NOTHING; \
                 UPDATE {at} a SET {set} = {new} WHERE {hit}; \
                 ELSE INSERT INTO {kept_table} ({own}, {on}) VALUES (false, {new_on}) ON CONFLICT DO NOTHING; {insert}; END IF; \
                 RETURN NEW; END",
                old = old_on.join(", "),
                new_on = from_on.join(", "),
                gone = matches("a", "OLD"),
                own_old = kept_own("OLD"),
                hit = matches("a", "NEW"),
                a_all = a_row("a"),
                on = on_list.join(", "),
                set = set_list,
                new = row(vals("NEW")),
            )
        } else {
            format!(
                "BEGIN \
                 IF TG_OP = 'DELETE' THEN \
                 BEGIN DELETE FROM {at} a WHERE {is_copy}; EXCEPTION WHEN foreign_key_violation THEN NULL; END; \
                 RETURN OLD; END IF; \
                 IF TG_OP = 'UPDATE' THEN UPDATE {at} a SET {set} = {new} WHERE {is_copy}; \
                 IF FOUND THEN RETURN NEW; END IF; END IF; \
                 {insert}; RETURN NEW; END",
                set = set_list,
                new = row(vals("NEW")),
            )
        };
        // Undoing puts A's own values back where B's replaced them.
        let restore = format!(
            "UPDATE {at} a SET {set_list} = {} FROM {kept_table} s WHERE s.{own} AND {}",
            row(a_row("s")),
            on_list.iter().map(|c| format!("a.{c} = s.{c}")).collect::<Vec<_>>().join(" AND ")
        );
        let keep_aside = if x.from_wins {
            vec![
                format!(
                    "CREATE TABLE IF NOT EXISTS {kept_table} AS SELECT true AS {own}, {list} FROM {at} WITH NO DATA"
                ),
                format!(
                    "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {kept_table} ({})",
                    q(&name(&[&kept, "key"])),
                    on_list.join(", ")
                ),
            ]
        } else {
            vec![]
        };
        let put_back =
            if x.from_wins { vec![restore.clone(), format!("DROP TABLE IF EXISTS {kept_table}")] } else { vec![] };
        b.push(
            StageKind::Expand,
            step(
                format!("merge {from} into {into}: v1's writes to {from} reach {into}"),
                i,
                [
                    vec![lt.clone()],
                    keep_aside,
                    vec![
                        format!("CREATE OR REPLACE FUNCTION {func_sql}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"),
                        format!(
                            "CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {bt} FOR EACH ROW EXECUTE FUNCTION {func_sql}()",
                            q(&func)
                        ),
                        always(&bt, &func),
                    ],
                ]
                .concat(),
                [
                    vec![lt.clone(), format!("DROP TRIGGER IF EXISTS {} ON {bt}", q(&func))],
                    put_back,
                    vec![format!("DROP FUNCTION IF EXISTS {func_sql}()")],
                ]
                .concat(),
                (LockMode::ShareRowExclusive, &[from], Effect::Metadata),
                true,
                &if x.from_wins {
                    format!(
                        "a trigger is catalog-only: a row v1 writes to {from} is written to {into} too, its values replacing {pi} where {} already holds it ({pi} own values kept aside in {kept_table} for the undo); a delete takes only the copies it made",
                        x.on.join(", ")
                    )
                } else {
                    format!(
                        "a trigger is catalog-only: a row v1 writes to {from} is written to {into} too, {pi} own row kept where {} already holds it; an update or delete follows only to the copy it made",
                        x.on.join(", ")
                    )
                },
                // After the indexes: the trigger's ON CONFLICT needs the key it matches on.
                R_FK + 2,
            ),
        );
        let copy = if x.from_wins {
            let on_eq = |l: &str, r: &str| {
                on_list.iter().map(|c| format!("{l}.{c} = {r}.{c}")).collect::<Vec<_>>().join(" AND ")
            };
            let named: Vec<String> =
                x.values("b.", &qf).iter().zip(&a_cols).map(|(v, c)| format!("{v} AS {c}")).collect();
            let mut s = batched(
                format!("copy {pf} rows into {into}, matched on {}, {pf} values replacing {pi}", x.on.join(", ")),
                i,
                format!(
                    "WITH pick AS (SELECT {named} FROM {bt} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {hit} AND ({a_all}) IS NOT DISTINCT FROM ({b_vals})) LIMIT {n}), \
                     kept AS (INSERT INTO {kept_table} ({own}, {list}) SELECT true, {a_all} FROM {at} a JOIN pick p ON {a_p} ON CONFLICT DO NOTHING), \
                     copies AS (INSERT INTO {kept_table} ({own}, {on}) SELECT false, {p_on} FROM pick p WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {a_p}) ON CONFLICT DO NOTHING) \
                     INSERT INTO {at} ({list}) SELECT {p_all} FROM pick p ON CONFLICT ({on}) DO UPDATE SET {set_list} = {excluded}",
                    named = named.join(", "),
                    hit = matches("a", "b"),
                    a_all = a_row("a"),
                    b_vals = vals("b"),
                    n = ctx.options.batch_size,
                    a_p = on_eq("a", "p"),
                    on = on_list.join(", "),
                    p_on = on_list.iter().map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", "),
                    p_all = a_row("p"),
                    excluded = row(a_row("EXCLUDED")),
                ),
                into,
                &format!("batches of rows, each its own short transaction; a row of {from} whose {} {into} already has replaces {pi} values, which are kept aside first, and rows written meanwhile come through the trigger; undo: {pi} values are put back", x.on.join(", ")),
            );
            s.rollback = vec![restore];
            s
        } else {
            batched(
                format!("copy {pf} rows into {into}, matched on {}", x.on.join(", ")),
                i,
                format!(
                    "INSERT INTO {at} ({list}) SELECT {} FROM {bt} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {}) LIMIT {} ON CONFLICT DO NOTHING",
                    vals("b"),
                    matches("a", "b"),
                    ctx.options.batch_size
                ),
                into,
                &format!("batches of rows, each its own short transaction; a row of {from} whose {} {into} already has keeps {pi} values, and rows written meanwhile come through the trigger", x.on.join(", ")),
            )
        };
        b.push(StageKind::Backfill, copy);
        b.prechecks.extend(null_checks(x, &bt, &at, &|c| q(c)));
        // Rows of B still without their row in A: a row v1 writes to A can take the place of
        // B's row there between Backfill and Switch (a delete of A's own row that B's row
        // matched on, when the two tables number their rows apart). Switch copies them under
        // its lock and refuses to go on if any is left, so the count before it is a forecast.
        let missing = |src: &str| {
            format!("SELECT count(*) FROM {src} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {})", matches("a", "b"))
        };
        let catch_up = |src: &str| {
            format!(
                "INSERT INTO {at} ({list}) SELECT {} FROM {src} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {}) ON CONFLICT DO NOTHING",
                vals("b"),
                matches("a", "b")
            )
        };
        let guard = |src: &str| {
            format!(
                "DO $bellows$ BEGIN IF ({}) > 0 THEN RAISE EXCEPTION 'bellows: rows of {} have no row in {} (another of its unique keys holds their values): the switch is not made'; END IF; END $bellows$",
                missing(src),
                from.replace('\'', "''"),
                into.replace('\'', "''")
            )
        };
        b.verifications.push(CheckQuery {
            title: format!("every {from} row has its row in {into}"),
            change: i,
            sql: missing(&bt),
            must_be_zero: false,
            before: StageKind::Switch,
            resolution: None,
        });
        repoint(ctx, x, b, &catch_up(&bt));
        // The view gives B's columns from A; a column with no place in A reads as NULL.
        let view_cols = super::view_columns(ctx.base, x, &qf, &|c| {
            format!("CAST(NULL AS {})", crate::verify::values::cast_type(&c.data_type, PG))
        });
        let view = format!("CREATE VIEW {bt} AS SELECT {} FROM {at}", view_cols.join(", "));
        let parked_sql = qualified(split_qualified(from).0, &parked, PG);
        b.push(
            StageKind::Switch,
            step(
                format!("merge {from} into {into}: {from} becomes a view of {into}"),
                i,
                vec![
                    lt.clone(),
                    format!("ALTER TABLE {bt} RENAME TO {}", q(&parked)),
                    catch_up(&parked_sql),
                    guard(&parked_sql),
                    view.clone(),
                ],
                vec![lt.clone(), format!("DROP VIEW {bt}"), format!("ALTER TABLE {parked_sql} RENAME TO {}", q(short_b))],
                (LockMode::AccessExclusive, &[from], Effect::Metadata),
                true,
                &format!(
                    "one short transaction renames {from} aside, so v1 no longer writes it, copies any row of {from} that {into} lost since Backfill (a row v1 deleted from {into} that {pf} row matched), stops if a row is still missing, and puts a view of {into} under {pf} name: a single-table view is updatable and applies {pi} defaults, so v1 keeps reading and writing {from}, now {pi} rows; undo: rows v1 wrote through the view stay in {into}"
                ),
                R_RENAME_TABLE,
            ),
        );
        // Dropping the old table drops its foreign keys, whose triggers sit on their parents.
        let keys = ctx.base.find_table(from).map(|t| t.foreign_keys.as_slice()).unwrap_or_default();
        let live = live_parents(ctx, from, keys);
        let locked: Vec<&str> = std::iter::once(from).chain(live.iter().copied()).collect();
        let mut drop = step(
            format!("merge {from} into {into}: drop the view {from} and the old table"),
            i,
            vec![
                lt.clone(),
                format!("DROP VIEW {bt}"),
                format!("DROP TABLE {parked_sql}"),
                format!("DROP FUNCTION IF EXISTS {func_sql}()"),
            ]
            .into_iter()
            .chain(x.from_wins.then(|| format!("DROP TABLE IF EXISTS {kept_table}")))
            .collect(),
            vec![],
            (LockMode::AccessExclusive, &locked, Effect::Metadata),
            true,
            &format!(
                "after Switch every {from} row is in {into} and v2 reads {into}; dropping the old table is one-way"
            ),
            R_DROP_TABLE,
        );
        drop.one_way = true;
        b.push(StageKind::Contract, drop);
        super::notes(x, b, true);
    }

    /// The references to B move to A at Switch, once the copy is verified: one ALTER TABLE drops
    /// the key to B and adds the key to A NOT VALID (no moment without a key, and a name the two
    /// share is free again), then VALIDATE scans without blocking writes, before B becomes a
    /// view. Until then the referencing rows point at B, so v2 (which writes A) waits for Switch.
    /// `catch_up` copies the rows of B that A lost since Backfill, under the step's locks, so
    /// the keys it validates meet their rows.
    fn repoint(ctx: &Ctx<'_>, x: &Merge, b: &mut Builder, catch_up: &str) {
        let lt = ctx.lock_timeout();
        let (from, into) = (x.from.as_str(), x.into.as_str());
        for r in &x.repoints {
            let tt = tq(&r.table);
            let cols = r.old.columns.join(", ");
            let old_name =
                r.old.name.clone().unwrap_or_else(|| pg_default_name(&r.table, Some(&r.old.columns.join("_")), "fkey"));
            let new_name =
                r.new.name.clone().unwrap_or_else(|| pg_default_name(&r.table, Some(&r.new.columns.join("_")), "fkey"));
            let old_fk = foreign_key_sql(&ForeignKey { name: Some(old_name.clone()), ..r.old.clone() }, PG);
            let new_fk = foreign_key_sql(&ForeignKey { name: Some(new_name.clone()), ..r.new.clone() }, PG);
            // B, then A, as v1's writes to B take them (the trigger writes A); then the
            // referencing table, whose key to B the drop locks out.
            let lock = vec![
                format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tq(from)),
                format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", tq(into)),
            ];
            b.push(
                StageKind::Switch,
                step(
                    format!("repoint {}({cols}) from {from} to {into}, not yet validated", r.table),
                    r.add,
                    [
                        vec![lt.clone()],
                        lock.clone(),
                        vec![
                            catch_up.to_string(),
                            format!("ALTER TABLE {tt} DROP CONSTRAINT {}, ADD {new_fk} NOT VALID", q(&old_name)),
                        ],
                    ]
                    .concat(),
                    // Not validated: rows v1 wrote through the view since are only in A.
                    [vec![lt.clone()], lock, vec![format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}, ADD {old_fk} NOT VALID", q(&new_name))]].concat(),
                    (LockMode::AccessExclusive, &[r.table.as_str(), from, into], Effect::Metadata),
                    true,
                    &format!(
                        "every {from} row is in {into} under the same {} (copied by Backfill, and any row {into} lost since copied again here under the locks), so the rows that point at {from} point at {into}: one statement swaps the keys, so the rule never lapses; NOT VALID checks new rows only; undo: the key to {from} comes back NOT VALID, as rows v1 wrote through the view are only in {into}",
                        x.on.join(", ")
                    ),
                    R_RENAME_TABLE - 2,
                ),
            );
            b.push(
                StageKind::Switch,
                step(
                    format!("validate foreign key {}({cols}) -> {into}", r.table),
                    r.add,
                    vec![format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(&new_name))],
                    vec![],
                    (LockMode::ShareUpdateExclusive, &[r.table.as_str()], Effect::Scan),
                    true,
                    "VALIDATE scans without blocking writes (and takes ROW SHARE on the referenced table)",
                    R_RENAME_TABLE - 1,
                ),
            );
        }
        if let Some(r) = x.repoints.first() {
            b.v2_after_switch.push(format!(
                "until Switch, {}({}) points at {from}: v2, which writes {into}, starts after it",
                r.table,
                r.old.columns.join(", ")
            ));
        }
    }
}

pub(in crate::plan) mod mysql {
    //! Merge on MySQL and MariaDB: one trigger per event on B writes v1's rows into A, a
    //! batched copy moves the existing ones, Switch swaps B for a view of A in one atomic
    //! RENAME TABLE (a single-table view of plain columns is updatable and insertable), and
    //! Contract drops the view and the old table. A trigger writes only A, never B, so MySQL's
    //! error 1442 cannot arise.

    use super::{Merge, *};
    use crate::plan::mysql::*;

    pub(in crate::plan) fn merge_tables(ctx: &Ctx<'_>, b: &mut Builder) {
        for x in merges(ctx.base, ctx.target, ctx.changes, crate::Dialect::MySql) {
            match x {
                Ok(x) => recipe(ctx, &x, b),
                Err(note) => b.notes.push(note),
            }
        }
    }

    fn recipe(ctx: &Ctx<'_>, x: &Merge, b: &mut Builder) {
        let i = x.change;
        let (from, into) = (x.from.as_str(), x.into.as_str());
        let (pf, pi) = (super::poss(from), super::poss(into));
        let (bt, at) = (tq(from), tq(into));
        let qf = |c: &str| q(c);
        let a_cols: Vec<String> = x.columns.iter().map(|(_, y)| q(y)).collect();
        let list = a_cols.join(", ");
        let vals = |row: &str| x.values(&format!("{row}."), &qf);
        let matches = |row: &str| x.matches(&format!("{at}."), &format!("{row}."), &q);
        // A's row is B's copy when it holds B's old values (`<=>`: NULL-safe).
        let copy_of = |row: &str| {
            let same: Vec<String> = a_cols.iter().zip(vals(row)).map(|(a, v)| format!("{at}.{a} <=> {v}")).collect();
            format!("{} AND {}", matches(row), same.join(" AND "))
        };
        let referenced = super::unreferenced(ctx.base, into, &at, &qf, &|t| tq(t));
        // A row that meets a row of A on any unique key keeps A's row (a no-op update).
        let keep = format!(" ON DUPLICATE KEY UPDATE {at}.{0} = {at}.{0}", q(&x.on[0]));
        let insert = |row: &str| format!("INSERT INTO {at} ({list}) VALUES ({}){keep};", vals(row).join(", "));
        let short_b = split_qualified(from).1;
        let p = PREFIX.trim_end_matches('_');
        let trig = |op: &str| name(&[p, "merge", short_b, op]);
        let assign: Vec<String> = a_cols.iter().zip(vals("NEW")).map(|(a, v)| format!("{at}.{a} = {v}")).collect();
        // B wins: A's own row is kept aside the first time B's values replace it, and a row
        // B's trigger or copy adds is marked as a copy (see the PostgreSQL recipe).
        let (kept, own) = x.kept_aside();
        let kept_table = qualified(split_qualified(into).0, &name(&[&kept]), crate::Dialect::MySql);
        let on_list: Vec<String> = x.on.iter().map(|c| q(c)).collect();
        let a_row = |alias: &str| a_cols.iter().map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ");
        let not_own = |row: &str| {
            format!(
                " AND NOT EXISTS (SELECT 1 FROM {kept_table} s WHERE {} AND s.{own} = 1)",
                x.matches("s.", &format!("{row}."), &q)
            )
        };
        let as_is = format!(" ON DUPLICATE KEY UPDATE {own} = {kept_table}.{own}");
        let keep_own = |row: &str| {
            format!(
                "INSERT INTO {kept_table} ({own}, {list}) SELECT 1, {} FROM {at} a WHERE {}{as_is};",
                a_row("a"),
                x.matches("a.", &format!("{row}."), &q)
            )
        };
        // A copy's mark: the key, and NULL for the rest (a column made by CREATE TABLE ... AS
        // SELECT has no default, which strict mode requires of a column an INSERT leaves out).
        let mark = |row: &str| {
            x.columns
                .iter()
                .map(|(_, y)| match x.on.iter().position(|o| same_name(o, y)) {
                    Some(k) => format!("{row}.{}", q(&x.from_on[k])),
                    None => "NULL".to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mark_copy = |row: &str| {
            format!(
                "INSERT INTO {kept_table} ({own}, {list}) SELECT 0, {} FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {}){as_is};",
                mark(row),
                x.matches("a.", &format!("{row}."), &q)
            )
        };
        let replace = format!(
            " ON DUPLICATE KEY UPDATE {}",
            a_cols.iter().map(|c| format!("{c} = VALUES({c})")).collect::<Vec<_>>().join(", ")
        );
        let upsert = |row: &str| format!("INSERT INTO {at} ({list}) VALUES ({}){replace};", vals(row).join(", "));
        let restore = format!(
            "UPDATE {at} a JOIN {kept_table} s ON {} SET {} WHERE s.{own} = 1",
            on_list.iter().map(|c| format!("a.{c} = s.{c}")).collect::<Vec<_>>().join(" AND "),
            a_cols.iter().map(|c| format!("a.{c} = s.{c}")).collect::<Vec<_>>().join(", ")
        );
        let (creates, drops) = if x.from_wins {
            let key_changed =
                x.from_on.iter().map(|c| format!("NOT (OLD.{0} <=> NEW.{0})", q(c))).collect::<Vec<_>>().join(" OR ");
            let write = |row: &str| format!("{} {} {}", keep_own(row), mark_copy(row), upsert(row));
            (
                vec![
                    // Outer-joined, A's columns come without NOT NULL: a copy's mark holds the key alone.
                    format!(
                        "CREATE TABLE IF NOT EXISTS {kept_table} AS SELECT 1 AS {own}, {} FROM (SELECT 1) AS d LEFT JOIN {at} a ON FALSE WHERE FALSE",
                        a_row("a")
                    ),
                    ctx.alter(
                        &kept_table,
                        &format!("ADD UNIQUE KEY {} ({})", q(&format!("{p}_key")), on_list.join(", ")),
                        Algorithm::InplaceNone,
                    ),
                    format!("CREATE TRIGGER {} AFTER INSERT ON {bt} FOR EACH ROW BEGIN {} END", q(&trig("ins")), write("NEW")),
                    format!(
                        "CREATE TRIGGER {} AFTER UPDATE ON {bt} FOR EACH ROW BEGIN DELETE FROM {at} WHERE {} AND ({key_changed}){}{referenced}; {} END",
                        q(&trig("upd")),
                        matches("OLD"),
                        not_own("OLD"),
                        write("NEW")
                    ),
                    format!(
                        "CREATE TRIGGER {} AFTER DELETE ON {bt} FOR EACH ROW BEGIN DELETE FROM {at} WHERE {}{}{referenced}; END",
                        q(&trig("del")),
                        matches("OLD"),
                        not_own("OLD")
                    ),
                ],
                ["del", "upd", "ins"]
                    .iter()
                    .map(|op| format!("DROP TRIGGER IF EXISTS {}", q(&trig(op))))
                    .chain([restore.clone(), format!("DROP TABLE IF EXISTS {kept_table}")])
                    .collect::<Vec<_>>(),
            )
        } else {
            (
                vec![
                    format!("CREATE TRIGGER {} AFTER INSERT ON {bt} FOR EACH ROW BEGIN {} END", q(&trig("ins")), insert("NEW")),
                    format!(
                        "CREATE TRIGGER {} AFTER UPDATE ON {bt} FOR EACH ROW BEGIN UPDATE {at} SET {} WHERE {}; IF ROW_COUNT() = 0 THEN {} END IF; END",
                        q(&trig("upd")),
                        assign.join(", "),
                        copy_of("OLD"),
                        insert("NEW")
                    ),
                    format!(
                        "CREATE TRIGGER {} AFTER DELETE ON {bt} FOR EACH ROW BEGIN DELETE FROM {at} WHERE {}{referenced}; END",
                        q(&trig("del")),
                        copy_of("OLD")
                    ),
                ],
                ["del", "upd", "ins"].iter().map(|op| format!("DROP TRIGGER IF EXISTS {}", q(&trig(op)))).collect::<Vec<_>>(),
            )
        };
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("merge {from} into {into}: v1's writes to {from} reach {into}"),
                i,
                creates,
                drops.clone(),
                (LockMode::Metadata, &[from], Effect::Metadata),
                &if x.from_wins {
                    format!(
                        "creating a trigger takes the table's metadata lock for a moment; one trigger per event, as MySQL requires: a row v1 writes to {from} is written to {into} too, its values replacing {pi} where {} already holds it ({pi} own values kept aside for the undo); a delete takes only the copies",
                        x.on.join(", ")
                    )
                } else {
                    format!(
                        "creating a trigger takes the table's metadata lock for a moment; one trigger per event, as MySQL requires: a row v1 writes to {from} is written to {into} too, {pi} own row kept where a key already holds it; an update or delete follows only to the copy it made"
                    )
                },
                R_FK + 2,
            ),
        );
        let b_key = ctx.base.find_table(from).and_then(|t| ctx.walk_key(t));
        let order = b_key
            .map(|k| format!(" ORDER BY {}", k.iter().map(|c| format!("b.{}", q(c))).collect::<Vec<_>>().join(", ")))
            .unwrap_or_default();
        let exists = x.matches("a.", "b.", &q);
        let mut copy = if x.from_wins {
            // The rows of B that A does not hold as B has them, a batch at a time: A's own are
            // kept aside, new ones marked as copies, then B's values written.
            let same: Vec<String> = a_cols.iter().zip(vals("b")).map(|(a, v)| format!("a.{a} <=> {v}")).collect();
            let batch = format!("{order} LIMIT {}", ctx.options.batch_size);
            let pending = format!("NOT EXISTS (SELECT 1 FROM {at} a WHERE {exists} AND {})", same.join(" AND "));
            // Each statement's batch moves on: rows already kept aside or marked are done.
            let unkept = format!(" AND NOT EXISTS (SELECT 1 FROM {kept_table} s WHERE {})", x.matches("s.", "b.", &q));
            let b_on = x.from_on.iter().map(|c| format!("b.{}", q(c))).collect::<Vec<_>>().join(", ");
            let p_on =
                x.on.iter()
                    .zip(&x.from_on)
                    .map(|(o, f)| format!("a.{} = p.{}", q(o), q(f)))
                    .collect::<Vec<_>>()
                    .join(" AND ");
            let s = ctx.step(
                format!("copy {pf} rows into {into}, matched on {}, {pf} values replacing {pi}", x.on.join(", ")),
                i,
                vec![
                    format!(
                        "INSERT INTO {kept_table} ({own}, {list}) SELECT 1, {} FROM {at} a JOIN (SELECT {b_on} FROM {bt} b WHERE EXISTS (SELECT 1 FROM {at} a WHERE {exists}) AND {pending}{unkept}{batch}) p ON {p_on}{as_is}",
                        a_row("a")
                    ),
                    format!(
                        "INSERT INTO {kept_table} ({own}, {list}) SELECT 0, {} FROM {bt} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {exists}){unkept}{batch}{as_is}",
                        mark("b"),
                    ),
                    format!("INSERT INTO {at} ({list}) SELECT {} FROM {bt} b WHERE {pending}{batch}{replace}", vals("b").join(", ")),
                ],
                vec![restore],
                (LockMode::None, &[into], Effect::Batched),
                &format!(
                    "batches of rows along {pf} key, each its own short transaction; a row of {from} whose {} {into} already has replaces {pi} values, which are kept aside first, and rows written meanwhile come through the triggers; each batch holds {pi} AUTO-INC lock to its end (innodb_autoinc_lock_mode = 1, MariaDB's default), so the application's inserts there wait for it or, in a cycle, are the deadlock victim (error 1467) and run again; undo: {pi} values are put back",
                    x.on.join(", ")
                ),
                R_BACKFILL,
            );
            s
        } else {
            ctx.step(
                format!("copy {pf} rows into {into}, matched on {}", x.on.join(", ")),
                i,
                vec![format!(
                    "INSERT INTO {at} ({list}) SELECT {} FROM {bt} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {exists}){order} LIMIT {}{keep}",
                    vals("b").join(", "),
                    ctx.options.batch_size
                )],
                vec![],
                (LockMode::None, &[into], Effect::Batched),
                &format!(
                    "batches of rows along {pf} key, each its own short transaction; a row of {from} whose {} {into} already has keeps {pi} values, and rows written meanwhile come through the triggers; each batch holds {pi} AUTO-INC lock to its end (innodb_autoinc_lock_mode = 1, MariaDB's default), so the application's inserts there wait for it or, in a cycle, are the deadlock victim (error 1467) and run again",
                    x.on.join(", ")
                ),
                R_BACKFILL,
            )
        };
        copy.repeat_until_no_rows = true;
        b.push(StageKind::Backfill, copy);
        b.prechecks.extend(null_checks(x, &bt, &at, &qf));
        // Rows of B still without their row in A (a row v1 deleted from A that B's row matched
        // on, between Backfill and Switch): Switch copies them, so the count is a forecast.
        // No IGNORE: a row another unique key of A holds fails the copy, and with it the step.
        let catch_up = |src: &str| {
            format!(
                "INSERT INTO {at} ({list}) SELECT {} FROM {src} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {exists})",
                vals("b").join(", ")
            )
        };
        b.verifications.push(CheckQuery {
            title: format!("every {from} row has its row in {into}"),
            change: i,
            sql: format!("SELECT COUNT(*) FROM {bt} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {exists})"),
            must_be_zero: false,
            before: StageKind::Switch,
            resolution: None,
        });
        // The view gives B's columns from A; a column with no place in A reads as NULL.
        let view_cols = super::view_columns(ctx.base, x, &qf, &|_| "NULL".to_string());
        let ns = split_qualified(from).0;
        let parked = qualified(ns, &name(&[p, "merged", short_b]), crate::Dialect::MySql);
        let staged = qualified(ns, &name(&[p, "merging", short_b]), crate::Dialect::MySql);
        b.push(
            StageKind::Switch,
            ctx.step(
                format!("merge {from} into {into}: {from} becomes a view of {into}"),
                i,
                vec![
                    catch_up(&bt),
                    format!("CREATE VIEW {staged} AS SELECT {} FROM {at}", view_cols.join(", ")),
                    format!("RENAME TABLE {bt} TO {parked}, {staged} TO {bt}"),
                    catch_up(&parked),
                ],
                vec![format!("RENAME TABLE {bt} TO {staged}, {parked} TO {bt}"), format!("DROP VIEW {staged}")],
                (LockMode::Metadata, &[from], Effect::Metadata),
                &format!(
                    "any row of {from} that {into} lost since Backfill (a row v1 deleted from {into} that {pf} row matched) is copied first, in one pass over {from} whose shared row locks (InnoDB's INSERT ... SELECT) make v1's changes to its rows wait for that pass, and a row that cannot be copied (another unique key of {into} holds its values) stops the step there, {from} still a table; RENAME TABLE then swaps the table for a view of {into} in one atomic statement (metadata only), and a row lost in the moment between is copied from the parked table, which nothing writes any more; a single-table view of plain columns is updatable and insertable, so v1 keeps reading and writing {from}, now {pi} rows; undo: rows v1 wrote through the view stay in {into}"
                ),
                R_SWAP_TABLE,
            ),
        );
        repoint(ctx, x, b, &catch_up(&bt));
        let mut drop = ctx.step(
            format!("merge {from} into {into}: drop the view {from} and the old table"),
            i,
            [format!("DROP VIEW {bt}"), format!("DROP TABLE {parked}")]
                .into_iter()
                .chain(x.from_wins.then(|| format!("DROP TABLE IF EXISTS {kept_table}")))
                .collect(),
            vec![],
            (LockMode::Metadata, &[from], Effect::Metadata),
            &format!(
                "after Switch every {from} row is in {into} and v2 reads {into}; dropping the old table is one-way"
            ),
            R_DROP_TABLE,
        );
        drop.one_way = true;
        b.push(StageKind::Contract, drop);
        super::notes(x, b, true);
    }

    /// The references to B move to A at Switch, once the copy is verified and before B becomes
    /// a view: the key to B dropped and the key to A added in place (metadata only) with
    /// foreign_key_checks = 0, in one statement where their names differ. MySQL refuses a name
    /// dropped and added in one statement (error 1826), so a shared name takes two, a moment
    /// apart. A verification counts the rows with no parent in A before Contract.
    ///
    /// `catch_up` copies the rows of B that A lost since Backfill before the keys move, so the
    /// rows that point at them find them in A; the count of rows without a parent in A before
    /// Switch is therefore a forecast, and the one before Contract is the proof.
    fn repoint(ctx: &Ctx<'_>, x: &Merge, b: &mut Builder, catch_up: &str) {
        use crate::plan::recipes::foreign_keys::mysql::{fk_name, orphans};
        let (from, into) = (x.from.as_str(), x.into.as_str());
        for r in &x.repoints {
            let (Some(bt), Some(tt)) = (ctx.base_table(&r.table), ctx.target_table(&r.table)) else { continue };
            let t = ctx.live(&r.table, StageKind::Switch);
            let (old_name, new_name) = (fk_name(bt, &r.old), fk_name(tt, &r.new));
            let old_fk = foreign_key_sql(&ForeignKey { name: Some(old_name.clone()), ..r.old.clone() }, MY);
            let new_fk = foreign_key_sql(&ForeignKey { name: Some(new_name.clone()), ..r.new.clone() }, MY);
            let swap = |drop: &str, add: &str| -> Vec<String> {
                let drop = format!("DROP FOREIGN KEY {}", q(drop));
                let add = format!("ADD {add}");
                let alters = if same_name(&old_name, &new_name) {
                    vec![ctx.alter(&t, &drop, Algorithm::InplaceNone), ctx.alter(&t, &add, Algorithm::InplaceNone)]
                } else {
                    vec![ctx.alter(&t, &format!("{drop}, {add}"), Algorithm::InplaceNone)]
                };
                [
                    vec!["SET SESSION foreign_key_checks = 0".to_string()],
                    alters,
                    vec!["SET SESSION foreign_key_checks = 1".to_string()],
                ]
                .concat()
            };
            let cols = r.old.columns.join(", ");
            b.push(
                StageKind::Switch,
                ctx.step(
                    format!("repoint {}({cols}) from {from} to {into}", r.table),
                    r.add,
                    [vec![catch_up.to_string()], swap(&old_name, &new_fk)].concat(),
                    swap(&new_name, &old_fk),
                    (LockMode::Metadata, &[r.table.as_str(), from, into], Effect::Metadata),
                    &format!(
                        "every {from} row is in {into} under the same {} (copied by Backfill, and any row {into} lost since copied again here, in one pass over {from} that holds shared row locks on it), so the rows that point at {from} point at {into}; in place (metadata only) with foreign_key_checks = 0, the only way MySQL adds a key without copying the table{}",
                        x.on.join(", "),
                        if same_name(&old_name, &new_name) {
                            "; two statements, as MySQL refuses a key's name dropped and added in one (error 1826)"
                        } else {
                            ""
                        }
                    ),
                    0,
                ),
            );
            // A forecast: the step copies the rows A lost before the key moves.
            b.prechecks.push(CheckQuery {
                title: format!("rows of {} ({cols}) with no parent in {into}", r.table),
                change: r.add,
                sql: format!("SELECT COUNT(*) FROM {t} WHERE {}", orphans(ctx, &t, &r.new, StageKind::Switch)),
                must_be_zero: false,
                before: StageKind::Switch,
                resolution: None,
            });
            b.verifications.push(CheckQuery {
                title: format!("rows of {} ({cols}) with no parent in {into}, after the key went in", r.table),
                change: r.add,
                sql: format!("SELECT COUNT(*) FROM {t} WHERE {}", orphans(ctx, &t, &r.new, StageKind::Contract)),
                must_be_zero: true,
                before: StageKind::Contract,
                resolution: None,
            });
        }
        if let Some(r) = x.repoints.first() {
            b.v2_after_switch.push(format!(
                "until Switch, {}({}) points at {from}: v2, which writes {into}, starts after it",
                r.table,
                r.old.columns.join(", ")
            ));
        }
    }
}

pub(in crate::plan) mod sqlite {
    //! Merge on SQLite: triggers on B write v1's rows into A, one copy moves the existing ones,
    //! and B stays a table until Contract drops it (a SQLite view takes no writes without
    //! INSTEAD OF triggers, which RETURNING does not see through).

    use super::{Merge, *};
    use crate::plan::sqlite::*;

    pub(in crate::plan) fn merge_tables(ctx: &Ctx<'_>, b: &mut Builder) {
        for x in merges(ctx.base, ctx.target, ctx.changes, SQ) {
            match x {
                Ok(x) => recipe(ctx, &x, b),
                Err(note) => b.notes.push(note),
            }
        }
    }

    fn recipe(ctx: &Ctx<'_>, x: &Merge, b: &mut Builder) {
        let i = x.change;
        let (from, into) = (x.from.as_str(), x.into.as_str());
        let (pf, pi) = (super::poss(from), super::poss(into));
        let q = |n: &str| ident(n, SQ);
        let (bt, at) = (q(from), q(into));
        let a_cols: Vec<String> = x.columns.iter().map(|(_, y)| q(y)).collect();
        let list = a_cols.join(", ");
        let qf = |c: &str| q(c);
        let vals = |row: &str| x.values(&format!("{row}."), &qf).join(", ");
        let matches = |row: &str| x.matches(&format!("{at}."), &format!("{row}."), &q);
        let same = |row: &str| {
            a_cols
                .iter()
                .zip(x.values(&format!("{row}."), &qf))
                .map(|(a, v)| format!("{at}.{a} IS {v}"))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let referenced = super::unreferenced(ctx.base, into, &at, &qf, &|t| q(t));
        let p = "bellows";
        let short_b = split_qualified(from).1;
        let trig = |op: &str| ident(&format!("{p}_merge_{short_b}_{op}"), SQ);
        let insert =
            |row: &str| format!("INSERT INTO {at} ({list}) SELECT {} WHERE true ON CONFLICT DO NOTHING;", vals(row));
        let copy_of = |row: &str| format!("{} AND {}", matches(row), same(row));
        // B wins: A's own row is kept aside the first time B's values replace it, and a row
        // B's trigger or copy adds is marked as a copy (see the PostgreSQL recipe).
        let (kept, own) = x.kept_aside();
        let kept_table = q(&kept);
        let on_list: Vec<String> = x.on.iter().map(|c| q(c)).collect();
        let a_row = |alias: &str| a_cols.iter().map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ");
        let kept_match = |row: &str| x.matches("s.", &format!("{row}."), &q);
        let not_own =
            |row: &str| format!(" AND NOT EXISTS (SELECT 1 FROM {kept_table} s WHERE {} AND s.{own})", kept_match(row));
        let keep_own = |row: &str| {
            format!(
                "INSERT INTO {kept_table} ({own}, {list}) SELECT 1, {} FROM {at} a WHERE {} ON CONFLICT DO NOTHING;",
                a_row("a"),
                x.matches("a.", &format!("{row}."), &q)
            )
        };
        let mark_copy = |row: &str| {
            format!(
                "INSERT INTO {kept_table} ({own}, {}) SELECT 0, {} WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {}) ON CONFLICT DO NOTHING;",
                on_list.join(", "),
                x.from_on.iter().map(|c| format!("{row}.{}", q(c))).collect::<Vec<_>>().join(", "),
                x.matches("a.", &format!("{row}."), &q)
            )
        };
        let excluded = a_cols.iter().map(|c| format!("excluded.{c}")).collect::<Vec<_>>().join(", ");
        let upsert = |row: &str| {
            format!(
                "INSERT INTO {at} ({list}) SELECT {} WHERE true ON CONFLICT ({}) DO UPDATE SET ({list}) = ({excluded});",
                vals(row),
                on_list.join(", ")
            )
        };
        let restore = format!(
            "UPDATE {at} SET ({list}) = ({}) FROM {kept_table} s WHERE s.{own} AND {}",
            a_row("s"),
            on_list.iter().map(|c| format!("{at}.{c} = s.{c}")).collect::<Vec<_>>().join(" AND ")
        );
        let (creates, drops) = if x.from_wins {
            let key_changed =
                x.from_on.iter().map(|c| format!("OLD.{} IS NOT NEW.{}", q(c), q(c))).collect::<Vec<_>>().join(" OR ");
            let write = |row: &str| format!("{} {} {}", keep_own(row), mark_copy(row), upsert(row));
            (
                vec![
                    format!("CREATE TABLE IF NOT EXISTS {kept_table} AS SELECT 1 AS {own}, {list} FROM {at} WHERE false"),
                    format!(
                        "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {kept_table} ({})",
                        q(&format!("{kept}_key")),
                        on_list.join(", ")
                    ),
                    format!("CREATE TRIGGER {} AFTER INSERT ON {bt} BEGIN {} END", trig("ins"), write("NEW")),
                    format!(
                        "CREATE TRIGGER {} AFTER UPDATE ON {bt} BEGIN DELETE FROM {at} WHERE {} AND ({key_changed}){}{referenced}; {} END",
                        trig("upd"),
                        matches("OLD"),
                        not_own("OLD"),
                        write("NEW")
                    ),
                    format!(
                        "CREATE TRIGGER {} AFTER DELETE ON {bt} BEGIN DELETE FROM {at} WHERE {}{}{referenced}; END",
                        trig("del"),
                        matches("OLD"),
                        not_own("OLD")
                    ),
                ],
                ["ins", "upd", "del"]
                    .iter()
                    .map(|op| format!("DROP TRIGGER IF EXISTS {}", trig(op)))
                    .chain([restore.clone(), format!("DROP TABLE IF EXISTS {kept_table}")])
                    .collect::<Vec<_>>(),
            )
        } else {
            (
                vec![
                    format!("CREATE TRIGGER {} AFTER INSERT ON {bt} BEGIN {} END", trig("ins"), insert("NEW")),
                    format!(
                        "CREATE TRIGGER {} AFTER UPDATE ON {bt} BEGIN UPDATE {at} SET ({list}) = ({}) WHERE {}; {} END",
                        trig("upd"),
                        vals("NEW"),
                        copy_of("OLD"),
                        insert("NEW")
                    ),
                    format!(
                        "CREATE TRIGGER {} AFTER DELETE ON {bt} BEGIN DELETE FROM {at} WHERE {}{referenced}; END",
                        trig("del"),
                        copy_of("OLD")
                    ),
                ],
                ["ins", "upd", "del"]
                    .iter()
                    .map(|op| format!("DROP TRIGGER IF EXISTS {}", trig(op)))
                    .collect::<Vec<_>>(),
            )
        };
        b.push(
            StageKind::Expand,
            step(
                format!("merge {from} into {into}: v1's writes to {from} reach {into}"),
                i,
                creates,
                drops.clone(),
                from,
                &if x.from_wins {
                    format!(
                        "triggers are schema-only: a row v1 writes to {from} is written to {into} too, its values replacing {pi} where {} already holds it ({pi} own values kept aside for the undo); a delete takes only the copies",
                        x.on.join(", ")
                    )
                } else {
                    format!(
                        "triggers are schema-only: a row v1 writes to {from} is written to {into} too, {pi} own row kept where {} already holds it; an update or delete follows only to the copy",
                        x.on.join(", ")
                    )
                },
                50,
            ),
        );
        let exists = |alias: &str| x.matches("a.", &format!("{alias}."), &q);
        let copy = if x.from_wins {
            step(
                format!("copy {pf} rows into {into}, matched on {}, {pf} values replacing {pi}", x.on.join(", ")),
                i,
                vec![
                    format!(
                        "INSERT INTO {kept_table} ({own}, {list}) SELECT 1, {} FROM {at} a WHERE EXISTS (SELECT 1 FROM {bt} b WHERE {}) ON CONFLICT DO NOTHING",
                        a_row("a"),
                        exists("b")
                    ),
                    format!(
                        "INSERT INTO {kept_table} ({own}, {}) SELECT 0, {} FROM {bt} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {}) ON CONFLICT DO NOTHING",
                        on_list.join(", "),
                        x.from_on.iter().map(|c| format!("b.{}", q(c))).collect::<Vec<_>>().join(", "),
                        exists("b")
                    ),
                    format!(
                        "INSERT INTO {at} ({list}) SELECT {} FROM {bt} b WHERE true ON CONFLICT ({}) DO UPDATE SET ({list}) = ({excluded})",
                        vals("b"),
                        on_list.join(", ")
                    ),
                ],
                vec![restore],
                into,
                &format!("one transaction (SQLite has one writer); a row of {from} whose {} {into} already has replaces {pi} values, which are kept aside first; undo: {pi} values are put back", x.on.join(", ")),
                90,
            )
        } else {
            step(
                format!("copy {pf} rows into {into}, matched on {}", x.on.join(", ")),
                i,
                vec![format!(
                    "INSERT INTO {at} ({list}) SELECT {} FROM {bt} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {}) ON CONFLICT DO NOTHING",
                    vals("b"),
                    exists("b")
                )],
                vec![],
                into,
                &format!("one transaction (SQLite has one writer); a row of {from} whose {} {into} already has keeps {pi} values", x.on.join(", ")),
                90,
            )
        };
        b.push(StageKind::Backfill, copy);
        if x.from_wins {
            let mut drop = step(
                format!("merge {from} into {into}: drop {pi} values kept aside"),
                i,
                vec![format!("DROP TABLE IF EXISTS {kept_table}")],
                vec![],
                into,
                &format!("after Contract no undo puts {pi} own values back"),
                200,
            );
            drop.one_way = true;
            b.push(StageKind::Contract, drop);
        }
        b.prechecks.extend(null_checks(x, &bt, &at, &|c| q(c)));
        b.verifications.push(CheckQuery {
            title: format!("every {from} row has its row in {into}"),
            change: i,
            sql: format!("SELECT count(*) FROM {bt} b WHERE NOT EXISTS (SELECT 1 FROM {at} a WHERE {})", exists("b")),
            must_be_zero: true,
            before: StageKind::Switch,
            resolution: None,
        });
        super::notes(x, b, false);
    }
}

#[cfg(test)]
mod tests {
    use crate::diff::{diff, DiffOptions, MergeHint};
    use crate::plan::{plan_changes, PlanOptions};
    use crate::{import, Dialect};

    const BEFORE: &str = "CREATE TABLE customers (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
        CREATE TABLE clients (id serial PRIMARY KEY, email text NOT NULL UNIQUE, full_name text NOT NULL, fax text);";
    const AFTER: &str =
        "CREATE TABLE customers (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);";

    fn planned(before: &str, after: &str, hint: &str, d: Dialect) -> crate::plan::Plan {
        let (b, a) = (import(before, Some(d)).schema, import(after, Some(d)).schema);
        let options = DiffOptions { merges: vec![MergeHint::parse(hint).expect("hint")], ..Default::default() };
        let changes = diff(&b, &a, &options);
        plan_changes(&b, &a, &changes, &PlanOptions { dialect: d, ..PlanOptions::default() })
    }

    fn sql(plan: &crate::plan::Plan) -> String {
        plan.steps().flat_map(|(_, s)| s.sql.clone()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_hint_reads_its_key_winner_and_columns_and_refuses_what_it_cannot_read() {
        let h = MergeHint::parse("clients->customers on=email,region wins=customers full_name=name").expect("parse");
        assert_eq!((h.from.as_str(), h.into.as_str()), ("clients", "customers"));
        assert_eq!(h.on, ["email", "region"]);
        assert!(!h.from_wins);
        assert_eq!(h.columns, [("full_name".to_string(), "name".to_string())]);
        assert!(MergeHint::parse("clients->customers wins=b").expect("b wins").from_wins);
        for bad in ["clients customers", "->customers", "clients->customers wins=orders", "clients->customers email"] {
            let e = MergeHint::parse(bad).expect_err(bad);
            assert!(!e.is_empty(), "{bad}");
        }
    }

    #[test]
    fn a_natural_key_merge_copies_rows_under_new_keys_and_leaves_a_view_until_contract() {
        let plan = planned(BEFORE, AFTER, "clients->customers on=email full_name=name", Dialect::Postgres);
        let all = sql(&plan);
        // B's ids are not copied: customers makes its own.
        assert!(
            all.contains("INSERT INTO customers (email, name) SELECT b.email, b.full_name FROM clients b"),
            "{all}"
        );
        assert!(all.contains("ON CONFLICT DO NOTHING"), "{all}");
        assert!(
            all.contains(
                "CREATE VIEW clients AS SELECT id, email, name AS full_name, CAST(NULL AS TEXT) AS fax FROM customers"
            ),
            "{all}"
        );
        assert!(!all.contains("DROP TABLE clients"), "the merge drops the parked table, not the view's name: {all}");
        assert!(plan.notes.iter().any(|n| n.contains("fax of clients has no column in customers")), "{:?}", plan.notes);
        assert_eq!(plan.verifications.len(), 1);
    }

    #[test]
    fn merges_that_cannot_be_planned_say_why_and_plan_nothing_for_the_rows() {
        let cases = [
            // No key of customers is filled by clients' columns.
            (BEFORE, AFTER, "clients->customers on=name full_name=name", "not a unique key"),
            // customers.name is required and nothing fills it.
            (BEFORE, AFTER, "clients->customers on=email", "customers.name is required"),
            (
                &format!("{BEFORE} CREATE TABLE invoices (id int PRIMARY KEY, client_id int REFERENCES clients (id));"),
                "CREATE TABLE customers (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL); CREATE TABLE invoices (id int PRIMARY KEY, client_id int REFERENCES customers (id));",
                "clients->customers on=email full_name=name",
                // clients' rows get customers' ids: invoices' values name other rows there.
                "invoices(client_id) references clients(id) and is to reference customers(id), but the merge matches rows on email = email: the references' values would need translating",
            ),
        ];
        for (before, after, hint, why) in cases {
            let plan = planned(before, after, hint, Dialect::Postgres);
            assert!(plan.notes.iter().any(|n| n.contains(why)), "{hint}: {:?}", plan.notes);
            assert!(!sql(&plan).contains("bellows_merge"), "{hint}");
        }
    }

    #[test]
    fn where_the_merged_tables_values_win_the_others_are_kept_aside_for_the_undo() {
        let hint = "clients->customers on=email full_name=name wins=clients";
        let plan = planned(BEFORE, AFTER, hint, Dialect::Postgres);
        let all = sql(&plan);
        assert!(all.contains("CREATE TABLE IF NOT EXISTS bellows_replaced_customers_by_clients AS SELECT true AS bellows_own, email, name FROM customers WITH NO DATA"), "{all}");
        // The copy keeps customers' row aside, then writes clients' values over it.
        assert!(
            all.contains("ON CONFLICT (email) DO UPDATE SET (email, name) = (EXCLUDED.email, EXCLUDED.name)"),
            "{all}"
        );
        let undo: Vec<String> = plan.steps().flat_map(|(_, s)| s.rollback.clone()).collect();
        assert!(
            undo.iter().any(|u| u.starts_with("UPDATE customers a SET (email, name) = (s.email, s.name) FROM bellows_replaced_customers_by_clients s WHERE s.bellows_own")),
            "{undo:?}"
        );
        assert!(all.contains("DROP TABLE IF EXISTS bellows_replaced_customers_by_clients"), "Contract drops it: {all}");
        assert!(plan
            .compatibility
            .last()
            .is_some_and(|c| c.reasons.iter().any(|r| r.contains("customers' own values"))));

        let sqlite = sql(&planned(BEFORE, AFTER, hint, Dialect::Sqlite));
        assert!(
            sqlite.contains("ON CONFLICT (email) DO UPDATE SET (email, name) = (excluded.email, excluded.name)"),
            "{sqlite}"
        );

        // MySQL: the upsert is ON DUPLICATE KEY UPDATE, and A's columns in the table kept aside
        // come outer-joined, without NOT NULL, so a copy's mark can hold its key alone.
        let mysql = planned(BEFORE, AFTER, hint, Dialect::MySql);
        assert!(!mysql.notes.iter().any(|n| n.contains("not planned")), "{:?}", mysql.notes);
        let mysql = sql(&mysql);
        assert!(mysql.contains("ON DUPLICATE KEY UPDATE email = VALUES(email), name = VALUES(name)"), "{mysql}");
        assert!(mysql.contains("FROM (SELECT 1) AS d LEFT JOIN customers a ON FALSE WHERE FALSE"), "{mysql}");
    }

    #[test]
    fn references_to_the_merged_table_move_to_the_other_at_switch_once_its_rows_are_there() {
        let before = "CREATE TABLE a (id bigint PRIMARY KEY, login text NOT NULL);
            CREATE TABLE b (id bigint PRIMARY KEY, login text NOT NULL);
            CREATE TABLE c (id int PRIMARY KEY, b_id bigint CONSTRAINT c_b_fk REFERENCES b (id) ON DELETE CASCADE);
            CREATE INDEX c_b_id ON c (b_id);";
        let after = "CREATE TABLE a (id bigint PRIMARY KEY, login text NOT NULL);
            CREATE TABLE c (id int PRIMARY KEY, b_id bigint CONSTRAINT c_b_fk REFERENCES a (id) ON DELETE CASCADE);
            CREATE INDEX c_b_id ON c (b_id);";
        let plan = planned(before, after, "b->a", Dialect::Postgres);
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);
        let switch = plan.stage(crate::plan::StageKind::Switch).expect("switch");
        let titles: Vec<&str> = switch.steps.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "repoint c(b_id) from b to a, not yet validated",
                "validate foreign key c(b_id) -> a",
                "merge b into a: b becomes a view of a"
            ]
        );
        // One statement swaps the keys, so c never goes without one; nothing else touches them.
        assert!(
            switch.steps[0].sql.iter().any(|s| s
                == "ALTER TABLE c DROP CONSTRAINT c_b_fk, ADD CONSTRAINT c_b_fk FOREIGN KEY (b_id) REFERENCES a (id) ON DELETE CASCADE NOT VALID"),
            "{:?}",
            switch.steps[0].sql
        );
        for kind in [crate::plan::StageKind::Expand, crate::plan::StageKind::Backfill] {
            let stage = plan.stage(kind).expect("stage");
            assert!(stage.steps.iter().all(|s| !s.title.contains("foreign key")), "{kind:?}");
        }
        // v2 writes a's rows, which c may not point at until Switch.
        let v2: Vec<bool> = plan.compatibility.iter().map(|c| c.v2_works).collect();
        assert_eq!(v2, [false, false, true, true]);

        // MySQL: in place, with the checks off; the same name takes two statements.
        let parents = "CREATE TABLE a (id bigint PRIMARY KEY, login text NOT NULL);";
        let before_my = format!(
            "{parents} CREATE TABLE b (id bigint PRIMARY KEY, login text NOT NULL);
            CREATE TABLE c (id int PRIMARY KEY, b_id bigint, KEY c_b_id (b_id), CONSTRAINT c_b_fk FOREIGN KEY (b_id) REFERENCES b (id));"
        );
        let after_my = format!(
            "{parents} CREATE TABLE c (id int PRIMARY KEY, b_id bigint, KEY c_b_id (b_id), CONSTRAINT c_b_fk FOREIGN KEY (b_id) REFERENCES a (id));"
        );
        let plan = planned(&before_my, &after_my, "b->a", Dialect::MySql);
        let switch = plan.stage(crate::plan::StageKind::Switch).expect("switch");
        assert_eq!(switch.steps[0].title, "repoint c(b_id) from b to a");
        assert!(
            switch.steps[0].sql.iter().any(|s| s.starts_with("ALTER TABLE c DROP FOREIGN KEY c_b_fk")),
            "{:?}",
            switch.steps[0].sql
        );
        assert!(switch.steps[0]
            .sql
            .iter()
            .any(|s| s.starts_with("ALTER TABLE c ADD CONSTRAINT c_b_fk FOREIGN KEY (b_id) REFERENCES a (id)")));
        assert!(switch.steps[1].title.ends_with("becomes a view of a"));
    }

    #[test]
    fn sqlite_keeps_the_old_table_written_by_v1_and_fills_required_values_with_the_default() {
        let before =
            "CREATE TABLE a (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, plan TEXT NOT NULL DEFAULT 'free');
            CREATE TABLE b (id INTEGER PRIMARY KEY, email TEXT NOT NULL, plan TEXT);";
        let after =
            "CREATE TABLE a (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, plan TEXT NOT NULL DEFAULT 'free');";
        let plan = planned(before, after, "b->a on=email", Dialect::Sqlite);
        let all = sql(&plan);
        assert!(all.contains("COALESCE(b.plan, 'free')"), "{all}");
        assert!(all.contains("CREATE TRIGGER bellows_merge_b_ins AFTER INSERT ON b"), "{all}");
        assert!(all.contains("DROP TABLE b"), "{all}");
        assert!(!all.contains("CREATE VIEW"), "{all}");
    }
}
