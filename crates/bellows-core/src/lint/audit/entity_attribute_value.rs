use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::{same_name, Column, Table};
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "entity-attribute-value",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a table keeps another table's attributes as key/value rows",
    what_it_does: "Flags a narrow table (six columns or fewer) that references a row (a foreign key or an `X_id` column) and holds a text key column (`meta_key`, `name`, `attribute`, `k`) beside a value column (`meta_value`, `value`, `v`): the entity-attribute-value design, as in WordPress's `wp_postmeta`.",
    why_is_this_bad: "The attributes are data, not schema: no type, NOT NULL, CHECK, foreign key or default can apply to one of them; reading an entity with its attributes takes a join (or a pivot) per attribute, and a misspelt key is a new attribute nobody notices. Where the set of keys is open by design (free-form tags), say so in a comment and leave it.",
    example: "CREATE TABLE posts (id bigint PRIMARY KEY);\nCREATE TABLE post_meta (post_id bigint REFERENCES posts (id), meta_key text, meta_value text);",
    use_instead: "Columns for the attributes every row has (`posts.subtitle text`), a jsonb column for the open-ended rest.",
    peers: "none in migration linters; SQL Antipatterns, \"Entity-Attribute-Value\"",
};

const KEY_WORDS: &[&str] = &["key", "name", "attribute", "attr", "property", "setting", "k"];
const VALUE_WORDS: &[&str] = &["value", "val", "v"];

fn text(c: &Column) -> bool {
    matches!(c.data_type.kind, TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. })
}

fn last_word_in(c: &Column, words: &[&str]) -> bool {
    super::name_words(&c.name).last().is_some_and(|w| words.contains(&w.as_str()))
}

/// The row the attributes belong to: a foreign key's first column, or an `X_id` column; never
/// the key column, nor the table's own key (`meta_id`).
fn owner<'a>(t: &'a Table, key: &Column) -> Option<&'a Column> {
    let own_key =
        |c: &Column| t.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1 && same_name(&k.columns[0], &c.name));
    let fit = |c: &&'a Column| !same_name(&c.name, &key.name) && !own_key(c);
    t.foreign_keys.iter().filter_map(|fk| fk.columns.first()).filter_map(|c| t.column(c)).find(fit).or_else(|| {
        t.columns.iter().filter(fit).find(|c| {
            let words = super::name_words(&c.name);
            words.len() >= 2 && words.last().is_some_and(|w| w == "id")
        })
    })
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        if t.columns.len() > 6 {
            continue;
        }
        let Some(key) = t.columns.iter().find(|c| text(c) && last_word_in(c, KEY_WORDS)) else { continue };
        let value = t.columns.iter().find(|c| {
            last_word_in(c, VALUE_WORDS)
                && !same_name(&c.name, &key.name)
                && (text(c) || matches!(c.data_type.kind, TypeKind::Json | TypeKind::Jsonb | TypeKind::Bytes))
        });
        let Some(value) = value else { continue };
        // A single-letter pair (`k`, `v`) counts only as a pair.
        let single = |c: &Column| c.name.len() == 1;
        if single(key) != single(value) {
            continue;
        }
        let Some(owner) = owner(t, key) else { continue };
        out.push(
            Finding::new(
                Rule::EntityAttributeValue,
                format!(
                    "{} keeps attributes of the row {} names as {}/{} pairs: no type, NOT NULL or CHECK can apply to one of them",
                    t.qualified_name(),
                    owner.name,
                    key.name,
                    value.name
                ),
                "make the attributes every row has columns of their own, and keep the open-ended rest in one jsonb column (or say in a comment that the keys are open by design)",
            )
            .at(key.span)
            .on(&t.qualified_name(), Some(&key.name)),
        );
    }
}
