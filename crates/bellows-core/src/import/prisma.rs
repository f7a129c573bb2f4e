//! Prisma schema (`schema.prisma`) -> [`Schema`]: models (with `@map`/`@@map` names, `@id`,
//! `@@id`, `@unique`, `@@unique`, `@@index`, `@default`, native types `@db.*`, `@@schema`),
//! relations (the side holding `fields:` becomes the foreign key, with its actions and `map`
//! name) and enums. The datasource's provider names the dialect; where the file has none, the
//! caller's choice is used. A field's SQL type is its native type, or the type Prisma's migrate
//! creates for its scalar on that connector. What cannot be read is a diagnostic at its line and
//! column, and the rest is still read; `generator`, `view` and `type` blocks are skipped with a
//! note.

use crate::model::*;
use crate::types::DataType;
use crate::{Diagnostic, Dialect, Import, Severity, Span};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Sym(char),
    Newline,
}

fn tokens(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<(Tok, Span)> {
    let mut out = Vec::new();
    let (mut line, mut column) = (1u32, 1u32);
    let mut chars = text.chars().peekable();
    // Newlines inside ( ) and [ ] do not end a line.
    let mut depth = 0i32;
    while let Some(&c) = chars.peek() {
        let at = Span::new(line, column);
        let mut bump = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            let c = chars.next();
            if c == Some('\n') {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
            c
        };
        match c {
            '\n' => {
                bump(&mut chars);
                if depth == 0 {
                    out.push((Tok::Newline, at));
                }
            }
            c if c.is_whitespace() => {
                bump(&mut chars);
            }
            '/' => {
                bump(&mut chars);
                if chars.peek() == Some(&'/') {
                    while chars.peek().is_some_and(|&c| c != '\n') {
                        bump(&mut chars);
                    }
                } else {
                    out.push((Tok::Sym('/'), at));
                }
            }
            '"' => {
                bump(&mut chars);
                let mut s = String::new();
                let mut closed = false;
                while let Some(c) = bump(&mut chars) {
                    match c {
                        '\\' => match bump(&mut chars) {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(o) => s.push(o),
                            None => break,
                        },
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\n' => break,
                        o => s.push(o),
                    }
                }
                if !closed {
                    diagnostics.push(Diagnostic::new("prisma-syntax", Severity::Error, at, "unclosed string"));
                }
                out.push((Tok::Str(s), at));
            }
            c if c.is_alphanumeric() || c == '_' || c == '-' => {
                let mut w = String::new();
                while chars.peek().is_some_and(|&c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-') {
                    if let Some(c) = bump(&mut chars) {
                        w.push(c);
                    }
                }
                out.push((Tok::Word(w), at));
            }
            c => {
                bump(&mut chars);
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth = (depth - 1).max(0),
                    _ => {}
                }
                out.push((Tok::Sym(c), at));
            }
        }
    }
    out
}

/// An attribute argument's value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    /// A word: a number, `true`, a field name, `Cascade`, `Desc`.
    Word(String),
    /// `now()`, `dbgenerated("...")`, `name(sort: Desc)`.
    Call(String, Vec<Arg>),
    List(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq)]
struct Arg {
    name: Option<String>,
    value: Value,
}

#[derive(Debug, Clone)]
struct Attribute {
    name: String,
    args: Vec<Arg>,
    at: Span,
}

impl Attribute {
    /// The named argument, or the first unnamed one when `positional`.
    fn arg(&self, name: &str, positional: bool) -> Option<&Value> {
        self.args
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
            .or_else(|| positional.then(|| self.args.iter().find(|a| a.name.is_none())).flatten())
            .map(|a| &a.value)
    }
}

fn text_of(v: &Value) -> Option<&str> {
    match v {
        Value::Str(s) | Value::Word(s) => Some(s),
        _ => None,
    }
}

