//! The selected table of the target, editable: its name and comment, each column (name, type, NOT NULL,
//! primary key, unique, default, comment, index, the foreign key it holds, a lookup table extracted from
//! a text column's values), columns picked to move into a new table, a row to add the next column
//! (Enter adds it and keeps the cursor there), deleting the table, its CHECKs, and its keys and
//! indexes with a form that builds one over several columns in order. Every change is one edit,
//! so one undo step. Under the columns, "Used by": what depends on the table or the selected
//! column (the canvas marks the tables among them).

use crate::engine::{Reply, Request};
use crate::state::Studio;
use bellows_core::deps::Dependent;
use bellows_core::edit::Edit;
use bellows_core::model::possessive;
use bellows_core::{ColumnId, Dialect, Identity, TableId};
use leptos::ev;
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq)]
struct ColumnRow {
    id: ColumnId,
    name: String,
    data_type: String,
    nullable: bool,
    primary: bool,
    unique: bool,
    default: String,
    references: Option<String>,
    indexed: Option<String>,
    /// The lookup table "extract" would make of the column's values, where it can.
    lookup: Option<String>,
    /// Whether it can move into a new table (extract columns).
    extractable: bool,
    /// A text column outside foreign keys: "allow only" can hold it to a list of values.
    listable: bool,
    /// How the column generates its values: "always", "by-default", "serial",
    /// "auto-increment", or "" (none).
    identity: &'static str,
    /// Whether the inspector offers identity choices: PostgreSQL integer columns that are not
    /// generated and have no default but a serial's (the core refuses the rest, and says why).
    identity_editable: bool,
    comment: String,
}

#[derive(Debug, Clone, PartialEq)]
struct TableView {
    id: TableId,
    name: String,
    added: bool,
    columns: Vec<ColumnRow>,
    /// Its CHECKs: the condition, and the name (empty when the DDL left it unnamed).
    checks: Vec<(String, String)>,
    /// The name a table of columns extracted from it gets unless the user types one.
    extract_name: String,
    comment: String,
    /// SQLite keeps no comments: the field says they stay in the design.
    comments_kept: bool,
    /// The primary key, UNIQUE constraints and indexes, in that order.
    keys: Vec<KeyRow>,
    dialect: Dialect,
    /// The enum types its columns hold: (type, its labels, the columns).
    enums: Vec<EnumView>,
    /// The tables that hold one row per row of it, each with the columns that can move there.
    move_to: Vec<bellows_core::edit::MoveTarget>,
}

#[derive(Debug, Clone, PartialEq)]
struct EnumView {
    name: String,
    labels: Vec<String>,
    columns: Vec<String>,
}

/// The enums the columns of `t` hold (directly or as arrays), with the columns of `t` that do.
fn enum_views(schema: &bellows_core::Schema, t: &bellows_core::Table) -> Vec<EnumView> {
    let mut out: Vec<EnumView> = Vec::new();
    for c in &t.columns {
        let Some(e) = schema.enums.iter().find(|e| bellows_core::edit::uses_enum(schema, &c.data_type.kind, e)) else {
            continue;
        };
        let name = match &e.namespace {
            Some(ns) => format!("{ns}.{}", e.name),
            None => e.name.clone(),
        };
        match out.iter_mut().find(|v| v.name == name) {
            Some(v) => v.columns.push(c.name.clone()),
            None => out.push(EnumView { name, labels: e.labels.clone(), columns: vec![c.name.clone()] }),
        }
    }
    out
}

