//! Renames inside SQL kept as text (view queries, trigger and policy headers), the way the
//! server renames inside the objects it stores: when a design renames a table or a column,
//! what reads it reads the new name, and a view keeps its own column names.
//!
//! The text is tokenized (sqlparser's tokenizer: strings, dollar quotes and comments are
//! single tokens), the relations of each `FROM` are found with their aliases, and only the
//! identifiers that denote the renamed object are replaced, in place: the rest of the text is
//! left as written. When an unqualified name could come from another relation too, the
//! rewrite refuses with the reason rather than guess.

use crate::model::same_name;
use crate::render::ident;
use crate::Dialect;
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

/// A significant token (no whitespace or comments) and its byte range in the text.
#[derive(Debug, Clone)]
struct Tok {
    token: Token,
    start: usize,
    end: usize,
}

impl Tok {
    fn word(&self) -> Option<&sqlparser::tokenizer::Word> {
        match &self.token {
            Token::Word(w) => Some(w),
            _ => None,
        }
    }

    fn is_keyword(&self, k: Keyword) -> bool {
        self.word().is_some_and(|w| w.quote_style.is_none() && w.keyword == k)
    }

    /// True when this token is the identifier `name`: an unquoted word in any case, a quoted
    /// one exactly.
    fn is_ident(&self, name: &str) -> bool {
        self.word().is_some_and(|w| match w.quote_style {
            Some(_) => w.value == name,
            None => w.value.eq_ignore_ascii_case(name),
        })
    }

    fn ident(&self) -> Option<&str> {
        self.word().map(|w| w.value.as_str())
    }
}

fn tokens(sql: &str, d: Dialect) -> Option<Vec<Tok>> {
    let dialect: &dyn SqlDialect = match d {
        Dialect::Postgres => &PostgreSqlDialect {},
        Dialect::MySql => &MySqlDialect {},
        Dialect::Sqlite => &SQLiteDialect {},
    };
    let spanned = Tokenizer::new(dialect, sql).tokenize_with_location().ok()?;
    // Line starts, so a (line, column) location becomes a byte offset.
    let mut lines = vec![0usize];
    lines.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *lines.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let column = usize::try_from(column).ok()?.checked_sub(1)?;
        let rest = sql.get(start..)?;
        Some(start + rest.char_indices().nth(column).map_or(rest.len(), |(i, _)| i))
    };
    let mut out = Vec::new();
    for t in spanned {
        if matches!(t.token, Token::Whitespace(_) | Token::EOF) {
            continue;
        }
        let start = offset(t.span.start.line, t.span.start.column)?;
        let end = offset(t.span.end.line, t.span.end.column)?;
        if start > end || end > sql.len() {
            return None;
        }
        out.push(Tok { token: t.token, start, end });
    }
    Some(out)
}

/// A relation of a `FROM`: a table (its name's parts as written) or something whose columns
/// are not known here (a subquery, a function, a CTE), with its alias.
#[derive(Debug, Clone)]
struct Relation {
    /// Indexes of the name's tokens (`schema`, `.`, `table`): empty for a subquery.
    name: Vec<usize>,
    alias: Option<usize>,
    /// A subquery, a function or a CTE: its columns are not known.
    opaque: bool,
}

/// Keywords that end a relation where an alias could stand.
fn ends_relation(t: &Tok) -> bool {
    use Keyword::*;
    t.word().is_some_and(|w| {
        w.quote_style.is_none()
            && matches!(
                w.keyword,
                WHERE
                    | JOIN
                    | INNER
                    | LEFT
                    | RIGHT
                    | FULL
                    | CROSS
                    | NATURAL
                    | ON
                    | USING
                    | GROUP
                    | ORDER
                    | HAVING
                    | LIMIT
                    | OFFSET
                    | FETCH
                    | UNION
                    | EXCEPT
                    | INTERSECT
                    | WINDOW
                    | FOR
                    | TABLESAMPLE
                    | LATERAL
                    | RETURNING
                    | SET
                    | VALUES
                    | SELECT
                    | WITH
                    | OUTER
            )
    })
}

