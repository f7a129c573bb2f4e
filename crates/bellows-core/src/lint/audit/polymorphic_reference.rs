use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::same_name;
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "polymorphic-reference",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a pair of columns references a row of one of several tables (`target_type`, `target_id`)",
    what_it_does: "Flags an `X_id` column that has no foreign key and sits beside an `X_type` (or `X_table`, `X_class`, `X_kind`) text column naming which table it points into: the polymorphic association of Rails and Laravel, or a generic `object_type` / `object_id` pair. An id that a key makes unique without its type (the row's own) or one named after a table the schema has is not flagged.",
    why_is_this_bad: "No foreign key can reference one of several tables, so nothing stops an id that names no row, and deleting the row leaves it dangling; every join must branch on the type, and the type's text has to match table or class names the schema never states.",
    example: "CREATE TABLE comments (id bigint PRIMARY KEY, body text, commentable_type text NOT NULL, commentable_id bigint NOT NULL);",
    use_instead: "One nullable reference per parent, exactly one set:\nCREATE TABLE comments (\n    id bigint PRIMARY KEY, body text,\n    post_id bigint REFERENCES posts (id),\n    photo_id bigint REFERENCES photos (id),\n    CHECK (num_nonnulls(post_id, photo_id) = 1)\n);",
    peers: "none in migration linters; SQL Antipatterns, \"Polymorphic Associations\"; GitLab's database guide forbids them",
};

const TYPE_WORDS: &[&str] = &["type", "table", "class", "kind", "model"];

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for c in &t.columns {
            let words = super::name_words(&c.name);
            let [stem @ .., last] = words.as_slice() else { continue };
            if stem.is_empty() || last != "id" || t.foreign_keys_of(&c.name).next().is_some() {
                continue;
            }
            let is_text = |k: &TypeKind| matches!(k, TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. });
            let partner = t.columns.iter().find(|o| {
                let w = super::name_words(&o.name);
                w.len() == stem.len() + 1
                    && w[..stem.len()] == *stem
                    && TYPE_WORDS.contains(&w[stem.len()].as_str())
                    && (is_text(&o.data_type.kind) || matches!(o.data_type.kind, TypeKind::Named { .. }))
                    && !same_name(&o.name, &c.name)
            });
            let Some(partner) = partner else { continue };
            // An id that a key makes unique without the type is the row's own (`media_id`
            // beside a MIME `media_type`, unique with its origin); an id named after a table the
            // schema has (`room_id` beside a `room_type`) is a plain reference. Neither points
            // into one of several tables.
            let keyed_without_type = |cols: &[String]| {
                cols.iter().any(|k| same_name(k, &c.name)) && !cols.iter().any(|k| same_name(k, &partner.name))
            };
            let own_key = t.primary_key.iter().chain(t.uniques.iter()).any(|k| keyed_without_type(&k.columns))
                || t.indexes.iter().filter(|i| i.unique && i.predicate.is_none()).any(|i| {
                    keyed_without_type(
                        &i.parts.iter().filter_map(|p| p.column().map(str::to_string)).collect::<Vec<_>>(),
                    )
                });
            let stem_name = stem.join("_");
            let known_table = cx.schema.tables.iter().any(|o| {
                let n = super::name_words(&o.name).join("_");
                n == stem_name || n == format!("{stem_name}s") || n == format!("{stem_name}es")
            });
            if own_key || known_table {
                continue;
            }
            out.push(
                Finding::new(
                    Rule::PolymorphicReference,
                    format!(
                        "{}.{} references a row of whichever table {} names: no foreign key can check it",
                        t.qualified_name(),
                        c.name,
                        partner.name
                    ),
                    "reference each parent table with a column and a foreign key of its own, and a CHECK that exactly one is set",
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name)),
            );
        }
    }
}