/// The field names of a list (`[a, b(sort: Desc)]`), with whether each is descending.
fn names_of(v: Option<&Value>) -> Vec<(String, bool)> {
    let one = |v: &Value| match v {
        Value::Word(w) => Some((w.clone(), false)),
        Value::Call(w, args) => Some((
            w.clone(),
            args.iter().any(|a| a.name.as_deref() == Some("sort") && text_of(&a.value) == Some("Desc")),
        )),
        _ => None,
    };
    match v {
        Some(Value::List(items)) => items.iter().filter_map(one).collect(),
        Some(other) => one(other).into_iter().collect(),
        None => Vec::new(),
    }
}

struct FieldDef {
    name: String,
    ty: String,
    optional: bool,
    list: bool,
    unsupported: Option<String>,
    attributes: Vec<Attribute>,
    doc: Option<String>,
    at: Span,
}

struct Block {
    kind: String,
    name: String,
    fields: Vec<FieldDef>,
    attributes: Vec<Attribute>,
    /// `key = value` lines (datasource, generator).
    settings: Vec<(String, Value)>,
    doc: Option<String>,
    at: Span,
}

struct Reader<'a> {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
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

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error(&mut self, at: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new("prisma-syntax", Severity::Error, at, message));
    }

    fn skip_line(&mut self) {
        while let Some(t) = self.peek() {
            if *t == Tok::Newline || *t == Tok::Sym('}') {
                break;
            }
            self.pos += 1;
        }
    }

    fn skip_newlines(&mut self) {
        while self.peek() == Some(&Tok::Newline) {
            self.pos += 1;
        }
    }

    /// The `///` lines right above `at` (the lexer drops comments, so they are read from the text).
    fn doc_above(&self, at: Span) -> Option<String> {
        let lines: Vec<&str> = self.text.lines().collect();
        let mut doc: Vec<String> = Vec::new();
        let mut i = at.line as usize;
        while i >= 2 {
            let l = lines.get(i - 2).map(|l| l.trim()).unwrap_or("");
            match l.strip_prefix("///") {
                Some(d) => doc.push(d.strip_prefix(' ').unwrap_or(d).to_string()),
                None => break,
            }
            i -= 1;
        }
        doc.reverse();
        (!doc.is_empty()).then(|| doc.join("\n"))
    }

    fn value(&mut self) -> Option<Value> {
        match self.next()? {
            Tok::Str(s) => Some(Value::Str(s)),
            Tok::Word(w) => {
                if self.eat('(') {
                    Some(Value::Call(w, self.args()))
                } else {
                    Some(Value::Word(w))
                }
            }
            Tok::Sym('[') => {
                let mut items = Vec::new();
                loop {
                    if self.eat(']') {
                        break;
                    }
                    items.push(self.value()?);
                    if !self.eat(',') {
                        if !self.eat(']') {
                            return None;
                        }
                        break;
                    }
                }
                Some(Value::List(items))
            }
            _ => None,
        }
    }

    /// Arguments after `(`, through `)`.
    fn args(&mut self) -> Vec<Arg> {
        let mut out = Vec::new();
        loop {
            if self.eat(')') || self.peek().is_none() {
                return out;
            }
            let named = matches!(self.toks.get(self.pos..self.pos + 2), Some([(Tok::Word(_), _), (Tok::Sym(':'), _)]));
            let name = if named {
                let n = match self.next() {
                    Some(Tok::Word(w)) => Some(w),
                    _ => None,
                };
                self.pos += 1;
                n
            } else {
                None
            };
            let at = self.at();
            match self.value() {
                Some(value) => out.push(Arg { name, value }),
                None => {
                    self.error(at, "an attribute argument was expected here");
                    while self.peek().is_some_and(|t| *t != Tok::Sym(')') && *t != Tok::Newline) {
                        self.pos += 1;
                    }
                    self.eat(')');
                    return out;
                }
            }
            if !self.eat(',') {
                if !self.eat(')') {
                    let at = self.at();
                    self.error(at, "`)` or `,` was expected here");
                }
                return out;
            }
        }
    }

    /// `@name(args)` or `@@name(args)`, the `@`s already read.
    fn attribute(&mut self, at: Span) -> Option<Attribute> {
        match self.next() {
            Some(Tok::Word(name)) => {
                let args = if self.eat('(') { self.args() } else { Vec::new() };
                Some(Attribute { name, args, at })
            }
            _ => {
                self.error(at, "an attribute name was expected after `@`");
                None
            }
        }
    }

    fn block(&mut self) -> Option<Block> {
        let at = self.at();
        let kind = match self.next()? {
            Tok::Word(w) => w,
            _ => {
                self.error(at, "`model`, `enum`, `datasource` or `generator` was expected here");
                self.skip_line();
                return None;
            }
        };
        let name = match self.next() {
            Some(Tok::Word(w)) => w,
            _ => {
                self.error(at, format!("`{kind}` needs a name"));
                self.skip_line();
                return None;
            }
        };
        if !self.eat('{') {
            let at = self.at();
            self.error(at, "`{` was expected here");
            self.skip_line();
            return None;
        }
        let doc = self.doc_above(at);
        let mut b = Block { kind, name, fields: Vec::new(), attributes: Vec::new(), settings: Vec::new(), doc, at };
        loop {
            self.skip_newlines();
            let at = self.at();
            match self.peek() {
                None => {
                    self.error(b.at, format!("`{}` is not closed with `}}`", b.name));
                    return Some(b);
                }
                Some(Tok::Sym('}')) => {
                    self.pos += 1;
                    return Some(b);
                }
                Some(Tok::Sym('@')) => {
                    self.pos += 1;
                    if !self.eat('@') {
                        self.error(at, "a block attribute starts with `@@`");
                        self.skip_line();
                        continue;
                    }
                    if let Some(a) = self.attribute(at) {
                        b.attributes.push(a);
                    }
                }
                Some(Tok::Word(_)) => {
                    let Some(Tok::Word(name)) = self.next() else { continue };
                    if self.eat('=') {
                        if let Some(v) = self.value() {
                            b.settings.push((name, v));
                        }
                        self.skip_line();
                        continue;
                    }
                    // An enum value has no type.
                    if b.kind == "enum" {
                        let mut attributes = Vec::new();
                        while self.eat('@') {
                            let at = self.at();
                            if let Some(a) = self.attribute(at) {
                                attributes.push(a);
                            }
                        }
                        b.fields.push(FieldDef {
                            name,
                            ty: String::new(),
                            optional: false,
                            list: false,
                            unsupported: None,
                            attributes,
                            doc: None,
                            at,
                        });
                        self.skip_line();
                        continue;
                    }
                    let (ty, unsupported) = match self.next() {
                        Some(Tok::Word(t)) if t == "Unsupported" && self.eat('(') => {
                            let args = self.args();
                            let spelling = args.first().and_then(|a| text_of(&a.value)).unwrap_or("").to_string();
                            (t, Some(spelling))
                        }
                        Some(Tok::Word(t)) => (t, None),
                        _ => {
                            self.error(at, format!("field {name} needs a type"));
                            self.skip_line();
                            continue;
                        }
                    };
                    let mut list = false;
                    if self.eat('[') {
                        list = self.eat(']');
                    }
                    let optional = self.eat('?');
                    let mut attributes = Vec::new();
                    loop {
                        let at = self.at();
                        if !self.eat('@') {
                            break;
                        }
                        if let Some(a) = self.attribute(at) {
                            attributes.push(a);
                        }
                    }
                    if !matches!(self.peek(), Some(Tok::Newline | Tok::Sym('}')) | None) {
                        let at = self.at();
                        self.error(at, format!("unexpected text after field {name}"));
                        self.skip_line();
                    }
                    let doc = self.doc_above(at);
                    b.fields.push(FieldDef { name, ty, optional, list, unsupported, attributes, doc, at });
                }
                Some(_) => {
                    self.error(at, "a field, a `@@` attribute or `}` was expected here");
                    self.skip_line();
                    if self.peek() != Some(&Tok::Sym('}')) {
                        self.pos += 1;
                    }
                }
            }
        }
    }
}

