//! The plan: options, the stages as a timeline (Expand, Backfill, Switch, Contract), each step
//! with its lock and effect badges, reason, SQL (copy button) and undo SQL, safety findings on
//! the step, the v1/v2 compatibility matrix, and downloads (runbook, SQL per stage).

use crate::browser;
use crate::engine::{Reply, Request};
use crate::state::Studio;
use bellows_core::consumers::frameworks::{Framework, Snippet};
use bellows_core::consumers::Verdict;
use bellows_core::plan::{plan_chat_summary, plan_markdown, Effect, LockMode, MySqlServer, StageKind};
use bellows_core::share::encode_model;
use bellows_core::Dialect;
use leptos::prelude::*;

fn lock_badge(mode: LockMode) -> (&'static str, String) {
    let class = match mode {
        LockMode::AccessExclusive | LockMode::NoWrites => "lock hard",
        LockMode::ShareRowExclusive | LockMode::Share | LockMode::Write | LockMode::Metadata => "lock medium",
        _ => "lock soft",
    };
    (class, mode.label().to_string())
}

fn effect_badge(effect: Effect) -> (&'static str, &'static str) {
    match effect {
        Effect::Metadata => ("effect soft", "catalog only"),
        Effect::Scan => ("effect medium", "scans"),
        Effect::Rewrite => ("effect hard", "rewrites"),
        Effect::Batched => ("effect soft", "batched"),
        Effect::None => ("effect soft", "no server change"),
    }
}

