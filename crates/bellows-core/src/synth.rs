//! Deterministic synthetic schemas for benchmarks and scale tests: the same arguments always give
//! the same text, so figures are comparable between runs and between native and wasm.

use crate::model::{Column, ColumnId, DefaultValue, Index, IndexPart, Schema};
use crate::types::DataType;
use crate::Span;
use std::fmt::Write;

/// A PostgreSQL schema of `tables` tables in pg_dump style: 6 to 14 columns each, a primary
/// key, one or two foreign keys to earlier tables, an index per foreign key, a unique
/// constraint on every third table, and comments.
pub fn postgres_schema(tables: usize) -> String {
    let mut out = String::with_capacity(tables * 900);
    let _ = writeln!(out, "-- synthetic schema: {tables} tables\nSET statement_timeout = 0;\n");
    const TYPES: &[&str] = &[
        "text",
        "character varying(255)",
        "integer",
        "bigint",
        "numeric(12,2)",
        "timestamp with time zone",
        "boolean",
        "jsonb",
        "date",
        "uuid",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for t in 0..tables {
        let columns = 6 + (next() % 9) as usize;
        let _ = writeln!(out, "CREATE TABLE public.t{t:04} (\n    id bigint NOT NULL,");
        let mut first_column = String::new();
        for c in 0..columns {
            let ty = TYPES[(next() % TYPES.len() as u64) as usize];
            let name = format!("c{c:02}_{}", ty.split(['(', ' ']).next().unwrap_or("x"));
            if c == 0 {
                first_column = name.clone();
            }
            let null = if next() % 3 == 0 { " NOT NULL" } else { "" };
            let default = match ty {
                "boolean" => " DEFAULT false",
                "timestamp with time zone" => " DEFAULT now()",
                _ => "",
            };
            let _ = writeln!(out, "    {name} {ty}{default}{null},");
        }
        let refs = if t == 0 { 0 } else { 1 + (next() % 2) as usize };
        for r in 0..refs {
            let _ = writeln!(out, "    ref{r}_id bigint,");
        }
        let _ = writeln!(out, "    created_at timestamp with time zone DEFAULT now() NOT NULL\n);\n");
        let _ = writeln!(out, "COMMENT ON TABLE public.t{t:04} IS 'synthetic table {t}';");
        let _ = writeln!(out, "ALTER TABLE public.t{t:04} OWNER TO app;");
        let _ = writeln!(out, "ALTER TABLE ONLY public.t{t:04}\n    ADD CONSTRAINT t{t:04}_pkey PRIMARY KEY (id);");
        if t % 3 == 0 {
            let _ = writeln!(
                out,
                "ALTER TABLE ONLY public.t{t:04}\n    ADD CONSTRAINT t{t:04}_c00_key UNIQUE ({first_column});"
            );
        }
        for r in 0..refs {
            let target = (next() % t as u64) as usize;
            let _ = writeln!(
                out,
                "ALTER TABLE ONLY public.t{t:04}\n    ADD CONSTRAINT t{t:04}_ref{r}_fkey FOREIGN KEY (ref{r}_id) REFERENCES public.t{target:04}(id) ON DELETE CASCADE;"
            );
            let _ = writeln!(out, "CREATE INDEX t{t:04}_ref{r}_idx ON public.t{t:04} USING btree (ref{r}_id);");
        }
        out.push('\n');
    }
    out
}

/// The target of the planner benchmark: `base` (a schema from [`postgres_schema`], imported)
/// with `changes` edits spread over its tables, as a user makes them on the canvas (ids kept,
/// so a rename is a rename): in turn a column renamed, a nullable column added, a NOT NULL
/// column with a default added, an index added, a column dropped.
pub fn edited(base: &Schema, changes: usize) -> Schema {
    let mut target = base.clone();
    let mut next_id = base.tables.iter().flat_map(|t| t.columns.iter()).map(|c| c.id.0).max().unwrap_or(0) + 1;
    let tables = target.tables.len().max(1);
    for i in 0..changes {
        // A stride coprime with the table count visits tables in a spread-out order.
        let Some(table) = target.tables.get_mut((i * 37) % tables) else { break };
        let column = |n: usize| table.columns.get(n).map(|c| c.name.clone());
        let mut new_column = |name: String, ty: &str, nullable: bool, default: Option<&str>| {
            next_id += 1;
            Column {
                default: default.map(|d| DefaultValue { expr: d.to_string(), volatile: false }),
                ..Column::new(ColumnId(next_id), name, DataType::parse(ty), nullable, Span::new(1, 1))
            }
        };
        match i % 5 {
            0 => {
                if let Some(name) = column(2) {
                    if let Some(c) = table.columns.iter_mut().find(|c| c.name == name) {
                        c.name = format!("{name}_renamed");
                    }
                }
            }
            1 => table.columns.push(new_column(format!("extra_{i}"), "text", true, None)),
            2 => table.columns.push(new_column(format!("flag_{i}"), "boolean", false, Some("false"))),
            3 => {
                if let Some(name) = column(3) {
                    table.indexes.push(Index {
                        name: Some(format!("{}_{name}_idx", table.name)),
                        unique: false,
                        parts: vec![IndexPart::Column { name, descending: false }],
                        method: None,
                        predicate: None,
                        span: Span::new(1, 1),
                    });
                }
            }
            _ => {
                if let Some(name) = column(4) {
                    table.columns.retain(|c| c.name != name);
                }
            }
        }
    }
    target
}

/// `n` application statements over `base` (a schema from [`postgres_schema`], imported), for
/// the consumer-check benchmark: in turn a lookup by key joined to the table it references, an
/// INSERT with a column list, an UPDATE, a DELETE, an aggregate, and a CTE over two tables,
/// spread over the tables, with `$n` placeholders and sqlc names.
pub fn consumer_statements(base: &Schema, n: usize) -> String {
    let mut out = String::with_capacity(n * 160);
    let tables = base.tables.len().max(1);
    for i in 0..n {
        let Some(t) = base.tables.get((i * 37) % tables) else { break };
        let col = |k: usize| t.columns.get(k % t.columns.len().max(1)).map_or("id", |c| c.name.as_str());
        let parent = t.foreign_keys.first().map(|fk| (fk.columns[0].as_str(), fk.ref_table.as_str()));
        let _ = writeln!(out, "-- name: Statement{i} :many");
        let name = &t.name;
        let _ = match (i % 6, parent) {
            (0, Some((fk, p))) => writeln!(
                out,
                "SELECT a.id, a.{}, b.created_at FROM {name} a JOIN {p} b ON b.id = a.{fk} WHERE a.id = $1;",
                col(1)
            ),
            (0, None) | (1, _) => {
                // Every column the server cannot fill, and one more.
                let mut cols: Vec<&str> = t
                    .columns
                    .iter()
                    .filter(|c| !c.nullable && c.default.is_none() || c.name == col(1))
                    .map(|c| c.name.as_str())
                    .collect();
                cols.dedup();
                let values: Vec<String> = (1..=cols.len()).map(|k| format!("${k}")).collect();
                writeln!(
                    out,
                    "INSERT INTO {name} ({}) VALUES ({}) RETURNING id, created_at;",
                    cols.join(", "),
                    values.join(", ")
                )
            }
            (2, _) => writeln!(out, "UPDATE {name} SET {} = $2 WHERE id = $1 AND {} IS NOT NULL;", col(2), col(3)),
            (3, _) => writeln!(out, "DELETE FROM {name} WHERE id = $1 RETURNING *;"),
            (4, _) => writeln!(
                out,
                "SELECT {}, count(*) AS n, max(created_at) FROM {name} WHERE created_at > $1 GROUP BY {} HAVING count(*) > 1 ORDER BY n DESC LIMIT 20;",
                col(1),
                col(1)
            ),
            _ => writeln!(
                out,
                "WITH recent AS (SELECT id, {} FROM {name} WHERE created_at > $1) SELECT r.id, r.{} FROM recent r WHERE EXISTS (SELECT 1 FROM {name} x WHERE x.id = r.id);",
                col(1),
                col(1)
            ),
        };
    }
    out
}

/// The consumer-check benchmark's inputs (native and wasm alike): the points of a plan over a
/// `tables`-table schema with one edit per ten tables (the base and after each stage), and
/// `statements` statements from [`consumer_statements`].
pub fn consumer_bench(tables: usize, statements: usize) -> (Vec<(String, Schema)>, Vec<crate::consumers::Statement>) {
    use crate::diff::{DiffOptions, Matching};
    let text = postgres_schema(tables);
    let base = crate::import(&text, Some(crate::Dialect::Postgres)).schema;
    let target = edited(&base, tables / 10);
    let options = crate::plan::PlanOptions::default();
    let plan = crate::plan::plan(
        &base,
        &target,
        &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
        &options,
    );
    let points = crate::consumers::plan_points(&text, crate::Dialect::Postgres, &plan);
    let sql = consumer_statements(&base, statements);
    (points, crate::consumers::statements(&sql, crate::Dialect::Postgres))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_schemas_are_deterministic_and_import_cleanly() {
        let a = postgres_schema(50);
        assert_eq!(a, postgres_schema(50));
        let result = crate::import(&a, Some(crate::Dialect::Postgres));
        let errors: Vec<String> =
            result.diagnostics.iter().filter(|d| d.severity != crate::Severity::Info).map(|d| d.to_string()).collect();
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(result.schema.tables.len(), 50);
        assert!(result.schema.foreign_key_count() >= 49);
    }

    #[test]
    fn consumer_statements_read_the_base_cleanly() {
        let base = crate::import(&postgres_schema(100), Some(crate::Dialect::Postgres)).schema;
        let sql = consumer_statements(&base, 120);
        let statements = crate::consumers::statements(&sql, crate::Dialect::Postgres);
        assert_eq!(statements.len(), 120);
        let findings = crate::consumers::check(&base, crate::Dialect::Postgres, &statements);
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn edited_targets_give_exactly_the_changes_asked_for() {
        let base = crate::import(&postgres_schema(200), Some(crate::Dialect::Postgres)).schema;
        let target = edited(&base, 100);
        let changes = crate::diff::diff(
            &base,
            &target,
            &crate::diff::DiffOptions {
                matching: crate::diff::Matching::Ids,
                renames: vec![],
                merges: vec![],
                moves: vec![],
            },
        );
        assert_eq!(
            changes.changes.len(),
            100,
            "{:#?}",
            changes.changes.iter().map(|c| c.describe()).collect::<Vec<_>>()
        );
        let renames = changes.changes.iter().filter(|c| matches!(c, crate::diff::Change::RenameColumn { .. })).count();
        assert_eq!(renames, 20);
    }
}
