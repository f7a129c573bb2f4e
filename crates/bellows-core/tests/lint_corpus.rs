//! The safety rules against peer tools' own verdicts, from `../shared/corpora`:
//! squawk's rule tests (`mig-squawk-rules/manifest.json`: `ok` must not be flagged,
//! `flagged`/`flagged(fix-test)` must be) and eugene's examples (`mig-eugene/<hint>/bad.sql`
//! must be flagged, `good.sql` must not; `-- 1.sql` is the schema it runs on, `-- 2.sql` the
//! migration). Only peer rules with a Bellows counterpart are compared.
//!
//! The agreement rate per source is printed and must not fall below the floor recorded here
//! (the README has the figures). The disagreements are listed in `KNOWN`, each with the reason:
//! a new disagreement fails the test, and so does one that is fixed (remove it from the list).

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod support;

use bellows_core::lint::{check_migration, LintOptions, Rule};
use bellows_core::{import, Dialect};
use std::collections::BTreeSet;

/// squawk rule -> the Bellows rule that makes the same judgement.
const SQUAWK: &[(&str, Rule)] = &[
    ("adding_field_with_default", Rule::RewritesTable),
    ("adding_foreign_key_constraint", Rule::ScansUnderExclusiveLock),
    ("adding_not_null_field", Rule::ScansUnderExclusiveLock),
    ("adding_primary_key_constraint", Rule::UniqueWithoutIndexFirst),
    ("adding_required_field", Rule::NotNullWithoutDefault),
    ("ban_concurrent_index_creation_in_transaction", Rule::ConcurrentIndexInTransaction),
    ("ban_drop_column", Rule::DropsData),
    ("ban_drop_table", Rule::DropsData),
    ("ban_drop_database", Rule::DropsData),
    ("changing_column_type", Rule::RewritesTable),
    ("constraint_missing_not_valid", Rule::ScansUnderExclusiveLock),
    ("disallow_unique_constraint", Rule::UniqueWithoutIndexFirst),
    ("renaming_column", Rule::BreaksRunningApp),
    ("renaming_table", Rule::BreaksRunningApp),
    ("require_concurrent_index_creation", Rule::BlockingIndexBuild),
    ("require_concurrent_index_deletion", Rule::BlockingIndexBuild),
    ("require_timeout_settings", Rule::MissingLockTimeout),
    ("require_concurrent_reindex", Rule::BlockingIndexBuild),
    ("require_concurrent_partition_detach", Rule::BlockingPartitionDetach),
    // VACUUM FULL and CLUSTER write the table anew under ACCESS EXCLUSIVE.
    ("prefer_repack", Rule::RewritesTable),
    // ALTER DOMAIN ... ADD CONSTRAINT checks every column of the domain under SHARE.
    ("ban_alter_domain_with_add_constraint", Rule::ScansUnderExclusiveLock),
    // The debt a migration brings in: the audit's column rules on what it creates and adds.
    ("prefer_timestamptz", Rule::TimestampWithoutTimeZone),
    ("prefer_identity", Rule::SerialNotIdentity),
    ("ban_char_field", Rule::FixedLengthChar),
    ("identifier_too_long", Rule::ReservedOrLongIdentifier),
];

/// eugene hint -> Bellows rule.
const EUGENE: &[(&str, Rule)] = &[
    ("E1", Rule::ScansUnderExclusiveLock),
    ("E2", Rule::ScansUnderExclusiveLock),
    ("E5", Rule::RewritesTable),
    ("E6", Rule::BlockingIndexBuild),
    ("E7", Rule::UniqueWithoutIndexFirst),
    ("E9", Rule::MissingLockTimeout),
    ("E10", Rule::RewritesTable),
    ("E11", Rule::RewritesTable),
];

