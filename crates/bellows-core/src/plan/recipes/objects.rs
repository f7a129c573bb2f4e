//! Objects kept as text: views, triggers, routines, policies, rules, domains, extensions.

pub(in crate::plan) mod postgres {
    //! Recipes for the objects kept as text (extensions, domains, views, routines, triggers,
    //! policies and rules), and the dependents a column change must take with it.
    //!
    //! PostgreSQL refuses to change the type of a column, or to drop it, while a view, a rule, a
    //! policy or a trigger's `UPDATE OF`/`WHEN` uses it. A step that does so drops those dependents
    //! first and creates them again in the same transaction: with the base definition in Expand and
    //! Backfill (v1 still reads them), with the target definition in Contract (which also carries
    //! out the dependent's own replacement, so no second step replaces it).
    //!
    //! New objects come in Expand, once the columns and routines they use exist; changed ones in
    //! Contract, when v1 no longer relies on the old definition; dropped ones in Contract, before
    //! the columns they read go. A routine body that still names a column the plan renames or
    //! drops cannot be rewritten by Bellows: a pre-check stops the plan before Contract and names it.

    use crate::import::objects::mentions;
    use crate::plan::postgres::*;

    /// Where an object definition is created: `SET LOCAL search_path` around it when it was
    /// written under another path, so its unqualified names mean what they meant.
    pub(in crate::plan) fn with_path(path: Option<&str>, sql: String) -> Vec<String> {
        match path {
            Some(p) => vec![format!("SET LOCAL search_path = {p}"), sql, "SET LOCAL search_path = DEFAULT".into()],
            None => vec![sql],
        }
    }

    pub(in crate::plan) fn view_name(v: &View) -> String {
        match &v.namespace {
            Some(ns) => format!("{ns}.{}", v.name),
            None => v.name.clone(),
        }
    }

    pub(in crate::plan) fn view_like_name(namespace: &Option<String>, name: &str) -> String {
        match namespace {
            Some(ns) => format!("{ns}.{name}"),
            None => name.to_string(),
        }
    }