/// An enum type's labels: each renamed in place or removed (its rows handed to the label
/// chosen below, or to none), and a label added before another or last; one edit each.
fn enum_editor(studio: Studio, e: EnumView, read_only: bool) -> impl IntoView {
    let replacement = RwSignal::new(String::new());
    let new_label = RwSignal::new(String::new());
    let before = RwSignal::new(String::new());
    let pending = Pending::new(studio, move || new_label.set(String::new()));
    let name = StoredValue::new(e.name.clone());
    let add = move || {
        let value = new_label.get_untracked().trim().to_string();
        if value.is_empty() {
            return;
        }
        let before = Some(before.get_untracked()).filter(|b| !b.is_empty());
        pending.submit(studio, Edit::AddEnumValue { name: name.get_value(), value, before });
    };
    let options = move |labels: &[String]| {
        labels.iter().map(|l| view! { <option value=l.clone()>{l.clone()}</option> }).collect_view()
    };
    view! {
        <div class="enum" data-testid="enum" data-name=e.name.clone()>
            <p><code>{e.name.clone()}</code> " " <span class="muted">{format!("held by {}", e.columns.join(", "))}</span></p>
            <ul>
                {e.labels.iter().map(|l| {
                    let label = StoredValue::new(l.clone());
                    view! {
                        <li data-testid="enum-label" data-label=l.clone()>
                            {commit_on(l.clone(), false, move |to| pending.submit(studio, Edit::RenameEnumValue { name: name.get_value(), from: label.get_value(), to }))}
                            <button type="button" class="link danger" data-testid="remove-label" disabled=read_only
                                title="Remove this label; its rows get the label chosen below"
                                on:click=move |_| {
                                    let value = label.get_value();
                                    let r = Some(replacement.get_untracked()).filter(|r| !r.is_empty() && *r != value);
                                    pending.submit(studio, Edit::RemoveEnumValue { name: name.get_value(), value, replacement: r });
                                }>"remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <label class="muted">"A removed label's rows become "
                <select data-testid="label-replacement" on:change=move |ev| replacement.set(event_target_value(&ev))>
                    <option value="">"none (no row may hold it)"</option>
                    {options(&e.labels)}
                </select>
            </label>
            <div class="add-check">
                <input type="text" data-testid="new-label" placeholder="new label" disabled=read_only
                    prop:value=move || new_label.get()
                    on:input=move |ev| { new_label.set(event_target_value(&ev)); pending.error.set(None); }
                    on:keydown=move |ev: ev::KeyboardEvent| if ev.key() == "Enter" { add() } />
                <select data-testid="label-before" title="Where the label goes" on:change=move |ev| before.set(event_target_value(&ev))>
                    <option value="">"last"</option>
                    {e.labels.iter().map(|l| view! { <option value=l.clone()>{format!("before {l}")}</option> }).collect_view()}
                </select>
                <button type="button" data-testid="add-label" disabled=read_only on:click=move |_| add()>"Add label"</button>
            </div>
            {move || pending.error.get().map(|why| view! { <p class="notice warning" data-testid="enum-error">{why}</p> })}
        </div>
    }
}

/// "Allow only these values" for a text column: the values typed as a list, held by a CHECK or
/// an enum type (the column's own ENUM on MySQL; SQLite has none), or a lookup table filled from
/// the rows' values. One undo step; what cannot be done says why, and the typed list stays.
fn allow_only_form(
    studio: Studio,
    tid: TableId,
    cid: ColumnId,
    default: String,
    lookup: Option<String>,
    dialect: Dialect,
) -> impl IntoView {
    // Small on purpose (every view costs the page bytes): the fields are read when the form is
    // submitted (the button, or Enter in the list), not bound to signals.
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let values = NodeRef::<leptos::html::Input>::new();
    // The audit's "allow only…" opens this column's form, with the cursor in the list.
    Effect::new(move |_| {
        if studio.allow_only.get() == Some(cid) {
            if let Some(input) = values.get() {
                open.set(true);
                studio.allow_only.set(None);
                // Once the form shows (a hidden field takes no focus).
                request_animation_frame(move || {
                    let _ = input.focus();
                });
            }
        }
    });
    let how = NodeRef::<leptos::html::Select>::new();
    // A quoted default starts the list: it must be one of the values.
    let start = bellows_core::edit::quoted_default(&default).map(|v| format!("{v}, ")).unwrap_or_default();
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let typed = values.get_untracked().map(|i| i.value()).unwrap_or_default();
        let choice = how.get_untracked().map(|s| s.value()).unwrap_or_default();
        let edits = studio.analysis.with_untracked(|a| match choice.as_str() {
            "lookup" => Ok(vec![bellows_core::edit::extract_lookup(&a.target, tid, cid, studio.next_ids())]),
            _ => {
                let list: Vec<String> =
                    bellows_core::edit::parse_values(&typed).into_iter().filter(|v| !v.is_empty()).collect();
                let as_ = if choice == "enum" {
                    bellows_core::edit::ValuesAs::EnumType
                } else {
                    bellows_core::edit::ValuesAs::Check
                };
                bellows_core::edit::allow_only(&a.target, tid, cid, &list, as_)
            }
        });
        match edits {
            Ok(edits) => {
                open.set(false);
                studio.edit_all(edits);
            }
            Err(why) => error.set(Some(why)),
        }
    };
    let enum_choice = match dialect {
        Dialect::Sqlite => None,
        Dialect::MySql => Some("as the column's ENUM"),
        Dialect::Postgres => Some("as a new enum type"),
    };
    let lookup_choice = lookup.map(|name| format!("as lookup table {name}"));
    view! {
        <button type="button" class="link" data-testid="allow-only" disabled=studio.read_only.get_untracked()
            title="Hold this column to a list of values: a CHECK, an enum type or a lookup table"
            on:click=move |_| { open.update(|o| *o = !*o); error.set(None); }>"allow only\u{2026}"</button>
        <form class="allow-only" data-testid="allow-only-form" class:hidden=move || !open.get() on:submit=submit>
            <input type="text" node_ref=values data-testid="allowed-values" aria-label="allowed values" value=start
                placeholder="values, comma-separated: new, paid, shipped (a lookup table takes the rows' own)" />
            <select node_ref=how data-testid="allowed-as" aria-label="held by">
                <option value="check">"as a CHECK"</option>
                {enum_choice.map(|label| view! { <option value="enum">{label}</option> })}
                {lookup_choice.map(|label| view! { <option value="lookup">{label}</option> })}
            </select>
            <button type="submit" data-testid="allow-only-apply">"Apply"</button>
            {move || error.get().map(|why| view! { <p class="notice warning" data-testid="allow-only-error">{why}</p> })}
        </form>
    }
}

/// "Merge into…": the table's rows go into another table that holds the same entity, matched
/// on a key of it; columns of other names are mapped by hand. Opened by the link, or by
/// dropping the table's card on the other table's.
fn merge_form(studio: Studio, tid: TableId, dialect: Dialect, pending: Pending) -> impl IntoView {
    // A drop on another table's card opens the form with that table chosen (the proposal
    // stays until the form is used or closed: the inspector may be drawn anew meanwhile).
    let proposed = move || studio.merge_into.get().filter(|(b, _)| *b == tid).map(|(_, a)| a);
    // Read untracked here: the form is drawn inside the inspector's view, which must not be
    // drawn anew when the proposal changes.
    let first = studio.merge_into.get_untracked().filter(|(b, _)| *b == tid).map(|(_, a)| a);
    let open = RwSignal::new(first.is_some());
    let into = RwSignal::new(first);
    // The core's refusal (a key that is not unique, a required column nothing fills) arrives
    // with the analysis and shows here; the refused edit leaves the history.
    let error = pending.error;
    let map = RwSignal::new(Vec::<(ColumnId, ColumnId)>::new());
    // On a match: the other table's row is kept (false), or this table's values replace it.
    let wins = RwSignal::new(false);
    let key = NodeRef::<leptos::html::Select>::new();
    let until = if dialect == Dialect::Sqlite {
        "keeps this table until Contract"
    } else {
        "puts a view of it under this table's name until Contract"
    };
    Effect::new(move |_| {
        if let Some(a) = proposed() {
            if into.get_untracked() != Some(a) || !open.get_untracked() {
                into.set(Some(a));
                map.set(Vec::new());
                error.set(None);
                open.set(true);
            }
        }
    });
    let tables = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        studio.analysis.with(|a| {
            let mut ts: Vec<(TableId, String)> =
                a.target.tables.iter().filter(|t| t.id != tid).map(|t| (t.id, t.qualified_name())).collect();
            ts.sort_by(|x, y| x.1.cmp(&y.1));
            ts
        })
    });
    // The keys that can match rows, and the columns that find no column of the same name.
    let shape = Memo::new(move |_| {
        let a_id = into.get()?;
        studio.analysis.with(|a| {
            let (b, t) = (a.target.table(tid)?, a.target.table(a_id)?);
            let mut referencing: Vec<String> =
                bellows_core::edit::references_to(&a.target, b).into_iter().map(|(x, _)| x.name.clone()).collect();
            referencing.dedup();
            let keys = bellows_core::edit::merge_keys(&a.target, tid, a_id);
            let lone: Vec<(ColumnId, String)> =
                b.columns.iter().filter(|c| t.column(&c.name).is_none()).map(|c| (c.id, c.name.clone())).collect();
            let free: Vec<(ColumnId, String)> =
                t.columns.iter().filter(|c| b.column(&c.name).is_none()).map(|c| (c.id, c.name.clone())).collect();
            // Columns of A that B does not fill take their defaults (or stay NULL).
            let filled: Vec<String> = t
                .columns
                .iter()
                .filter(|c| b.column(&c.name).is_none() && (c.default.is_some() || c.identity.is_some()))
                .map(|c| c.name.clone())
                .collect();
            Some((keys, lone, free, t.name.clone(), filled, b.name.clone(), referencing))
        })
    });
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let Some(a_id) = into.get_untracked() else {
            error.set(Some("choose the table these rows go into".into()));
            return;
        };
        let k = key.get_untracked().and_then(|s| s.value().parse::<usize>().ok());
        let on = shape.with_untracked(|s| s.as_ref().and_then(|s| k.and_then(|k| s.0.get(k)).map(|x| x.1.clone())));
        let Some(on) = on else {
            error.set(Some(
                "no key of that table can match these rows: it needs a primary or unique key whose columns this table has"
                    .into(),
            ));
            return;
        };
        // Kept until the merge applies: a refusal draws the form anew, open on this choice.
        studio.merge_into.set(Some((tid, a_id)));
        pending.submit(
            studio,
            Edit::MergeTable { table: tid, into: a_id, on, map: map.get_untracked(), from_wins: wins.get_untracked() },
        );
    };
    view! {
        <button type="button" class="link" data-testid="merge-open" disabled=studio.read_only.get_untracked()
            title="This table holds the same entity as another: its rows go into that table, and it goes"
            on:click=move |_| { open.update(|o| *o = !*o); error.set(None); studio.merge_into.set(None); }>"merge into\u{2026}"</button>
        <form class="merge" data-testid="merge-form" class:hidden=move || !open.get() on:submit=submit>
            <h3>"Merge into another table"</h3>
            <select data-testid="merge-into" aria-label="merge into"
                on:change=move |e| { into.set(event_target_value(&e).parse().ok().map(TableId)); map.set(Vec::new()); error.set(None); }>
                <option value="" selected=move || into.get().is_none()>"the table its rows go into\u{2026}"</option>
                {move || tables.get().into_iter().map(|(id, n)| view! {
                    <option value=id.0.to_string() selected=move || into.get() == Some(id)>{n}</option>
                }).collect_view()}
            </select>
            {move || shape.get().map(|(keys, lone, free, a_name, filled, b_name, referencing)| view! {
                <label>"rows match on "
                    <select node_ref=key data-testid="merge-on">
                        {keys.iter().enumerate().map(|(k, (label, _))| view! { <option value=k.to_string()>{label.clone()}</option> }).collect_view()}
                    </select>
                </label>
                {lone.into_iter().map(|(cid, name)| {
                    let free = free.clone();
                    view! {
                        <label class="merge-map">{format!("{name} goes to ")}
                            <select data-testid="merge-map" data-column=name.clone()
                                on:change=move |e| {
                                    let to = event_target_value(&e).parse::<u32>().ok().map(ColumnId);
                                    map.update(|m| {
                                        m.retain(|(x, _)| *x != cid);
                                        if let Some(to) = to {
                                            m.push((cid, to));
                                        }
                                    });
                                }>
                                <option value="">"nothing (its values go)"</option>
                                {free.into_iter().map(|(fid, f)| view! { <option value=fid.0.to_string()>{f}</option> }).collect_view()}
                            </select>
                        </label>
                    }
                }).collect_view()}
                <label>"on a match "
                    <select data-testid="merge-wins" aria-label="on a match"
                        on:change=move |e| wins.set(event_target_value(&e) == "from")>
                        <option value="into" selected=move || !wins.get()>{format!("{} row is kept", possessive(&a_name))}</option>
                        <option value="from" selected=move || wins.get()>{format!("{} values replace it", possessive(&b_name))}</option>
                    </select>
                </label>
                <p class="hint">
                    {(!filled.is_empty()).then(|| match filled.as_slice() {
                        [one] => format!("{b_name} has no column {one}: its rows take {} default there. ", possessive(&a_name)),
                        many => format!("{b_name} has no columns {}: its rows take {} defaults there. ", many.join(", "), possessive(&a_name)),
                    })}
                    {(!referencing.is_empty()).then(|| format!("{} will reference {a_name} instead. ", referencing.join(", ")))}
                    {let a = possessive(&a_name); move || wins.get().then(|| format!("{a} own values are kept aside until Contract, so undoing puts them back. "))}
                    {format!("The plan copies the rows, keeps {a_name} in step with the old version's writes, and {until}.")}
                </p>
                <button type="submit" data-testid="merge-apply">{format!("Merge into {a_name}")}</button>
            })}
            {move || error.get().map(|why| view! { <p class="notice warning" data-testid="merge-error">{why}</p> })}
        </form>
    }
}

