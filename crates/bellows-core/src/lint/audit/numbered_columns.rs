use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::Column;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "numbered-columns",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "numbered columns repeat one value (`phone1`, `phone2`, `phone3`)",
    what_it_does: "Flags three or more columns of one table named alike but for a number, counting from 0, 1 or 2 with none skipped (`tag1`, `tag2`, `tag3`; `enum_1` to `enum_6`).",
    why_is_this_bad: "The table holds a list in columns: a fourth value needs a schema change, finding a value means testing every column, the order of the values is fixed by column names, and empty slots are NULLs between filled ones.",
    example: "CREATE TABLE contacts (id bigint PRIMARY KEY, phone1 text, phone2 text, phone3 text);",
    use_instead: "CREATE TABLE contact_phones (\n    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,\n    position smallint NOT NULL,\n    phone text NOT NULL,\n    PRIMARY KEY (contact_id, position)\n);",
    peers: "none in migration linters; first normal form (a repeating group)",
};

/// The stem and the number of a name that ends in one or two digits: `phone2` gives (`phone`,
/// 2), `enum_3` gives (`enum`, 3). A number inside the name (`thumb_250_size`) or of three digits
/// or more (`thumb_250`, a size rather than a position) makes no numbered column.
fn numbered(c: &Column) -> Option<(String, u32)> {
    let name = c.name.to_ascii_lowercase();
    let digits = name.len() - name.trim_end_matches(|ch: char| ch.is_ascii_digit()).len();
    if digits == 0 || digits > 2 || digits == name.len() {
        return None;
    }
    let (stem, number) = name.split_at(name.len() - digits);
    let stem = stem.trim_end_matches('_');
    if stem.is_empty() {
        return None;
    }
    Some((stem.to_string(), number.parse().ok()?))
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        let mut groups: Vec<(String, Vec<(u32, &Column)>)> = Vec::new();
        for c in &t.columns {
            let Some((stem, n)) = numbered(c) else { continue };
            match groups.iter_mut().find(|(s, _)| *s == stem) {
                Some((_, list)) => list.push((n, c)),
                None => groups.push((stem, vec![(n, c)])),
            }
        }
        for (stem, mut list) in groups {
            list.sort_by_key(|(n, _)| *n);
            let first = list[0].0;
            let consecutive = list.iter().enumerate().all(|(i, (n, _))| *n == first + i as u32);
            if list.len() < 3 || first > 2 || !consecutive {
                continue;
            }
            let names: Vec<&str> = list.iter().map(|(_, c)| c.name.as_str()).collect();
            out.push(
                Finding::new(
                    Rule::NumberedColumns,
                    format!(
                        "{} keeps up to {} {stem} values in numbered columns ({})",
                        t.qualified_name(),
                        list.len(),
                        names.join(", ")
                    ),
                    format!("keep them in a table of their own, one row per {stem} with its position"),
                )
                .at(list[0].1.span)
                .on(&t.qualified_name(), Some(&list[0].1.name)),
            );
        }
    }
}
