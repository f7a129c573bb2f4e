//! DBML (dbdiagram.io, dbdocs) -> [`Schema`]: tables, columns and their settings, composite keys
//! and indexes, references (inline and `Ref`), enums and notes. DBML names no SQL dialect, so the
//! caller says which one the types are in. What cannot be read is a diagnostic at its line and
//! column, and the rest is still read; `Project`, `TableGroup` and other blocks that do not
//! shape the tables are skipped with a note.

use crate::model::*;
use crate::types::DataType;
use crate::{Diagnostic, Dialect, Import, Severity, Span};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word or a "quoted name".
    Word(String),
    /// A 'string' or '''multi-line string'''.
    Str(String),
    /// A `backtick expression`.
    Expr(String),
    /// Any other character: { } [ ] ( ) , : . > < - and so on.
    Sym(char),
    Newline,
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u32,
    column: u32,
}

impl Lexer<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn until(&mut self, end: char) -> Option<String> {
        let mut out = String::new();
        while let Some(c) = self.bump() {
            if c == '\\' {
                if let Some(n) = self.bump() {
                    out.push(match n {
                        'n' => '\n',
                        other => other,
                    });
                }
                continue;
            }
            if c == end {
                return Some(out);
            }
            out.push(c);
        }
        None
    }
}

