use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::{same_name, ForeignKey, RefAction, Table};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "ownership-without-on-delete",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a foreign key of rows owned by their parent states no ON DELETE",
    what_it_does: "Flags a foreign key that makes its rows part of the parent (its columns are in the child's primary key, as in a join table or an order's lines, or the child is named after the parent, as `order_items` is after `orders`, and the key is required and named after the parent too) when it states no ON DELETE action.",
    why_is_this_bad: "Without an action the database refuses to delete the parent while it has rows (NO ACTION), so every delete must first find and delete the owned rows by hand, in the right order; forget one table and the delete fails in production. When the rows should outlive the parent, RESTRICT says so and reads as a decision.",
    example: "CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE order_items (\n    order_id bigint NOT NULL REFERENCES orders (id),\n    line int NOT NULL,\n    PRIMARY KEY (order_id, line)\n);",
    use_instead: "    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,  -- or ON DELETE RESTRICT, to keep them",
    peers: "none in migration linters; Django and Rails require on_delete / dependent on every such association",
};

/// A plural word made singular the common English way: `categories`, `orders`, `addresses`.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word.strip_suffix("sses").or_else(|| word.strip_suffix("xes")) {
        format!("{stem}{}", &word[stem.len()..word.len() - 2])
    } else if word.ends_with("ss") {
        word.to_string()
    } else {
        word.strip_suffix('s').unwrap_or(word).to_string()
    }
}

/// The child's rows belong to the parent: the key's columns are all in the child's primary
/// key, or the key is required and the child's name starts with the parent's (`order_items`,
/// `orders`; `user_sessions`, `users`).
fn owned(child: &Table, parent: &Table, fk: &ForeignKey) -> bool {
    let in_key = child
        .primary_key
        .as_ref()
        .is_some_and(|k| fk.columns.iter().all(|c| k.columns.iter().any(|p| same_name(p, c))));
    if in_key {
        return true;
    }
    let required = fk.columns.iter().all(|c| child.column(c).is_some_and(|c| !c.nullable));
    let child_words = super::name_words(&child.name);
    let parent_words = super::name_words(&parent.name);
    let (Some(last), true) = (parent_words.last(), child_words.len() > parent_words.len()) else { return false };
    let stem = parent_words.len() - 1;
    let names_parent = |word: &String| *word == *last || *word == singular(last);
    // The key's column names the parent too (`user_id` in `user_sessions`); a `creator_id` in
    // `user_blocks` is another relation.
    let column_names_parent = fk.columns.first().is_some_and(|c| super::name_words(c).iter().any(names_parent));
    required && column_names_parent && child_words[..stem] == parent_words[..stem] && names_parent(&child_words[stem])
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for fk in &t.foreign_keys {
            if fk.on_delete != RefAction::NoAction {
                continue;
            }
            let Some(parent) = cx.schema.find_table(&fk.ref_table) else { continue };
            // A row that references its own table (a tree) is not owned by another, and a
            // table that is only its text key is a list of values (a lookup), not an owner.
            let list_of_values = parent.primary_key.as_ref().is_some_and(|k| {
                k.columns.len() == parent.columns.len()
                    && parent.columns.iter().all(|c| {
                        matches!(
                            c.data_type.kind,
                            crate::TypeKind::Text | crate::TypeKind::Varchar { .. } | crate::TypeKind::Char { .. }
                        )
                    })
            });
            if parent.id == t.id || list_of_values || !owned(t, parent, fk) {
                continue;
            }
            let Some(first) = fk.columns.first().and_then(|c| t.column(c)) else { continue };
            out.push(
                Finding::new(
                    Rule::OwnershipWithoutOnDelete,
                    format!(
                        "{}.{} makes its rows part of {}, but states no ON DELETE: a row of {} cannot be deleted while rows here point at it",
                        t.qualified_name(),
                        fk.columns.join(", "),
                        parent.qualified_name(),
                        parent.qualified_name(),
                    ),
                    "say what happens to them: ON DELETE CASCADE to delete them with it, ON DELETE RESTRICT to keep the parent while they exist",
                )
                .at(first.span)
                .on(&t.qualified_name(), Some(&first.name)),
            );
        }
    }
}
