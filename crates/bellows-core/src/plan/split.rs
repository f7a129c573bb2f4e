//! Split detection, shared by every dialect's recipe and by the harness that checks the moved
//! values arrive: columns dropped from a table S that reappear, same name and type, in a new
//! table T holding a single-column foreign key to S.

use crate::diff::Change;
use crate::model::{same_name, Column, Schema, Table};
use crate::Dialect;

/// One split the plan carries: `moved` columns of `source` travel to `table`, whose `fk`
/// column holds `source`'s `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Split {
    /// The index of the new table's CreateTable change.
    pub change: usize,
    pub source: String,
    pub key: String,
    pub table: String,
    pub fk: String,
    pub moved: Vec<String>,
}

/// Every split in `changes`: `Ok` when the values can travel, `Err` with a note for the user when
/// the new table has a required column nothing fills, so the copy cannot insert.
pub(crate) fn splits(base: &Schema, target: &Schema, changes: &[Change], d: Dialect) -> Vec<Result<Split, String>> {
    let mut out = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let Change::CreateTable { table: t_name } = change else { continue };
        let Some(t) = target.find_table(t_name) else { continue };
        for fk in t.foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
            let Some(s) = base.find_table(&fk.ref_table) else { continue };
            let s_name = s.qualified_name();
            if target.find_table(&s_name).is_none() {
                continue;
            }
            let key = fk
                .ref_columns
                .first()
                .cloned()
                .or_else(|| s.primary_key.as_ref().filter(|k| k.columns.len() == 1).map(|k| k.columns[0].clone()));
            let Some(key) = key else { continue };
            let fk_col = fk.columns[0].clone();
            let moved: Vec<String> = t
                .columns
                .iter()
                .filter(|c| !same_name(&c.name, &fk_col))
                .filter(|c| {
                    s.column(&c.name).is_some_and(|sc| sc.data_type.kind == c.data_type.kind)
                        && changes.iter().any(|x| {
                            matches!(x, Change::DropColumn { table, column } if same_name(table, &s_name) && same_name(column, &c.name))
                        })
                })
                .map(|c| c.name.clone())
                .collect();
            if moved.is_empty() {
                continue;
            }
            // Every other required column of T must fill itself, or the copy cannot insert.
            let blocker = t.columns.iter().find(|c| {
                !c.nullable
                    && c.default.is_none()
                    && c.identity.is_none()
                    && !rowid_alias(t, c, d)
                    && !same_name(&c.name, &fk_col)
                    && (!moved.iter().any(|m| same_name(m, &c.name)) || s.column(&c.name).is_some_and(|sc| sc.nullable))
            });
            out.push(match blocker {
                Some(c) => Err(format!(
                    "{t_name} takes {} from {s_name}, but {t_name}.{} is required and cannot be filled from {s_name}: copy the rows yourself between Backfill and Switch",
                    moved.join(", "),
                    c.name
                )),
                None => Ok(Split { change: i, source: s_name, key, table: t_name.clone(), fk: fk_col, moved }),
            });
        }
    }
    out
}

/// SQLite's `INTEGER PRIMARY KEY`: the column is the rowid, which SQLite fills itself.
fn rowid_alias(table: &Table, column: &Column, d: Dialect) -> bool {
    d == Dialect::Sqlite
        && column.data_type.spelling.trim().eq_ignore_ascii_case("integer")
        && !table.without_rowid
        && table.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1 && same_name(&k.columns[0], &column.name))
}
