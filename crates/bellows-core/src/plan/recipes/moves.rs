//! Move a column to a related table: the values of `t.c` (dropped) go to `u.c` (added) along
//! the foreign key that joins the two tables. Found once here for every planner and for the
//! harness (from the `MoveColumn` change the diff makes of a move hint or an edit).
//!
//! - **Down** to a table that references `t` one to one (its reference is unique): a split into
//!   an existing table, planned by the split recipes (`split::splits` takes these moves).
//! - **Up** to the table `t` references (many rows of `t` to one row of `u`): found, and not
//!   planned yet (the plan says so in a note): the values must agree per parent, which needs a
//!   pre-check of the parents whose rows disagree and triggers that keep one value per parent.

use crate::diff::Change;
use crate::model::{same_name, Schema};
use crate::Dialect;

/// Which way a move goes along the foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    /// `to` references `from` one to one: `fk` is `to`'s column, `key` is `from`'s.
    Down,
    /// `from` references `to`: `fk` is `from`'s column, `key` is `to`'s.
    Up,
}

/// One move the plan carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Move {
    /// The index of the MoveColumn change.
    pub change: usize,
    pub from: String,
    pub column: String,
    pub to: String,
    pub to_column: String,
    pub way: Way,
    /// The referencing column (in `to` going down, in `from` going up).
    pub fk: String,
    /// The referenced column (in `from` going down, in `to` going up).
    pub key: String,
}

/// Every move in `changes`: `Ok` when the values can travel, `Err` with a note for the user
/// when they cannot (no foreign key joins the tables, or the types differ).
pub(crate) fn moves(base: &Schema, target: &Schema, changes: &[Change], _d: Dialect) -> Vec<Result<Move, String>> {
    let mut out = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let Change::MoveColumn { from, column, to, to_column } = change else { continue };
        let what = format!("moving {from}.{column} to {to}.{to_column}");
        let (Some(t), Some(u_base), Some(u)) = (base.find_table(from), base.find_table(to), target.find_table(to))
        else {
            out.push(Err(format!("{what}: both tables must exist before the migration")));
            continue;
        };
        let (Some(c), Some(uc)) = (t.column(column), u.column(to_column)) else { continue };
        if c.data_type.kind != uc.data_type.kind {
            out.push(Err(format!(
                "{what}: the column is {} in {from} and {} in {to}; move it with its type, then change the type",
                c.data_type.spelling, uc.data_type.spelling
            )));
            continue;
        }
        // Down: `to` references `from` with one column, and that reference is unique.
        let down = u_base.foreign_keys.iter().chain(u.foreign_keys.iter()).find(|fk| {
            fk.columns.len() == 1
                && same_name(&fk.ref_table, &t.qualified_name())
                && u_base.column(&fk.columns[0]).is_some()
        });
        let up = t.foreign_keys.iter().find(|fk| {
            fk.columns.len() == 1
                && same_name(&fk.ref_table, &u_base.qualified_name())
                && target.find_table(from).is_some_and(|tt| tt.column(&fk.columns[0]).is_some())
        });
        let referenced = |fk: &crate::model::ForeignKey, parent: &crate::model::Table| {
            fk.ref_columns
                .first()
                .cloned()
                .or_else(|| parent.primary_key.as_ref().filter(|k| k.columns.len() == 1).map(|k| k.columns[0].clone()))
        };
        let found = match (down, up) {
            (Some(fk), _) => {
                let unique = u_base
                    .primary_key
                    .iter()
                    .chain(u_base.uniques.iter())
                    .any(|k| k.columns.len() == 1 && same_name(&k.columns[0], &fk.columns[0]))
                    || u_base.indexes.iter().any(|ix| {
                        ix.unique
                            && ix.predicate.is_none()
                            && ix.parts.len() == 1
                            && ix.parts[0].column().is_some_and(|c| same_name(c, &fk.columns[0]))
                    });
                if !unique {
                    out.push(Err(format!(
                        "{what}: {to} may hold many rows per {from} row ({to}.{} is not unique), so each value would be copied to every one of them; make the reference unique first, or copy the values yourself",
                        fk.columns[0]
                    )));
                    continue;
                }
                if !same_name(column, to_column) {
                    out.push(Err(format!(
                        "{what}: a move down to {to} keeps the column's name; move {column}, then rename it"
                    )));
                    continue;
                }
                referenced(fk, t).map(|key| (Way::Down, fk.columns[0].clone(), key))
            }
            (None, Some(fk)) => referenced(fk, u_base).map(|key| (Way::Up, fk.columns[0].clone(), key)),
            (None, None) => {
                out.push(Err(format!(
                    "{what}: no foreign key of one column joins {from} and {to}; a move goes along one"
                )));
                continue;
            }
        };
        let Some((way, fk, key)) = found else { continue };
        out.push(Ok(Move {
            change: i,
            from: t.qualified_name(),
            column: c.name.clone(),
            to: u.qualified_name(),
            to_column: uc.name.clone(),
            way,
            fk,
            key,
        }));
    }
    out
}
