//! Deterministic synthetic schemas for benchmarks and scale tests: the same arguments always give
//! the same text, so figures are comparable between runs and between native and wasm.

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
}