    pub(in crate::plan) fn view_kind(v: &View) -> &'static str {
        if v.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        }
    }

    pub(in crate::plan) fn create_view_sql(v: &View) -> Vec<String> {
        with_path(
            v.search_path.as_deref(),
            format!("CREATE {} {} AS {}", view_kind(v), tq(&view_name(v)), v.definition.trim().trim_end_matches(';')),
        )
    }

    pub(in crate::plan) fn drop_view_sql(v: &View) -> String {
        format!("DROP {} IF EXISTS {}", view_kind(v), tq(&view_name(v)))
    }

    /// `CREATE OR REPLACE ...` of a routine or rule written as `CREATE ...`.
    pub(in crate::plan) fn or_replace(definition: &str) -> String {
        let trimmed = definition.trim().trim_end_matches(';');
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("create or replace") {
            trimmed.to_string()
        } else if let Some(rest) = trimmed.get(6..).filter(|_| lower.starts_with("create")) {
            format!("CREATE OR REPLACE{rest}")
        } else {
            trimmed.to_string()
        }
    }

    pub(in crate::plan) fn object_sql(definition: &str, path: Option<&str>) -> Vec<String> {
        with_path(path, definition.trim().trim_end_matches(';').to_string())
    }

    /// True when view `v` reads `table` (qualified) and uses `column` (or any column, for `None`):
    /// by name, or through `*`.
    pub(in crate::plan) fn view_uses(v: &View, table: &str, column: Option<&str>) -> bool {
        let short = split_qualified(table).1;
        let reads = v.reads.iter().any(|r| same_name(r, table) || same_name(split_qualified(r).1, short))
            || mentions(&v.definition, short);
        if !reads {
            return false;
        }
        match column {
            None => true,
            Some(c) => mentions(&v.definition, c) || v.definition.contains('*'),
        }
    }

    /// Views of `schema` that read view `name`.
    pub(in crate::plan) fn views_reading<'a>(schema: &'a Schema, name: &str) -> impl Iterator<Item = &'a View> + 'a {
        let short = split_qualified(name).1.to_string();
        let name = name.to_string();
        schema.views.iter().filter(move |v| !same_name(&view_name(v), &name) && mentions(&v.definition, &short))
    }

    /// The dependents of one change, with the statements that take them out and put them back.
    #[derive(Debug, Default)]
    pub(in crate::plan) struct Around {
        /// Before the change: drop dependents, dependents of dependents first.
        pub drop: Vec<String>,
        /// After the change: create them again, in dependency order.
        pub create: Vec<String>,
        /// What the step's undo runs before its own statements, and after them.
        pub undo_drop: Vec<String>,
        pub undo_create: Vec<String>,
        /// Names of what was taken out, for the step's reason.
        pub names: Vec<String>,
    }

    impl Around {
        pub fn is_empty(&self) -> bool {
            self.names.is_empty()
        }

        /// `sql` (a step's statements, `SET lock_timeout` first) with the dependents around it.
        pub fn wrap(&self, sql: Vec<String>) -> Vec<String> {
            wrap(sql, &self.drop, &self.create)
        }

        pub fn wrap_undo(&self, sql: Vec<String>) -> Vec<String> {
            if sql.is_empty() {
                return sql;
            }
            wrap(sql, &self.undo_drop, &self.undo_create)
        }

        pub fn reason(&self, reason: &str) -> String {
            if self.is_empty() {
                reason.to_string()
            } else {
                let (verb, be) = if self.names.len() == 1 { ("depends", "is") } else { ("depend", "are") };
                format!(
                    "{reason}; {} {verb} on it and {be} dropped and created again in the same transaction",
                    self.names.join(", ")
                )
            }
        }
    }

    pub(in crate::plan) fn wrap(sql: Vec<String>, before: &[String], after: &[String]) -> Vec<String> {
        let lead = sql.iter().take_while(|s| s.starts_with("SET lock_timeout")).count();
        let mut out: Vec<String> = sql[..lead].to_vec();
        out.extend(before.iter().cloned());
        out.extend(sql[lead..].iter().cloned());
        out.extend(after.iter().cloned());
        out
    }

    /// What uses `columns` of `table` (the base name; all columns when empty): views (and the views
    /// that read them), triggers with `UPDATE OF` or `WHEN` on them, policies and rules naming them.
    /// In `stage` Contract the dependents come back with their target definitions (and count as
    /// replaced), earlier with the definitions v1 knows.
    pub(in crate::plan) fn around(
        ctx: &Ctx<'_>,
        table: &str,
        columns: &[String],
        stage: StageKind,
        b: &mut Builder,
    ) -> Around {
        let target_name = target_table_name(ctx, table);
        let uses = |text: &str| columns.is_empty() || columns.iter().any(|c| mentions(text, c));
        // Views, closed over views reading views, in either version.
        let mut names: Vec<String> = Vec::new();
        for schema in [ctx.base, ctx.target] {
            for v in &schema.views {
                let direct = if columns.is_empty() {
                    view_uses(v, table, None) || view_uses(v, &target_name, None)
                } else {
                    columns.iter().any(|c| view_uses(v, table, Some(c)))
                };
                if direct && !names.iter().any(|n| same_name(n, &view_name(v))) {
                    names.push(view_name(v));
                }
            }
        }
        let mut k = 0;
        while k < names.len() {
            let current = names[k].clone();
            for schema in [ctx.base, ctx.target] {
                for v in views_reading(schema, &current) {
                    if !names.iter().any(|n| same_name(n, &view_name(v))) {
                        names.push(view_name(v));
                    }
                }
            }
            k += 1;
        }
        let mut out = Around::default();
        let contract = stage == StageKind::Contract;
        let ordered = dependency_order(ctx, &names);
        // Drop: readers first (reverse order); create: in order.
        for name in ordered.iter().rev() {
            let live = live_view(ctx, name, b);
            if let Some(v) = live {
                out.drop.push(drop_view_sql(v));
            }
        }
        for name in &ordered {
            let after = if contract { ctx.target.find_view(name) } else { ctx.base.find_view(name) };
            if let Some(v) = after {
                out.create.extend(create_view_sql(v));
                out.undo_drop.insert(0, drop_view_sql(v));
            }
            if let Some(v) = live_view(ctx, name, b) {
                out.undo_create.extend(create_view_sql(v));
            }
            if contract {
                b.recreated.insert(format!("view:{}", name.to_ascii_lowercase()));
            }
            out.names.push(format!("view {name}"));
        }
        // Triggers, policies and rules on the table itself (a dropped table takes them along).
        let on_table = |t: &str| !columns.is_empty() && same_name(t, table);
        for t in ctx.base.triggers.iter().filter(|t| on_table(&t.table)) {
            let on_columns = t.columns.iter().any(|c| columns.iter().any(|x| same_name(c, x)));
            let in_when = when_clause(&t.definition).is_some_and(uses);
            if !(on_columns || in_when) {
                continue;
            }
            let key = format!("trigger:{}.{}", target_name.to_ascii_lowercase(), t.name.to_ascii_lowercase());
            out.drop.push(format!("DROP TRIGGER IF EXISTS {} ON {}", q(&t.name), tq(table)));
            let again = if contract {
                ctx.target.triggers.iter().find(|x| same_name(&x.name, &t.name) && same_name(&x.table, &target_name))
            } else {
                Some(t)
            };
            if let Some(again) = again {
                out.create.extend(object_sql(&again.definition, again.search_path.as_deref()));
                out.undo_drop.push(format!("DROP TRIGGER IF EXISTS {} ON {}", q(&again.name), tq(&target_name)));
            }
            out.undo_create.extend(object_sql(&t.definition, t.search_path.as_deref()));
            if contract {
                b.recreated.insert(key);
            }
            out.names.push(format!("trigger {}", t.name));
        }
        for p in ctx.base.policies.iter().filter(|p| on_table(&p.table) && uses(&p.definition)) {
            let key = format!("policy:{}.{}", target_name.to_ascii_lowercase(), p.name.to_ascii_lowercase());
            out.drop.push(drop_policy_sql(p, table));
            let again = if contract {
                ctx.target.policies.iter().find(|x| same_name(&x.name, &p.name) && same_name(&x.table, &target_name))
            } else {
                Some(p)
            };
            if let Some(again) = again {
                out.create.extend(object_sql(&again.definition, again.search_path.as_deref()));
                out.undo_drop.push(drop_policy_sql(again, &target_name));
            }
            out.undo_create.extend(object_sql(&p.definition, p.search_path.as_deref()));
            if contract {
                b.recreated.insert(key);
            }
            out.names.push(format!("{} {}", policy_word(p), p.name));
        }
        out
    }

    /// The table's name in the target (after a rename).
    pub(in crate::plan) fn target_table_name(ctx: &Ctx<'_>, base_name: &str) -> String {
        ctx.changes
            .iter()
            .find_map(|c| match c {
                Change::RenameTable { from, to } if same_name(from, base_name) => Some(to.clone()),
                _ => None,
            })
            .unwrap_or_else(|| base_name.to_string())
    }

    /// The view as it exists in the database before a step: its target definition once a
    /// Contract step has put it back, its base definition before.
    pub(in crate::plan) fn live_view<'a>(ctx: &Ctx<'a>, name: &str, b: &Builder) -> Option<&'a View> {
        if b.recreated.contains(&format!("view:{}", name.to_ascii_lowercase())) {
            ctx.target.find_view(name)
        } else {
            ctx.base.find_view(name)
        }
    }

    /// `names` ordered so that a view comes after the views it reads.
    pub(in crate::plan) fn dependency_order(ctx: &Ctx<'_>, names: &[String]) -> Vec<String> {
        let reads = |a: &str, b: &str| {
            let def = |s: &Schema| s.find_view(a).is_some_and(|v| mentions(&v.definition, split_qualified(b).1));
            def(ctx.base) || def(ctx.target)
        };
        let mut out: Vec<String> = Vec::new();
        let mut left: Vec<String> = names.to_vec();
        while !left.is_empty() {
            let ready = left.iter().position(|n| !left.iter().any(|m| !same_name(m, n) && reads(n, m))).unwrap_or(0); // a cycle of mentions: take them in order
            out.push(left.remove(ready));
        }
        out
    }

    pub(in crate::plan) fn when_clause(definition: &str) -> Option<&str> {
        let lower = definition.to_ascii_lowercase();
        let at = lower.find(" when ")?;
        let end = lower.find(" execute ").unwrap_or(lower.len());
        definition.get(at..end.max(at))
    }

    pub(in crate::plan) fn policy_word(p: &Policy) -> &'static str {
        match p.kind {
            PolicyKind::RowSecurity => "policy",
            PolicyKind::Rule => "rule",
        }
    }

    pub(in crate::plan) fn drop_policy_sql(p: &Policy, table: &str) -> String {
        match p.kind {
            PolicyKind::RowSecurity => format!("DROP POLICY IF EXISTS {} ON {}", q(&p.name), tq(table)),
            PolicyKind::Rule => format!("DROP RULE IF EXISTS {} ON {}", q(&p.name), tq(table)),
        }
    }

    /// Views among `names` that read other views among them, counted: deeper ones are created
    /// later and dropped earlier.
    pub(in crate::plan) fn view_depth(schema: &Schema, name: &str) -> u32 {
        let mut depth = 0;
        let mut frontier = vec![name.to_string()];
        let mut seen = frontier.clone();
        while depth < 8 {
            let mut next = Vec::new();
            for n in &frontier {
                let Some(v) = schema.find_view(n) else { continue };
                for other in &schema.views {
                    let other_name = view_name(other);
                    if !seen.iter().any(|s| same_name(s, &other_name)) && mentions(&v.definition, &other.name) {
                        seen.push(other_name.clone());
                        next.push(other_name);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            depth += 1;
            frontier = next;
        }
        depth
    }

    /// Plans one change of an object kept as text; false when the change is not one of them.
    pub(in crate::plan) fn object_recipe(ctx: &Ctx<'_>, i: usize, change: &Change, b: &mut Builder) -> bool {
        use Change::*;
        let lt = ctx.lock_timeout();
        match change {
            CreateExtension { name } => {
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create extension {name}"),
                        i,
                        vec![ctx.target.extensions.iter().find(|e| same_name(&e.name, name)).map_or_else(
                            || format!("CREATE EXTENSION IF NOT EXISTS {}", q(name)),
                            crate::Extension::create_sql,
                        )],
                        vec![format!("DROP EXTENSION IF EXISTS {}", q(name))],
                        (LockMode::None, &[], Effect::Metadata),
                        true,
                        "the extension's types and functions are new: nothing uses them yet",
                        R_EXTENSION,
                    ),
                );
            }
            CreateSequence { name } => {
                let owner = ctx
                    .target
                    .sequences
                    .iter()
                    .find(|s| same_name(&view_like_name(&s.namespace, &s.name), name))
                    .and_then(|s| s.owned_by.clone());
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create sequence {name}"),
                        i,
                        vec![format!("CREATE SEQUENCE IF NOT EXISTS {}", tq(name))],
                        vec![format!("DROP SEQUENCE IF EXISTS {}", tq(name))],
                        (LockMode::None, &[], Effect::Metadata),
                        true,
                        "a new sequence touches no table",
                        R_ENUM,
                    ),
                );
                if let Some(owner) = owner {
                    let (table, column) = owner.rsplit_once('.').unwrap_or((owner.as_str(), ""));
                    b.push(
                        StageKind::Expand,
                        step(
                            format!("sequence {name} belongs to {owner}"),
                            i,
                            vec![format!("ALTER SEQUENCE {} OWNED BY {}.{}", tq(name), tq(table), q(column))],
                            vec![format!("ALTER SEQUENCE IF EXISTS {} OWNED BY NONE", tq(name))],
                            (LockMode::None, &[], Effect::Metadata),
                            true,
                            "dropping the column later drops the sequence with it",
                            R_FK + 1,
                        ),
                    );
                }
            }
            DropSequence { name } => {
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop sequence {name}"),
                        i,
                        vec![format!("DROP SEQUENCE IF EXISTS {}", tq(name))],
                        vec![format!("CREATE SEQUENCE IF NOT EXISTS {}", tq(name))],
                        (LockMode::None, &[], Effect::Metadata),
                        true,
                        "no default draws from it once the old shape is gone (a sequence owned by a dropped column is already gone)",
                        R_DROP_ROUTINE,
                    ),
                );
            }
            CreateDomain { name } => {
                let Some(d) = ctx.target.find_domain(name) else { return true };
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create domain {name}"),
                        i,
                        vec![crate::render::ddl::domain_sql(d, PG)],
                        vec![format!("DROP DOMAIN IF EXISTS {}", tq(name))],
                        (LockMode::None, &[], Effect::Metadata),
                        true,
                        "a new type touches no table",
                        R_ENUM,
                    ),
                );
            }
            DropDomain { name } => {
                let Some(d) = ctx.base.find_domain(name) else { return true };
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop domain {name}"),
                        i,
                        vec![format!("DROP DOMAIN IF EXISTS {}", tq(name))],
                        vec![crate::render::ddl::domain_sql(d, PG)],
                        (LockMode::None, &[], Effect::Metadata),
                        true,
                        "no column uses it after the columns of the old shape are gone",
                        R_DROP_ROUTINE,
                    ),
                );
            }
            ChangeDomain { name } => change_domain(ctx, i, name, b),
            CreateView { name } => {
                let Some(v) = ctx.target.find_view(name) else { return true };
                if b.recreated.contains(&format!("view:{}", name.to_ascii_lowercase())) {
                    return true;
                }
                let depth = view_depth(ctx.target, name);
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create view {name}"),
                        i,
                        create_view_sql(v),
                        vec![drop_view_sql(v)],
                        (LockMode::None, &[], if v.materialized { Effect::Scan } else { Effect::Metadata }),
                        true,
                        if v.materialized {
                            "a new materialized view runs its query once to fill itself; nothing reads it yet"
                        } else {
                            "a new view stores only its query; v1 does not read it"
                        },
                        R_VIEW + depth.min(9),
                    ),
                );
                b.app_changes.push(format!("v2 may read the new view {name}"));
            }
            DropView { name } => {
                let Some(v) = ctx.base.find_view(name) else { return true };
                if b.recreated.contains(&format!("view:{}", name.to_ascii_lowercase())) {
                    return true;
                }
                let depth = view_depth(ctx.base, name);
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop view {name}"),
                        i,
                        vec![lt.clone(), drop_view_sql(v)],
                        create_view_sql(v),
                        (LockMode::AccessExclusive, &[], Effect::Metadata),
                        true,
                        "no application version reads it after Switch; its query can be created again from the base",
                        R_DROP_VIEW - depth.min(4),
                    ),
                );
                b.v1_breaks.push(format!("v1 may read view {name}, dropped in Contract"));
            }
            ReplaceView { name } => {
                if b.recreated.contains(&format!("view:{}", name.to_ascii_lowercase())) {
                    return true;
                }
                let Some(v) = ctx.target.find_view(name) else { return true };
                let Some(old) = ctx.base.find_view(name) else { return true };
                // Its readers go out and come back with it.
                let mut drop = Vec::new();
                let mut create = Vec::new();
                let mut undo_create = Vec::new();
                let mut readers = vec![name.clone()];
                let mut k = 0;
                while k < readers.len() {
                    let current = readers[k].clone();
                    for schema in [ctx.base, ctx.target] {
                        for r in views_reading(schema, &current) {
                            if !readers.iter().any(|n| same_name(n, &view_name(r))) {
                                readers.push(view_name(r));
                            }
                        }
                    }
                    k += 1;
                }
                let ordered = dependency_order(ctx, &readers);
                for n in ordered.iter().rev() {
                    if let Some(x) = live_view(ctx, n, b) {
                        drop.push(drop_view_sql(x));
                    }
                }
                for n in &ordered {
                    if let Some(x) = ctx.target.find_view(n) {
                        create.extend(create_view_sql(x));
                    }
                    if let Some(x) = live_view(ctx, n, b) {
                        undo_create.extend(create_view_sql(x));
                    }
                    b.recreated.insert(format!("view:{}", n.to_ascii_lowercase()));
                }
                let mut sql = vec![lt.clone()];
                sql.extend(drop.iter().cloned());
                sql.extend(create);
                let mut undo = vec![lt.clone()];
                undo.extend(ordered.iter().rev().filter_map(|n| ctx.target.find_view(n)).map(drop_view_sql));
                undo.extend(undo_create);
                let readers_note = if ordered.len() > 1 {
                    format!(" with the views that read it ({})", ordered[1..].join(", "))
                } else {
                    String::new()
                };
                b.push(
                    StageKind::Contract,
                    step(
                        format!("replace view {name}{readers_note}"),
                        i,
                        sql,
                        undo,
                        (LockMode::AccessExclusive, &[], if v.materialized { Effect::Scan } else { Effect::Metadata }),
                        true,
                        "dropped and created with its new query in one transaction: readers wait a moment, never see it missing; v1 reads the old query until Contract",
                        R_REPLACE_VIEW,
                    ),
                );
                let _ = old;
                b.notes.push(format!("view {name} gets its new query in Contract: until then v2 reads the old one"));
            }
            CreateRoutine { signature } => {
                let Some(r) = find_routine(ctx.target, signature) else { return true };
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create {} {signature}", r.kind.sql().to_ascii_lowercase()),
                        i,
                        routine_sql(r, false),
                        vec![format!("DROP {} IF EXISTS {}", r.kind.sql(), routine_identity(r))],
                        (LockMode::None, &[], Effect::Metadata),
                        true,
                        "a new routine: nothing calls it until the objects that use it are created",
                        R_ROUTINE,
                    ),
                );
            }
            DropRoutine { signature } => {
                let Some(r) = find_routine(ctx.base, signature) else { return true };
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop {} {signature}", r.kind.sql().to_ascii_lowercase()),
                        i,
                        vec![format!("DROP {} IF EXISTS {}", r.kind.sql(), routine_identity(r))],
                        routine_sql(r, false),
                        (LockMode::None, &[], Effect::Metadata),
                        true,
                        "the triggers and views that called it are gone by now; its text can be created again from the base",
                        R_DROP_ROUTINE,
                    ),
                );
                b.v1_breaks.push(format!("v1 may call {signature}, dropped in Contract"));
            }
            ReplaceRoutine { signature } => {
                let Some(r) = find_routine(ctx.target, signature) else { return true };
                let Some(old) = find_routine(ctx.base, signature) else { return true };
                b.push(
                    StageKind::Contract,
                    step(
                        format!("replace {} {signature}", r.kind.sql().to_ascii_lowercase()),
                        i,
                        routine_sql(r, true),
                        routine_sql(old, true),
                        (LockMode::None, &[], Effect::Metadata),
                        true,
                        "the new body takes over once v1, which relied on the old one, no longer runs; callers see one or the other, never a mix",
                        R_REPLACE_ROUTINE,
                    ),
                );
                b.notes
                    .push(format!("{signature} gets its new body in Contract: until then v2's calls run the old one"));
            }
            CreateTrigger { table, name } => {
                let Some(t) =
                    ctx.target.triggers.iter().find(|t| same_name(&t.name, name) && same_name(&t.table, table))
                else {
                    return true;
                };
                let mut sql = vec![lt.clone()];
                sql.extend(object_sql(&t.definition, t.search_path.as_deref()));
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create trigger {name} on {table}"),
                        i,
                        sql,
                        vec![lt.clone(), format!("DROP TRIGGER IF EXISTS {} ON {}", q(name), tq(table))],
                        (LockMode::ShareRowExclusive, &[table], Effect::Metadata),
                        true,
                        "creating a trigger is catalog-only; from now on it runs for v1's writes too",
                        R_TRIGGER,
                    ),
                );
            }
            DropTrigger { table, name } => {
                if ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table))) {
                    return true; // the table takes it along
                }
                let target_name = target_table_name(ctx, table);
                if b.recreated.contains(&format!(
                    "trigger:{}.{}",
                    target_name.to_ascii_lowercase(),
                    name.to_ascii_lowercase()
                )) {
                    return true;
                }
                let Some(t) = ctx.base.triggers.iter().find(|t| same_name(&t.name, name) && same_name(&t.table, table))
                else {
                    return true;
                };
                let mut undo = vec![lt.clone()];
                undo.extend(object_sql(&t.definition, t.search_path.as_deref()));
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop trigger {name} on {target_name}"),
                        i,
                        vec![lt.clone(), format!("DROP TRIGGER IF EXISTS {} ON {}", q(name), tq(&target_name))],
                        undo,
                        (LockMode::AccessExclusive, &[&target_name], Effect::Metadata),
                        true,
                        "v1's writes relied on it until Contract; dropping a trigger is catalog-only",
                        R_DROP_VIEW,
                    ),
                );
            }
            ReplaceTrigger { table, name } => {
                if b.recreated.contains(&format!(
                    "trigger:{}.{}",
                    table.to_ascii_lowercase(),
                    name.to_ascii_lowercase()
                )) {
                    return true;
                }
                let Some(t) =
                    ctx.target.triggers.iter().find(|t| same_name(&t.name, name) && same_name(&t.table, table))
                else {
                    return true;
                };
                let base_table = ctx.base_table(table).map_or(table.clone(), Table::qualified_name);
                let old =
                    ctx.base.triggers.iter().find(|x| same_name(&x.name, name) && same_name(&x.table, &base_table));
                let mut sql = vec![lt.clone(), format!("DROP TRIGGER IF EXISTS {} ON {}", q(name), tq(table))];
                sql.extend(object_sql(&t.definition, t.search_path.as_deref()));
                let mut undo = vec![lt.clone(), format!("DROP TRIGGER IF EXISTS {} ON {}", q(name), tq(table))];
                if let Some(old) = old {
                    undo.extend(object_sql(&old.definition, old.search_path.as_deref()));
                }
                b.push(
                    StageKind::Contract,
                    step(
                        format!("replace trigger {name} on {table}"),
                        i,
                        sql,
                        undo,
                        (LockMode::AccessExclusive, &[table], Effect::Metadata),
                        true,
                        "dropped and created in one transaction, so no write slips between the two definitions",
                        R_REPLACE_ROUTINE + 1,
                    ),
                );
            }
            CreatePolicy { table, name } => {
                let Some(p) =
                    ctx.target.policies.iter().find(|p| same_name(&p.name, name) && same_name(&p.table, table))
                else {
                    return true;
                };
                let mut sql = vec![lt.clone()];
                sql.extend(object_sql(&p.definition, p.search_path.as_deref()));
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create {} {name} on {table}", policy_word(p)),
                        i,
                        sql,
                        vec![lt.clone(), drop_policy_sql(p, table)],
                        (LockMode::AccessExclusive, &[table], Effect::Metadata),
                        true,
                        "catalog-only; from now on it applies to v1's queries too",
                        R_TRIGGER,
                    ),
                );
            }
            DropPolicy { table, name } => {
                if ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table))) {
                    return true;
                }
                let target_name = target_table_name(ctx, table);
                if b.recreated.contains(&format!(
                    "policy:{}.{}",
                    target_name.to_ascii_lowercase(),
                    name.to_ascii_lowercase()
                )) {
                    return true;
                }
                let Some(p) = ctx.base.policies.iter().find(|p| same_name(&p.name, name) && same_name(&p.table, table))
                else {
                    return true;
                };
                let mut undo = vec![lt.clone()];
                undo.extend(object_sql(&p.definition, p.search_path.as_deref()));
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop {} {name} on {target_name}", policy_word(p)),
                        i,
                        vec![lt.clone(), drop_policy_sql(p, &target_name)],
                        undo,
                        (LockMode::AccessExclusive, &[&target_name], Effect::Metadata),
                        true,
                        "v1 relied on it until Contract; catalog-only",
                        R_DROP_VIEW,
                    ),
                );
            }
            ReplacePolicy { table, name } => {
                if b.recreated.contains(&format!("policy:{}.{}", table.to_ascii_lowercase(), name.to_ascii_lowercase()))
                {
                    return true;
                }
                let Some(p) =
                    ctx.target.policies.iter().find(|p| same_name(&p.name, name) && same_name(&p.table, table))
                else {
                    return true;
                };
                let base_table = ctx.base_table(table).map_or(table.clone(), Table::qualified_name);
                let old =
                    ctx.base.policies.iter().find(|x| same_name(&x.name, name) && same_name(&x.table, &base_table));
                let mut sql = vec![lt.clone(), drop_policy_sql(p, table)];
                sql.extend(object_sql(&p.definition, p.search_path.as_deref()));
                let mut undo = vec![lt.clone(), drop_policy_sql(p, table)];
                if let Some(old) = old {
                    undo.extend(object_sql(&old.definition, old.search_path.as_deref()));
                }
                b.push(
                    StageKind::Contract,
                    step(
                        format!("replace {} {name} on {table}", policy_word(p)),
                        i,
                        sql,
                        undo,
                        (LockMode::AccessExclusive, &[table], Effect::Metadata),
                        true,
                        "dropped and created in one transaction",
                        R_REPLACE_ROUTINE + 1,
                    ),
                );
            }
            _ => return false,
        }
        true
    }

    /// The tables named in the signature of a routine this plan replaces.
    pub(in crate::plan) fn signature_tables(ctx: &Ctx<'_>, r: &Routine) -> Vec<String> {
        let header_end = r.definition.find(['$', '\'']).unwrap_or(r.definition.len());
        let header = r.definition[..header_end].split_once('(').map_or("", |(_, rest)| rest);
        ctx.target.tables.iter().filter(|t| mentions(header, &t.name)).map(Table::qualified_name).collect()
    }

    /// Tables whose row type a routine the plan replaces returns or takes, and which both gain
    /// and lose columns: between the two, the table has both, and neither body returns that.
    pub(in crate::plan) fn row_type_bound_tables(ctx: &Ctx<'_>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for change in ctx.changes {
            let Change::ReplaceRoutine { signature } = change else { continue };
            let Some(r) = find_routine(ctx.target, signature) else { continue };
            for table in signature_tables(ctx, r) {
                let adds =
                    ctx.changes.iter().any(|c| matches!(c, Change::AddColumn { table: t, .. } if same_name(t, &table)));
                let drops = ctx
                    .changes
                    .iter()
                    .any(|c| matches!(c, Change::DropColumn { table: t, .. } if same_name(t, &table)));
                if adds && drops && !out.iter().any(|o| same_name(o, &table)) {
                    out.push(table);
                }
            }
        }
        // A table partitioned anew is rebuilt too.
        for change in ctx.changes {
            if let Change::ChangePartitioning { table } = change {
                if ctx.base.find_table(table).is_some() && !out.iter().any(|o| same_name(o, table)) {
                    out.push(table.clone());
                }
            }
        }
        out
    }

    /// A row-type-bound table is rebuilt in its target shape in one Contract transaction: the old
    /// table (and its partitions) set aside, the new one created with the target's columns in the
    /// target's order (a routine's `RETURN QUERY` depends on it), the rows copied, the old dropped,
    /// then keys, indexes, triggers, and the routines' new bodies. The copy holds the lock for as
    /// long as it takes: v2 ships with Contract.
    pub(in crate::plan) fn reshape_in_contract(ctx: &Ctx<'_>, table: &str, b: &mut Builder) {
        use crate::render::ddl::{
            column_definition, constraint_sql_check, constraint_sql_unique, create_index_sql, foreign_key_sql,
        };
        let lt = ctx.lock_timeout();
        let (Some(t), Some(old)) = (ctx.target.find_table(table), ctx.base.find_table(table)) else { return };
        let tt = tq(table);
        let ns = t.namespace.as_deref();
        let aside = |n: &str| name(&[PREFIX.trim_end_matches('_'), "old", n]);
        // Its partitions, or the children that inherit from it.
        let partitions = |schema: &'_ Schema| -> Vec<Table> {
            schema
                .tables
                .iter()
                .filter(|p| {
                    p.partition_of.as_deref().is_some_and(|x| same_name(x, table))
                        || p.inherits.iter().any(|x| same_name(x, table))
                })
                .cloned()
                .collect()
        };
        let (old_parts, new_parts) = (partitions(ctx.base), partitions(ctx.target));
        // Every row must find a partition of the new partitioning: counted before Contract.
        if let (Some(key), Some(col)) = (t.partition_key(), t.partition_key().and_then(|k| t.column(&k))) {
            let bounds: Vec<crate::model::PartitionBound> = new_parts.iter().filter_map(Table::bound).collect();
            let ty = crate::verify::values::cast_type(&col.data_type, PG);
            let predicates: Option<Vec<String>> = bounds.iter().map(|b| b.predicate(&q(&key), &ty)).collect();
            let takes_all = bounds.iter().any(|b| matches!(b, crate::model::PartitionBound::Default));
            if let (Some(predicates), false, false) = (predicates, bounds.is_empty(), takes_all) {
                let first =
                    ctx.changes.iter().position(|c| c.table().is_some_and(|x| same_name(x, table))).unwrap_or(0);
                b.prechecks.push(CheckQuery {
                    title: format!("rows of {table} that no partition of its new partitioning takes"),
                    change: first,
                    sql: format!("SELECT count(*) FROM {tt} WHERE NOT ({})", predicates.join(" OR ")),
                    must_be_zero: true,
                    before: StageKind::Contract,
                    resolution: Some(Resolution::StopBeforeContract),
                });
            }
        }
        let around = around(ctx, table, &[], StageKind::Contract, b);
        let mut sql = vec![lt.clone()];
        sql.push(format!("ALTER TABLE {tt} RENAME TO {}", q(&aside(&old.name))));
        for p in &old_parts {
            sql.push(format!("ALTER TABLE {} RENAME TO {}", tq(&p.qualified_name()), q(&aside(&p.name))));
        }
        // A serial column keeps drawing from its sequence (no new sequence is made).
        let columns: Vec<String> = t
            .columns
            .iter()
            .map(|c| {
                if c.identity == Some(crate::model::Identity::Serial) && c.default.is_none() {
                    let seq = qualified(ns, &format!("{}_{}_seq", old.name, c.name), PG);
                    format!(
                        "    {} {} NOT NULL DEFAULT nextval({}::regclass)",
                        q(&c.name),
                        c.data_type.kind.sql(PG),
                        crate::render::string_literal(&seq)
                    )
                } else {
                    format!("    {}", column_definition(c, PG, true, true))
                }
            })
            .collect();
        let partition_by = t.partition_by.as_ref().map(|by| format!(" PARTITION BY {by}")).unwrap_or_default();
        sql.push(format!("CREATE TABLE {tt} (\n{}\n){partition_by}", columns.join(",\n")));
        for p in &new_parts {
            if let Some(bound) = &p.partition_bound {
                sql.push(format!("CREATE TABLE {} PARTITION OF {tt} {bound}", tq(&p.qualified_name())));
            }
        }
        // The rows: columns both shapes have, and for a new required column its fill value.
        let mut into = Vec::new();
        let mut from = Vec::new();
        for c in &t.columns {
            if old.column(&c.name).is_some() {
                into.push(q(&c.name));
                from.push(q(&c.name));
            } else if !c.nullable && c.default.is_none() {
                let position = ctx.changes.iter().position(
                    |x| matches!(x, Change::AddColumn { table: tb, column } if same_name(tb, table) && same_name(column, &c.name)),
                );
                match position.map(|k| ctx.resolution(&ctx.changes[k], Resolution::StopBeforeContract)) {
                    Some(Resolution::Fill { value }) => {
                        into.push(q(&c.name));
                        from.push(value);
                    }
                    _ => b.prechecks.push(CheckQuery {
                        title: format!("rows of {table}, which has nothing to fill the new required column {} with (choose a fill value)", c.name),
                        change: position.unwrap_or(0),
                        sql: format!("SELECT count(*) FROM {tt}"),
                        must_be_zero: true,
                        before: StageKind::Contract,
                        resolution: Some(Resolution::StopBeforeContract),
                    }),
                }
            }
        }
        sql.push(format!(
            "INSERT INTO {tt} ({}) SELECT {} FROM {}",
            into.join(", "),
            from.join(", "),
            qualified(ns, &aside(&old.name), PG)
        ));
        // Routines whose signature holds the old row type depend on it: they go before the old
        // table, and come back in their target definition on the new one.
        let typed = |schema: &Schema| -> Vec<Routine> {
            schema
                .routines
                .iter()
                .filter(|r| {
                    let header_end = r.definition.find(['$', '\'']).unwrap_or(r.definition.len());
                    let header = r.definition[..header_end].split_once('(').map_or("", |(_, rest)| rest);
                    mentions(header, &t.name)
                })
                .cloned()
                .collect()
        };
        let (old_routines, new_routines) = (typed(ctx.base), typed(ctx.target));
        for r in &old_routines {
            sql.push(format!("DROP {} IF EXISTS {}", r.kind.sql(), routine_identity(r)));
        }
        // Sequences owned by the old table's columns would go with it: they are set free first,
        // and belong to the new table's columns after.
        let owned: Vec<(String, String)> = ctx
            .base
            .sequences
            .iter()
            .filter_map(|seq| {
                let owner = seq.owned_by.as_deref()?;
                let (tb, column) = owner.rsplit_once('.')?;
                same_name(tb, table).then(|| (qualified(seq.namespace.as_deref(), &seq.name, PG), column.to_string()))
            })
            .chain(
                old.columns
                    .iter()
                    .filter(|c| c.identity == Some(crate::model::Identity::Serial) && c.default.is_none())
                    .map(|c| (qualified(ns, &format!("{}_{}_seq", old.name, c.name), PG), c.name.clone())),
            )
            .collect();
        for (seq, _) in &owned {
            sql.push(format!("ALTER SEQUENCE IF EXISTS {seq} OWNED BY NONE"));
        }
        let mut drops = vec![qualified(ns, &aside(&old.name), PG)];
        drops.extend(
            old_parts
                .iter()
                .filter(|p| p.partition_of.is_none())
                .map(|p| qualified(p.namespace.as_deref(), &aside(&p.name), PG)),
        );
        sql.push(format!("DROP TABLE {}", drops.join(", ")));
        for (seq, column) in &owned {
            if t.column(column).is_some() {
                sql.push(format!("ALTER SEQUENCE {seq} OWNED BY {tt}.{}", q(column)));
            }
        }
        for r in &new_routines {
            sql.extend(routine_sql(r, true));
            let signature = r.signature();
            if let Some(k) = ctx.changes.iter().position(
                |c| matches!(c, Change::ReplaceRoutine { signature: x } if x.eq_ignore_ascii_case(&signature)),
            ) {
                if let Some(contract) = b.steps.get_mut(&StageKind::Contract) {
                    contract.retain(|s| !(s.change == k && s.title.starts_with("replace ")));
                }
                b.notes.retain(|n| !n.starts_with(&format!("{signature} gets its new body in Contract")));
            }
        }
        // Keys, checks, references, indexes and triggers of the target, on the new tables.
        let mut indexes: Vec<(crate::Span, String)> = Vec::new();
        for tb in std::iter::once(t).chain(new_parts.iter()) {
            let name = tq(&tb.qualified_name());
            let is_partition = tb.partition_of.is_some();
            if let Some(pk) = tb.primary_key.as_ref().filter(|_| !is_partition || t.primary_key.is_none()) {
                let key =
                    crate::model::Key { name: pk.name.clone(), columns: pk.columns.clone(), deferrable: pk.deferrable };
                sql.push(format!(
                    "ALTER TABLE {name} ADD {}",
                    constraint_sql_unique(&key, PG).replacen("UNIQUE", "PRIMARY KEY", 1)
                ));
            }
            for u in tb
                .uniques
                .iter()
                .filter(|u| !is_partition || !t.uniques.iter().any(|x| same_cols(&x.columns, &u.columns)))
            {
                sql.push(format!("ALTER TABLE {name} ADD {}", constraint_sql_unique(u, PG)));
            }
            for c in tb.checks.iter().filter(|c| !is_partition || !t.checks.iter().any(|x| x.expr == c.expr)) {
                sql.push(format!("ALTER TABLE {name} ADD {}", constraint_sql_check(c, PG)));
            }
            for fk in tb
                .foreign_keys
                .iter()
                .filter(|fk| !is_partition || !t.foreign_keys.iter().any(|x| same_cols(&x.columns, &fk.columns)))
            {
                sql.push(format!("ALTER TABLE {name} ADD {}", foreign_key_sql(fk, PG)));
            }
            for ix in &tb.indexes {
                let sql_ix = create_index_sql(tb, ix, PG);
                indexes.push((
                    ix.span,
                    if is_partition { sql_ix.replacen("INDEX ", "INDEX IF NOT EXISTS ", 1) } else { sql_ix },
                ));
            }
            for tr in ctx.target.triggers.iter().filter(|tr| same_name(&tr.table, &tb.qualified_name())) {
                sql.extend(object_sql(&tr.definition, tr.search_path.as_deref()));
                b.recreated.insert(format!(
                    "trigger:{}.{}",
                    tb.qualified_name().to_ascii_lowercase(),
                    tr.name.to_ascii_lowercase()
                ));
            }
            for p in ctx.target.policies.iter().filter(|p| same_name(&p.table, &tb.qualified_name())) {
                sql.extend(object_sql(&p.definition, p.search_path.as_deref()));
                b.recreated.insert(format!(
                    "policy:{}.{}",
                    tb.qualified_name().to_ascii_lowercase(),
                    p.name.to_ascii_lowercase()
                ));
            }
        }
        // Indexes in the order the target makes them: an index on the partitioned table adopts a
        // partition's equivalent index made before it, and makes its own copy otherwise.
        indexes.sort_by_key(|(span, _)| (span.line, span.column));
        sql.extend(indexes.into_iter().map(|(_, s)| s));
        let first = ctx.changes.iter().position(|c| c.table().is_some_and(|x| same_name(x, table))).unwrap_or(0);
        let mut s = step(
            format!("rebuild {table} in its new shape"),
            first,
            around.wrap(sql),
            vec![],
            (LockMode::AccessExclusive, &[table], Effect::Rewrite),
            true,
            &around.reason(&format!(
                "its partitioning changes, or a routine returns its rows (no shape between the old and the new works for it, and the new one must have the target's column order): the table is built anew and its rows copied while it is locked{}",
                ctx.rows_note(table)
            )),
            R_DROP_COLUMN,
        );
        s.one_way = true;
        b.push(StageKind::Contract, s);
        // Only a change of columns keeps v2 waiting and ends v1: a new partitioning alone does not.
        let same_columns =
            t.columns.len() == old.columns.len() && t.columns.iter().all(|c| old.column(&c.name).is_some());
        if !same_columns {
            b.v2_waits
                .push(format!("v2 uses the new shape of {table}, built in Contract (a routine returns its rows)"));
            b.v1_breaks.push(format!("v1 uses the old shape of {table}, rebuilt in Contract"));
        }
        b.one_way.push(format!("{table} is rebuilt in Contract: its dropped columns are gone"));
    }

    /// A routine whose signature names a table's row type (`RETURNS SETOF t`, an argument of type
    /// `t`) must change with the table's columns: its new body is put into the last step that
    /// changes the table's columns (in Expand, or in Contract), in that step's transaction, so no
    /// call ever sees a body and a row type that do not match (the harness saw it on MusicBrainz).
    pub(in crate::plan) fn bind_routines_to_row_types(ctx: &Ctx<'_>, b: &mut Builder) {
        for (i, change) in ctx.changes.iter().enumerate() {
            let Change::ReplaceRoutine { signature } = change else { continue };
            let (Some(r), Some(old)) = (find_routine(ctx.target, signature), find_routine(ctx.base, signature)) else {
                continue;
            };
            let tables: Vec<String> = signature_tables(ctx, r).iter().map(|t| tq(t)).collect();
            if tables.is_empty() {
                continue;
            }
            let alters = |step: &Step| {
                step.sql.iter().any(|s| {
                    tables.iter().any(|t| s.starts_with(&format!("ALTER TABLE {t} ")))
                        && [" ADD COLUMN ", " DROP COLUMN ", " RENAME COLUMN "].iter().any(|w| s.contains(w))
                        || tables
                            .iter()
                            .any(|t| s.starts_with(&format!("ALTER TABLE {t} ALTER COLUMN ")) && s.contains(" TYPE "))
                })
            };
            for stage in [StageKind::Expand, StageKind::Contract] {
                let Some(steps) = b.steps.get_mut(&stage) else { continue };
                let last = steps
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.transactional && alters(s))
                    .max_by_key(|(_, s)| (s.rank, s.change))
                    .map(|(k, _)| k);
                if let Some(k) = last {
                    let target_step = &mut steps[k];
                    target_step.sql.extend(routine_sql(r, true));
                    if !target_step.rollback.is_empty() {
                        target_step.rollback.extend(routine_sql(old, true));
                    }
                    target_step.reason.push_str(&format!(
                        "; {signature} returns or takes this table's rows, so its new body comes in the same transaction"
                    ));
                    // The routine's own step in Contract is no longer needed.
                    if let Some(contract) = b.steps.get_mut(&StageKind::Contract) {
                        contract.retain(|s| !(s.change == i && s.title.starts_with("replace ")));
                    }
                    b.notes.retain(|n| !n.starts_with(&format!("{signature} gets its new body in Contract")));
                    break;
                }
            }
        }
    }

    pub(in crate::plan) fn find_routine<'a>(schema: &'a Schema, signature: &str) -> Option<&'a Routine> {
        schema.routines.iter().find(|r| r.signature().eq_ignore_ascii_case(signature))
    }

    /// `ns.name(types)` as `DROP FUNCTION` takes it.
    pub(in crate::plan) fn routine_identity(r: &Routine) -> String {
        let name = match &r.namespace {
            Some(ns) => qualified(Some(ns), &r.name, PG),
            None => q(&r.name),
        };
        format!("{name}{}", r.arguments)
    }

    /// A routine's definition, with `OR REPLACE` when it replaces one. SQL-language bodies are not
    /// checked at creation (as pg_dump does), so a routine can come before the columns it reads.
    pub(in crate::plan) fn routine_sql(r: &Routine, replace: bool) -> Vec<String> {
        let text =
            if replace { or_replace(&r.definition) } else { r.definition.trim().trim_end_matches(';').to_string() };
        let mut out = vec!["SET LOCAL check_function_bodies = off".to_string()];
        out.extend(with_path(r.search_path.as_deref(), text));
        out
    }

    pub(in crate::plan) fn change_domain(ctx: &Ctx<'_>, i: usize, name: &str, b: &mut Builder) {
        let (Some(old), Some(new)) = (ctx.base.find_domain(name), ctx.target.find_domain(name)) else { return };
        let dn = tq(name);
        if old.data_type.kind != new.data_type.kind {
            b.notes.push(format!(
                "domain {name} changes its base type ({} -> {}): PostgreSQL cannot alter that in place; create a new domain and change the type of its columns",
                old.data_type.spelling, new.data_type.spelling
            ));
        }
        let same = |a: &Check, c: &Check| crate::diff::normalize_expr(&a.expr) == crate::diff::normalize_expr(&c.expr);
        for (k, check) in old.checks.iter().enumerate().filter(|(_, c)| !new.checks.iter().any(|n| same(c, n))) {
            let cname = check
                .name
                .clone()
                .unwrap_or_else(|| format!("{}_check{}", old.name, if k == 0 { String::new() } else { k.to_string() }));
            b.push(
                StageKind::Expand,
                step(
                    format!("drop check ({}) of domain {name}", check.expr),
                    i,
                    vec![format!("ALTER DOMAIN {dn} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
                    vec![
                        format!("ALTER DOMAIN {dn} ADD CONSTRAINT {} CHECK ({}) NOT VALID", q(&cname), check.expr),
                        format!("ALTER DOMAIN {dn} VALIDATE CONSTRAINT {}", q(&cname)),
                    ],
                    (LockMode::None, &[], Effect::Metadata),
                    true,
                    "relaxing a rule is catalog-only",
                    R_DROP_RULE,
                ),
            );
        }
        for (k, check) in new.checks.iter().enumerate().filter(|(_, c)| !old.checks.iter().any(|o| same(c, o))) {
            let cname = check.name.clone().unwrap_or_else(|| name_of(&[&new.name, "check", &k.to_string()]));
            b.push(
                StageKind::Expand,
                step(
                    format!("add check ({}) to domain {name}, not yet validated", check.expr),
                    i,
                    vec![format!("ALTER DOMAIN {dn} ADD CONSTRAINT {} CHECK ({}) NOT VALID", q(&cname), check.expr)],
                    vec![format!("ALTER DOMAIN {dn} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
                    (LockMode::None, &[], Effect::Metadata),
                    true,
                    "NOT VALID holds new values to the rule without checking stored ones",
                    R_RULE,
                ),
            );
            // Unlike a table's, a domain's VALIDATE holds SHARE on every table with a column of
            // the domain while it reads them (measured on PostgreSQL 15.18): writes wait.
            let short = split_qualified(name).1;
            let users: Vec<String> = ctx
                .base
                .tables
                .iter()
                .filter(|t| {
                    t.columns
                        .iter()
                        .any(|c| same_name(split_qualified(c.data_type.spelling.trim_matches('"')).1, short))
                })
                .map(|t| t.qualified_name())
                .collect();
            let locked: Vec<&str> = users.iter().map(String::as_str).collect();
            b.push(
                StageKind::Backfill,
                step(
                    format!("validate check ({}) of domain {name}", check.expr),
                    i,
                    vec![format!("ALTER DOMAIN {dn} VALIDATE CONSTRAINT {}", q(&cname))],
                    vec![],
                    (LockMode::Share, &locked, Effect::Scan),
                    true,
                    "reads every column of the domain; unlike a table's VALIDATE, PostgreSQL holds SHARE on each table with such a column meanwhile, so writes to them wait for the read (no form of it lets them through: on a large table, a CHECK on the table itself, added NOT VALID and validated, is the online way)",
                    R_VALIDATE,
                ),
            );
        }
        if crate::diff::normalize_expr(old.default.as_deref().unwrap_or(""))
            != crate::diff::normalize_expr(new.default.as_deref().unwrap_or(""))
        {
            let set = |d: &Option<String>| match d {
                Some(d) => format!("ALTER DOMAIN {dn} SET DEFAULT {d}"),
                None => format!("ALTER DOMAIN {dn} DROP DEFAULT"),
            };
            b.push(
                StageKind::Expand,
                step(
                    format!("change the default of domain {name}"),
                    i,
                    vec![set(&new.default)],
                    vec![set(&old.default)],
                    (LockMode::None, &[], Effect::Metadata),
                    true,
                    "a default applies to new rows only",
                    R_COLUMN,
                ),
            );
        }
        if old.nullable != new.nullable {
            b.notes.push(format!(
                "domain {name} {} NOT NULL: every column of the domain is checked at once; run it in a quiet moment",
                if new.nullable { "drops" } else { "sets" }
            ));
            let (fwd, back) = if new.nullable { ("DROP", "SET") } else { ("SET", "DROP") };
            b.push(
                StageKind::Contract,
                step(
                    format!("{} NOT NULL on domain {name}", fwd.to_ascii_lowercase()),
                    i,
                    vec![format!("ALTER DOMAIN {dn} {fwd} NOT NULL")],
                    vec![format!("ALTER DOMAIN {dn} {back} NOT NULL")],
                    (LockMode::Share, &[], if new.nullable { Effect::Metadata } else { Effect::Scan }),
                    true,
                    "a domain has no NOT VALID form for NOT NULL",
                    R_RULE,
                ),
            );
        }
    }

    /// Routines whose body still names a column (or table) the plan renames away or drops, and
    /// which the target does not give a new body: a pre-check stops the plan before Contract and
    /// names each, since only a person can rewrite a body.
    pub(in crate::plan) fn blockers(ctx: &Ctx<'_>, b: &mut Builder) {
        let replaced = |r: &Routine| {
            ctx.changes.iter().any(|c| match c {
                Change::ReplaceRoutine { signature } | Change::DropRoutine { signature } => {
                    signature.eq_ignore_ascii_case(&r.signature())
                }
                _ => false,
            })
        };
        for (i, change) in ctx.changes.iter().enumerate() {
            let (table, gone, what) = match change {
                Change::RenameColumn { table, from, to } => {
                    let base = ctx.base_table(table).map_or(table.clone(), Table::qualified_name);
                    (base, Some(from.clone()), format!("renamed to {to}"))
                }
                Change::DropColumn { table, column } => {
                    if ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table))) {
                        continue;
                    }
                    let base = ctx.base_table(table).map_or(table.clone(), Table::qualified_name);
                    (base, Some(column.clone()), "dropped".to_string())
                }
                Change::RenameTable { from, to } => (from.clone(), None, format!("renamed to {to}")),
                Change::DropTable { table } => (table.clone(), None, "dropped".to_string()),
                _ => continue,
            };
            let short = split_qualified(&table).1.to_string();
            for r in ctx.base.routines.iter().filter(|r| !replaced(r)) {
                let body = &r.definition;
                let triggers_on_table = ctx
                    .base
                    .triggers
                    .iter()
                    .any(|t| same_name(&t.table, &table) && same_name(split_qualified(&t.function).1, &r.name));
                let names_it = match &gone {
                    Some(column) => mentions(body, column) && (mentions(body, &short) || triggers_on_table),
                    None => mentions(body, &short),
                };
                if !names_it {
                    continue;
                }
                let object = match &gone {
                    Some(c) => format!("{table}.{c}"),
                    None => table.clone(),
                };
                let word = gone.as_deref().unwrap_or(&short);
                let ns = r.namespace.as_deref().unwrap_or("public");
                b.prechecks.push(CheckQuery {
                    title: format!("{} {} names {object}, which this plan {what}: give it a new body in the target", r.kind.sql().to_ascii_lowercase(), r.signature()),
                    change: i,
                    sql: format!(
                        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = {} AND p.proname = {} AND p.prosrc ~* {}",
                        lit(ns),
                        lit(&r.name),
                        lit(&format!("\\m{}\\M", regex_escape(word)))
                    ),
                    must_be_zero: true,
                    before: StageKind::Contract,
                    resolution: Some(Resolution::StopBeforeContract),
                });
            }
        }
    }

    pub(in crate::plan) fn regex_escape(word: &str) -> String {
        word.chars().flat_map(|c| if c.is_alphanumeric() || c == '_' { vec![c] } else { vec!['\\', c] }).collect()
    }

    pub(in crate::plan) fn name_of(parts: &[&str]) -> String {
        name(parts)
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    pub(in crate::plan) fn create_view(ctx: &Ctx<'_>, i: usize, v: &str, b: &mut Builder) {
        let Some(view) = ctx.target.find_view(v) else { return };
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("create view {v}"),
                i,
                vec![format!("CREATE VIEW {} AS {}", tq(v), view.definition.trim().trim_end_matches(';'))],
                vec![format!("DROP VIEW IF EXISTS {}", tq(v))],
                (LockMode::None, &[], Effect::Metadata),
                "a new view is schema text only; v1 does not know it",
                R_VIEW,
            ),
        );
    }

    pub(in crate::plan) fn drop_view(ctx: &Ctx<'_>, i: usize, v: &str, b: &mut Builder) {
        let undo: Vec<String> = ctx
            .base
            .find_view(v)
            .map(|view| format!("CREATE VIEW {} AS {}", tq(v), view.definition.trim().trim_end_matches(';')))
            .into_iter()
            .collect();
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("drop view {v}"),
                i,
                vec![format!("DROP VIEW IF EXISTS {}", tq(v))],
                undo,
                (LockMode::None, &[], Effect::Metadata),
                "v1 may read it until Contract",
                R_DROP_VIEW,
            ),
        );
        b.v1_breaks.push(format!("v1 may read view {v}, dropped in Contract"));
    }

    pub(in crate::plan) fn replace_view(ctx: &Ctx<'_>, i: usize, v: &str, b: &mut Builder) {
        let Some(view) = ctx.target.find_view(v) else { return };
        let undo: Vec<String> = ctx
            .base
            .find_view(v)
            .map(|old| format!("CREATE OR REPLACE VIEW {} AS {}", tq(v), old.definition.trim().trim_end_matches(';')))
            .into_iter()
            .collect();
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("replace view {v}"),
                i,
                vec![format!("CREATE OR REPLACE VIEW {} AS {}", tq(v), view.definition.trim().trim_end_matches(';'))],
                undo,
                (LockMode::None, &[], Effect::Metadata),
                "CREATE OR REPLACE swaps the query in one statement, once the columns it reads have their final shape",
                R_REPLACE_VIEW,
            ),
        );
    }

    pub(in crate::plan) fn trigger(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, n: &str, b: &mut Builder) {
        let find = |s: &Schema| {
            s.triggers
                .iter()
                .find(|t| same_name(&t.name, n) && same_name(&t.table, table))
                .map(|t| t.definition.trim().trim_end_matches(';').to_string())
        };
        let drop = format!("DROP TRIGGER IF EXISTS {}", tq(n));
        match change {
            Change::CreateTrigger { .. } => {
                let Some(def) = find(ctx.target) else { return };
                b.push(
                    StageKind::Expand,
                    ctx.step(
                        format!("create trigger {n} on {table}"),
                        i,
                        vec![def],
                        vec![drop],
                        (LockMode::Metadata, &[table], Effect::Metadata),
                        "a trigger is schema text; from now on it runs for v1's writes too",
                        R_TRIGGER,
                    ),
                );
            }
            Change::DropTrigger { .. } => {
                b.push(
                    StageKind::Contract,
                    ctx.step(
                        format!("drop trigger {n} on {table}"),
                        i,
                        vec![drop],
                        find(ctx.base).into_iter().collect(),
                        (LockMode::Metadata, &[table], Effect::Metadata),
                        "v1 relied on it until Contract",
                        R_DROP_VIEW,
                    ),
                );
            }
            _ => {
                let Some(def) = find(ctx.target) else { return };
                let (sql, reason) = if ctx.server.create_or_replace() {
                    (
                        vec![def.replacen("CREATE TRIGGER", "CREATE OR REPLACE TRIGGER", 1)],
                        "CREATE OR REPLACE TRIGGER swaps the body in one statement",
                    )
                } else {
                    (vec![drop.clone(), def], "MySQL has no CREATE OR REPLACE TRIGGER: it is dropped and created again, and a write in between runs without it")
                };
                let mut undo = vec![drop];
                undo.extend(find(ctx.base));
                b.push(
                    StageKind::Contract,
                    ctx.step(
                        format!("replace trigger {n} on {table}"),
                        i,
                        sql,
                        undo,
                        (LockMode::Metadata, &[table], Effect::Metadata),
                        reason,
                        R_REPLACE_VIEW,
                    ),
                );
            }
        }
    }

    pub(in crate::plan) fn routine(ctx: &Ctx<'_>, i: usize, change: &Change, signature: &str, b: &mut Builder) {
        let find = |s: &'_ Schema| {
            s.routines.iter().find(|r| same_name(&r.signature(), signature)).map(|r| {
                let n = match &r.namespace {
                    Some(ns) => format!("{ns}.{}", r.name),
                    None => r.name.clone(),
                };
                (r.kind, r.definition.trim().trim_end_matches(';').to_string(), n)
            })
        };
        let kind_word = |k: RoutineKind| if matches!(k, RoutineKind::Procedure) { "PROCEDURE" } else { "FUNCTION" };
        match change {
            Change::CreateRoutine { .. } => {
                let Some((k, def, n)) = find(ctx.target) else { return };
                b.push(
                    StageKind::Expand,
                    ctx.step(
                        format!("create {} {n}", kind_word(k).to_lowercase()),
                        i,
                        vec![def],
                        vec![format!("DROP {} IF EXISTS {}", kind_word(k), tq(&n))],
                        (LockMode::None, &[], Effect::Metadata),
                        "a new routine touches no table",
                        R_ROUTINE,
                    ),
                );
            }
            Change::DropRoutine { .. } => {
                let Some((k, def, n)) = find(ctx.base) else { return };
                b.push(
                    StageKind::Contract,
                    ctx.step(
                        format!("drop {} {n}", kind_word(k).to_lowercase()),
                        i,
                        vec![format!("DROP {} IF EXISTS {}", kind_word(k), tq(&n))],
                        vec![def],
                        (LockMode::None, &[], Effect::Metadata),
                        "v1 may call it until Contract",
                        R_DROP_ROUTINE,
                    ),
                );
            }
            _ => {
                let Some((k, def, n)) = find(ctx.target) else { return };
                let drop = format!("DROP {} IF EXISTS {}", kind_word(k), tq(&n));
                let sql = if ctx.server.create_or_replace() {
                    vec![def.replacen("CREATE ", "CREATE OR REPLACE ", 1)]
                } else {
                    vec![drop.clone(), def]
                };
                let mut undo = vec![drop];
                undo.extend(find(ctx.base).map(|(_, d, _)| d));
                b.push(
                    StageKind::Contract,
                    ctx.step(
                        format!("replace {} {n}", kind_word(k).to_lowercase()),
                        i,
                        sql,
                        undo,
                        (LockMode::None, &[], Effect::Metadata),
                        "the new body once the tables it reads have their final shape",
                        R_REPLACE_VIEW,
                    ),
                );
            }
        }
    }
}

