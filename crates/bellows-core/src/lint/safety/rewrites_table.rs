use crate::lint::{Action, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{DataType, Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "rewrites-table",
    family: Family::Safety,
    severity: Severity::Error,
    summary: "a step rewrites the whole table under ACCESS EXCLUSIVE",
    what_it_does: "Flags ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval()), a STORED generated or serial column, ALTER COLUMN TYPE to a type that is not binary-compatible, VACUUM FULL and CLUSTER, on a table that exists.",
    why_is_this_bad: "PostgreSQL rewrites every row while holding ACCESS EXCLUSIVE: no read or write reaches the table until the rewrite ends, minutes on a large table.",
    example: "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();\nALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);\nVACUUM FULL orders;",
    use_instead: "Add the column without a default (or with a constant one), then backfill in batches. For a type change: add a new column, keep it in step with a trigger, backfill, switch, drop the old one (Bellows plans this).",
    peers: "squawk adding-field-with-default, changing-column-type, prefer-repack; eugene E5, E10, E11; strong_migrations add_column_default, change_column",
};

/// Functions whose value is fixed for the statement: a default calling only these is
/// evaluated once and stored in the catalog (PostgreSQL 11+), with no rewrite.
const STABLE: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "transaction_timestamp",
    "statement_timestamp",
    "lower",
    "upper",
    "coalesce",
    "nullif",
    "cast",
    "array",
    "row",
    "jsonb_build_object",
    "json_build_object",
    "to_jsonb",
    "make_interval",
    "interval",
    "timestamp",
    "date",
];

/// True when the default may be evaluated per row: a known volatile function, or a call to a
/// function Bellows does not know (it may be volatile; a linter must not guess safe).
fn volatile_default(expr: &str) -> bool {
    if crate::import::is_volatile(expr) {
        return true;
    }
    let bytes = expr.as_bytes();
    let mut in_string = false;
    let mut word_start: Option<usize> = None;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'\'' {
            in_string = !in_string;
            word_start = None;
            continue;
        }
        if in_string {
            continue;
        }
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            word_start.get_or_insert(i);
            continue;
        }
        if c == b'(' {
            if let Some(start) = word_start {
                let name = expr[start..i].rsplit('.').next().unwrap_or("").to_ascii_lowercase();
                if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) && !STABLE.contains(&name.as_str()) {
                    return true;
                }
                // These take no argument: a call with one is no function Bellows knows.
                let niladic = ["now", "transaction_timestamp", "statement_timestamp"].contains(&name.as_str());
                if niladic && !expr[i + 1..].trim_start().starts_with(')') {
                    return true;
                }
            }
        }
        if c != b' ' {
            word_start = None;
        }
    }
    false
}

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for (i, s) in cx.statements.iter().enumerate() {
        let Op::Rewrite { tables, how } = &s.op else { continue };
        let existing: Vec<&str> = tables.iter().map(String::as_str).filter(|t| !cx.created_here(t, i)).collect();
        if !tables.is_empty() && existing.is_empty() {
            continue;
        }
        let what = if existing.is_empty() {
            match how.as_str() {
                "CLUSTER" => "every table clustered before".to_string(),
                _ => "every table of the database".to_string(),
            }
        } else {
            existing.join(", ")
        };
        let mut finding = Finding::new(
            Rule::RewritesTable,
            format!("{how} writes {what} anew under ACCESS EXCLUSIVE: no read or write reaches it until the copy ends"),
            "use pg_repack or pg_squeeze, which copy the table online and lock it only briefly at the end (REPACK CONCURRENTLY from PostgreSQL 19); or run it in a maintenance window",
        )
        .at(s.span);
        if let Some(first) = existing.first() {
            finding = finding.on(first, None);
        }
        out.push(finding);
    }
    for (_, s, table, action) in super::existing_table_actions(cx) {
        match action {
            Action::AddColumn { column, data_type, default, generated_stored, .. } => {
                let serial = matches!(data_type.to_ascii_lowercase().as_str(), "serial" | "bigserial" | "smallserial");
                let why = if *generated_stored {
                    Some("a STORED generated column is computed for every existing row")
                } else if serial {
                    Some("a serial column fills every existing row from its sequence")
                } else if default.as_deref().is_some_and(volatile_default) {
                    Some("a volatile default is evaluated for every existing row")
                } else if default.is_some() && cx.options.pg_version < 11 {
                    Some("before PostgreSQL 11 any default is written into every existing row")
                } else {
                    None
                };
                if let Some(why) = why {
                    out.push(
                        Finding::new(Rule::RewritesTable, format!("adding {table}.{column} rewrites {table}: {why}"), "add the column without the default, set the default afterwards, and backfill existing rows in batches")
                            .at(s.span)
                            .on(table, Some(column)),
                    );
                }
            }
            Action::AlterType { column, to } => {
                let to_kind = DataType::parse(to).kind;
                let from = cx.base_column(table, column).map(|c| c.data_type.kind.clone());
                let safe = match &from {
                    Some(from) => from.is_binary_coercible_to(&to_kind),
                    // Without the base schema the old type is unknown: most changes rewrite.
                    None => false,
                };
                if !safe {
                    let from_text = from.map(|f| format!(" from {}", f.sql(Dialect::Postgres))).unwrap_or_default();
                    out.push(
                        Finding::new(
                            Rule::RewritesTable,
                            format!("changing {table}.{column}{from_text} to {to} rewrites {table} under ACCESS EXCLUSIVE"),
                            "add a column of the new type, keep it in step with a trigger, backfill in batches, switch readers, then drop the old column",
                        )
                        .at(s.span)
                        .on(table, Some(column)),
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::volatile_default;

    #[test]
    fn a_known_function_is_known_only_with_its_own_arguments() {
        for stable in ["now()", "now( )", "current_timestamp", "current_timestamp(3)", "lower('A')", "'x'"] {
            assert!(!volatile_default(stable), "{stable} is evaluated once");
        }
        // now() takes no argument: now(123) is no function Bellows knows, so it may be volatile.
        for volatile in ["now(123)", "transaction_timestamp(1)", "gen_random_uuid()", "my_func(now())"] {
            assert!(volatile_default(volatile), "{volatile} may be evaluated per row");
        }
    }
}
