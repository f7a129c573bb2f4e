use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "fixed-length-char",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "char(n) pads values with spaces",
    what_it_does: "Flags char(n) / character(n) columns, and arrays of them: every length on PostgreSQL (a bare char is char(1)), longer than one character on MySQL, where a one-character code is the common, harmless use.",
    why_is_this_bad: "Values are padded with spaces to n characters: comparisons and lengths behave oddly, it saves no space, and a longer value is an error.",
    example: "CREATE TABLE films (title char(20));",
    use_instead: "text (with a CHECK on length if a limit matters) or varchar(n).",
    peers: "squawk ban-char-field; PostgreSQL wiki \"Don't Do This: char(n)\"",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect == Dialect::Sqlite {
        return;
    }
    for t in super::tables(cx) {
        for c in &t.columns {
            let (kind, array) = match &c.data_type.kind {
                TypeKind::Array { of } => (of.as_ref(), "[]"),
                kind => (kind, ""),
            };
            if let TypeKind::Char { length } = *kind {
                if length.unwrap_or(1) > 1 || cx.dialect == Dialect::Postgres {
                    // The same bound, without the padding.
                    let varchar = format!("varchar({}){array}", length.unwrap_or(1));
                    out.push(
                        Finding::new(
                            Rule::FixedLengthChar,
                            format!(
                                "{}.{} is {}, padded with spaces",
                                t.qualified_name(),
                                c.name,
                                c.data_type.spelling
                            ),
                            "use text or varchar(n)",
                        )
                        .at(c.span)
                        .on(&t.qualified_name(), Some(&c.name))
                        .fixed_by(
                            format!("make {} {varchar}", c.name),
                            super::retype_with_references(cx, t, c, |_| Some(varchar.clone())),
                        ),
                    );
                }
            }
        }
    }
}
