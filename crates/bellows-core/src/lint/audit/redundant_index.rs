use crate::edit::Edit;
use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::same_name;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "redundant-index",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "an index is a prefix of another index",
    what_it_does: "Flags a plain (non-unique, non-partial) index whose columns are the leading columns of another index, unique key or primary key on the same table with the same method.",
    why_is_this_bad: "Every write maintains both indexes for no gain in reads: the longer one serves the same lookups. It costs disk, cache and write time.",
    example: "CREATE INDEX orders_customer_idx ON orders (customer_id);\nCREATE INDEX orders_customer_date_idx ON orders (customer_id, placed_at);",
    use_instead: "DROP INDEX CONCURRENTLY orders_customer_idx;",
    peers: "pg_idx_advisor / pgAnalyze \"duplicate index\"; MySQL pt-duplicate-key-checker",
};

/// What may cover an index: (its position among the indexes, or None for a key; name; method;
/// leading columns).
type Cover<'a> = (Option<usize>, String, Option<&'a str>, Vec<&'a str>);

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        // Partial indexes cover nothing.
        let mut others: Vec<Cover<'_>> = t
            .indexes
            .iter()
            .enumerate()
            .filter(|(_, ix)| ix.predicate.is_none())
            .map(|(i, ix)| {
                (
                    Some(i),
                    ix.name.clone().unwrap_or_default(),
                    ix.method.as_deref(),
                    ix.parts.iter().map_while(|p| p.column()).collect(),
                )
            })
            .collect();
        for k in t.primary_key.iter().chain(t.uniques.iter()) {
            others.push((
                None,
                k.name.clone().unwrap_or_else(|| "a key".into()),
                None,
                k.columns.iter().map(String::as_str).collect(),
            ));
        }
        for (i, ix) in t.indexes.iter().enumerate() {
            if ix.unique || ix.predicate.is_some() {
                continue;
            }
            let cols: Vec<&str> = ix.parts.iter().map_while(|p| p.column()).collect();
            if cols.len() != ix.parts.len() || cols.is_empty() {
                continue;
            }
            // Covered by a longer index or a key on the same leading columns, or by an identical
            // index listed before it (of two twins, the second is the one flagged).
            let covering = others.iter().find(|(position, _, method, other)| {
                *position != Some(i)
                    && method.map(str::to_ascii_lowercase) == ix.method.as_deref().map(str::to_ascii_lowercase)
                    && other.len() >= cols.len()
                    && cols.iter().zip(other.iter()).all(|(a, b)| same_name(a, b))
                    && (other.len() > cols.len() || position.is_none_or(|p| p < i))
            });
            if let Some((_, name, _, _)) = covering {
                out.push(
                    Finding::new(
                        Rule::RedundantIndex,
                        format!(
                            "index {} on {}({}) is covered by {name}",
                            ix.name.as_deref().unwrap_or("(unnamed)"),
                            t.qualified_name(),
                            cols.join(", ")
                        ),
                        drop_index_sql(cx.dialect, &t.qualified_name(), ix.name.as_deref().unwrap_or("...")),
                    )
                    .at(ix.span)
                    .on(&t.qualified_name(), cols.first().copied())
                    .fixed_by(
                        format!("drop {}", ix.name.as_deref().unwrap_or_default()),
                        ix.name.iter().map(|name| Edit::DropIndex { table: t.id, name: name.clone() }).collect(),
                    ),
                );
            }
        }
    }
}

/// The fix in the schema's own dialect: PostgreSQL drops without blocking writes
/// (CONCURRENTLY), MySQL and MariaDB in place without a lock, SQLite plainly.
fn drop_index_sql(dialect: crate::Dialect, table: &str, index: &str) -> String {
    match dialect {
        crate::Dialect::Postgres => format!("drop it: DROP INDEX CONCURRENTLY {index}"),
        crate::Dialect::MySql => {
            format!("drop it: ALTER TABLE {table} DROP INDEX {index}, ALGORITHM=INPLACE, LOCK=NONE")
        }
        crate::Dialect::Sqlite => format!("drop it: DROP INDEX {index}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{audit, LintOptions, Rule};
    use crate::{import, Dialect};

    #[test]
    fn the_fix_is_written_in_the_schemas_dialect() {
        let sql = "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, placed_at date);\n\
                   CREATE INDEX orders_customer_idx ON orders (customer_id);\n\
                   CREATE INDEX orders_customer_date_idx ON orders (customer_id, placed_at);\n";
        let help = |d: Dialect| {
            let schema = import(sql, Some(d)).schema;
            audit(&schema, d, &LintOptions::default())
                .into_iter()
                .find(|f| f.rule == Rule::RedundantIndex)
                .map(|f| f.help)
                .unwrap_or_default()
        };
        assert_eq!(help(Dialect::Postgres), "drop it: DROP INDEX CONCURRENTLY orders_customer_idx");
        assert_eq!(
            help(Dialect::MySql),
            "drop it: ALTER TABLE orders DROP INDEX orders_customer_idx, ALGORITHM=INPLACE, LOCK=NONE"
        );
        assert_eq!(help(Dialect::Sqlite), "drop it: DROP INDEX orders_customer_idx");
    }
}
