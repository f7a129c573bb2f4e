//! Enum types (PostgreSQL). MySQL's inline `ENUM(...)` is a column type, planned in
//! `change_type.rs` (a value added at the end is instant); SQLite has none.

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn create_enum(ctx: &Ctx<'_>, i: usize, e: &str, b: &mut Builder) {
        let Some(en) = ctx.target.find_enum(e) else { return };
        let labels: Vec<String> = en.labels.iter().map(|l| lit(l)).collect();
        b.push(
            StageKind::Expand,
            step(
                format!("create enum type {e}"),
                i,
                vec![format!("CREATE TYPE {} AS ENUM ({})", tq(e), labels.join(", "))],
                vec![format!("DROP TYPE {}", tq(e))],
                (LockMode::None, &[], Effect::Metadata),
                true,
                "a new type touches no table",
                R_ENUM,
            ),
        );
    }

    pub(in crate::plan) fn add_enum_value(_ctx: &Ctx<'_>, i: usize, e: &str, value: &str, b: &mut Builder) {
        let mut s = step(
            format!("add value '{value}' to enum {e}"),
            i,
            vec![format!("ALTER TYPE {} ADD VALUE IF NOT EXISTS {}", tq(e), lit(value))],
            vec![],
            (LockMode::None, &[], Effect::Metadata),
            true,
            "adding an enum value is catalog-only; it cannot be removed again without recreating the type",
            R_ENUM,
        );
        s.one_way = true;
        b.push(StageKind::Expand, s);
        b.notes.push(format!("the new value '{value}' of {e} cannot be rolled back; it stays harmless if unused"));
    }

    pub(in crate::plan) fn remove_enum_values(_ctx: &Ctx<'_>, _i: usize, e: &str, values: &[String], b: &mut Builder) {
        b.notes.push(format!(
                "removing {} from enum {e} means a new enum type and a type change of every column that uses it; plan that as a column type change",
                values.join(", ")
            ));
    }
}