/// Cases where Bellows and the peer disagree, and why. (file, why)
const KNOWN: &[(&str, &str)] = &[
    ("eugene E10/good.sql: expected ok",
     "its third part changes prices.price from int to bigint, a real rewrite under ACCESS EXCLUSIVE; eugene is told to ignore it by an inline `eugene: ignore` comment, which Bellows does not read"),
    ("squawk adding_field_with_default/docs_example_error_on_pg_11.err.sql: expected flagged",
     "a constant default with pg_version=11: PostgreSQL 11 stores constant defaults in the catalog without a rewrite (release notes, 11.0, E.x ALTER TABLE); squawk's test treats 11 as the last version that rewrites"),
    ("squawk adding_foreign_key_constraint/add_column_references_lock.err.sql: expected flagged",
     "ADD COLUMN ... REFERENCES on a new column: every row is NULL, so the check reads nothing (measured on PostgreSQL 15.18: 5 ms on a 2,000,000-row table, as fast as a plain ADD COLUMN); the brief SHARE ROW EXCLUSIVE on both tables is what NOT VALID would take too. Bellows flags scans, not this"),
    ("squawk adding_foreign_key_constraint/add_foreign_key_constraint_not_valid_validate.ok.sql: expected ok",
     "NOT VALID then VALIDATE inside one BEGIN/COMMIT: the VALIDATE scans while the ALTER's lock is held. squawk's own constraint-missing-not-valid flags this pattern (not_valid_validate_transaction_err); Bellows agrees with that rule"),
    ("squawk ban_concurrent_index_creation_in_transaction/assuming_in_transaction_ok.ok.sql: expected ok",
     "with assume_in_transaction the tool wraps the file in a transaction, so CREATE INDEX CONCURRENTLY fails even alone; squawk exempts a file whose only statement it is"),
    ("squawk ban_concurrent_index_creation_in_transaction/squawk_disable_assume_in_transaction_overrides.ok.sql: expected ok",
     "the file turns the setting off with a squawk-specific comment directive (`-- squawk-disable-assume-in-transaction`), which Bellows does not read"),
    ("squawk prefer_repack/cluster_below_pg19_ok.ok.sql: expected ok",
     "CLUSTER writes the table anew under ACCESS EXCLUSIVE on every version; squawk stays quiet before PostgreSQL 19 only because core REPACK CONCURRENTLY does not exist yet. Bellows flags the lock and names pg_repack and pg_squeeze, which work on earlier versions"),
    ("squawk prefer_repack/vacuum_full_below_pg19_ok.ok.sql: expected ok",
     "as cluster_below_pg19_ok: VACUUM FULL holds ACCESS EXCLUSIVE for the whole copy whatever the version"),
    ("squawk ban_alter_domain_with_add_constraint/ok.ok.sql: expected ok",
     "the file also holds ALTER DOMAIN ... SET NOT NULL and VALIDATE CONSTRAINT, which check every column of the domain under SHARE just as ADD CONSTRAINT does (measured on PostgreSQL 15.18: SHARE on the table for each of the three); squawk's rule is about ADD CONSTRAINT alone"),
    ("squawk require_timeout_settings/err_comment_on_explains_lock_impact.err.sql: expected flagged",
     "COMMENT ON takes SHARE UPDATE EXCLUSIVE, which does not queue reads or writes behind it; Bellows asks for lock_timeout only before ACCESS EXCLUSIVE"),
    ("squawk require_timeout_settings/err_lock_access_share_uses_correct_article.err.sql: expected flagged",
     "LOCK TABLE ... IN ACCESS SHARE MODE blocks no reads or writes"),
    ("squawk require_timeout_settings/err_missing_statement_timeout.err.sql: expected flagged",
     "squawk also requires statement_timeout; Bellows does not, because a statement_timeout aborts the long, safe steps (CONCURRENTLY builds, VALIDATE, batches)"),
    ("squawk require_timeout_settings/err_other_ddl_operations.err.sql: expected flagged",
     "CREATE TYPE locks no existing table"),
    ("squawk require_timeout_settings/err_vacuum_full_false_uses_non_full_lock.err.sql: expected flagged",
     "VACUUM (FULL false) is a plain VACUUM: SHARE UPDATE EXCLUSIVE, which blocks no reads or writes"),
    ("squawk require_timeout_settings/fix_add_statement_timeout_only.err.sql: expected flagged",
     "lock_timeout is set; squawk wants statement_timeout as well (see err_missing_statement_timeout)"),
    ("squawk require_timeout_settings/fix_multiple_ddl_statements.err.sql: expected flagged",
     "the ALTER is on a table the same file creates: empty, so no lock can queue anything (Bellows never flags new objects)"),
    ("squawk require_timeout_settings/ok_only_statement_timeout_rule_enabled.ok.sql: expected ok",
     "a squawk configuration that checks statement_timeout only; Bellows checks lock_timeout"),
];

