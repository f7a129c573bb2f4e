//! The selected table of the target, editable: its name and comment, each column (name, type, NOT NULL,
//! primary key, unique, default, comment, index, the foreign key it holds, a lookup table extracted from
//! a text column's values), columns picked to move into a new table, a row to add the next column
//! (Enter adds it and keeps the cursor there), and deleting the table. Every change is one edit,
//! so one undo step. Under the columns, "Used by": what depends on the table or the selected
//! column (the canvas marks the tables among them).

use crate::engine::{Reply, Request};
use crate::state::Studio;
use bellows_core::deps::Dependent;
use bellows_core::edit::Edit;
use bellows_core::{ColumnId, Identity, TableId};
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
    let pending_check = StoredValue::new(None::<usize>);
    let check_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        // Every analysis wakes it; only one after a CHECK was added reads the skipped edits.
        studio.analysis.track();
        let Some(n) = pending_check.get_value() else { return };
        pending_check.set_value(None);
        let prefix = format!("edit {n} skipped: ");
        let refused = studio
            .analysis
            .with_untracked(|a| a.skipped_edits.iter().find_map(|s| s.strip_prefix(&prefix).map(str::to_string)));
        match refused {
            Some(why) => {
                check_error.set(Some(why));
                // The refused edit goes, so undo does not step through it; the text stays.
                studio.withdraw_refused(n);
            }
            None => {
                check_error.set(None);
                new_check.set(String::new());
            }
        }
    });
    let add_check = move |t: TableId| {
        let expr = new_check.get_untracked().trim().to_string();
        if expr.is_empty() {
            return;
        }
        let name = studio.analysis.with_untracked(|a| bellows_core::edit::check_name(&a.target, t, &expr));
        studio.edit(Edit::AddCheck { table: t, name, expr });
        pending_check.set_value(Some(studio.edits.with_untracked(Vec::len)));
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
                    view! {
                        <div class="table-head">
                            <label>"Table "
                                {commit_on(t.name.clone(), false, move |v| studio.edit(Edit::RenameTable { table: tid, to: v }))}
                            </label>
                            {t.added.then(|| view! { <span class="pill added">"new"</span> })}
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
                                                {c.lookup.clone().map(|name| view! {
                                                    <button type="button" class="link" data-testid="extract-lookup"
                                                        title=format!("Move this column's values into a new table {name}, which the column then references; the plan fills it from the rows")
                                                        on:click=move |_| {
                                                            let ids = studio.next_ids();
                                                            let edit = studio.analysis.with_untracked(|a| {
                                                                bellows_core::edit::extract_lookup(&a.target, tid, cid, ids)
                                                            });
                                                            studio.edit(edit);
                                                        }>"extract lookup table"</button>
                                                })}
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
                                    on:input=move |e| { new_check.set(event_target_value(&e)); check_error.set(None); }
                                    on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Enter" { add_check(tid) } />
                                <button type="button" data-testid="add-check" disabled=read_only on:click=move |_| add_check(tid)>"Add check"</button>
                            </div>
                            {move || check_error.get().map(|why| view! { <p class="notice warning" data-testid="check-error">{why}</p> })}
                        </section>
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
