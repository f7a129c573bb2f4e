use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "references-in-a-list",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a column keeps a list of references (`tag_ids`)",
    what_it_does: "Flags a column named as a list of references (`user_ids`, `parent_area_ids`) whose type holds many values: text (a comma-separated or JSON list) or an array.",
    why_is_this_bad: "No foreign key can check the values, so they outlive the rows they name; finding the rows that mention one id scans and parses every list (or needs a GIN index on an array); changing one id rewrites whole lists, and text lists have no order or length the database knows.",
    example: "CREATE TABLE rooms (id bigint PRIMARY KEY, member_ids text);",
    use_instead: "CREATE TABLE room_members (\n    room_id bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,\n    member_id bigint NOT NULL REFERENCES users (id),\n    PRIMARY KEY (room_id, member_id)\n);",
    peers: "none in migration linters; SQL Antipatterns, \"Jaywalking\"",
};

/// A type that holds many values in one column.
fn holds_a_list(kind: &TypeKind) -> bool {
    matches!(
        kind,
        TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Array { .. } | TypeKind::Json | TypeKind::Jsonb
    )
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for c in t.columns.iter().filter(|c| holds_a_list(&c.data_type.kind)) {
            let words = super::name_words(&c.name);
            let [.., thing, last] = words.as_slice() else { continue };
            if last != "ids" {
                continue;
            }
            let how = match c.data_type.kind {
                TypeKind::Array { .. } => "an array",
                TypeKind::Json | TypeKind::Jsonb => "a JSON list",
                _ => "text",
            };
            out.push(
                Finding::new(
                    Rule::ReferencesInAList,
                    format!(
                        "{}.{} keeps {thing} ids in {how}: no foreign key checks them, and finding the rows that name one reads every list",
                        t.qualified_name(),
                        c.name,
                    ),
                    format!("keep them in a table of pairs ({}, {thing}), one row per id, with a foreign key each way", t.name),
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name)),
            );
        }
    }
}