fn flags(sql: &str, base: Option<&bellows_core::Schema>, rule: Rule, options: &LintOptions) -> bool {
    check_migration(sql, base, Dialect::Postgres, options).iter().any(|f| f.rule == rule)
}

#[test]
fn safety_rules_agree_with_squawk_and_eugene() {
    let Some(root) = support::corpora() else { return };
    let mut disagreements: BTreeSet<String> = BTreeSet::new();
    let mut report = Vec::new();

    // squawk
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("mig-squawk-rules/manifest.json")).expect("manifest"))
            .expect("json");
    let (mut agree, mut total) = (0, 0);
    for case in manifest.as_array().expect("array") {
        let rule_name = case["rule"].as_str().unwrap_or("");
        let Some(&(_, rule)) = SQUAWK.iter().find(|(r, _)| *r == rule_name) else { continue };
        let verdict = case["verdict"].as_str().unwrap_or("?");
        let expected = match verdict {
            "ok" => false,
            v if v.starts_with("flagged") => true,
            _ => continue,
        };
        let file = case["file"].as_str().unwrap_or("");
        let Ok(sql) = std::fs::read_to_string(root.join("mig-squawk-rules").join(file)) else { continue };
        let mut options = LintOptions::default();
        for s in case["settings"].as_array().into_iter().flatten().filter_map(|s| s.as_str()) {
            if let Some(v) = s.strip_prefix("pg_version=") {
                options.pg_version = v.trim().parse().unwrap_or(16);
            }
            if s.starts_with("assume_in_transaction") && s.ends_with("true") {
                options.assume_in_transaction = true;
            }
        }
        total += 1;
        if flags(&sql, None, rule, &options) == expected {
            agree += 1;
        } else {
            disagreements.insert(format!("squawk {file}: expected {}", if expected { "flagged" } else { "ok" }));
        }
    }
    report.push(("squawk", agree, total));

    // eugene
    let (mut agree, mut total) = (0, 0);
    for &(hint, rule) in EUGENE {
        for (file, expected) in [("bad.sql", true), ("good.sql", false)] {
            let Ok(text) = std::fs::read_to_string(root.join("mig-eugene").join(hint).join(file)) else { continue };
            let (setup, migration) = match text.split_once("-- 2.sql") {
                Some((a, b)) => (a.to_string(), b.to_string()),
                None => (String::new(), text.clone()),
            };
            let base = import(&setup, Some(Dialect::Postgres)).schema;
            // The setup's tables exist before the migration (they are not created by it).
            total += 1;
            if flags(&migration, Some(&base), rule, &LintOptions::default()) == expected {
                agree += 1;
            } else {
                disagreements
                    .insert(format!("eugene {hint}/{file}: expected {}", if expected { "flagged" } else { "ok" }));
            }
        }
    }
    report.push(("eugene", agree, total));

    for (source, agree, total) in &report {
        println!("agreement with {source}: {agree}/{total} ({:.1}%)", 100.0 * *agree as f64 / (*total).max(1) as f64);
    }
    let known: BTreeSet<String> = KNOWN.iter().map(|(f, _)| f.to_string()).collect();
    let new: Vec<&String> = disagreements.difference(&known).collect();
    let fixed: Vec<&String> = known.difference(&disagreements).collect();
    assert!(
        new.is_empty(),
        "new disagreements (fix the rule, or explain them in KNOWN):\n{}",
        new.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    assert!(fixed.is_empty(), "disagreements that no longer happen (remove them from KNOWN): {fixed:?}");
}