fn tokens(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<(Tok, Span)> {
    let mut lx = Lexer { chars: text.chars().peekable(), line: 1, column: 1 };
    let mut out = Vec::new();
    while let Some(&c) = lx.chars.peek() {
        let at = Span::new(lx.line, lx.column);
        match c {
            '\n' => {
                lx.bump();
                out.push((Tok::Newline, at));
            }
            c if c.is_whitespace() => {
                lx.bump();
            }
            '/' => {
                lx.bump();
                match lx.chars.peek() {
                    Some('/') => {
                        while lx.chars.peek().is_some_and(|c| *c != '\n') {
                            lx.bump();
                        }
                    }
                    Some('*') => {
                        lx.bump();
                        let mut last = ' ';
                        while let Some(c) = lx.bump() {
                            if last == '*' && c == '/' {
                                break;
                            }
                            last = c;
                        }
                    }
                    _ => out.push((Tok::Sym('/'), at)),
                }
            }
            '"' | '\'' | '`' => {
                lx.bump();
                let triple = c == '\'' && {
                    let mut ahead = lx.chars.clone();
                    ahead.next() == Some('\'') && ahead.next() == Some('\'')
                };
                let text = if triple {
                    lx.bump();
                    lx.bump();
                    let mut s = String::new();
                    let mut quotes = 0;
                    while let Some(c) = lx.bump() {
                        if c == '\'' {
                            quotes += 1;
                            if quotes == 3 {
                                break;
                            }
                            continue;
                        }
                        s.extend(std::iter::repeat_n('\'', quotes));
                        quotes = 0;
                        s.push(c);
                    }
                    Some(s)
                } else {
                    lx.until(c)
                };
                let Some(text) = text else {
                    diagnostics.push(Diagnostic::new(
                        "dbml-unclosed",
                        Severity::Error,
                        at,
                        format!("this {c} is never closed"),
                    ));
                    break;
                };
                out.push((
                    match c {
                        '"' => Tok::Word(text),
                        '\'' => Tok::Str(text),
                        _ => Tok::Expr(text),
                    },
                    at,
                ));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut w = String::new();
                while let Some(&c) = lx.chars.peek() {
                    if c.is_alphanumeric() || c == '_' {
                        w.push(c);
                        lx.bump();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Word(w), at));
            }
            other => {
                lx.bump();
                out.push((Tok::Sym(other), at));
            }
        }
    }
    out
}

/// A reference as DBML writes it, resolved once every table is known.
struct PendingRef {
    name: Option<String>,
    from: (String, Vec<String>),
    to: (String, Vec<String>),
    /// `<`: the arrow points the other way.
    reversed: bool,
    on_delete: RefAction,
    on_update: RefAction,
    at: Span,
}

struct Reader {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    dialect: Dialect,
    schema: Schema,
    refs: Vec<PendingRef>,
    diagnostics: Vec<Diagnostic>,
    next_table: u32,
    next_column: u32,
}

fn action(text: &str) -> RefAction {
    match text.to_ascii_lowercase().replace(['_', '-'], " ").trim() {
        "cascade" => RefAction::Cascade,
        "restrict" => RefAction::Restrict,
        "set null" => RefAction::SetNull,
        "set default" => RefAction::SetDefault,
        _ => RefAction::NoAction,
    }
}

impl Reader {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> Span {
        self.toks.get(self.pos).or(self.toks.last()).map_or(Span::new(1, 1), |(_, s)| *s)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(t, _)| t.clone());
        self.pos += 1;
        t
    }

    fn skip_newlines(&mut self) {
        while self.peek() == Some(&Tok::Newline) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error(&mut self, at: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new("dbml-syntax", Severity::Error, at, message));
    }

    /// Skips to the end of the line (or of the current block's closing brace).
    fn skip_line(&mut self) {
        while let Some(t) = self.peek() {
            if *t == Tok::Newline || *t == Tok::Sym('}') {
                break;
            }
            self.pos += 1;
        }
    }

    /// Skips a `{ ... }` block, nested ones included.
    fn skip_block(&mut self) {
        self.skip_newlines();
        if !self.eat('{') {
            self.skip_line();
            return;
        }
        let mut depth = 1;
        while let Some(t) = self.next() {
            match t {
                Tok::Sym('{') => depth += 1,
                Tok::Sym('}') => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// A possibly qualified name: `name`, `schema.name`.
    fn name(&mut self) -> Option<(Option<String>, String)> {
        let Some(Tok::Word(first)) = self.peek().cloned() else { return None };
        self.pos += 1;
        if self.peek() == Some(&Tok::Sym('.')) {
            if let Some((Tok::Word(second), _)) = self.toks.get(self.pos + 1).cloned() {
                if self.toks.get(self.pos + 2).map(|(t, _)| t) != Some(&Tok::Sym('(')) {
                    self.pos += 2;
                    return Some((Some(first), second));
                }
            }
        }
        Some((None, first))
    }

    /// `[a, b: c, ...]` as (key, value) pairs, keys in lower case.
    fn settings(&mut self) -> Vec<(String, Option<Tok>, Span)> {
        let mut out = Vec::new();
        if !self.eat('[') {
            return out;
        }
        loop {
            self.skip_newlines();
            let at = self.at();
            let mut key = Vec::new();
            while let Some(Tok::Word(w)) = self.peek().cloned() {
                key.push(w.to_ascii_lowercase());
                self.pos += 1;
            }
            let key = key.join(" ");
            let mut value = None;
            if self.eat(':') {
                // `ref: > t.c` keeps its tokens for the caller; other values are one token.
                if key == "ref" {
                    let start = self.pos;
                    while !matches!(self.peek(), None | Some(Tok::Sym(',')) | Some(Tok::Sym(']'))) {
                        self.pos += 1;
                    }
                    value = Some(Tok::Word(format!("@{start}:{}", self.pos)));
                } else {
                    let neg = self.eat('-');
                    value = self.next().map(|t| match t {
                        Tok::Word(w) if neg => Tok::Word(format!("-{w}")),
                        other => other,
                    });
                    // `1.5`, `-0.25`: a number's fraction is lexed apart.
                    while self.peek() == Some(&Tok::Sym('.')) {
                        let Some((Tok::Word(frac), _)) = self.toks.get(self.pos + 1).cloned() else { break };
                        if let Some(Tok::Word(v)) = &mut value {
                            v.push('.');
                            v.push_str(&frac);
                        }
                        self.pos += 2;
                    }
                    // `set null`, `no action`: the rest of a multi-word value.
                    while let Some(Tok::Word(w)) = self.peek().cloned() {
                        if let Some(Tok::Word(v)) = &mut value {
                            v.push(' ');
                            v.push_str(&w);
                        }
                        self.pos += 1;
                    }
                }
            }
            if !key.is_empty() {
                out.push((key, value, at));
            }
            self.skip_newlines();
            if self.eat(']') {
                break;
            }
            if !self.eat(',') {
                let at = self.at();
                self.error(at, "expected `,` or `]` in these settings");
                self.skip_line();
                break;
            }
        }
        out
    }

    /// `t.c`, `schema.t.c` or `t.(a, b)`.
    fn endpoint(&mut self) -> Option<(String, Vec<String>)> {
        let mut parts = Vec::new();
        loop {
            match self.next()? {
                Tok::Word(w) => parts.push(w),
                Tok::Sym('(') => {
                    let mut cols = Vec::new();
                    while let Some(t) = self.next() {
                        match t {
                            Tok::Word(w) => cols.push(w),
                            Tok::Sym(')') => break,
                            _ => {}
                        }
                    }
                    return Some((parts.join("."), cols));
                }
                _ => return None,
            }
            if !self.eat('.') {
                let column = parts.pop()?;
                return Some((parts.join("."), vec![column]));
            }
        }
    }

    /// `a > b`, `a < b`, `a - b`, `a <> b` and the settings after it.
    fn relation(&mut self, name: Option<String>, at: Span) {
        let Some(from) = self.endpoint() else {
            self.error(at, "expected `table.column` in this reference");
            return self.skip_line();
        };
        let op = match (self.next(), self.peek().cloned()) {
            (Some(Tok::Sym('<')), Some(Tok::Sym('>'))) => {
                self.pos += 1;
                "<>"
            }
            (Some(Tok::Sym('<')), _) => "<",
            (Some(Tok::Sym('>')), _) => ">",
            (Some(Tok::Sym('-')), _) => "-",
            _ => {
                self.error(at, "expected `>`, `<`, `-` or `<>` in this reference");
                return self.skip_line();
            }
        };
        let Some(to) = self.endpoint() else {
            self.error(at, "expected `table.column` after the reference's arrow");
            return self.skip_line();
        };
        let mut r = PendingRef {
            name,
            from,
            to,
            reversed: op == "<",
            on_delete: RefAction::NoAction,
            on_update: RefAction::NoAction,
            at,
        };
        if op == "<>" {
            self.diagnostics.push(Diagnostic::new(
                "dbml-many-to-many",
                Severity::Warning,
                at,
                "a many-to-many reference needs a join table; it is left out",
            ));
            return;
        }
        for (key, value, _) in self.settings() {
            let text = match value {
                Some(Tok::Word(w)) | Some(Tok::Str(w)) => w,
                _ => String::new(),
            };
            match key.as_str() {
                "delete" => r.on_delete = action(&text),
                "update" => r.on_update = action(&text),
                _ => {}
            }
        }
        self.refs.push(r);
    }

    fn table(&mut self) {
        let at = self.at();
        let Some((namespace, name)) = self.name() else {
            self.error(at, "expected a table name after `Table`");
            return self.skip_block();
        };
        // `as alias`
        if matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("as")) {
            self.pos += 2;
        }
        let mut table = Table::new(TableId(self.next_table), namespace, name, at);
        self.next_table += 1;
        for (key, value, _) in self.settings() {
            if key == "note" {
                if let Some(Tok::Str(s)) = value {
                    table.comment = Some(s);
                }
            }
        }
        self.skip_newlines();
        if !self.eat('{') {
            let at = self.at();
            self.error(at, "expected `{` to open the table");
            return self.skip_line();
        }
        let mut single_pk = Vec::new();
        loop {
            self.skip_newlines();
            let at = self.at();
            match self.peek().cloned() {
                None => {
                    self.error(at, "this table is never closed with `}`");
                    break;
                }
                Some(Tok::Sym('}')) => {
                    self.pos += 1;
                    break;
                }
                Some(Tok::Word(w))
                    if w.eq_ignore_ascii_case("indexes")
                        && self
                            .toks
                            .get(self.pos + 1)
                            .is_some_and(|(t, _)| matches!(t, Tok::Sym('{') | Tok::Newline)) =>
                {
                    self.pos += 1;
                    self.indexes(&mut table);
                }
                Some(Tok::Word(w))
                    if w.eq_ignore_ascii_case("note")
                        && self
                            .toks
                            .get(self.pos + 1)
                            .is_some_and(|(t, _)| matches!(t, Tok::Sym(':') | Tok::Sym('{'))) =>
                {
                    self.pos += 1;
                    let braced = self.eat('{') || {
                        self.eat(':');
                        false
                    };
                    self.skip_newlines();
                    if let Some(Tok::Str(s)) = self.peek().cloned() {
                        table.comment = Some(s);
                        self.pos += 1;
                    }
                    if braced {
                        self.skip_newlines();
                        self.eat('}');
                    }
                }
                Some(Tok::Word(column)) => {
                    self.pos += 1;
                    let ty = self.column_type();
                    let Some(ty) = ty else {
                        self.error(at, format!("column {column} has no type"));
                        self.skip_line();
                        continue;
                    };
                    let mut c = Column::new(ColumnId(self.next_column), column.clone(), DataType::parse(&ty), true, at);
                    self.next_column += 1;
                    for (key, value, at) in self.settings() {
                        match (key.as_str(), value) {
                            ("pk" | "primary key", _) => {
                                single_pk.push(column.clone());
                                // A key column holds no NULL, except in SQLite, where a key
                                // that is not an INTEGER rowid may (say `not null` there).
                                c.nullable = self.dialect == Dialect::Sqlite;
                            }
                            ("not null", _) => c.nullable = false,
                            ("null", _) => c.nullable = true,
                            ("unique", _) => table.uniques.push(Key::new(None, vec![column.clone()])),
                            ("increment", _) => {
                                c.identity = Some(match self.dialect {
                                    Dialect::Postgres => Identity::ByDefault,
                                    _ => Identity::AutoIncrement,
                                })
                            }
                            ("note", Some(Tok::Str(s))) => c.comment = Some(s),
                            ("default", Some(v)) => {
                                let expr = match v {
                                    Tok::Str(s) => format!("'{}'", s.replace('\'', "''")),
                                    Tok::Expr(e) | Tok::Word(e) => e,
                                    _ => String::new(),
                                };
                                let volatile = crate::import::is_volatile(&expr);
                                c.default = Some(DefaultValue { expr, volatile });
                            }
                            ("ref", Some(Tok::Word(range))) => {
                                // Re-read the reference's tokens as `this.column <op> target`.
                                let (start, end) = range
                                    .trim_start_matches('@')
                                    .split_once(':')
                                    .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)))
                                    .unwrap_or((0, 0));
                                let saved = self.pos;
                                let mut toks: Vec<(Tok, Span)> = vec![
                                    (Tok::Word(table.qualified_name()), at),
                                    (Tok::Sym('.'), at),
                                    (Tok::Word(column.clone()), at),
                                ];
                                toks.extend(self.toks[start..end].iter().cloned());
                                toks.push((Tok::Newline, at));
                                let all = std::mem::replace(&mut self.toks, toks);
                                self.pos = 0;
                                // A qualified table name must not split on its dot here.
                                self.inline_ref(at);
                                self.toks = all;
                                self.pos = saved;
                            }
                            ("check", _) | ("note", _) | ("default", None) => {}
                            (other, _) => self.diagnostics.push(Diagnostic::new(
                                "dbml-setting",
                                Severity::Warning,
                                at,
                                format!("column setting `{other}` is not understood; it is left out"),
                            )),
                        }
                    }
                    table.columns.push(c);
                }
                Some(_) => {
                    self.error(at, "expected a column, `Indexes` or `Note` here");
                    self.skip_line();
                    if self.peek() != Some(&Tok::Sym('}')) {
                        self.pos += 1;
                    }
                }
            }
        }
        if !single_pk.is_empty() && table.primary_key.is_none() {
            table.primary_key = Some(Key::new(None, single_pk));
        }
        self.schema.tables.push(table);
    }

    /// An inline `ref: > t.c` whose tokens were set up by the caller as `table.column > t.c`.
    fn inline_ref(&mut self, at: Span) {
        let Some(Tok::Word(table)) = self.next() else { return };
        self.pos += 1; // the dot
        let Some(Tok::Word(column)) = self.next() else { return };
        let op = match self.next() {
            Some(Tok::Sym('>')) => ">",
            Some(Tok::Sym('<')) => "<",
            Some(Tok::Sym('-')) => "-",
            _ => return self.error(at, "expected `>`, `<` or `-` after `ref:`"),
        };
        let Some(to) = self.endpoint() else { return self.error(at, "expected `table.column` after `ref:`") };
        self.refs.push(PendingRef {
            name: None,
            from: (table, vec![column]),
            to,
            reversed: op == "<",
            on_delete: RefAction::NoAction,
            on_update: RefAction::NoAction,
            at,
        });
    }

    /// A column's type: a word with an optional `(...)` and `[]`, or a quoted name.
    fn column_type(&mut self) -> Option<String> {
        let mut ty = match self.next()? {
            Tok::Word(w) => w,
            _ => return None,
        };
        // `schema.type`
        if self.peek() == Some(&Tok::Sym('.')) {
            if let Some((Tok::Word(w), _)) = self.toks.get(self.pos + 1).cloned() {
                ty = format!("{ty}.{w}");
                self.pos += 2;
            }
        }
        if self.eat('(') {
            ty.push('(');
            while let Some(t) = self.next() {
                match t {
                    Tok::Sym(')') => break,
                    Tok::Word(w) => ty.push_str(&w),
                    Tok::Str(s) => ty.push_str(&format!("'{}'", s.replace('\'', "''"))),
                    Tok::Sym(c) => ty.push(c),
                    _ => {}
                }
            }
            ty.push(')');
        }
        while self.peek() == Some(&Tok::Sym('[')) && self.toks.get(self.pos + 1).map(|(t, _)| t) == Some(&Tok::Sym(']'))
        {
            self.pos += 2;
            ty.push_str("[]");
        }
        Some(ty)
    }

    fn indexes(&mut self, table: &mut Table) {
        self.skip_newlines();
        if !self.eat('{') {
            let at = self.at();
            return self.error(at, "expected `{` after `Indexes`");
        }
        loop {
            self.skip_newlines();
            let at = self.at();
            let parts: Vec<IndexPart> = match self.next() {
                None => return self.error(at, "`Indexes` is never closed with `}`"),
                Some(Tok::Sym('}')) => return,
                Some(Tok::Word(w)) => vec![IndexPart::Column { name: w, descending: false }],
                Some(Tok::Expr(e)) => vec![IndexPart::Expression { sql: e }],
                Some(Tok::Sym('(')) => {
                    let mut parts = Vec::new();
                    while let Some(t) = self.next() {
                        match t {
                            Tok::Sym(')') => break,
                            Tok::Word(w) => parts.push(IndexPart::Column { name: w, descending: false }),
                            Tok::Expr(e) => parts.push(IndexPart::Expression { sql: e }),
                            _ => {}
                        }
                    }
                    parts
                }
                Some(_) => {
                    self.error(at, "expected a column, `(columns)` or an `expression` in `Indexes`");
                    self.skip_line();
                    continue;
                }
            };
            let (mut pk, mut unique, mut name, mut method) = (false, false, None, None);
            for (key, value, _) in self.settings() {
                match (key.as_str(), value) {
                    ("pk", _) => pk = true,
                    ("unique", _) => unique = true,
                    ("name", Some(Tok::Str(s) | Tok::Word(s))) => name = Some(s),
                    ("type", Some(Tok::Word(s) | Tok::Str(s))) => method = Some(s),
                    _ => {}
                }
            }
            let columns: Option<Vec<String>> = parts.iter().map(|p| p.column().map(str::to_string)).collect();
            match columns {
                Some(columns) if pk => {
                    for c in &mut table.columns {
                        if columns.iter().any(|k| same_name(k, &c.name)) && self.dialect != Dialect::Sqlite {
                            c.nullable = false;
                        }
                    }
                    table.primary_key = Some(Key::new(name, columns));
                }
                Some(columns) if unique && method.is_none() && name.is_some() && columns.len() > 1 => {
                    table.uniques.push(Key::new(name, columns));
                }
                _ => table.indexes.push(Index { name, unique, parts, method, predicate: None, span: at }),
            }
        }
    }

    fn enumeration(&mut self) {
        let at = self.at();
        let Some((namespace, name)) = self.name() else {
            self.error(at, "expected an enum name after `Enum`");
            return self.skip_block();
        };
        self.skip_newlines();
        if !self.eat('{') {
            return self.error(at, "expected `{` to open the enum");
        }
        let mut labels = Vec::new();
        loop {
            self.skip_newlines();
            match self.next() {
                None => return self.error(at, "this enum is never closed with `}`"),
                Some(Tok::Sym('}')) => break,
                Some(Tok::Word(w)) => {
                    labels.push(w);
                    let _ = self.settings();
                }
                Some(_) => self.skip_line(),
            }
        }
        self.schema.enums.push(EnumType { namespace, name, labels, span: at });
    }

    fn read(&mut self) {
        loop {
            self.skip_newlines();
            let at = self.at();
            let Some(tok) = self.next() else { break };
            let Tok::Word(word) = tok else {
                self.error(at, "expected `Table`, `Ref`, `Enum` or another DBML block here");
                self.skip_line();
                continue;
            };
            match word.to_ascii_lowercase().as_str() {
                "table" => self.table(),
                "enum" => self.enumeration(),
                "ref" => {
                    let mut name = None;
                    if let Some(Tok::Word(n)) = self.peek().cloned() {
                        if self.toks.get(self.pos + 1).map(|(t, _)| t) == Some(&Tok::Sym(':'))
                            || self.toks.get(self.pos + 1).map(|(t, _)| t) == Some(&Tok::Sym('{'))
                        {
                            name = Some(n);
                            self.pos += 1;
                        }
                    }
                    if self.eat(':') {
                        self.relation(name, at);
                    } else {
                        self.skip_newlines();
                        if self.eat('{') {
                            self.skip_newlines();
                            self.relation(name, at);
                            self.skip_newlines();
                            self.eat('}');
                        } else {
                            self.error(at, "expected `:` or `{` after `Ref`");
                            self.skip_line();
                        }
                    }
                }
                other => {
                    self.diagnostics.push(Diagnostic::new(
                        "dbml-skipped",
                        Severity::Info,
                        at,
                        format!("`{other}` does not shape the tables; skipped"),
                    ));
                    // `Project x { }`, `TableGroup g { }`, `Note n { }`: skip the name and block.
                    while !matches!(self.peek(), None | Some(Tok::Sym('{')) | Some(Tok::Newline)) {
                        self.pos += 1;
                    }
                    self.skip_block();
                }
            }
        }
    }

    fn resolve_refs(&mut self) {
        for r in std::mem::take(&mut self.refs) {
            // `>`: many (from) to one (to); `<` is the same the other way; `-` one to one, the
            // first side holding the key.
            let (child, parent) = if r.reversed { (r.to, r.from) } else { (r.from, r.to) };
            let Some(t) = self
                .schema
                .tables
                .iter_mut()
                .find(|t| same_name(&t.qualified_name(), &child.0) || same_name(&t.name, &child.0))
            else {
                self.diagnostics.push(Diagnostic::new(
                    "dbml-unknown-table",
                    Severity::Error,
                    r.at,
                    format!("reference from unknown table {}", child.0),
                ));
                continue;
            };
            t.foreign_keys.push(ForeignKey {
                name: r.name,
                columns: child.1,
                ref_table: parent.0,
                ref_columns: parent.1,
                on_delete: r.on_delete,
                on_update: r.on_update,
            });
        }
    }
}