/// The SQL type Prisma's migrate creates for a scalar without a native type attribute.
fn default_spelling(scalar: &str, d: Dialect) -> Option<&'static str> {
    Some(match (scalar, d) {
        ("String", Dialect::Postgres) => "text",
        ("String", Dialect::MySql) => "varchar(191)",
        ("String", Dialect::Sqlite) => "TEXT",
        ("Int", Dialect::Sqlite) => "INTEGER",
        ("Int", Dialect::MySql) => "int",
        ("Int", _) => "integer",
        ("BigInt", Dialect::Sqlite) => "BIGINT",
        ("BigInt", _) => "bigint",
        ("Float", Dialect::Postgres) => "double precision",
        ("Float", Dialect::MySql) => "double",
        ("Float", Dialect::Sqlite) => "REAL",
        ("Decimal", Dialect::Sqlite) => "DECIMAL",
        ("Decimal", Dialect::MySql) => "decimal(65,30)",
        ("Decimal", _) => "numeric(65,30)",
        ("Boolean", Dialect::Sqlite) => "BOOLEAN",
        ("Boolean", _) => "boolean",
        ("DateTime", Dialect::Postgres) => "timestamp(3)",
        ("DateTime", Dialect::MySql) => "datetime(3)",
        ("DateTime", Dialect::Sqlite) => "DATETIME",
        ("Json", Dialect::Postgres) => "jsonb",
        ("Json", Dialect::MySql) => "json",
        ("Json", Dialect::Sqlite) => "JSONB",
        ("Bytes", Dialect::Postgres) => "bytea",
        ("Bytes", Dialect::MySql) => "longblob",
        ("Bytes", Dialect::Sqlite) => "BLOB",
        _ => return None,
    })
}