/// `customer's`, or `customers'`.
/// "Move a column": one of this table's columns to a table that holds one row per row of it.
fn move_form(studio: Studio, tid: TableId, targets: Vec<bellows_core::edit::MoveTarget>) -> impl IntoView {
    let into = RwSignal::new(targets[0].0);
    let column = RwSignal::new(targets[0].2.first().map(|c| c.0));
    let pending = Pending::new(studio, || {});
    let all = StoredValue::new(targets.clone());
    let columns =
        move || all.with_value(|ts| ts.iter().find(|t| t.0 == into.get()).map(|t| t.2.clone()).unwrap_or_default());
    let into_name =
        move || all.with_value(|ts| ts.iter().find(|t| t.0 == into.get()).map(|t| t.1.clone()).unwrap_or_default());
    let go = move |_| {
        let Some(c) = column.get_untracked() else { return };
        pending.submit(studio, Edit::MoveColumn { table: tid, column: c, into: into.get_untracked() });
    };
    view! {
        <section class="extract move" data-testid="move-column">
            <h3>"Move a column"</h3>
            <p class="hint">"A column moves to a table that holds one row per row of this one, or to a table this one references (its rows then share one value per row there; the plan counts the rows that disagree before it copies). The plan keeps both places in step until Contract."</p>
            <div class="move-row">
                <select data-testid="move-pick" aria-label="column to move"
                    on:change=move |e| column.set(event_target_value(&e).parse::<u32>().ok().map(ColumnId))>
                    {move || columns().into_iter().map(|(cid, name)| view! {
                        <option value=cid.0.to_string() selected=move || column.get() == Some(cid)>{name}</option>
                    }).collect_view()}
                </select>
                <span class="to">"to"</span>
                <select data-testid="move-into" aria-label="the table it moves to"
                    on:change=move |e| {
                        if let Ok(id) = event_target_value(&e).parse::<u32>() {
                            into.set(TableId(id));
                            column.set(columns().first().map(|c| c.0));
                            pending.error.set(None);
                        }
                    }>
                    {targets.into_iter().map(|(id, name, _)| view! {
                        <option value=id.0.to_string() selected=move || into.get() == id>{name}</option>
                    }).collect_view()}
                </select>
                <button type="button" data-testid="move-go" disabled=move || column.get().is_none() on:click=go>
                    {move || format!("Move to {}", into_name())}
                </button>
            </div>
            {move || pending.error.get().map(|why| view! { <p class="notice warning" data-testid="move-error">{why}</p> })}
        </section>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Primary,
    Unique,
    Index,
}

impl KeyKind {
    fn label(self) -> &'static str {
        match self {
            KeyKind::Primary => "primary key",
            KeyKind::Unique => "unique",
            KeyKind::Index => "index",
        }
    }

    /// The end of the name the core suggests (`orders_sku_key`, `orders_placed_at_idx`).
    fn suffix(self) -> &'static str {
        match self {
            KeyKind::Primary => "pkey",
            KeyKind::Unique => "key",
            KeyKind::Index => "idx",
        }
    }
}

/// A key or index of the table as the inspector lists it.
#[derive(Debug, Clone, PartialEq)]
struct KeyRow {
    kind: KeyKind,
    /// Its columns and options as SQL reads them: `(placed_at DESC, sku) USING brin WHERE ...`.
    text: String,
    /// Empty when the DDL left it unnamed.
    name: String,
    /// The edit that drops it; none for an unnamed index.
    drop: Option<Edit>,
}

