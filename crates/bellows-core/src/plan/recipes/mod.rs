//! One file per change kind, with each dialect's recipe side by side: `mod postgres`, `mod mysql`
//! and `mod sqlite` in each file. A recipe reads its dialect's context and helpers (`Ctx`, the
//! quoting, the step builders, the ranks) from `plan::postgres`, `plan::mysql` or `plan::sqlite`,
//! and nothing else differs between them. What differs between MySQL and MariaDB versions is in
//! `plan/mysql/server.rs`.

pub(in crate::plan) mod add_column;
pub(in crate::plan) mod change_type;
pub(in crate::plan) mod checks;
pub(in crate::plan) mod comments;
pub(in crate::plan) mod default;
pub(in crate::plan) mod drop_column;
pub(in crate::plan) mod enums;
pub(in crate::plan) mod foreign_keys;
pub(in crate::plan) mod identity;
pub(in crate::plan) mod indexes;
pub(in crate::plan) mod keys;
pub(crate) mod lookup;
pub(crate) mod merge;
pub(crate) mod moves;
pub(in crate::plan) mod not_null;
pub(in crate::plan) mod objects;
pub(in crate::plan) mod partitions;
pub(in crate::plan) mod rename_column;
pub(crate) mod split;
pub(in crate::plan) mod tables;