pub(in crate::plan) mod sqlite {
    use crate::plan::sqlite::*;

    /// Views (of either version) that read a table, and the views that read those, in creation
    /// order.
    pub(in crate::plan) fn views_reading<'a>(
        base: &'a Schema,
        target: &'a Schema,
        old: &str,
        new: &str,
    ) -> Vec<&'a View> {
        use crate::import::objects::mentions;
        let mut out: Vec<&View> = Vec::new();
        let mut names: Vec<String> = vec![old.to_string(), new.to_string()];
        loop {
            let before = out.len();
            for v in base.views.iter().chain(&target.views) {
                if !out.iter().any(|o| same_name(&o.name, &v.name)) && names.iter().any(|n| mentions(&v.definition, n))
                {
                    out.push(v);
                    names.push(v.name.clone());
                }
            }
            if out.len() == before {
                break;
            }
        }
        out
    }

    /// Triggers, views: kept as text, created in Expand, dropped in Contract, replaced in Contract
    /// (a rebuilt table's triggers and readers come back with the rebuild).
    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn object_recipe(
        base: &Schema,
        target: &Schema,
        changes: &[Change],
        i: usize,
        change: &Change,
        rebuilt: &[String],
        b: &mut Builder,
    ) {
        let rebuilds = |table: &str| rebuilt.iter().any(|t| same_name(t, table));
        let trigger = |schema: &Schema, table: &str, name: &str| {
            schema
                .triggers
                .iter()
                .find(|t| same_name(&t.name, name) && same_name(&t.table, table))
                .map(|t| t.definition.trim().trim_end_matches(';').to_string())
        };
        match change {
            Change::CreateTrigger { table, name } if !rebuilds(table) => {
                let Some(def) = trigger(target, table, name) else { return };
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create trigger {name} on {table}"),
                        i,
                        vec![def],
                        vec![format!("DROP TRIGGER IF EXISTS {}", ident(name, SQ))],
                        table,
                        "a trigger is schema text; from now on it runs for v1's writes too",
                        60,
                    ),
                );
            }
            Change::DropTrigger { table, name } if !rebuilds(table) => {
                let undo: Vec<String> = trigger(base, table, name).into_iter().collect();
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop trigger {name} on {table}"),
                        i,
                        vec![format!("DROP TRIGGER IF EXISTS {}", ident(name, SQ))],
                        undo,
                        table,
                        "v1 relied on it until Contract",
                        5,
                    ),
                );
            }
            Change::ReplaceTrigger { table, name } if !rebuilds(table) => {
                let Some(def) = trigger(target, table, name) else { return };
                // A trigger that changes only by a table's new name: SQLite renames it there itself.
                let renamed = trigger(base, table, name).map(|old| {
                    changes.iter().fold(old, |text: String, c| match c {
                        Change::RenameTable { from, to } => crate::render::rename_identifier(
                            &text,
                            split_qualified(from).1,
                            &ident(split_qualified(to).1, SQ),
                        ),
                        _ => text,
                    })
                });
                if renamed
                    .is_some_and(|r| crate::diff::normalize_definition(&r) == crate::diff::normalize_definition(&def))
                {
                    return;
                }
                let mut undo = vec![format!("DROP TRIGGER IF EXISTS {}", ident(name, SQ))];
                undo.extend(trigger(base, table, name));
                b.push(
                    StageKind::Contract,
                    step(
                        format!("replace trigger {name} on {table}"),
                        i,
                        vec![format!("DROP TRIGGER IF EXISTS {}", ident(name, SQ)), def],
                        undo,
                        table,
                        "dropped and created in one transaction",
                        6,
                    ),
                );
            }
            Change::CreateView { name } => {
                let Some(v) = target.find_view(name) else { return };
                b.push(
                    StageKind::Expand,
                    step(
                        format!("create view {name}"),
                        i,
                        vec![format!(
                            "CREATE VIEW {} AS {}",
                            ident(name, SQ),
                            v.definition.trim().trim_end_matches(';')
                        )],
                        vec![format!("DROP VIEW IF EXISTS {}", ident(name, SQ))],
                        name,
                        "a view is schema text",
                        70,
                    ),
                );
            }
            Change::DropView { name } => {
                let undo: Vec<String> = base
                    .find_view(name)
                    .map(|v| {
                        format!("CREATE VIEW {} AS {}", ident(name, SQ), v.definition.trim().trim_end_matches(';'))
                    })
                    .into_iter()
                    .collect();
                b.push(
                    StageKind::Contract,
                    step(
                        format!("drop view {name}"),
                        i,
                        vec![format!("DROP VIEW IF EXISTS {}", ident(name, SQ))],
                        undo,
                        name,
                        "no version reads it after Switch",
                        4,
                    ),
                );
            }
            Change::ReplaceView { name } => {
                let Some(v) = target.find_view(name) else { return };
                if rebuilt.iter().any(|t| views_reading(base, target, t, t).iter().any(|r| same_name(&r.name, name))) {
                    return; // a rebuild brings it back in its new definition
                }
                let mut undo = vec![format!("DROP VIEW IF EXISTS {}", ident(name, SQ))];
                undo.extend(base.find_view(name).map(|o| {
                    format!("CREATE VIEW {} AS {}", ident(name, SQ), o.definition.trim().trim_end_matches(';'))
                }));
                b.push(
                    StageKind::Contract,
                    step(
                        format!("replace view {name}"),
                        i,
                        vec![
                            format!("DROP VIEW IF EXISTS {}", ident(name, SQ)),
                            format!("CREATE VIEW {} AS {}", ident(name, SQ), v.definition.trim().trim_end_matches(';')),
                        ],
                        undo,
                        name,
                        "dropped and created in one transaction",
                        95,
                    ),
                );
            }
            _ => {}
        }
    }
}