fn key_rows(t: &bellows_core::Table, dialect: Dialect) -> Vec<KeyRow> {
    let ids = |names: &[String]| -> Vec<ColumnId> { names.iter().filter_map(|n| t.column(n).map(|c| c.id)).collect() };
    let mut out = Vec::new();
    if let Some(pk) = &t.primary_key {
        out.push(KeyRow {
            kind: KeyKind::Primary,
            text: format!("({})", pk.columns.join(", ")),
            name: pk.name.clone().unwrap_or_default(),
            drop: Some(Edit::SetPrimaryKeyColumns { table: t.id, columns: Vec::new() }),
        });
    }
    for k in &t.uniques {
        out.push(KeyRow {
            kind: KeyKind::Unique,
            text: format!("({})", k.columns.join(", ")),
            name: k.name.clone().unwrap_or_default(),
            drop: Some(Edit::DropUnique { table: t.id, columns: ids(&k.columns) }),
        });
    }
    for ix in &t.indexes {
        let parts = bellows_core::render::ddl::index_parts(ix, dialect);
        let mut text = format!("{}({parts})", if ix.unique { "UNIQUE " } else { "" });
        if let Some(m) = &ix.method {
            text.push_str(&format!(" USING {m}"));
        }
        if let Some(p) = &ix.predicate {
            text.push_str(&format!(" WHERE {p}"));
        }
        out.push(KeyRow {
            kind: KeyKind::Index,
            text,
            name: ix.name.clone().unwrap_or_default(),
            drop: ix.name.clone().map(|name| Edit::DropIndex { table: t.id, name }),
        });
    }
    out
}

/// An edit the core may refuse (a condition that does not read, a name that is taken): the
/// reason shows under the form that made it and the refused edit leaves the undo history;
/// `done` runs once it applied.
#[derive(Clone, Copy)]
struct Pending {
    n: StoredValue<Option<usize>>,
    error: RwSignal<Option<String>>,
}

impl Pending {
    fn new(studio: Studio, done: impl Fn() + 'static) -> Self {
        let me = Self { n: StoredValue::new(None), error: RwSignal::new(None) };
        Effect::new(move |_| {
            // Every analysis wakes it; only the one after a submit reads the skipped edits.
            studio.analysis.track();
            let Some(n) = me.n.get_value() else { return };
            me.n.set_value(None);
            let prefix = format!("edit {n} skipped: ");
            let refused = studio
                .analysis
                .with_untracked(|a| a.skipped_edits.iter().find_map(|s| s.strip_prefix(&prefix).map(str::to_string)));
            match refused {
                Some(why) => {
                    me.error.set(Some(why));
                    studio.withdraw_refused(n);
                }
                None => {
                    me.error.set(None);
                    done();
                }
            }
        });
        me
    }

    fn submit(self, studio: Studio, edit: Edit) {
        studio.edit(edit);
        self.n.set_value(Some(studio.edits.with_untracked(Vec::len)));
    }
}

/// What the "add a key or index" form holds.
#[derive(Clone, Copy)]
struct KeyForm {
    kind: RwSignal<KeyKind>,
    /// In the key's order, as picked.
    columns: RwSignal<Vec<ColumnId>>,
    descending: RwSignal<Vec<ColumnId>>,
    unique: RwSignal<bool>,
    method: RwSignal<String>,
    predicate: RwSignal<String>,
    /// Empty: the suggested name.
    name: RwSignal<String>,
}

impl KeyForm {
    fn new() -> Self {
        Self {
            kind: RwSignal::new(KeyKind::Index),
            columns: RwSignal::new(Vec::new()),
            descending: RwSignal::new(Vec::new()),
            unique: RwSignal::new(false),
            method: RwSignal::new(String::new()),
            predicate: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
        }
    }

    fn reset(self) {
        self.columns.set(Vec::new());
        self.descending.set(Vec::new());
        self.unique.set(false);
        self.method.set(String::new());
        self.predicate.set(String::new());
        self.name.set(String::new());
    }
}

/// Commits a text field on Enter or when it loses focus, if it changed; Escape restores it.
/// A field that must not be empty (a name, a type) puts its value back instead of committing
/// an empty one.
fn commit_on(value: String, may_be_empty: bool, apply: impl Fn(String) + Copy + 'static) -> impl IntoView {
    // What the field last committed: Enter commits, and the `change` event the browser fires
    // right after (the analysis that redraws the field arrives later) must not commit it again
    // as a second undo step.
    let committed = StoredValue::new(value.clone());
    let accept = move |input: &web_sys::HtmlInputElement| {
        let v = input.value().trim().to_string();
        let last = committed.get_value();
        if v.is_empty() && !may_be_empty {
            input.set_value(&last);
        } else if v != last.trim() {
            committed.set_value(v.clone());
            apply(v);
        }
    };
    view! {
        <input type="text" prop:value=value
            on:keydown=move |e: ev::KeyboardEvent| {
                let input = event_target::<web_sys::HtmlInputElement>(&e);
                if e.key() == "Enter" {
                    accept(&input);
                } else if e.key() == "Escape" {
                    input.set_value(&committed.get_value());
                }
            }
            on:change=move |e| accept(&event_target::<web_sys::HtmlInputElement>(&e)) />
    }
}

/// A comment: free text over several lines, committed when the field loses focus (or on
/// Ctrl+Enter) if it changed, as one edit; Escape restores it. Empty takes the comment off.
fn comment_field(
    value: String,
    testid: &'static str,
    placeholder: String,
    apply: impl Fn(Option<String>) + Copy + 'static,
) -> impl IntoView {
    // Dumps often wrap a comment in newlines (`IS $$\n...\n$$`): shown without them.
    let value = value.trim().to_string();
    let committed = StoredValue::new(value.clone());
    let accept = move |area: &web_sys::HtmlTextAreaElement| {
        let v = area.value().trim().to_string();
        if v != committed.get_value().trim() {
            committed.set_value(v.clone());
            apply((!v.is_empty()).then_some(v));
        }
    };
    let rows = value.lines().count().clamp(1, 6).to_string();
    view! {
        <textarea class="comment" data-testid=testid rows=rows placeholder=placeholder.clone() title=placeholder
            prop:value=value
            on:keydown=move |e: ev::KeyboardEvent| {
                let area = event_target::<web_sys::HtmlTextAreaElement>(&e);
                if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                    e.prevent_default();
                    accept(&area);
                } else if e.key() == "Escape" {
                    area.set_value(&committed.get_value());
                }
            }
            on:change=move |e| accept(&event_target::<web_sys::HtmlTextAreaElement>(&e))></textarea>
    }
}

