//! Audit rules: one per file. Each reads the schema as it stands and reports debt, pointing at
//! the table or column in the user's DDL.

pub(crate) mod denormalized_copy;
pub(crate) mod duplicate_entity;
pub(crate) mod entity_attribute_value;
pub(crate) mod enum_like_text_without_check;
pub(crate) mod fixed_length_char;
pub(crate) mod flag_in_number;
pub(crate) mod foreign_key_type_mismatch;
pub(crate) mod inconsistent_column_type;
pub(crate) mod integer_key_may_overflow;
pub(crate) mod json_not_jsonb;
pub(crate) mod mixed_naming_style;
pub(crate) mod money_in_float;
pub(crate) mod null_together_columns;
pub(crate) mod nullable_but_required;
pub(crate) mod nullable_primary_key_column;
pub(crate) mod numbered_columns;
pub(crate) mod ownership_without_on_delete;
pub(crate) mod polymorphic_reference;
pub(crate) mod redundant_index;
pub(crate) mod reference_without_foreign_key;
pub(crate) mod references_in_a_list;
pub(crate) mod reserved_or_long_identifier;
pub(crate) mod same_concept_different_names;
pub(crate) mod serial_not_identity;
pub(crate) mod table_without_primary_key;
pub(crate) mod time_in_number;
pub(crate) mod timestamp_without_time_zone;
pub(crate) mod unindexed_foreign_key;
pub(crate) mod uuid_in_text;
pub(crate) mod wide_table;

use super::{AuditCx, Finding};
use crate::model::Table;

pub(crate) fn run(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    table_without_primary_key::check(cx, out);
    nullable_primary_key_column::check(cx, out);
    unindexed_foreign_key::check(cx, out);
    reference_without_foreign_key::check(cx, out);
    foreign_key_type_mismatch::check(cx, out);
    duplicate_entity::check(cx, out);
    denormalized_copy::check(cx, out);
    same_concept_different_names::check(cx, out);
    ownership_without_on_delete::check(cx, out);
    null_together_columns::check(cx, out);
    references_in_a_list::check(cx, out);
    polymorphic_reference::check(cx, out);
    entity_attribute_value::check(cx, out);
    numbered_columns::check(cx, out);
    inconsistent_column_type::check(cx, out);
    redundant_index::check(cx, out);
    money_in_float::check(cx, out);
    timestamp_without_time_zone::check(cx, out);
    fixed_length_char::check(cx, out);
    json_not_jsonb::check(cx, out);
    uuid_in_text::check(cx, out);
    flag_in_number::check(cx, out);
    time_in_number::check(cx, out);
    serial_not_identity::check(cx, out);
    integer_key_may_overflow::check(cx, out);
    nullable_but_required::check(cx, out);
    enum_like_text_without_check::check(cx, out);
    mixed_naming_style::check(cx, out);
    reserved_or_long_identifier::check(cx, out);
    wide_table::check(cx, out);
}

/// Tables the audit reads: partitions share their parent's shape and are judged through it.
pub(crate) fn tables<'a>(cx: &AuditCx<'a>) -> impl Iterator<Item = &'a Table> + use<'a> {
    let schema: &'a crate::Schema = cx.schema;
    schema.tables.iter().filter(|t| t.partition_of.is_none())
}

/// The edits that give a column a new type, with every column its foreign keys tie it to (the
/// columns that reference it, the one it references, theirs in turn), so a fix never leaves a
/// foreign key between two types. `to` gives each column's new type (None: leave it). Empty
/// where MySQL would refuse the edits one at a time: it wants both sides of a foreign key of one
/// type after each statement.
pub(crate) fn retype_with_references(
    cx: &AuditCx<'_>,
    table: &Table,
    column: &crate::Column,
    to: impl Fn(&crate::Column) -> Option<String>,
) -> Vec<crate::edit::Edit> {
    let schema = cx.schema;
    let links = cx.links();
    let Some(start) = schema.tables.iter().position(|t| t.id == table.id) else { return Vec::new() };
    // (table index, column name in lower case), found through foreign keys both ways.
    let mut family: Vec<(usize, String)> = vec![(start, column.name.to_ascii_lowercase())];
    let mut next = 0;
    while next < family.len() {
        for other in links.get(&family[next]).into_iter().flatten() {
            if !family.contains(other) {
                family.push(other.clone());
            }
        }
        next += 1;
    }
    if cx.dialect == crate::Dialect::MySql && family.len() > 1 {
        return Vec::new();
    }
    let mut edits = Vec::new();
    for (ti, name) in family {
        let t = &schema.tables[ti];
        let Some(c) = t.column(&name) else { continue };
        let Some(data_type) = to(c) else { continue };
        let same = crate::types::DataType::parse(&data_type).kind == c.data_type.kind
            && data_type.eq_ignore_ascii_case(c.data_type.spelling.trim());
        if !same {
            edits.push(crate::edit::Edit::SetType { table: t.id, column: c.id, data_type });
        }
    }
    edits
}

/// True when a MySQL integer column is declared unsigned.
pub(crate) fn unsigned(c: &crate::Column) -> bool {
    c.data_type.spelling.to_ascii_lowercase().contains("unsigned")
}

/// A key and every column its foreign keys tie it to, as bigint (unsigned stays unsigned);
/// columns already wider stay.
pub(crate) fn widen_to_bigint(cx: &AuditCx<'_>, table: &Table, column: &crate::Column) -> Vec<crate::edit::Edit> {
    retype_with_references(cx, table, column, |c| {
        let narrow = matches!(c.data_type.kind, crate::TypeKind::Integer | crate::TypeKind::SmallInt);
        narrow.then(|| if unsigned(c) { "bigint unsigned" } else { "bigint" }.to_string())
    })
}

/// A type's modifier as written, `(3)` in `timestamp(3) without time zone`, or nothing: a fix
/// that changes the type keeps its precision.
pub(crate) fn type_modifier(spelling: &str) -> &str {
    let Some(open) = spelling.find('(') else { return "" };
    let Some(close) = spelling[open..].find(')') else { return "" };
    let inner = &spelling[open + 1..open + close];
    if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit() || c == ',' || c == ' ') {
        &spelling[open..=open + close]
    } else {
        ""
    }
}

/// The name's words: `customerId` and `customer_id` both give `customer`, `id`.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == ' ' || c == '-' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}
