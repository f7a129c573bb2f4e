//! Audit rules: one per file. Each reads the schema as it stands and reports debt, pointing at
//! the table or column in the user's DDL.

pub(crate) mod duplicate_entity;
pub(crate) mod enum_like_text_without_check;
pub(crate) mod fixed_length_char;
pub(crate) mod foreign_key_type_mismatch;
pub(crate) mod inconsistent_column_type;
pub(crate) mod integer_key_may_overflow;
pub(crate) mod json_not_jsonb;
pub(crate) mod mixed_naming_style;
pub(crate) mod money_in_float;
pub(crate) mod nullable_but_required;
pub(crate) mod nullable_primary_key_column;
pub(crate) mod redundant_index;
pub(crate) mod reference_without_foreign_key;
pub(crate) mod reserved_or_long_identifier;
pub(crate) mod serial_not_identity;
pub(crate) mod table_without_primary_key;
pub(crate) mod timestamp_without_time_zone;
pub(crate) mod unindexed_foreign_key;
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
    inconsistent_column_type::check(cx, out);
    redundant_index::check(cx, out);
    money_in_float::check(cx, out);
    timestamp_without_time_zone::check(cx, out);
    fixed_length_char::check(cx, out);
    json_not_jsonb::check(cx, out);
    serial_not_identity::check(cx, out);
    integer_key_may_overflow::check(cx, out);
    nullable_but_required::check(cx, out);
    enum_like_text_without_check::check(cx, out);
    mixed_naming_style::check(cx, out);
    reserved_or_long_identifier::check(cx, out);
    wide_table::check(cx, out);
}

/// Tables the audit reads: partitions share their parent's shape and are judged through it.
pub(crate) fn tables<'a>(cx: &'a AuditCx<'a>) -> impl Iterator<Item = &'a Table> + 'a {
    cx.schema.tables.iter().filter(|t| t.partition_of.is_none())
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