#[component]
pub fn PlanPanel(studio: Studio) -> impl IntoView {
    let plan = Memo::new(move |_| studio.analysis.with(|a| a.plan.clone()));
    let findings = Memo::new(move |_| studio.analysis.with(|a| a.plan_findings.clone()));
    let skipped = Memo::new(move |_| studio.analysis.with(|a| a.skipped_edits.clone()));
    // The application's code changes in the chosen framework, asked of the worker (it keeps the
    // change set) for the analysis on screen.
    let snippets = RwSignal::new(Vec::<Snippet>::new());
    leptos::prelude::Effect::new(move |_| {
        let Some(framework) = studio.framework.get() else {
            snippets.set(Vec::new());
            return;
        };
        studio.analysis.track();
        studio.ask(Request::Snippets { design: studio.design_for_engine().into(), framework }, move |reply| {
            if let Reply::Snippets(s) = reply {
                snippets.set(s);
            }
        });
    });
    let set_option = move |f: fn(&mut bellows_core::share::ShareOptions, u32), v: String| {
        if let Ok(n) = v.trim().parse::<u32>() {
            studio.options.update(|o| f(o, n));
        }
    };
    view! {
        <div class="plan" data-testid="plan">
            <div class="plan-options">
                {move || match studio.analysis.with(|a| a.dialect) {
                    Dialect::Postgres => view! {
                        <label>"PostgreSQL "
                            <select on:change=move |e| set_option(|o, n| o.pg_version = n, event_target_value(&e))>
                                {(12..=17).map(|v| view! { <option value=v selected=move || studio.options.get().pg_version == v>{v}</option> }).collect_view()}
                            </select>
                        </label>
                    }.into_any(),
                    Dialect::MySql => view! {
                        <label>"Server "
                            <select data-testid="mysql-server" on:change=move |e| {
                                let server = MySqlServer::parse(&event_target_value(&e));
                                studio.options.update(|o| o.mysql_server = server);
                            }>
                                {MySqlServer::ALL.iter().map(|&s| view! {
                                    <option value=s.id() selected=move || plan.with(|p| p.options.mysql_server) == s>{s.label()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    }.into_any(),
                    Dialect::Sqlite => ().into_any(),
                }}
                <label>"lock_timeout "
                    <input type="number" min="100" step="100" prop:value=move || studio.options.get().lock_timeout_ms
                        on:change=move |e| set_option(|o, n| o.lock_timeout_ms = n.max(1), event_target_value(&e)) />" ms"
                </label>
                <label>"batch "
                    <input type="number" min="1" step="100" prop:value=move || studio.options.get().batch_size
                        on:change=move |e| set_option(|o, n| o.batch_size = n.max(1), event_target_value(&e)) />" rows"
                </label>
            </div>
            <div class="downloads">
                <button type="button" data-testid="download-runbook" on:click=move |_| {
                    let text = plan_markdown(&plan.get_untracked(), &findings.get_untracked());
                    browser::download("bellows-runbook.md", "text/markdown", &text);
                }>"Runbook (.md)"</button>
                <button type="button" data-testid="download-plan"
                    title="One zip: each stage's up and down SQL, the runbook, the diagram and, for PostgreSQL, a pgroll migration"
                    on:click=move |_| {
                        let diagram_svg = studio.picture.with_value(|p| p.map(|p| p.run(()))).unwrap_or_default();
                        studio.download(Request::PlanZip { design: studio.design_for_engine().into(), diagram_svg });
                    }>"Download plan (.zip)"</button>
                <label title="The code the application changes with the plan, in its framework's terms">"App code: "
                    <select data-testid="framework" aria-label="The application's framework" on:change=move |e| {
                        studio.framework.set(Framework::parse(&event_target_value(&e)));
                    }>
                        <option value="" selected=move || studio.framework.get().is_none()>"not shown"</option>
                        {Framework::ALL.into_iter().map(|f| {
                            let id = match f {
                                Framework::Rails => "rails",
                                Framework::Django => "django",
                                Framework::Prisma => "prisma",
                                Framework::SqlAlchemy => "sqlalchemy",
                                Framework::Sql => "sql",
                            };
                            view! { <option value=id selected=move || studio.framework.get() == Some(f)>{f.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" data-testid="copy-summary" title="A few lines of Markdown for a chat message or a pull request, with the design's link"
                    on:click=move |_| {
                        let d = studio.design();
                        let fragment = studio.analysis.with_untracked(|a| encode_model(&d, &a.base.schema, a.dialect));
                        let text = plan_chat_summary(&plan.get_untracked(), Some(&browser::link_with(&fragment)));
                        browser::copy(&text);
                        studio.notice.set(Some(format!(
                            "Summary copied ({} lines of Markdown, with the link): paste it in a chat or a pull request.",
                            text.lines().filter(|l| !l.is_empty()).count()
                        )));
                    }>"Copy for chat"</button>
            </div>
            <For each=move || skipped.get() key=|s| s.clone() let(s)>
                <p class="notice warning">{s}</p>
            </For>
            {move || {
                let p = plan.get();
                if p.changes.is_empty() {
                    return view! {
                        <p class="hint" data-testid="plan-empty">"The target is the same as the base. Change something on the canvas (rename a column, add a table, drag a foreign key) and the plan appears here."</p>
                    }.into_any();
                }
                let f = findings.get();
                // Per stage: the consumers' statements that stop working there.
                let names: Vec<String> = studio.consumers.with(|cs| cs.iter().map(|c| c.name.clone()).collect());
                let breaks: Vec<Vec<(String, Verdict)>> = studio.analysis.with(|a| {
                    (0..p.stages.len())
                        .map(|i| {
                            let mut here: Vec<(String, Verdict)> = Vec::new();
                            for (c, r) in a.consumers.iter().enumerate() {
                                for o in r.outcomes.iter().filter(|o| o.stage == Some(i) && o.verdict.breaks()) {
                                    let what = format!("{} \u{203a} {}", names.get(c).map_or("?", String::as_str), o.label);
                                    if !here.iter().any(|(w, _)| *w == what) {
                                        here.push((what, o.verdict));
                                    }
                                }
                            }
                            here
                        })
                        .collect()
                });
                view! {
                    <ol class="changes" data-testid="plan-changes">
                        {p.changes.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}
                    </ol>
                    {(!p.blockers.is_empty()).then(|| view! {
                        <div class="blockers" role="alert" data-testid="plan-blockers">
                            <h3>"This plan cannot run yet"</h3>
                            <p>"The target still has objects that use what it drops or renames. Bellows cannot rewrite them; change or drop them in the design:"</p>
                            <ul>{p.blockers.iter().map(|b| view! { <li>{b.clone()}</li> }).collect_view()}</ul>
                        </div>
                    })}
                    {p.notes.iter().map(|n| view! { <p class="notice">{n.clone()}</p> }).collect_view()}
                    {move || studio.framework.get().map(|f| {
                        let list = snippets.get();
                        view! {
                            <section class="snippets" data-testid="snippets">
                                <h3>{format!("The application\u{2019}s code ({})", f.label())}</h3>
                                {list.is_empty().then(|| view! { <p class="muted">"Nothing the application sees changes."</p> })}
                                {list.into_iter().map(|sn| {
                                    let code = sn.code.clone();
                                    view! {
                                        <div class="snippet" data-testid="snippet">
                                            <div><strong>{sn.change.clone()}</strong>" "<span class="muted">{sn.ships.label()}</span></div>
                                            <div class="sql-block">
                                                <button type="button" class="copy" on:click=move |_| browser::copy(&code)>"Copy"</button>
                                                <pre class="sql">{sn.code.clone()}</pre>
                                            </div>
                                            <p class="why">{sn.why.clone()}</p>
                                        </div>
                                    }
                                }).collect_view()}
                            </section>
                        }
                    })}
                    <ol class="timeline">
                        {p.stages.iter().enumerate().map(|(i, stage)| {
                            let kind = stage.kind;
                            let broken_here = breaks.get(i).cloned().unwrap_or_default();
                            let checks: Vec<_> = p.prechecks.iter().chain(p.verifications.iter()).filter(|c| c.before == kind).cloned().collect();
                            view! {
                                <li class=format!("stage stage-{}", kind.label().to_ascii_lowercase()) data-testid="stage">
                                    <h3><span class="stage-name">{kind.label()}</span><span class="count">{match stage.steps.len() { 1 => "1 step".to_string(), n => format!("{n} steps") }}</span></h3>
                                    {checks.into_iter().map(|c| view! {
                                        <div class="check"><span class="label">"before: "</span>{c.title.clone()}
                                            {c.resolution.as_ref().map(|r| view! { <span class="muted">{format!(" \u{2192} {}", r.describe_before(c.before))}</span> })}
                                            <pre class="sql">{c.sql.clone()}</pre>
                                        </div>
                                    }).collect_view()}
                                    {(!broken_here.is_empty()).then(|| view! {
                                        <div class="consumer-breaks" data-testid="stage-breaks">
                                            <span class="label">"Stops working here: "</span>
                                            <ul>{broken_here.into_iter().map(|(what, v)| {
                                                let note = if v == Verdict::PlanDefect { " (while v1 still runs: a plan defect)" } else { " (rewrite or retire it first)" };
                                                view! { <li class=if v == Verdict::PlanDefect { "error" } else { "hard" }>{what}<span class="muted">{note}</span></li> }
                                            }).collect_view()}</ul>
                                        </div>
                                    })}
                                    {(kind == StageKind::Switch).then(|| p.app_changes.iter().map(|a| view! { <p class="app-change">"App: " {a.clone()}</p> }).collect_view())}
                                    {stage.steps.iter().enumerate().map(|(n, step)| {
                                        let (lc, ll) = lock_badge(step.lock.mode);
                                        let (ec, el) = effect_badge(step.lock.effect);
                                        let sql = step.sql.iter().map(|s| format!("{s};")).collect::<Vec<_>>().join("\n");
                                        let undo = step.rollback.iter().map(|s| format!("{s};")).collect::<Vec<_>>().join("\n");
                                        let copy_text = sql.clone();
                                        let here: Vec<_> = f.iter().filter(|x| x.step.is_some_and(|s| s.stage == kind && s.index == n)).cloned().collect();
                                        view! {
                                            <div class="step" data-testid="step">
                                                <div class="step-head">
                                                    <span class="title">{step.title.clone()}</span>
                                                    <span class=lc>{ll}</span>
                                                    <span class=ec>{el}</span>
                                                    // MySQL DDL is never transactional: every step is its own unit there.
                                                    {(!step.transactional && p.dialect != Dialect::MySql).then(|| view! { <span class="badge">"outside a transaction"</span> })}
                                                    {step.one_way.then(|| view! { <span class="badge hard">"one-way"</span> })}
                                                </div>
                                                <p class="why">{step.reason.clone()}</p>
                                                {here.into_iter().map(|x| view! {
                                                    <p class=format!("finding {}", x.severity)>{format!("{} [{}]: {}", x.severity, x.rule.code(), x.message)}</p>
                                                }).collect_view()}
                                                <div class="sql-block">
                                                    <button type="button" class="copy" title="Copy this SQL" on:click=move |_| browser::copy(&copy_text)>"Copy"</button>
                                                    <pre class="sql">{sql}</pre>
                                                </div>
                                                {(!undo.is_empty()).then(|| view! {
                                                    <details><summary>"Rollback SQL"</summary><pre class="sql">{undo}</pre></details>
                                                })}
                                            </div>
                                        }
                                    }).collect_view()}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    <table class="compat" data-testid="compatibility">
                        <thead><tr><th>"after"</th><th>"v1 works"</th><th>"v2 works"</th><th>"rollback without loss"</th></tr></thead>
                        <tbody>
                            {p.compatibility.iter().map(|r| {
                                let yes = |b: bool| if b { view! { <td class="yes">"yes"</td> } } else { view! { <td class="no">"no"</td> } };
                                view! {
                                    <tr><th>{r.after.label()}</th>{yes(r.v1_works)}{yes(r.v2_works)}{yes(r.rollback_without_loss)}</tr>
                                    {(!r.reasons.is_empty()).then(|| view! { <tr class="reasons"><td colspan="4">{r.reasons.join("; ")}</td></tr> })}
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </div>
    }
}
