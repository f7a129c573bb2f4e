use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "money-in-float",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "money stored in a floating-point or money type",
    what_it_does: "Flags columns named like amounts of money (price, amount, total, cost, balance, fee, salary, tax, ...) with a real, double or float type, and any column of PostgreSQL's money type.",
    why_is_this_bad: "Binary floating point cannot hold 0.10 exactly: sums drift by cents and comparisons fail. PostgreSQL's money type depends on the lc_monetary setting and rounds in surprising ways.",
    example: "CREATE TABLE invoices (total double precision);",
    use_instead: "numeric(12,2) (or an integer count of the smallest unit: cents).",
    peers: "squawk (none); sqlfluff (none); PostgreSQL wiki \"Don't Do This: money\"",
};

const MONEY_WORDS: &[&str] = &[
    "price", "amount", "total", "cost", "balance", "fee", "salary", "tax", "subtotal", "payment", "revenue", "wage",
    "charge", "credit", "debit",
];

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for c in &t.columns {
            let money_type =
                matches!(&c.data_type.kind, TypeKind::Named { name } if name.eq_ignore_ascii_case("money"));
            let float = matches!(c.data_type.kind, TypeKind::Real | TypeKind::Double);
            let named = super::name_words(&c.name).iter().any(|w| MONEY_WORDS.contains(&w.as_str()));
            if money_type || (float && named) {
                let exact = if cx.dialect == crate::Dialect::MySql { "decimal(12,2)" } else { "numeric(12,2)" };
                out.push(
                    Finding::new(
                        Rule::MoneyInFloat,
                        format!("{}.{} holds money as {}", t.qualified_name(), c.name, c.data_type.spelling),
                        "use numeric(12,2), or an integer number of cents",
                    )
                    .at(c.span)
                    .on(&t.qualified_name(), Some(&c.name))
                    .fixed_by(
                        format!("make {} {exact}", c.name),
                        super::retype_with_references(cx, t, c, |_| Some(exact.into())),
                    ),
                );
            }
        }
    }
}
