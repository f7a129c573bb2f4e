use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "same-concept-different-names",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "one concept is named differently across tables",
    what_it_does: "Flags the bookkeeping times (when a row was created, last changed, deleted) named in more than one way across the schema: `created_at` in most tables, `created_on` or `date_created` in others. Names are compared by their words, so `createdAt` and `created_at` are one spelling (`mixed-naming-style` judges that). Each column spelled unlike the most common spelling is flagged, and the fix renames it.",
    why_is_this_bad: "Every query, report and ORM mapping has to remember which table says which; generic code (auditing, soft delete, sync by modification time) cannot treat the tables alike, and a reader cannot tell whether `modified` and `updated_at` mean the same thing.",
    example: "CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz);\nCREATE TABLE invoices (id bigint PRIMARY KEY, created_at timestamptz);\nCREATE TABLE refunds (id bigint PRIMARY KEY, date_created timestamptz);",
    use_instead: "CREATE TABLE refunds (id bigint PRIMARY KEY, created_at timestamptz);",
    peers: "none in migration linters; schema style guides (GitLab's, Rails' timestamps) name one spelling",
};

/// The concepts and the spellings (words joined by `_`) each goes by.
const CONCEPTS: &[(&str, &[&str])] = &[
    (
        "creation time",
        &[
            "created_at",
            "created_on",
            "created",
            "created_date",
            "created_time",
            "creation_date",
            "creation_time",
            "date_created",
            "create_time",
            "create_date",
            "inserted_at",
            "insert_time",
            "date_added",
            "added_at",
            "added_on",
        ],
    ),
    (
        "time of the last change",
        &[
            "updated_at",
            "updated_on",
            "updated",
            "updated_date",
            "updated_time",
            "update_time",
            "update_date",
            "date_updated",
            "modified_at",
            "modified_on",
            "modified",
            "modified_date",
            "modified_time",
            "modification_date",
            "modification_time",
            "date_modified",
            "last_modified",
            "last_modified_at",
            "last_modified_date",
            "last_update",
            "last_updated",
            "last_updated_at",
            "changed_at",
            "changed_on",
            "changed",
        ],
    ),
    ("deletion time", &["deleted_at", "deleted_on", "deleted_date", "deletion_date", "date_deleted", "removed_at"]),
];

/// A bookkeeping time is a date or time, or a Unix time kept in an integer; a `deleted` flag is
/// another concept.
fn holds_a_time(kind: &TypeKind) -> bool {
    matches!(kind, TypeKind::Date | TypeKind::Timestamp | TypeKind::TimestampTz | TypeKind::Integer | TypeKind::BigInt)
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for (concept, spellings) in CONCEPTS {
        // (spelling, uses as (table, column)), in the order the schema first uses each.
        let mut uses: Vec<(&str, Vec<(&crate::Table, &crate::Column)>)> = Vec::new();
        for t in super::tables(cx) {
            for c in t.columns.iter().filter(|c| holds_a_time(&c.data_type.kind)) {
                let words = super::name_words(&c.name).join("_");
                let Some(spelling) = spellings.iter().find(|s| **s == words) else { continue };
                match uses.iter_mut().find(|(s, _)| s == spelling) {
                    Some((_, list)) => list.push((t, c)),
                    None => uses.push((spelling, vec![(t, c)])),
                }
            }
        }
        if uses.len() < 2 {
            continue;
        }
        // The most common spelling wins; on a tie, the one the schema uses first.
        let Some(common) =
            uses.iter().enumerate().max_by_key(|(i, (_, list))| (list.len(), usize::MAX - i)).map(|(i, _)| i)
        else {
            continue;
        };
        let (common_spelling, common_uses) = (&uses[common].0, &uses[common].1);
        // The name as the common spelling's first use writes it (`createdAt` or `created_at`).
        let model = &common_uses[0].1.name;
        let others: Vec<String> = uses
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != common)
            .map(|(_, (s, list))| format!("{s} ({})", list.len()))
            .collect();
        for (i, (_, list)) in uses.iter().enumerate() {
            if i == common {
                continue;
            }
            for (t, c) in list {
                // A table with both spellings keeps two columns: renaming one onto the other
                // cannot be the fix.
                let taken = t.column(model).is_some();
                let fix = if taken {
                    Vec::new()
                } else {
                    vec![crate::edit::Edit::RenameColumn { table: t.id, column: c.id, to: model.clone() }]
                };
                out.push(
                    Finding::new(
                        Rule::SameConceptDifferentNames,
                        format!(
                            "{}.{} holds the {concept}, which {} other {} {model}",
                            t.qualified_name(),
                            c.name,
                            common_uses.len(),
                            if common_uses.len() == 1 { "table names" } else { "tables name" },
                        ),
                        format!(
                            "name it {model} as most tables do (spellings in this schema: {common_spelling} ({}), {})",
                            common_uses.len(),
                            others.join(", ")
                        ),
                    )
                    .at(c.span)
                    .on(&t.qualified_name(), Some(&c.name))
                    .fixed_by(format!("rename {} to {model}", c.name), fix),
                );
            }
        }
    }
}