/// The relations of every `FROM` in the query, and the names of its CTEs.
fn relations(toks: &[Tok]) -> (Vec<Relation>, Vec<String>) {
    let mut out = Vec::new();
    let mut ctes = Vec::new();
    // The clause each parenthesis depth is in.
    let mut clause: Vec<Option<Keyword>> = vec![None];
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        match &t.token {
            Token::LParen => {
                clause.push(None);
                i += 1;
                continue;
            }
            Token::RParen => {
                if clause.len() > 1 {
                    clause.pop();
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        if let Some(w) = t.word().filter(|w| w.quote_style.is_none()) {
            use Keyword::*;
            if matches!(
                w.keyword,
                SELECT
                    | FROM
                    | WHERE
                    | GROUP
                    | HAVING
                    | ORDER
                    | LIMIT
                    | WINDOW
                    | UNION
                    | EXCEPT
                    | INTERSECT
                    | ON
                    | USING
                    | WITH
            ) {
                if let Some(last) = clause.last_mut() {
                    *last = Some(w.keyword);
                }
            }
            // `WITH [RECURSIVE] name [(cols)] AS (`.
            if w.keyword == WITH {
                let j = if toks.get(i + 1).is_some_and(|t| t.is_keyword(RECURSIVE)) { i + 2 } else { i + 1 };
                if let Some(name) = toks.get(j).and_then(Tok::ident) {
                    ctes.push(name.to_string());
                }
            }
        }
        // `, name AS (` further on in the WITH list.
        if matches!(t.token, Token::Comma) && clause.last() == Some(&Some(Keyword::WITH)) {
            if let Some(name) = toks.get(i + 1).and_then(Tok::ident) {
                ctes.push(name.to_string());
            }
        }
        let starts = match &t.token {
            Token::Word(_) if t.is_keyword(Keyword::FROM) || t.is_keyword(Keyword::JOIN) => true,
            Token::Comma => clause.last() == Some(&Some(Keyword::FROM)),
            _ => false,
        };
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while toks.get(j).is_some_and(|t| t.is_keyword(Keyword::LATERAL) || t.is_keyword(Keyword::ONLY)) {
            j += 1;
        }
        let mut relation = Relation { name: Vec::new(), alias: None, opaque: false };
        match toks.get(j).map(|t| &t.token) {
            Some(Token::LParen) => {
                // A subquery (or a parenthesized join): its columns are not known here.
                relation.opaque = true;
                let mut depth = 0;
                while let Some(t) = toks.get(j) {
                    match t.token {
                        Token::LParen => depth += 1,
                        Token::RParen => {
                            depth -= 1;
                            if depth == 0 {
                                j += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            Some(Token::Word(_)) => {
                relation.name.push(j);
                j += 1;
                while toks.get(j).is_some_and(|t| matches!(t.token, Token::Period))
                    && toks.get(j + 1).is_some_and(|t| t.word().is_some())
                {
                    relation.name.push(j + 1);
                    j += 2;
                }
                if toks.get(j).is_some_and(|t| matches!(t.token, Token::LParen)) {
                    relation.opaque = true; // a function in FROM
                    let mut depth = 0;
                    while let Some(t) = toks.get(j) {
                        match t.token {
                            Token::LParen => depth += 1,
                            Token::RParen => {
                                depth -= 1;
                                if depth == 0 {
                                    j += 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                }
            }
            _ => {
                i += 1;
                continue;
            }
        }
        // The alias: after AS, or a word that does not end the relation.
        let explicit = toks.get(j).is_some_and(|t| t.is_keyword(Keyword::AS));
        if explicit {
            j += 1;
        }
        if let Some(t) = toks.get(j) {
            if t.word().is_some() && (explicit || !ends_relation(t)) {
                relation.alias = Some(j);
            }
        }
        out.push(relation);
        i += 1;
    }
    // A relation named like a CTE is the CTE.
    for r in &mut out {
        if let [only] = r.name.as_slice() {
            if toks[*only].ident().is_some_and(|n| ctes.iter().any(|c| same_name(c, n))) {
                r.opaque = true;
            }
        }
    }
    (out, ctes)
}

/// A table as the rewrite needs it: its namespace, its name, and whether the default
/// namespace holds it.
#[derive(Debug, Clone, Copy)]
pub struct TableRef<'a> {
    pub namespace: Option<&'a str>,
    pub name: &'a str,
}

fn denotes(toks: &[Tok], r: &Relation, table: TableRef<'_>) -> bool {
    let parts: Vec<&str> = r.name.iter().filter_map(|&i| toks[i].ident()).collect();
    match parts.as_slice() {
        [name] => toks[r.name[0]].is_ident(table.name) && !name.is_empty(),
        [.., ns, _] => {
            toks[*r.name.last().unwrap_or(&0)].is_ident(table.name)
                && match table.namespace {
                    Some(t) => same_name(ns, t),
                    None => same_name(ns, "public") || same_name(ns, "main"),
                }
        }
        [] => false,
    }
}

/// Text edits: (start, end, replacement), applied back to front.
fn splice(sql: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = sql.to_string();
    for (start, end, with) in edits {
        if out.is_char_boundary(start) && out.is_char_boundary(end) && start <= end {
            out.replace_range(start..end, &with);
        }
    }
    out
}

/// `sql` (a query) with the column `from` of `table` renamed to `to`. `columns_of` gives the
/// columns of another table the query reads (`None`: not known), so an unqualified `from` is
/// renamed only when no other relation can have it. A select item that was only the column
/// keeps its name with `AS from`, as the server keeps a view's column names. Errors name what
/// makes the rewrite unsafe.
pub fn rename_column_in_query(
    sql: &str,
    d: Dialect,
    table: TableRef<'_>,
    from: &str,
    to: &str,
    columns_of: &dyn Fn(&[&str]) -> Option<Vec<String>>,
) -> Result<String, String> {
    let toks = tokens(sql, d).ok_or("its text cannot be tokenized")?;
    let (rels, _) = relations(&toks);
    let ours: Vec<&Relation> = rels.iter().filter(|r| denotes(&toks, r, table)).collect();
    if ours.is_empty() {
        return Ok(sql.to_string());
    }
    // The names that qualify our table's columns: its aliases, or its name where it has none.
    let mut qualifiers: Vec<&Tok> = Vec::new();
    for r in &ours {
        match r.alias {
            Some(a) => qualifiers.push(&toks[a]),
            None => qualifiers.extend(r.name.last().map(|&i| &toks[i])),
        }
    }
    let qualifies = |t: &Tok| qualifiers.iter().any(|q| q.ident().is_some_and(|n| t.is_ident(n)));
    // Could an unqualified `from` come from another relation?
    let others_may_have_it = rels.iter().filter(|r| !denotes(&toks, r, table)).any(|r| {
        if r.opaque {
            return true;
        }
        let parts: Vec<&str> = r.name.iter().filter_map(|&i| toks[i].ident()).collect();
        columns_of(&parts).is_none_or(|cols| cols.iter().any(|c| same_name(c, from)))
    });
    let alias_positions: Vec<usize> = rels.iter().filter_map(|r| r.alias).collect();
    let quoted_to = ident(to, d);
    let quoted_from = ident(from, d);
    let mut edits = Vec::new();
    // Clause per depth, to know a select list.
    let mut clause: Vec<Option<Keyword>> = vec![None];
    let mut in_using = false;
    for (i, t) in toks.iter().enumerate() {
        match &t.token {
            Token::LParen => {
                clause.push(None);
                continue;
            }
            Token::RParen => {
                if clause.len() > 1 {
                    clause.pop();
                }
                in_using = false;
                continue;
            }
            Token::Word(w) if w.quote_style.is_none() => {
                use Keyword::*;
                if matches!(
                    w.keyword,
                    SELECT
                        | FROM
                        | WHERE
                        | GROUP
                        | HAVING
                        | ORDER
                        | LIMIT
                        | WINDOW
                        | UNION
                        | EXCEPT
                        | INTERSECT
                        | ON
                        | RETURNING
                ) {
                    if let Some(last) = clause.last_mut() {
                        *last = Some(w.keyword);
                    }
                }
                if w.keyword == USING {
                    in_using = true;
                }
                if w.keyword == NATURAL {
                    return Err("it joins NATURAL, which matches columns by their names".into());
                }
            }
            _ => {}
        }
        if !t.is_ident(from) || alias_positions.contains(&i) {
            continue;
        }
        let next = toks.get(i + 1);
        if next.is_some_and(|n| matches!(n.token, Token::Period | Token::LParen)) {
            continue; // a qualifier or a function
        }
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        let qualified = prev.is_some_and(|p| matches!(p.token, Token::Period));
        let chain_start = if qualified {
            let Some(q) = i.checked_sub(2).map(|p| &toks[p]) else { continue };
            // `schema.table.column` or `alias.column`.
            let schema_qualified = i >= 4 && matches!(toks[i - 3].token, Token::Period);
            let ours_here = if schema_qualified {
                q.is_ident(table.name)
                    && toks[i - 4].ident().is_some_and(|ns| match table.namespace {
                        Some(t) => same_name(ns, t),
                        None => same_name(ns, "public"),
                    })
            } else {
                qualifies(q)
            };
            if !ours_here {
                continue;
            }
            if schema_qualified {
                i - 4
            } else {
                i - 2
            }
        } else {
            if prev.is_some_and(|p| p.is_keyword(Keyword::AS) || matches!(p.token, Token::DoubleColon)) {
                continue; // an output alias or a type
            }
            if in_using {
                return Err(format!("it joins USING ({from}), which names the column on both sides"));
            }
            if others_may_have_it {
                return Err(format!(
                    "it names `{from}` without a table, and another relation it reads may have that column"
                ));
            }
            i
        };
        edits.push((t.start, t.end, quoted_to.clone()));
        // A select item that was only this column keeps its name.
        let select_list = clause.last() == Some(&Some(Keyword::SELECT));
        let item_start = chain_start.checked_sub(1).map(|p| &toks[p]).is_none_or(|p| {
            matches!(p.token, Token::Comma) || p.is_keyword(Keyword::SELECT) || p.is_keyword(Keyword::DISTINCT)
        });
        let item_end =
            next.is_none_or(|n| matches!(n.token, Token::Comma | Token::RParen) || n.is_keyword(Keyword::FROM));
        if select_list && item_start && item_end && !same_name(from, to) {
            edits.push((t.end, t.end, format!(" AS {quoted_from}")));
        }
    }
    Ok(splice(sql, edits))
}

/// `sql` (a query) reading the table `table` under its new name `to`. A reference without an
/// alias gets the old name as its alias, so every column qualified by it stays right.
pub fn rename_table_in_query(sql: &str, d: Dialect, table: TableRef<'_>, to: &str) -> Result<String, String> {
    let toks = tokens(sql, d).ok_or("its text cannot be tokenized")?;
    let (rels, _) = relations(&toks);
    let mut edits = Vec::new();
    for r in rels.iter().filter(|r| denotes(&toks, r, table)) {
        let Some(&last) = r.name.last() else { continue };
        let t = &toks[last];
        let renamed = ident(to, d);
        if r.alias.is_none() {
            edits.push((t.start, t.end, format!("{renamed} AS {}", ident(table.name, d))));
        } else {
            edits.push((t.start, t.end, renamed));
        }
    }
    Ok(splice(sql, edits))
}

/// What a query reads, found once: the tables of its `FROM`s (namespace, name) and every
/// identifier it names (lower-cased).
#[derive(Debug, Clone, Default)]
pub struct QueryInfo {
    pub tables: Vec<(Option<String>, String)>,
    pub identifiers: std::collections::BTreeSet<String>,
}

impl QueryInfo {
    pub fn reads(&self, table: TableRef<'_>) -> bool {
        self.tables.iter().any(|(ns, name)| {
            same_name(name, table.name)
                && match (ns, table.namespace) {
                    (None, _) => true,
                    (Some(n), Some(t)) => same_name(n, t),
                    (Some(n), None) => same_name(n, "public") || same_name(n, "main"),
                }
        })
    }

    pub fn names(&self, identifier: &str) -> bool {
        self.identifiers.contains(&identifier.to_ascii_lowercase())
    }
}

pub fn query_info(sql: &str, d: Dialect) -> Option<QueryInfo> {
    let toks = tokens(sql, d)?;
    let (rels, _) = relations(&toks);
    let tables = rels
        .iter()
        .filter(|r| !r.opaque)
        .filter_map(|r| {
            let parts: Vec<&str> = r.name.iter().filter_map(|&i| toks[i].ident()).collect();
            let (name, ns) = parts.split_last()?;
            Some((ns.last().map(|n| n.to_string()), name.to_string()))
        })
        .collect();
    let identifiers = toks.iter().filter_map(Tok::ident).map(str::to_ascii_lowercase).collect();
    Some(QueryInfo { tables, identifiers })
}

/// True when `sql` (a query) reads `table`.
pub fn reads_table(sql: &str, d: Dialect, table: TableRef<'_>) -> bool {
    match tokens(sql, d) {
        Some(toks) => relations(&toks).0.iter().any(|r| denotes(&toks, r, table)),
        None => crate::import::objects::mentions(sql, table.name),
    }
}

/// In a header (`CREATE TRIGGER ... ON t`, `CREATE POLICY p ON t`), the table after `ON`
/// renamed to `to`.
pub fn rename_table_after_on(sql: &str, d: Dialect, table: TableRef<'_>, to: &str) -> String {
    let Some(toks) = tokens(sql, d) else { return sql.to_string() };
    let mut edits = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if !t.is_keyword(Keyword::ON) {
            continue;
        }
        // `ON [schema.]table`
        let (ns, name) = match (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3)) {
            (Some(a), Some(dot), Some(b)) if matches!(dot.token, Token::Period) && b.word().is_some() => (Some(a), b),
            (Some(a), _, _) if a.word().is_some() => (None, a),
            _ => continue,
        };
        let ns_ok = match (ns.and_then(Tok::ident), table.namespace) {
            (None, _) => true,
            (Some(n), Some(t)) => same_name(n, t),
            (Some(n), None) => same_name(n, "public"),
        };
        if ns_ok && name.is_ident(table.name) {
            edits.push((name.start, name.end, ident(to, d)));
        }
        break;
    }
    splice(sql, edits)
}

/// Every identifier `from` not qualified by something other than one of `qualifiers` (`NEW`,
/// `OLD`, the table) renamed to `to`: for trigger headers (`UPDATE OF c`, `WHEN (NEW.c ...)`)
/// and policy expressions, whose names are the table's columns.
pub fn rename_column_in_header(sql: &str, d: Dialect, qualifiers: &[&str], from: &str, to: &str) -> String {
    let Some(toks) = tokens(sql, d) else { return sql.to_string() };
    let mut edits = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if !t.is_ident(from) {
            continue;
        }
        if toks.get(i + 1).is_some_and(|n| matches!(n.token, Token::Period | Token::LParen)) {
            continue;
        }
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        if prev.is_some_and(|p| matches!(p.token, Token::Period)) {
            let q = i.checked_sub(2).map(|p| &toks[p]);
            if !q.is_some_and(|q| qualifiers.iter().any(|n| q.is_ident(n))) {
                continue;
            }
        } else if prev.is_some_and(|p| {
            matches!(p.token, Token::DoubleColon)
                || [
                    Keyword::AS,
                    Keyword::ON,
                    Keyword::TO,
                    Keyword::TRIGGER,
                    Keyword::POLICY,
                    Keyword::RULE,
                    Keyword::FUNCTION,
                    Keyword::PROCEDURE,
                    Keyword::TABLE,
                ]
                .iter()
                .any(|k| p.is_keyword(*k))
        }) {
            continue; // an alias, a type, or the name of the table or the object itself
        }
        edits.push((t.start, t.end, ident(to, d)));
    }
    splice(sql, edits)
}

/// True when `sql` names the identifier `name` anywhere outside strings and comments.
pub fn names(sql: &str, d: Dialect, name: &str) -> bool {
    match tokens(sql, d) {
        Some(toks) => toks.iter().any(|t| t.is_ident(name)),
        None => crate::import::objects::mentions(sql, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: TableRef<'static> = TableRef { namespace: None, name: "orders" };

    fn none(_: &[&str]) -> Option<Vec<String>> {
        None
    }

    fn customers(parts: &[&str]) -> Option<Vec<String>> {
        (parts.last() == Some(&"customers")).then(|| vec!["id".to_string(), "name".to_string()])
    }

    #[test]
    fn a_column_rename_follows_aliases_and_keeps_the_views_column_names() {
        let sql = "SELECT o.id, o.note, upper(o.note) AS shout FROM orders o JOIN customers c ON c.id = o.customer_id";
        let out = rename_column_in_query(sql, Dialect::Postgres, T, "note", "remark", &customers).unwrap();
        assert_eq!(
            out,
            "SELECT o.id, o.remark AS note, upper(o.remark) AS shout FROM orders o JOIN customers c ON c.id = o.customer_id"
        );
    }

    #[test]
    fn an_unqualified_column_is_renamed_only_when_no_other_relation_can_have_it() {
        let sql = "SELECT id, note FROM orders WHERE note <> 'note'";
        let out = rename_column_in_query(sql, Dialect::Postgres, T, "note", "remark", &none).unwrap();
        assert_eq!(out, "SELECT id, remark AS note FROM orders WHERE remark <> 'note'");
        let joined = "SELECT note FROM orders JOIN other USING (id)";
        assert!(rename_column_in_query(joined, Dialect::Postgres, T, "note", "remark", &none).is_err());
        let known = "SELECT name, note FROM orders, customers WHERE customers.id = orders.customer_id";
        let out = rename_column_in_query(known, Dialect::Postgres, T, "note", "remark", &customers).unwrap();
        assert_eq!(out, "SELECT name, remark AS note FROM orders, customers WHERE customers.id = orders.customer_id");
    }

    #[test]
    fn other_tables_columns_of_the_same_name_are_left_alone() {
        let sql = "SELECT c.note, o.note FROM customers c, orders o";
        let out = rename_column_in_query(sql, Dialect::Postgres, T, "note", "remark", &none).unwrap();
        assert_eq!(out, "SELECT c.note, o.remark AS note FROM customers c, orders o");
        // A view that does not read the table is unchanged.
        let other = "SELECT note FROM customers";
        assert_eq!(rename_column_in_query(other, Dialect::Postgres, T, "note", "x", &none).unwrap(), other);
    }

    #[test]
    fn a_table_rename_keeps_qualified_columns_right() {
        let sql = "SELECT orders.id FROM public.orders WHERE orders.total > 0";
        let out = rename_table_in_query(sql, Dialect::Postgres, T, "purchases").unwrap();
        assert_eq!(out, "SELECT orders.id FROM public.purchases AS orders WHERE orders.total > 0");
        let aliased = "SELECT o.id FROM orders o";
        assert_eq!(
            rename_table_in_query(aliased, Dialect::Postgres, T, "purchases").unwrap(),
            "SELECT o.id FROM purchases o"
        );
        assert!(reads_table("SELECT 1 FROM x JOIN orders ON true", Dialect::Postgres, T));
        assert!(!reads_table("SELECT orders FROM x", Dialect::Postgres, T));
    }

    #[test]
    fn headers_rename_their_table_and_columns() {
        let trigger = "CREATE TRIGGER t BEFORE UPDATE OF note ON public.orders FOR EACH ROW WHEN (OLD.note IS DISTINCT FROM NEW.note) EXECUTE FUNCTION f()";
        assert_eq!(
            rename_table_after_on(trigger, Dialect::Postgres, T, "purchases"),
            "CREATE TRIGGER t BEFORE UPDATE OF note ON public.purchases FOR EACH ROW WHEN (OLD.note IS DISTINCT FROM NEW.note) EXECUTE FUNCTION f()"
        );
        assert_eq!(
            rename_column_in_header(trigger, Dialect::Postgres, &["old", "new", "orders"], "note", "remark"),
            "CREATE TRIGGER t BEFORE UPDATE OF remark ON public.orders FOR EACH ROW WHEN (OLD.remark IS DISTINCT FROM NEW.remark) EXECUTE FUNCTION f()"
        );
    }
}
