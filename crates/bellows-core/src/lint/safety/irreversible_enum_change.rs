use crate::lint::{Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "irreversible-enum-change",
    family: Family::Safety,
    severity: Severity::Warning,
    summary: "an enum change that cannot be rolled back",
    what_it_does: "Flags ALTER TYPE ... ADD VALUE, ALTER TYPE ... RENAME VALUE and DROP TYPE.",
    why_is_this_bad: "PostgreSQL cannot remove an enum value: the rollback is a new type and a rewrite of every column that uses it. Before PostgreSQL 12, ADD VALUE cannot run in a transaction block either; a renamed value breaks the running version that writes the old label.",
    example: "ALTER TYPE order_status ADD VALUE 'refunded';",
    use_instead: "Accept it as a one-way step and run it on its own (its own migration, after the code that reads the value ships), or use a lookup table or a CHECK constraint on text where values change often.",
    peers: "squawk require-enum-value-ordering (related); strong_migrations (enum changes)",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    for (i, s) in cx.statements.iter().enumerate() {
        if let Op::AlterEnum { name, action } = &s.op {
            // A type created by this migration is new.
            let created = cx.statements[..i].iter().any(|p| {
                let t = p.text.to_ascii_lowercase();
                t.starts_with("create type") && t.contains(&name.to_ascii_lowercase())
            });
            if created {
                continue;
            }
            out.push(
                Finding::new(
                    Rule::IrreversibleEnumChange,
                    format!("{action} on {name} cannot be undone by a rollback"),
                    "run it as its own one-way step, after the code that handles the new value ships",
                )
                .at(s.span),
            );
        }
    }
}
