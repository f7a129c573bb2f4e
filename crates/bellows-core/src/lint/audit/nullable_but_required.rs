use crate::edit::Edit;
use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "nullable-but-required",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a column that reads as required allows NULL",
    what_it_does: "Flags nullable columns whose names say every row has one: email, created_at / inserted_at / created (creation timestamps), status, state.",
    why_is_this_bad: "The rule lives only in application code: a path that forgets it (an import, a script, another service) stores NULL, and every reader has to handle a case that should not exist.",
    example: "CREATE TABLE users (id bigint PRIMARY KEY, email text, created_at timestamptz DEFAULT now());",
    use_instead: "email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now() (Bellows plans the change with a validated CHECK first).",
    peers: "none in migration linters",
};

fn looks_required(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "email" | "created_at" | "inserted_at" | "created" | "created_on" | "creation_date" | "status" | "state"
    )
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for c in t.columns.iter().filter(|c| c.nullable && c.generated.is_none() && looks_required(&c.name)) {
            out.push(
                Finding::new(
                    Rule::NullableButRequired,
                    format!("{}.{} allows NULL but its name says every row has one", t.qualified_name(), c.name),
                    "declare it NOT NULL (with a default where one makes sense)",
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name))
                .fixed_by(
                    format!("make {} NOT NULL", c.name),
                    vec![Edit::SetNullable { table: t.id, column: c.id, nullable: false }],
                ),
            );
        }
    }
}