#[component]
pub fn Inspector(studio: Studio) -> impl IntoView {
    let table = Memo::new(move |_| {
        let id = studio.selected.get()?;
        studio.analysis.with(|a| {
            let t = a.target.table(id)?;
            let extract_name = bellows_core::edit::extracted_name(&a.target, id);
            Some(TableView {
                id,
                name: t.qualified_name(),
                added: a.base.schema.table(id).is_none(),
                columns: t
                    .columns
                    .iter()
                    .map(|c| ColumnRow {
                        id: c.id,
                        name: c.name.clone(),
                        data_type: c.data_type.spelling.to_lowercase(),
                        nullable: c.nullable,
                        primary: t.is_primary_key(&c.name),
                        unique: t.is_unique(&c.name),
                        default: c.default.as_ref().map(|d| d.expr.clone()).unwrap_or_default(),
                        references: t
                            .foreign_keys_of(&c.name)
                            .next()
                            .map(|fk| format!("{}({})", fk.ref_table, fk.ref_columns.join(", "))),
                        indexed: t
                            .indexes
                            .iter()
                            .find(|ix| {
                                ix.parts.len() == 1
                                    && ix.parts[0].column().is_some_and(|n| n.eq_ignore_ascii_case(&c.name))
                            })
                            .and_then(|ix| ix.name.clone()),
                        lookup: (matches!(
                            c.data_type.kind,
                            bellows_core::TypeKind::Text
                                | bellows_core::TypeKind::Varchar { .. }
                                | bellows_core::TypeKind::Char { .. }
                        ) && bellows_core::edit::lookup_allowed(&a.target, id, c.id).is_ok())
                        .then(|| bellows_core::edit::lookup_name(&a.target, id, c.id)),
                        extractable: bellows_core::edit::extract_columns_allowed(&a.target, id, &[c.id], &extract_name)
                            .is_ok(),
                        listable: matches!(
                            c.data_type.kind,
                            bellows_core::TypeKind::Text
                                | bellows_core::TypeKind::Varchar { .. }
                                | bellows_core::TypeKind::Char { .. }
                        ) && t.foreign_keys_of(&c.name).next().is_none(),
                        identity: match c.identity {
                            Some(Identity::Always) => "always",
                            Some(Identity::ByDefault) => "by-default",
                            Some(Identity::Serial) => "serial",
                            Some(Identity::AutoIncrement) => "auto-increment",
                            None => "",
                        },
                        identity_editable: a.target.dialect.is_none_or(|d| d == bellows_core::Dialect::Postgres)
                            && matches!(
                                c.data_type.kind,
                                bellows_core::TypeKind::SmallInt
                                    | bellows_core::TypeKind::Integer
                                    | bellows_core::TypeKind::BigInt
                            )
                            && c.generated.is_none()
                            // An identity takes no default: a serial's goes with it, any other
                            // must be dropped first.
                            && (c.default.is_none() || c.identity == Some(Identity::Serial)),
                        comment: c.comment.clone().unwrap_or_default(),
                    })
                    .collect(),
                checks: t.checks.iter().map(|c| (c.expr.clone(), c.name.clone().unwrap_or_default())).collect(),
                extract_name,
                comment: t.comment.clone().unwrap_or_default(),
                comments_kept: a.target.dialect != Some(bellows_core::Dialect::Sqlite),
                keys: key_rows(t, a.target.dialect.unwrap_or(Dialect::Postgres)),
                dialect: a.target.dialect.unwrap_or(Dialect::Postgres),
                enums: enum_views(&a.target, t),
                move_to: bellows_core::edit::move_targets(&a.target, id),
            })
        })
    });
    // Removed in the target means the base still has it; a selection the base text no longer
    // has (the text was replaced) is no selection at all.
    let removed_in_target = move || {
        studio.selected.get().is_some_and(|id| studio.analysis.with(|a| a.base.schema.table(id).is_some()))
            && table.with(Option::is_none)
    };
    // "Used by": what in the target depends on the selected table, or on its selected column,
    // from the worker's dependency map; the canvas marks the tables among them.
    let used_by = RwSignal::new(None::<(String, Vec<Dependent>)>);
    Effect::new(move |_| {
        let Some((name, column)) = table.with(|t| {
            t.as_ref().map(|t| {
                let column = studio.selected_column.get();
                (t.name.clone(), t.columns.iter().find(|c| Some(c.id) == column).map(|c| c.name.clone()))
            })
        }) else {
            used_by.set(None);
            studio.highlight.set(Vec::new());
            return;
        };
        let design = studio.design_for_engine();
        let subject = match &column {
            Some(c) => format!("{name}.{c}"),
            None => name.clone(),
        };
        let own = name.clone();
        studio.ask(Request::UsedBy { design: design.into(), table: name, column }, move |reply| {
            if let Reply::UsedBy(list) = reply {
                // Other tables: the selected one is marked as selected already.
                let mut tables: Vec<String> =
                    list.iter().filter_map(|d| d.table.clone()).filter(|t| !t.eq_ignore_ascii_case(&own)).collect();
                tables.dedup();
                studio.highlight.set(tables);
                used_by.set(Some((subject, list)));
            }
        });
    });
    on_cleanup(move || studio.highlight.set(Vec::new()));
    // A CHECK being added: its text stays in the field until the analysis shows it applied;
    // if the edit was refused (a typo, a column that does not exist), the reason shows under it.
    let new_check = RwSignal::new(String::new());
    let check = Pending::new(studio, move || new_check.set(String::new()));
    let add_check = move |t: TableId| {
        let expr = new_check.get_untracked().trim().to_string();
        if expr.is_empty() {
            return;
        }
        let name = studio.analysis.with_untracked(|a| bellows_core::edit::check_name(&a.target, t, &expr));
        check.submit(studio, Edit::AddCheck { table: t, name, expr });
    };
    // A key or index being built: its kind, the columns picked in order (those sorted
    // downwards), and for an index its options; a new selection starts afresh.
    let form = KeyForm::new();
    Effect::new(move |_| {
        studio.selected.track();
        form.reset();
        form.kind.set(KeyKind::Index);
    });
    let key = Pending::new(studio, move || form.reset());
    // A merge: once it applies, the table it went into is selected (the merged one is gone).
    let merge_pending = Pending::new(studio, move || {
        if let Some((_, into)) = studio.merge_into.get_untracked() {
            studio.merge_into.set(None);
            studio.selected.set(Some(into));
        }
    });
    let add_key = move |t: TableId| {
        let columns = form.columns.get_untracked();
        if columns.is_empty() {
            return;
        }
        let typed = form.name.get_untracked().trim().to_string();
        let kind = form.kind.get_untracked();
        let name = if typed.is_empty() {
            studio.analysis.with_untracked(|a| bellows_core::edit::key_name(&a.target, t, &columns, kind.suffix()))
        } else {
            typed
        };
        let edit = match kind {
            KeyKind::Primary => Edit::SetPrimaryKeyColumns { table: t, columns },
            KeyKind::Unique => Edit::AddUnique { table: t, name, columns },
            KeyKind::Index => Edit::CreateIndex {
                table: t,
                name,
                descending: form.descending.get_untracked().into_iter().filter(|c| columns.contains(c)).collect(),
                columns,
                unique: form.unique.get_untracked(),
                method: Some(form.method.get_untracked()).filter(|m| !m.is_empty()),
                predicate: Some(form.predicate.get_untracked().trim().to_string()).filter(|p| !p.is_empty()),
            },
        };
        key.submit(studio, edit);
    };
    // Columns picked to move into a new table, and its name as typed (empty: the suggested
    // one); a new selection starts afresh.
    let picked = RwSignal::new(Vec::<ColumnId>::new());
    let extract_as = RwSignal::new(String::new());
    Effect::new(move |_| {
        studio.selected.track();
        picked.set(Vec::new());
        extract_as.set(String::new());
    });
    let extract_name = move |suggested: &str| {
        let typed = extract_as.get().trim().to_string();
        if typed.is_empty() {
            suggested.to_string()
        } else {
            typed
        }
    };
    // Why the picked columns cannot move under that name, worked out once per pick, name or
    // analysis, for both the button and the message.
    let extract_refused = Memo::new(move |_| {
        let columns = picked.get();
        if columns.is_empty() {
            return None;
        }
        let (t, suggested) = table.with(|t| t.as_ref().map(|t| (t.id, t.extract_name.clone())))?;
        let name = extract_name(&suggested);
        studio.analysis.with(|a| bellows_core::edit::extract_columns_allowed(&a.target, t, &columns, &name).err())
    });
    let extract = move |t: TableId, suggested: &str| {
        if extract_refused.get_untracked().is_some() {
            return;
        }
        // In the table's order, whatever order they were ticked in.
        let mut columns = picked.get_untracked();
        studio.analysis.with_untracked(|a| {
            if let Some(table) = a.target.table(t) {
                columns.sort_by_key(|c| table.columns.iter().position(|x| x.id == *c));
            }
        });
        if columns.is_empty() {
            return;
        }
        let (into, key) = studio.next_ids();
        let name = extract_name(suggested);
        studio.edit(Edit::ExtractColumns { table: t, columns, into, key, name });
        picked.set(Vec::new());
        extract_as.set(String::new());
    };
    let new_name = RwSignal::new(String::new());
    let new_type = RwSignal::new("text".to_string());
    let add_column = move |t: TableId| {
        let name = new_name.get_untracked().trim().to_string();
        if name.is_empty() {
            return;
        }
        let (_, c) = studio.next_ids();
        studio.edit(Edit::AddColumn { table: t, column: c, name, data_type: new_type.get_untracked(), nullable: true });
        new_name.set(String::new());
    };

    view! {
        <div class="inspector" data-testid="inspector">
            <Show when=move || table.with(Option::is_some) fallback=move || view! {
                <p class="hint">
                    {move || if removed_in_target() {
                        "This table is removed in the target (shown struck out). Undo brings it back."
                    } else {
                        "Select a table on the canvas to edit it. Drag a column's dot onto another table's column to add a foreign key."
                    }}
                </p>
            }>
                {move || table.get().map(|t| {
                    let tid = t.id;
                    let read_only = studio.read_only.get_untracked();
                    let movable: Vec<(ColumnId, String)> =
                        t.columns.iter().filter(|c| c.extractable).map(|c| (c.id, c.name.clone())).collect();
                    let suggested = t.extract_name.clone();
                    let comments_kept = t.comments_kept;
                    let keys = t.keys.clone();
                    let key_columns: Vec<(ColumnId, String)> = t.columns.iter().map(|c| (c.id, c.name.clone())).collect();
                    let primary_columns: Vec<ColumnId> = t.columns.iter().filter(|c| c.primary).map(|c| c.id).collect();
                    let dialect = t.dialect;
                    view! {
                        <div class="table-head">
                            <label>"Table "
                                {commit_on(t.name.clone(), false, move |v| studio.edit(Edit::RenameTable { table: tid, to: v }))}
                            </label>
                            {t.added.then(|| view! { <span class="pill added">"new"</span> })}
                            {(!t.added).then(|| merge_form(studio, tid, dialect, merge_pending))}
                            <button type="button" class="danger" data-testid="delete-table" disabled=read_only
                                on:click=move |_| { studio.edit(Edit::DropTable { table: tid }); studio.selected.set(None); }>"Delete table"</button>
                        </div>
                        {comment_field(
                            t.comment.clone(),
                            "table-comment",
                            if t.comments_kept { "Comment: what a row of this table is".to_string() } else { "Comment (SQLite keeps none: it stays in the design and its exports)".to_string() },
                            move |comment| studio.edit(Edit::SetComment { table: tid, column: None, comment }),
                        )}
                        <table class="columns" data-testid="column-editor">
                            <thead><tr>
                                <th>"Column"</th><th>"Type"</th><th title="NOT NULL">"NN"</th><th title="Primary key">"PK"</th>
                                <th title="Unique">"UQ"</th><th>"Default"</th>
                            </tr></thead>
                            <tbody>
                                {t.columns.into_iter().map(|c| {
                                    let cid = c.id;
                                    let selected = move || studio.selected_column.get() == Some(cid);
                                    view! {
                                        <tr class="fields" class:selected=selected data-column=c.name.clone()>
                                            <td>{commit_on(c.name.clone(), false, move |v| studio.edit(Edit::RenameColumn { table: tid, column: cid, to: v }))}</td>
                                            <td>{commit_on(c.data_type.clone(), false, move |v| studio.edit(Edit::SetType { table: tid, column: cid, data_type: v }))}</td>
                                            <td><input type="checkbox" aria-label="NOT NULL" prop:checked=!c.nullable disabled=c.primary
                                                on:change=move |e| studio.edit(Edit::SetNullable { table: tid, column: cid, nullable: !event_target_checked(&e) }) /></td>
                                            <td><input type="checkbox" aria-label="primary key" prop:checked=c.primary
                                                on:change=move |e| studio.edit(Edit::SetPrimaryKey { table: tid, column: cid, primary: event_target_checked(&e) }) /></td>
                                            <td><input type="checkbox" aria-label="unique" prop:checked=c.unique
                                                on:change=move |e| studio.edit(Edit::SetUnique { table: tid, column: cid, unique: event_target_checked(&e) }) /></td>
                                            <td class="default">{commit_on(c.default.clone(), true, move |v| studio.edit(Edit::SetDefault { table: tid, column: cid, default: (!v.is_empty()).then_some(v) }))}</td>
                                        </tr>
                                        <tr class="row-actions" class:selected=selected data-column=c.name.clone()>
                                            <td colspan="6">
                                                // A column's comment shows when it has one or is selected.
                                                {
                                                    let comment = c.comment.clone();
                                                    let has_comment = !comment.is_empty();
                                                    let placeholder = if comments_kept { format!("Comment on {}", c.name) } else { format!("Comment on {} (SQLite keeps none)", c.name) };
                                                    view! {
                                                        <Show when=move || has_comment || selected()>
                                                            {comment_field(comment.clone(), "column-comment", placeholder.clone(),
                                                                move |comment| studio.edit(Edit::SetComment { table: tid, column: Some(cid), comment }))}
                                                        </Show>
                                                    }
                                                }
                                                {c.references.clone().map(|r| view! {
                                                    <span class="fk">"\u{2192} " {r}
                                                        <button type="button" class="link" title="Remove this foreign key"
                                                            on:click=move |_| studio.edit(Edit::DropForeignKey { table: tid, column: cid })>"remove key"</button>
                                                    </span>
                                                })}
                                                {match c.indexed.clone() {
                                                    Some(name) => view! { <button type="button" class="link" title=format!("Drop index {name}")
                                                        on:click=move |_| studio.edit(Edit::DropIndex { table: tid, name: name.clone() })>"drop index"</button> }.into_any(),
                                                    None => view! { <button type="button" class="link" title="Add an index on this column"
                                                        on:click=move |_| studio.edit(Edit::AddIndex { table: tid, column: cid })>"add index"</button> }.into_any(),
                                                }}
                                                {c.listable.then(|| allow_only_form(studio, tid, cid, c.default.clone(), c.lookup.clone(), dialect).into_any())}
                                                {c.identity_editable.then(|| {
                                                    let current = c.identity;
                                                    view! {
                                                        <label class="identity" title="How the column numbers new rows (an identity column takes no default)">
                                                            "identity "
                                                            <select data-testid="identity" disabled=read_only
                                                                on:change=move |e| {
                                                                    let identity = match event_target_value(&e).as_str() {
                                                                        "always" => Some(Identity::Always),
                                                                        "by-default" => Some(Identity::ByDefault),
                                                                        _ => None,
                                                                    };
                                                                    studio.edit(Edit::SetIdentity { table: tid, column: cid, identity });
                                                                }>
                                                                // A serial becomes an identity; dropping its sequence is not an edit here.
                                                                <option value="" selected=current.is_empty() disabled=current == "serial">"none"</option>
                                                                {(current == "serial").then(|| view! { <option value="serial" selected=true disabled=true>"serial"</option> })}
                                                                <option value="by-default" selected=current == "by-default">"by default"</option>
                                                                <option value="always" selected=current == "always">"always"</option>
                                                            </select>
                                                        </label>
                                                    }
                                                })}
                                                <button type="button" class="link danger" title="Delete this column" data-testid="delete-column"
                                                    on:click=move |_| studio.edit(Edit::DropColumn { table: tid, column: cid })>"delete column"</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                                <tr class="add-row">
                                    <td><input type="text" data-testid="new-column-name" placeholder="new column, Enter to add" disabled=read_only
                                        prop:value=move || new_name.get() on:input=move |e| new_name.set(event_target_value(&e))
                                        on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Enter" { add_column(tid) } /></td>
                                    <td><input type="text" data-testid="new-column-type" disabled=read_only
                                        prop:value=move || new_type.get() on:input=move |e| new_type.set(event_target_value(&e))
                                        on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Enter" { add_column(tid) } /></td>
                                    <td colspan="4"><button type="button" disabled=read_only on:click=move |_| add_column(tid)>"Add"</button></td>
                                </tr>
                            </tbody>
                        </table>
                        {
                            let s1 = suggested.clone();
                            (!movable.is_empty() && !read_only).then(|| view! {
                                <section class="extract" data-testid="extract-columns">
                                    <h3>"Extract columns"</h3>
                                    <p class="hint">"Columns that describe something else move into a new table that holds them one to one, keyed by this table's key. The plan copies the values and keeps both tables in step until Contract."</p>
                                    <div class="picks">
                                        {movable.into_iter().map(|(cid, name)| view! {
                                            <label class="pick">
                                                <input type="checkbox" data-testid="extract-pick" data-column=name.clone()
                                                    prop:checked=move || picked.with(|p| p.contains(&cid))
                                                    on:change=move |e| {
                                                        let on = event_target_checked(&e);
                                                        picked.update(|p| {
                                                            p.retain(|x| *x != cid);
                                                            if on {
                                                                p.push(cid);
                                                            }
                                                        });
                                                    } />
                                                {name}
                                            </label>
                                        }).collect_view()}
                                    </div>
                                    <div class="add-check">
                                        <input type="text" data-testid="extract-name" placeholder=suggested.clone() title="The new table's name"
                                            spellcheck="false" prop:value=move || extract_as.get()
                                            on:input=move |e| extract_as.set(event_target_value(&e))
                                            on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Enter" { extract(tid, &s1) } />
                                        <button type="button" data-testid="extract-columns-go"
                                            disabled=move || picked.with(Vec::is_empty) || extract_refused.with(Option::is_some)
                                            on:click=move |_| extract(tid, &suggested)>
                                            {move || match picked.with(Vec::len) {
                                                0 => "Extract".to_string(),
                                                1 => "Extract 1 column".to_string(),
                                                n => format!("Extract {n} columns"),
                                            }}
                                        </button>
                                    </div>
                                    {move || extract_refused.get().map(|why| view! { <p class="notice warning" data-testid="extract-error">{why}</p> })}
                                </section>
                            })
                        }
                        {(!t.move_to.is_empty() && !read_only).then(|| move_form(studio, tid, t.move_to.clone()))}
                        {(!t.enums.is_empty()).then(|| view! {
                            <section class="checks enums" data-testid="enums">
                                <h3>"Enum types"</h3>
                                {t.enums.clone().into_iter().map(|e| enum_editor(studio, e, read_only)).collect_view()}
                            </section>
                        })}
                        <section class="checks" data-testid="checks">
                            <h3>"Checks"</h3>
                            {if t.checks.is_empty() {
                                view! { <p class="hint">"No CHECK constraints. Add a rule every row must pass, such as " <code>"status IN ('new', 'paid')"</code> "."</p> }.into_any()
                            } else {
                                view! {
                                    <ul>
                                        {t.checks.into_iter().map(|(expr, name)| {
                                            let drop = if name.is_empty() { expr.clone() } else { name.clone() };
                                            view! {
                                                <li data-testid="check">
                                                    <code>{expr}</code>
                                                    {(!name.is_empty()).then(|| view! { <span class="muted">{name}</span> })}
                                                    <button type="button" class="link danger" data-testid="drop-check" title="Drop this CHECK" disabled=read_only
                                                        on:click=move |_| studio.edit(Edit::DropCheck { table: tid, check: drop.clone() })>"drop"</button>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <div class="add-check">
                                <input type="text" data-testid="new-check" placeholder="condition, e.g. total >= 0" title="A condition every row must pass; Enter adds it" disabled=read_only
                                    spellcheck="false" prop:value=move || new_check.get()
                                    on:input=move |e| { new_check.set(event_target_value(&e)); check.error.set(None); }
                                    on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Enter" { add_check(tid) } />
                                <button type="button" data-testid="add-check" disabled=read_only on:click=move |_| add_check(tid)>"Add check"</button>
                            </div>
                            {move || check.error.get().map(|why| view! { <p class="notice warning" data-testid="check-error">{why}</p> })}
                        </section>
                        {keys_section(KeysSection { studio, table: tid, read_only, keys, columns: key_columns, primary: primary_columns, dialect, form, pending: key }, add_key)}
                    }
                })}
                {move || used_by.get().map(|(subject, list)| view! {
                    <section class="used-by" data-testid="used-by">
                        <h3>"Used by " <code>{subject}</code></h3>
                        {if list.is_empty() {
                            view! { <p class="hint">"Nothing in the schema depends on it: no view, key, index, check, trigger or routine names it."</p> }.into_any()
                        } else {
                            view! {
                                <ul>
                                    {list.into_iter().map(|d| view! {
                                        <li data-testid="dependent">
                                            <span class="kind">{d.kind.label()}</span>
                                            <span><b>{d.name}</b> " " <span class="muted">{d.how}</span></span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                })}
            </Show>
        </div>
    }
}

struct KeysSection {
    studio: Studio,
    table: TableId,
    read_only: bool,
    keys: Vec<KeyRow>,
    columns: Vec<(ColumnId, String)>,
    /// The primary key's columns in the table's order: picked at once when the form turns to
    /// "primary key" with nothing picked.
    primary: Vec<ColumnId>,
    dialect: Dialect,
    form: KeyForm,
    pending: Pending,
}

/// The table's primary key, UNIQUE constraints and indexes, each with "drop", and a form that
/// makes one over several columns in the order they are picked: one edit, so one undo step.
fn keys_section(s: KeysSection, add: impl Fn(TableId) + Copy + Send + Sync + 'static) -> impl IntoView {
    let KeysSection { studio, table, read_only, keys, columns, primary, dialect, form, pending } = s;
    let names = StoredValue::new(columns.clone());
    let name_of = move |id: ColumnId| {
        names.with_value(|n| n.iter().find(|(c, _)| *c == id).map(|(_, n)| n.clone()).unwrap_or_default())
    };
    let is_index = move || form.kind.get() == KeyKind::Index;
    let methods: &'static [&'static str] =
        if dialect == Dialect::Postgres { &["btree", "hash", "gin", "gist", "brin"] } else { &[] };
    let partial = dialect != Dialect::MySql;
    let suggested = move || {
        let columns = form.columns.get();
        if columns.is_empty() {
            return "its name (suggested once columns are picked)".to_string();
        }
        let suffix = form.kind.get().suffix();
        studio.analysis.with(|a| bellows_core::edit::key_name(&a.target, table, &columns, suffix))
    };
    view! {
        <section class="keys" data-testid="keys">
            <h3>"Keys and indexes"</h3>
            {if keys.is_empty() {
                view! { <p class="hint">"No key or index. A table without a primary key cannot tell its rows apart."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {keys.into_iter().map(|k| {
                            let label = match k.kind {
                                KeyKind::Primary => "PRIMARY KEY",
                                KeyKind::Unique => "UNIQUE",
                                KeyKind::Index => "INDEX",
                            };
                            view! {
                                <li data-testid="key" data-kind=k.kind.label()>
                                    <span class="kind">{label}</span>
                                    <code>{k.text}</code>
                                    {(!k.name.is_empty()).then(|| view! { <span class="muted">{k.name}</span> })}
                                    {k.drop.map(|edit| view! {
                                        <button type="button" class="link danger" data-testid="drop-key" disabled=read_only
                                            title="Drop it (undo brings it back)"
                                            on:click=move |_| pending.submit(studio, edit.clone())>"drop"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!read_only).then(|| view! {
                <div class="key-form" data-testid="key-form">
                    <label>"New "
                        <select data-testid="key-kind"
                            on:change=move |e| {
                                let kind = match event_target_value(&e).as_str() {
                                    "primary key" => KeyKind::Primary,
                                    "unique" => KeyKind::Unique,
                                    _ => KeyKind::Index,
                                };
                                form.kind.set(kind);
                                if kind == KeyKind::Primary && form.columns.with_untracked(Vec::is_empty) {
                                    form.columns.set(primary.clone());
                                }
                                pending.error.set(None);
                            }>
                            {[KeyKind::Index, KeyKind::Unique, KeyKind::Primary].into_iter().map(|k| view! {
                                <option value=k.label() selected=move || form.kind.get() == k>{k.label()}</option>
                            }).collect_view()}
                        </select>
                        " on"
                    </label>
                    <ol class="key-columns" data-testid="key-columns">
                        {move || form.columns.get().into_iter().enumerate().map(|(i, id)| {
                            let name = name_of(id);
                            view! {
                                <li data-testid="key-column" data-column=name.clone()>
                                    <code>{name.clone()}</code>
                                    <Show when=is_index>
                                        <label class="desc" title="Sort this column downwards in the index">
                                            <input type="checkbox" data-testid="key-desc"
                                                prop:checked=move || form.descending.with(|d| d.contains(&id))
                                                on:change=move |e| {
                                                    let on = event_target_checked(&e);
                                                    form.descending.update(|d| { d.retain(|x| *x != id); if on { d.push(id); } });
                                                } />
                                            "DESC"
                                        </label>
                                    </Show>
                                    {(i > 0).then(|| view! {
                                        <button type="button" class="link" title="Move it one place earlier" data-testid="key-column-earlier"
                                            on:click=move |_| form.columns.update(|c| if let Some(at) = c.iter().position(|x| *x == id) { if at > 0 { c.swap(at, at - 1); } })>"\u{2191}"</button>
                                    })}
                                    <button type="button" class="link" title="Take it out" data-testid="key-column-remove"
                                        on:click=move |_| form.columns.update(|c| c.retain(|x| *x != id))>"\u{d7}"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    <div class="picks" data-testid="key-picks">
                        {move || {
                            let picked = form.columns.get();
                            names.get_value().into_iter().filter(|(id, _)| !picked.contains(id)).map(|(id, name)| view! {
                                <button type="button" class="pick" data-testid="key-pick" data-column=name.clone()
                                    title=format!("Add {name} as the next column")
                                    on:click=move |_| { form.columns.update(|c| c.push(id)); pending.error.set(None); }>
                                    "+ " {name.clone()}
                                </button>
                            }).collect_view()
                        }}
                    </div>
                    <Show when=is_index>
                        <div class="options">
                            <label><input type="checkbox" data-testid="key-unique" prop:checked=move || form.unique.get()
                                on:change=move |e| form.unique.set(event_target_checked(&e)) />" unique"</label>
                            {(!methods.is_empty()).then(|| view! {
                                <label>"using "
                                    <select data-testid="key-method" on:change=move |e| {
                                        let m = event_target_value(&e);
                                        form.method.set(if m == "btree" { String::new() } else { m });
                                    }>
                                        {methods.iter().map(|m| view! {
                                            <option value=*m selected=move || form.method.with(|x| x == m || (x.is_empty() && *m == "btree"))>{*m}</option>
                                        }).collect_view()}
                                    </select>
                                </label>
                            })}
                            {partial.then(|| view! {
                                <input type="text" class="predicate" data-testid="key-where" spellcheck="false"
                                    placeholder="WHERE (optional), e.g. deleted_at IS NULL" title="A partial index holds only the rows this condition keeps"
                                    prop:value=move || form.predicate.get()
                                    on:input=move |e| { form.predicate.set(event_target_value(&e)); pending.error.set(None); } />
                            })}
                        </div>
                    </Show>
                    <div class="add-check">
                        <Show when=move || form.kind.get() != KeyKind::Primary>
                            <input type="text" data-testid="key-name" spellcheck="false" title="Its name"
                                placeholder=suggested prop:value=move || form.name.get()
                                on:input=move |e| form.name.set(event_target_value(&e))
                                on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Enter" { add(table) } />
                        </Show>
                        <button type="button" data-testid="key-add" disabled=move || form.columns.with(Vec::is_empty)
                            on:click=move |_| add(table)>
                            {move || {
                                let cols: Vec<String> = form.columns.get().into_iter().map(name_of).collect();
                                let on = if cols.is_empty() { String::new() } else { format!(" ({})", cols.join(", ")) };
                                match form.kind.get() {
                                    KeyKind::Primary if cols.is_empty() => "Pick the key's columns".to_string(),
                                    KeyKind::Primary => format!("Make the primary key{on}"),
                                    KeyKind::Unique => format!("Add unique{on}"),
                                    KeyKind::Index => format!("Add index{on}"),
                                }
                            }}
                        </button>
                    </div>
                </div>
            })}
            {move || pending.error.get().map(|why| view! { <p class="notice warning" data-testid="key-error">{why}</p> })}
        </section>
    }
}