/// `@db.VarChar(200)` -> `varchar(200)`, `@db.UnsignedInt` -> `int unsigned`.
fn native_spelling(name: &str, args: &[Arg]) -> String {
    let params: Vec<&str> = args.iter().filter_map(|a| text_of(&a.value)).collect();
    let base = match name {
        "DoublePrecision" => "double precision".to_string(),
        "JsonB" => "jsonb".to_string(),
        "ByteA" => "bytea".to_string(),
        "VarBit" => "varbit".to_string(),
        other => match other.strip_prefix("Unsigned") {
            Some(rest) => return format!("{} unsigned", native_spelling(rest, args)),
            None => other.to_ascii_lowercase(),
        },
    };
    if params.is_empty() {
        base
    } else {
        format!("{base}({})", params.join(","))
    }
}

fn action(v: Option<&Value>) -> RefAction {
    match v.and_then(text_of) {
        Some("Cascade") => RefAction::Cascade,
        Some("Restrict") => RefAction::Restrict,
        Some("SetNull") => RefAction::SetNull,
        Some("SetDefault") => RefAction::SetDefault,
        _ => RefAction::NoAction,
    }
}

fn quote_sql(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Reads a Prisma schema. The datasource's provider names the dialect; `dialect` is used when it
/// names none (or one Bellows does not read).
pub fn import_prisma(text: &str, dialect: Dialect) -> Import {
    let mut diagnostics = Vec::new();
    let toks = tokens(text, &mut diagnostics);
    let mut r = Reader { toks, pos: 0, text, diagnostics };
    let mut blocks = Vec::new();
    loop {
        r.skip_newlines();
        if r.peek().is_none() {
            break;
        }
        if let Some(b) = r.block() {
            blocks.push(b);
        }
    }
    let mut diagnostics = r.diagnostics;
    let provider = blocks
        .iter()
        .filter(|b| b.kind == "datasource")
        .flat_map(|b| &b.settings)
        .find(|(k, _)| k == "provider")
        .and_then(|(_, v)| text_of(v).map(str::to_string));
    let d = match provider.as_deref() {
        Some("postgresql" | "postgres" | "cockroachdb") => Dialect::Postgres,
        Some("mysql") => Dialect::MySql,
        Some("sqlite") => Dialect::Sqlite,
        _ => dialect,
    };
    let block_attr = |b: &Block, name: &str| b.attributes.iter().find(|a| a.name == name).cloned();
    let db_name = |b: &Block| {
        block_attr(b, "map")
            .and_then(|a| a.arg("name", true).and_then(text_of).map(str::to_string))
            .unwrap_or_else(|| b.name.clone())
    };
    let field_db_name = |f: &FieldDef| {
        f.attributes
            .iter()
            .find(|a| a.name == "map")
            .and_then(|a| a.arg("name", true).and_then(text_of).map(str::to_string))
            .unwrap_or_else(|| f.name.clone())
    };
    let namespace_of = |b: &Block| {
        block_attr(b, "schema")
            .and_then(|a| a.arg("name", true).and_then(text_of).map(str::to_string))
            .filter(|s| d != Dialect::Postgres || s != "public")
    };
    let mut schema = Schema { dialect: Some(d), ..Schema::default() };
    // Enums: (Prisma name, db name as a column names it, labels as stored).
    let enums: Vec<(String, String, Vec<String>)> = blocks
        .iter()
        .filter(|b| b.kind == "enum")
        .map(|b| {
            // As a column names the type in SQL: quoted where the name needs it (`"Role"`;
            // PostgreSQL would fold a bare `Role` to `role`).
            let name = crate::render::qualified(namespace_of(b).as_deref(), &db_name(b), Dialect::Postgres);
            (b.name.clone(), name, b.fields.iter().map(&field_db_name).collect())
        })
        .collect();
    if d == Dialect::Postgres {
        for b in blocks.iter().filter(|b| b.kind == "enum") {
            schema.enums.push(EnumType {
                namespace: namespace_of(b),
                name: db_name(b),
                labels: b.fields.iter().map(&field_db_name).collect(),
                span: b.at,
            });
        }
    }
    for b in blocks.iter().filter(|b| !matches!(b.kind.as_str(), "model" | "enum" | "datasource")) {
        diagnostics.push(Diagnostic::new(
            "prisma-skipped",
            Severity::Info,
            b.at,
            format!("`{} {}` does not shape the tables; it is left out", b.kind, b.name),
        ));
    }
    let models: Vec<&Block> = blocks.iter().filter(|b| b.kind == "model").collect();
    let model_of = |name: &str| models.iter().find(|m| m.name == name).copied();
    let (mut next_table, mut next_column) = (0u32, 0u32);
    for m in &models {
        let mut table = Table::new(TableId(next_table), namespace_of(m), db_name(m), m.at);
        next_table += 1;
        table.comment = m.doc.clone();
        let column_of = |field: &str| {
            m.fields.iter().find(|f| f.name == field).map(field_db_name).unwrap_or_else(|| field.to_string())
        };
        for f in &m.fields {
            let scalar_or_enum = f.unsupported.is_some()
                || default_spelling(&f.ty, d).is_some()
                || enums.iter().any(|(n, _, _)| *n == f.ty);
            if !scalar_or_enum {
                if model_of(&f.ty).is_none() {
                    diagnostics.push(Diagnostic::new(
                        "prisma-unknown-type",
                        Severity::Error,
                        f.at,
                        format!("field {}: {} is no scalar, enum or model of this file", f.name, f.ty),
                    ));
                }
                continue;
            }
            let native = f.attributes.iter().find(|a| a.name.starts_with("db."));
            let mut spelling = if let Some(s) = &f.unsupported {
                s.clone()
            } else if let Some(n) = native {
                native_spelling(n.name.trim_start_matches("db."), &n.args)
            } else if let Some((_, db, labels)) = enums.iter().find(|(n, _, _)| *n == f.ty) {
                if d == Dialect::MySql {
                    format!("enum({})", labels.iter().map(|l| quote_sql(l)).collect::<Vec<_>>().join(","))
                } else if d == Dialect::Sqlite {
                    "TEXT".into()
                } else {
                    db.clone()
                }
            } else {
                default_spelling(&f.ty, d).unwrap_or("text").to_string()
            };
            if f.list {
                spelling.push_str("[]");
            }
            let mut c =
                Column::new(ColumnId(next_column), field_db_name(f), DataType::parse(&spelling), f.optional, f.at);
            next_column += 1;
            c.comment = f.doc.clone();
            for a in &f.attributes {
                match a.name.as_str() {
                    "id" => {
                        let name = a.arg("map", false).and_then(text_of).map(str::to_string);
                        table.primary_key = Some(Key::new(name, vec![c.name.clone()]));
                    }
                    "unique" => {
                        let name = a.arg("map", false).and_then(text_of).map(str::to_string);
                        table.uniques.push(Key::new(name, vec![c.name.clone()]));
                    }
                    "default" => match a.arg("value", true) {
                        Some(Value::Call(f, _)) if f == "autoincrement" => {
                            c.identity =
                                Some(if d == Dialect::Postgres { Identity::Serial } else { Identity::AutoIncrement });
                        }
                        Some(Value::Call(f, _)) if f == "now" => {
                            c.default = Some(DefaultValue { expr: "CURRENT_TIMESTAMP".into(), volatile: true })
                        }
                        Some(Value::Call(f, args)) if f == "dbgenerated" => {
                            if let Some(e) = args.first().and_then(|a| text_of(&a.value)) {
                                c.default = Some(DefaultValue { expr: e.to_string(), volatile: e.contains('(') });
                            }
                        }
                        Some(Value::Call(f, _)) => diagnostics.push(Diagnostic::new(
                            "prisma-client-default",
                            Severity::Info,
                            a.at,
                            format!("@default({f}()) is filled in by Prisma's client, not the database: left out"),
                        )),
                        Some(Value::Str(s)) => c.default = Some(DefaultValue { expr: quote_sql(s), volatile: false }),
                        // A list's default (PostgreSQL arrays): `[]` is the empty array.
                        Some(Value::List(items)) => {
                            let items: Vec<String> = items
                                .iter()
                                .filter_map(|v| match v {
                                    Value::Str(s) => Some(quote_sql(s)),
                                    Value::Word(w) => Some(w.clone()),
                                    _ => None,
                                })
                                .collect();
                            let expr = if items.is_empty() {
                                "'{}'".to_string()
                            } else {
                                format!("ARRAY[{}]", items.join(", "))
                            };
                            c.default = Some(DefaultValue { expr, volatile: false });
                        }
                        Some(Value::Word(w)) => {
                            let label = enums.iter().find(|(n, _, _)| *n == f.ty).and_then(|(_, _, labels)| {
                                let block = blocks.iter().find(|b| b.kind == "enum" && b.name == f.ty)?;
                                let i = block.fields.iter().position(|v| v.name == *w)?;
                                labels.get(i).cloned()
                            });
                            let expr = match label {
                                Some(l) => quote_sql(&l),
                                None if f.ty == "Boolean" && d == Dialect::MySql => {
                                    if w == "true" {
                                        "1".into()
                                    } else {
                                        "0".into()
                                    }
                                }
                                None => w.clone(),
                            };
                            c.default = Some(DefaultValue { expr, volatile: false });
                        }
                        _ => {}
                    },
                    "updatedAt" => diagnostics.push(Diagnostic::new(
                        "prisma-client-default",
                        Severity::Info,
                        a.at,
                        format!(
                            "@updatedAt on {} is set by Prisma's client on each update, not by the database",
                            f.name
                        ),
                    )),
                    _ => {}
                }
            }
            table.columns.push(c);
        }
        for a in &m.attributes {
            let cols: Vec<(String, bool)> =
                names_of(a.arg("fields", true)).into_iter().map(|(f, desc)| (column_of(&f), desc)).collect();
            let name = a.arg("map", false).or_else(|| a.arg("name", false)).and_then(text_of).map(str::to_string);
            match a.name.as_str() {
                "id" => table.primary_key = Some(Key::new(name, cols.into_iter().map(|c| c.0).collect())),
                "unique" => table.uniques.push(Key::new(name, cols.into_iter().map(|c| c.0).collect())),
                "index" => table.indexes.push(Index {
                    name,
                    unique: false,
                    parts: cols.into_iter().map(|(name, descending)| IndexPart::Column { name, descending }).collect(),
                    method: a
                        .arg("type", false)
                        .and_then(text_of)
                        .filter(|t| *t != "BTree")
                        .map(|t| t.to_ascii_lowercase()),
                    predicate: None,
                    span: a.at,
                }),
                "map" | "schema" | "ignore" | "fulltext" => {}
                other => diagnostics.push(Diagnostic::new(
                    "prisma-skipped",
                    Severity::Info,
                    a.at,
                    format!("@@{other} is left out"),
                )),
            }
        }
        // Relations: the side with `fields:` holds the foreign key.
        for f in m.fields.iter().filter(|f| model_of(&f.ty).is_some()) {
            let Some(rel) = f.attributes.iter().find(|a| a.name == "relation") else { continue };
            let fields = names_of(rel.arg("fields", false));
            if fields.is_empty() {
                continue;
            }
            let Some(parent) = model_of(&f.ty) else { continue };
            let parent_column = |field: &str| {
                parent.fields.iter().find(|x| x.name == field).map(field_db_name).unwrap_or_else(|| field.to_string())
            };
            let parent_name = match namespace_of(parent) {
                Some(ns) => format!("{ns}.{}", db_name(parent)),
                None => db_name(parent),
            };
            table.foreign_keys.push(ForeignKey {
                name: rel.arg("map", false).and_then(text_of).map(str::to_string),
                columns: fields.iter().map(|(x, _)| column_of(x)).collect(),
                ref_table: parent_name,
                ref_columns: names_of(rel.arg("references", false)).iter().map(|(x, _)| parent_column(x)).collect(),
                on_delete: action(rel.arg("onDelete", false)),
                on_update: action(rel.arg("onUpdate", false)),
            });
        }
        schema.tables.push(table);
    }
    let tables = schema.tables.len();
    Import {
        dialect: d,
        format: crate::import::SourceFormat::Prisma,
        schema,
        diagnostics,
        stats: crate::import::ImportStats { statements: tables, applied: tables, ..Default::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_models_relations_enums_and_names() {
        let text = "datasource db {\n  provider = \"postgresql\"\n}\n\nenum Mood {\n  sad\n  very_ok @map(\"very ok\")\n  @@map(\"mood\")\n}\n\n\
            /// people\nmodel Customer {\n  id    BigInt @id @default(autoincrement())\n  /// login\n  email String @unique(map: \"customers_email_key\") @db.VarChar(200)\n  mood  Mood? @default(sad)\n  orders Order[]\n  @@map(\"customers\")\n}\n\n\
            model Order {\n  id Int\n  line Int\n  customerId BigInt @map(\"customer_id\")\n  placed DateTime @default(now()) @db.Timestamptz(6)\n  customer Customer @relation(fields: [customerId], references: [id], onDelete: Cascade, map: \"order_customer_fk\")\n\n  @@id([id, line])\n  @@index([placed(sort: Desc)], map: \"order_placed_idx\")\n  @@map(\"order\")\n}\n";
        let r = import_prisma(text, Dialect::MySql);
        assert!(r.errors().next().is_none(), "{:?}", r.diagnostics);
        assert_eq!(r.dialect, Dialect::Postgres, "the provider names the dialect");
        let s = &r.schema;
        assert_eq!(
            (s.enums[0].name.as_str(), s.enums[0].labels.clone()),
            ("mood", vec!["sad".to_string(), "very ok".to_string()])
        );
        let c = s.find_table("customers").expect("customers");
        assert_eq!(c.comment.as_deref(), Some("people"));
        assert!(c.column("id").is_some_and(|c| c.identity.is_some() && c.data_type.spelling == "bigint"));
        let email = c.column("email").expect("email");
        assert_eq!(
            (email.data_type.spelling.as_str(), email.nullable, email.comment.as_deref()),
            ("varchar(200)", false, Some("login"))
        );
        assert_eq!(c.uniques[0].name.as_deref(), Some("customers_email_key"));
        assert_eq!(c.column("mood").and_then(|c| c.default.as_ref()).map(|d| d.expr.as_str()), Some("'sad'"));
        let o = s.find_table("order").expect("order");
        assert_eq!(o.primary_key.as_ref().map(|k| k.columns.clone()), Some(vec!["id".to_string(), "line".to_string()]));
        assert_eq!(o.foreign_keys[0].columns, ["customer_id"]);
        assert_eq!(
            (o.foreign_keys[0].ref_table.as_str(), o.foreign_keys[0].on_delete),
            ("customers", RefAction::Cascade)
        );
        assert!(matches!(&o.indexes[0].parts[0], IndexPart::Column { name, descending: true } if name == "placed"));
        assert_eq!(o.column("placed").map(|c| c.data_type.kind.clone()), Some(crate::TypeKind::TimestampTz));
    }

    /// Seen in a real project's schema: PascalCase enums, list defaults, `@updatedAt`.
    #[test]
    fn pascal_case_enums_are_quoted_and_list_defaults_kept() {
        let text = "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\nenum Role {\n  ADMIN\n  MEMBER\n}\n\
            model Team {\n  id String @id\n  role Role @default(MEMBER)\n  domains String[] @default([])\n  updatedAt DateTime @updatedAt\n}\n";
        let r = import_prisma(text, Dialect::Postgres);
        assert!(r.errors().next().is_none(), "{:?}", r.diagnostics);
        let t = r.schema.find_table("Team").expect("Team");
        assert_eq!(t.column("role").map(|c| c.data_type.spelling.as_str()), Some("\"Role\""));
        assert_eq!(t.column("domains").and_then(|c| c.default.as_ref()).map(|d| d.expr.as_str()), Some("'{}'"));
        assert!(r.diagnostics.iter().any(|d| d.message.contains("@updatedAt")), "{:?}", r.diagnostics);
        let sql = crate::render::schema_sql(
            &r.schema,
            crate::render::DdlOptions { source: Dialect::Postgres, target: Dialect::Postgres },
        );
        let back = crate::import(&sql, Some(Dialect::Postgres));
        assert!(back.errors().next().is_none(), "{sql}");
        assert!(sql.contains("role \"Role\" NOT NULL"), "{sql}");
    }

    #[test]
    fn bad_prisma_gets_line_and_column_and_the_rest_is_read() {
        let r = import_prisma(
            "model A {\n  id Int @id\n  name\n}\nmodel B {\n  x Int @id\n  y Widget\n}\n",
            Dialect::Postgres,
        );
        let errors: Vec<_> = r.errors().collect();
        assert_eq!((errors[0].span.line, errors[0].span.column), (3, 3), "{errors:?}");
        assert!(errors.iter().any(|e| e.span.line == 7 && e.message.contains("Widget")), "{errors:?}");
        assert_eq!(r.schema.tables.len(), 2);
        let unclosed = import_prisma("model A {\n  id Int @id @default(\"oops)\n}\n", Dialect::Postgres);
        assert!(unclosed.errors().any(|e| e.span.line == 2), "{:?}", unclosed.diagnostics);
    }
}