/// The dialect a DBML project names (`Project p { database_type: 'MySQL' }`), if any.
pub fn database_type(text: &str) -> Option<Dialect> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("database_type")?.trim_start().strip_prefix(':')?;
        let name = rest.trim().trim_matches(|c| c == '\'' || c == '"' || c == ',' || c == '}');
        match name.to_ascii_lowercase().as_str() {
            "postgresql" | "postgres" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::MySql),
            "sqlite" => Some(Dialect::Sqlite),
            _ => None,
        }
    })
}

/// Reads DBML text. Types are read as `dialect`'s.
pub fn import_dbml(text: &str, dialect: Dialect) -> Import {
    let mut diagnostics = Vec::new();
    let toks = tokens(text, &mut diagnostics);
    let mut r = Reader {
        toks,
        pos: 0,
        dialect,
        schema: Schema { dialect: Some(dialect), ..Schema::default() },
        refs: Vec::new(),
        diagnostics,
        next_table: 0,
        next_column: 0,
    };
    r.read();
    r.resolve_refs();
    let tables = r.schema.tables.len();
    Import {
        dialect,
        format: crate::import::SourceFormat::Dbml,
        schema: r.schema,
        diagnostics: r.diagnostics,
        stats: crate::import::ImportStats { statements: tables, applied: tables, ..Default::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tables_keys_references_enums_and_notes() {
        let text = "// a shop\nEnum mood {\n  sad\n  \"very ok\"\n}\n\n\
            Table customers [note: 'people'] {\n  id bigint [pk, increment]\n  email \"character varying(200)\" [not null, unique, note: 'login']\n  m mood\n}\n\n\
            Table \"order\" {\n  id bigint [not null]\n  line int [not null]\n  customer_id bigint [not null, ref: > customers.id]\n  total numeric(10,2) [default: 0]\n  note text [default: 'none']\n  placed timestamptz [default: `now()`]\n\n  Indexes {\n    (id, line) [pk]\n    placed [name: 'order_placed_idx', type: hash]\n  }\n  Note: 'orders'\n}\n\n\
            Ref fk_x: \"order\".customer_id > customers.id [delete: cascade]\nProject p { database_type: 'PostgreSQL' }\n";
        let r = import_dbml(text, Dialect::Postgres);
        assert!(r.errors().next().is_none(), "{:?}", r.diagnostics);
        let s = &r.schema;
        assert_eq!(s.enums[0].labels, ["sad", "very ok"]);
        let c = s.find_table("customers").expect("customers");
        assert_eq!(c.comment.as_deref(), Some("people"));
        assert_eq!(c.primary_key.as_ref().map(|k| k.columns.clone()), Some(vec!["id".to_string()]));
        let email = c.column("email").expect("email");
        assert_eq!((email.data_type.spelling.as_str(), email.nullable), ("character varying(200)", false));
        assert_eq!(email.comment.as_deref(), Some("login"));
        assert_eq!(c.uniques.len(), 1);
        let o = s.find_table("order").expect("order");
        assert_eq!(o.primary_key.as_ref().map(|k| k.columns.len()), Some(2));
        assert_eq!(o.column("total").and_then(|c| c.default.as_ref()).map(|d| d.expr.as_str()), Some("0"));
        assert_eq!(o.column("note").and_then(|c| c.default.as_ref()).map(|d| d.expr.as_str()), Some("'none'"));
        assert_eq!(o.column("placed").and_then(|c| c.default.as_ref()).map(|d| d.expr.as_str()), Some("now()"));
        assert_eq!(o.indexes[0].method.as_deref(), Some("hash"));
        assert_eq!(o.comment.as_deref(), Some("orders"));
        assert_eq!(o.foreign_keys.len(), 2, "inline and Ref");
        assert!(o.foreign_keys.iter().any(|f| f.name.as_deref() == Some("fk_x") && f.on_delete == RefAction::Cascade));
        assert!(r.diagnostics.iter().any(|d| d.code == "dbml-skipped"));
    }

    #[test]
    fn bad_dbml_gets_line_and_column_and_the_rest_is_read() {
        let r = import_dbml("Table a {\n  id int\n  name\n}\nTable b {\n  x int [pk]\n}\n", Dialect::Postgres);
        let e = r.errors().next().expect("an error");
        assert_eq!((e.span.line, e.span.column), (3, 3), "{e:?}");
        assert_eq!(r.schema.tables.len(), 2);
        let unclosed = import_dbml("Table a {\n  id int [note: 'oops]\n}\n", Dialect::Postgres);
        assert!(unclosed.errors().any(|e| e.span.line == 2), "{:?}", unclosed.diagnostics);
    }
}
