use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "mixed-naming-style",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "table or column names mix styles",
    what_it_does: "Flags a schema whose names mix snake_case and camelCase/PascalCase (at least 10% of the minority style), and one whose table names mix singular and plural (at least 20% of the minority). One finding per kind, at the first name in the minority style.",
    why_is_this_bad: "Readers and queries have to remember which style each table uses; camelCase names need quoting in PostgreSQL, where unquoted names fold to lower case.",
    example: "CREATE TABLE customer_orders (id bigint);\nCREATE TABLE \"LineItems\" (\"orderId\" bigint);",
    use_instead: "One style: snake_case and plural (or singular) table names throughout.",
    peers: "sqlfluff capitalisation rules (CP01-CP05)",
};

fn camel(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase()) && name.chars().any(|c| c.is_ascii_lowercase()) && !name.contains('_')
}

fn snake(name: &str) -> bool {
    name.contains('_') && !name.chars().any(|c| c.is_ascii_uppercase())
}

pub(crate) fn plural(name: &str) -> bool {
    let last = super::name_words(name).pop().unwrap_or_default();
    last.ends_with('s') && !last.ends_with("ss") && !last.ends_with("us") && !last.ends_with("is") && last.len() > 3
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    let tables: Vec<&crate::Table> = super::tables(cx).collect();
    let mut names: Vec<(&crate::Table, Option<&crate::Column>, &str)> = Vec::new();
    for t in &tables {
        names.push((t, None, &t.name));
        for c in &t.columns {
            names.push((t, Some(c), &c.name));
        }
    }
    let camels: Vec<_> = names.iter().filter(|(_, _, n)| camel(n)).collect();
    let snakes = names.iter().filter(|(_, _, n)| snake(n)).count();
    let (minority, majority) = if camels.len() <= snakes { (camels.len(), snakes) } else { (snakes, camels.len()) };
    if minority > 0 && minority * 10 >= (minority + majority) {
        let odd =
            if camels.len() <= snakes { camels.first().copied() } else { names.iter().find(|(_, _, n)| snake(n)) };
        if let Some((t, c, n)) = odd {
            out.push(
                Finding::new(
                    Rule::MixedNamingStyle,
                    format!(
                        "names mix snake_case ({snakes}) and camelCase ({}); {n} is one of the minority",
                        camels.len()
                    ),
                    "rename to one style (Bellows plans renames without downtime)",
                )
                .at(c.map_or(t.span, |c| c.span))
                .on(&t.qualified_name(), c.map(|c| c.name.as_str())),
            );
        }
    }
    if tables.len() >= 4 {
        let plurals: Vec<&&crate::Table> = tables.iter().filter(|t| plural(&t.name)).collect();
        let singulars = tables.len() - plurals.len();
        let minority = plurals.len().min(singulars);
        if minority > 0 && minority * 5 >= tables.len() {
            let odd = if plurals.len() <= singulars {
                plurals.first().map(|t| **t)
            } else {
                tables.iter().find(|t| !plural(&t.name)).copied()
            };
            if let Some(t) = odd {
                out.push(
                    Finding::new(
                        Rule::MixedNamingStyle,
                        format!(
                            "table names mix plural ({}) and singular ({singulars}); {} is one of the minority",
                            plurals.len(),
                            t.name
                        ),
                        "pick plural or singular table names and rename the rest",
                    )
                    .at(t.span)
                    .on(&t.qualified_name(), None),
                );
            }
        }
    }
}
