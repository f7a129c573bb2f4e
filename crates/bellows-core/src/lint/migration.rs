//! A hand-written migration, read as the operations the safety rules judge. Migrations hold
//! statements sqlparser does not know (`DROP INDEX CONCURRENTLY`, `ALTER TYPE ... ADD VALUE`,
//! `SET lock_timeout`), so this reads each statement's words directly: the statement splitter
//! of the importer cuts the text, a small lexer here makes words (quotes, comments and strings
//! handled), and each statement's shape is matched on its leading keywords. What is not
//! recognised is `Op::Other`: never flagged, never an error.

use crate::import::split::{split, ChunkKind};
use crate::{Dialect, Span};
use serde::Serialize;

/// One statement of the migration, with where it starts in the user's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub op: Op,
    pub span: Span,
    #[serde(skip)]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "op")]
pub enum Op {
    Begin,
    Commit,
    /// PostgreSQL's `SET lock_timeout`, MySQL's `SET SESSION lock_wait_timeout`.
    SetLockTimeout,
    /// MySQL: `SET [SESSION] foreign_key_checks = 0 | 1`.
    ForeignKeyChecks {
        on: bool,
    },
    CreateTable {
        table: String,
    },
    CreateIndex {
        table: String,
        name: Option<String>,
        concurrently: bool,
        unique: bool,
        /// `ON ONLY` a partitioned table: made on the table alone, reading no rows.
        only: bool,
    },
    DropIndex {
        names: Vec<String>,
        concurrently: bool,
    },
    AlterTable {
        table: String,
        actions: Vec<Action>,
    },
    DropTable {
        tables: Vec<String>,
    },
    Truncate {
        tables: Vec<String>,
    },
    /// `CREATE [OR REPLACE] VIEW name`.
    CreateView {
        name: String,
    },
    /// `ALTER TYPE name ADD VALUE` / `RENAME VALUE` / `DROP TYPE` of an enum.
    AlterEnum {
        name: String,
        action: String,
    },
    /// `DROP DATABASE name`, MySQL's `DROP SCHEMA name` (its synonym) and PostgreSQL's
    /// `DROP SCHEMA name CASCADE` (which drops every table in it).
    DropDatabase {
        name: String,
        what: String,
    },
    /// `REINDEX [ ( options ) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } [ CONCURRENTLY ] name`:
    /// `what` is the upper-cased object kind.
    Reindex {
        what: String,
        name: String,
        concurrently: bool,
    },
    /// PostgreSQL's `ALTER DOMAIN name` in a form that checks every column of the domain's
    /// type, in every table, under SHARE (which blocks writes): `ADD CONSTRAINT` without NOT
    /// VALID, `SET NOT NULL`, `VALIDATE CONSTRAINT`. `what` names the form.
    DomainScan {
        name: String,
        what: String,
    },
    /// PostgreSQL's `VACUUM FULL` and `CLUSTER`: each table is written anew under ACCESS
    /// EXCLUSIVE. `tables` is empty for a `CLUSTER` of every table clustered before (or a
    /// `VACUUM FULL` of the whole database); `how` is the command as a reader knows it.
    Rewrite {
        tables: Vec<String>,
        how: String,
    },
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "action")]
pub enum Action {
    AddColumn {
        column: String,
        data_type: String,
        not_null: bool,
        default: Option<String>,
        /// `GENERATED ALWAYS AS (...) STORED`, computed for every row when added.
        generated_stored: bool,
        /// The column carries its own PRIMARY KEY or UNIQUE.
        keyed: bool,
        references: bool,
    },
    DropColumn {
        column: String,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    RenameTo {
        to: String,
    },
    AlterType {
        column: String,
        to: String,
    },
    SetNotNull {
        column: String,
    },
    DropNotNull {
        column: String,
    },
    SetDefault {
        column: String,
    },
    AddConstraint {
        name: Option<String>,
        constraint: Constraint,
        not_valid: bool,
        using_index: bool,
    },
    ValidateConstraint {
        name: String,
    },
    DropConstraint {
        name: String,
    },
    /// MySQL's `ALGORITHM = INSTANT | INPLACE | COPY | NOCOPY | DEFAULT`.
    Algorithm {
        value: String,
    },
    /// MySQL's `LOCK = NONE | SHARED | EXCLUSIVE | DEFAULT`.
    Lock {
        value: String,
    },
    /// MariaDB's `WAIT n` or `NOWAIT` on the statement.
    Wait,
    /// `DETACH PARTITION p [ CONCURRENTLY | FINALIZE ]`: without either, ACCESS EXCLUSIVE on
    /// the partitioned table; with them, SHARE UPDATE EXCLUSIVE.
    DetachPartition {
        partition: String,
        concurrently: bool,
    },
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Constraint {
    Check,
    ForeignKey,
    Unique,
    PrimaryKey,
    Exclude,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Word,
    Quoted,
    Str,
    Punct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Tok {
    kind: Kind,
    /// The word upper-cased (keywords compare on it); quoted names keep their spelling.
    up: String,
    /// The name as written, quotes removed.
    text: String,
    /// Byte offset in the statement.
    at: usize,
}

fn lex(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') || c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'\'' || c == b'"' || c == b'`' || c == b'[' {
            let close = if c == b'[' { b']' } else { c };
            let start = i;
            i += 1;
            while i < b.len() {
                if b[i] == close {
                    if b.get(i + 1) == Some(&close) && close != b']' {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            let inner = s.get(start + 1..i.min(b.len())).unwrap_or("").to_string();
            i += 1;
            let kind = if c == b'\'' { Kind::Str } else { Kind::Quoted };
            out.push(Tok { kind, up: inner.clone(), text: inner, at: start });
        } else if c == b'$' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            // A dollar-quoted body: skip to its closing tag.
            let start = i;
            let tag_end = s[i + 1..].find('$').map(|p| i + 1 + p);
            match tag_end {
                Some(t) => {
                    let tag = &s[i..=t];
                    let body_end = s[t + 1..].find(tag).map(|p| t + 1 + p + tag.len()).unwrap_or(b.len());
                    out.push(Tok { kind: Kind::Str, up: String::new(), text: String::new(), at: start });
                    i = body_end;
                }
                None => i = b.len(),
            }
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80) {
                i += 1;
            }
            let text = s.get(start..i).unwrap_or("").to_string();
            out.push(Tok { kind: Kind::Word, up: text.to_ascii_uppercase(), text, at: start });
        } else {
            // Multi-byte safety: step over a whole character.
            let len = s.get(i..).and_then(|r| r.chars().next()).map_or(1, char::len_utf8);
            let text = s.get(i..i + len).unwrap_or("").to_string();
            out.push(Tok { kind: Kind::Punct, up: text.clone(), text, at: i });
            i += len;
        }
    }
    out
}

/// A cursor over one statement's words.
struct P<'a> {
    t: &'a [Tok],
    i: usize,
}

impl<'a> P<'a> {
    fn peek(&self) -> Option<&'a Tok> {
        self.t.get(self.i)
    }

    fn is(&self, word: &str) -> bool {
        self.peek().is_some_and(|t| t.kind == Kind::Word && t.up == word)
    }

    /// Steps over an `=` (MySQL writes `ALGORITHM=INSTANT` and `ALGORITHM INSTANT` alike).
    fn eat_equals(&mut self) {
        if self.peek().is_some_and(|t| t.text == "=") {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.is(word) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_all(&mut self, words: &[&str]) -> bool {
        let save = self.i;
        for w in words {
            if !self.eat(w) {
                self.i = save;
                return false;
            }
        }
        true
    }

    /// A possibly qualified name: `a`, `"A"`, `s.t`.
    fn name(&mut self) -> Option<String> {
        let first = self.peek().filter(|t| matches!(t.kind, Kind::Word | Kind::Quoted))?;
        self.i += 1;
        let mut name = first.text.clone();
        while self.peek().is_some_and(|t| t.up == ".") {
            self.i += 1;
            match self.peek().filter(|t| matches!(t.kind, Kind::Word | Kind::Quoted)) {
                Some(t) => {
                    name.push('.');
                    name.push_str(&t.text);
                    self.i += 1;
                }
                None => break,
            }
        }
        Some(name)
    }

    fn names(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(n) = self.name() {
            out.push(n);
            if self.peek().is_none_or(|t| t.up != ",") {
                break;
            }
            self.i += 1;
        }
        out
    }

    fn rest_has(&self, word: &str) -> bool {
        self.t[self.i.min(self.t.len())..].iter().any(|t| t.kind == Kind::Word && t.up == word)
    }
}

/// Splits a migration into statements and reads each one's operation.
pub fn analyze(sql: &str, dialect: Dialect) -> Vec<Statement> {
    let mut out = Vec::new();
    for chunk in split(sql, dialect) {
        if chunk.kind != ChunkKind::Statement {
            continue;
        }
        let toks = lex(chunk.text);
        let Some(first) = toks.first() else { continue };
        let span = offset_span(chunk.text, first.at, chunk.start);
        let op = read(&toks, dialect);
        out.push(Statement { op, span, text: chunk.text.trim().to_string() });
    }
    out
}

/// The line and column of byte `at` of `text`, which starts at `start`.
fn offset_span(text: &str, at: usize, start: Span) -> Span {
    let before = text.get(..at).unwrap_or("");
    match before.rfind('\n') {
        Some(nl) => {
            Span::new(start.line + before.matches('\n').count() as u32, before[nl + 1..].chars().count() as u32 + 1)
        }
        None => Span::new(start.line, start.column + before.chars().count() as u32),
    }
}

/// The options of `( option [value], ... )` at the parser, upper-cased, each with whether its
/// value leaves it on (`FULL`, `FULL true`, `FULL 1`: on; `FULL false`, `FULL off`, `FULL 0`: off).
fn options(p: &mut P<'_>) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    if !p.peek().is_some_and(|t| t.kind == Kind::Punct && t.up == "(") {
        return out;
    }
    p.i += 1;
    let mut expect_name = true;
    while let Some(t) = p.peek() {
        p.i += 1;
        match (t.kind == Kind::Punct, t.up.as_str()) {
            (true, ")") => break,
            (true, ",") => expect_name = true,
            (_, word) if expect_name => {
                out.push((word.to_string(), true));
                expect_name = false;
            }
            (_, "FALSE" | "OFF" | "0") => {
                if let Some(last) = out.last_mut() {
                    last.1 = false;
                }
            }
            _ => {}
        }
    }
    out
}

/// `VACUUM [ ( options ) ] [ FULL ] [ FREEZE ] [ VERBOSE ] [ ANALYZE ] [ table [, ...] ]`: only
/// a FULL one rewrites.
fn vacuum(p: &mut P<'_>) -> Op {
    let mut full = options(p).iter().any(|(o, on)| o == "FULL" && *on);
    while let Some(word) = ["FULL", "FREEZE", "VERBOSE", "ANALYZE", "ANALYSE"].into_iter().find(|w| p.is(w)) {
        p.i += 1;
        full |= word == "FULL";
    }
    if !full {
        return Op::Other;
    }
    Op::Rewrite { tables: p.names(), how: "VACUUM FULL".into() }
}

/// `CLUSTER [ VERBOSE ] [ ( options ) ] [ table [ USING index ] ]`, and the old
/// `CLUSTER [ VERBOSE ] index ON table`.
fn cluster(p: &mut P<'_>) -> Op {
    p.eat("VERBOSE");
    options(p);
    p.eat("VERBOSE");
    let Some(first) = p.name() else { return Op::Rewrite { tables: vec![], how: "CLUSTER".into() } };
    let table = if p.eat("ON") { p.name().unwrap_or(first) } else { first };
    Op::Rewrite { tables: vec![table], how: "CLUSTER".into() }
}

fn read(toks: &[Tok], dialect: Dialect) -> Op {
    let mut p = P { t: toks, i: 0 };
    if p.eat("BEGIN") || p.eat_all(&["START", "TRANSACTION"]) {
        // `BEGIN ... END` blocks of functions are not migrations' transactions.
        return if p.peek().is_none() || p.is("TRANSACTION") || p.is("WORK") || p.is("ISOLATION") {
            Op::Begin
        } else {
            Op::Other
        };
    }
    if p.eat("COMMIT") || p.eat("END") || p.eat("ROLLBACK") {
        return Op::Commit;
    }
    if p.eat("SET") {
        p.eat("SESSION");
        p.eat("LOCAL");
        if p.is("LOCK_TIMEOUT") || p.is("LOCK_WAIT_TIMEOUT") {
            return Op::SetLockTimeout;
        }
        if p.eat("FOREIGN_KEY_CHECKS") {
            p.eat_equals();
            let on = !p.peek().is_some_and(|t| t.text == "0" || t.up == "OFF" || t.up == "FALSE");
            return Op::ForeignKeyChecks { on };
        }
        return Op::Other;
    }
    if p.eat("REINDEX") {
        // `( CONCURRENTLY [ boolean ], VERBOSE, TABLESPACE t )`: a boolean that is off turns it off.
        let mut concurrently = false;
        if p.peek().is_some_and(|t| t.kind == Kind::Punct && t.up == "(") {
            let mut depth = 0;
            while let Some(t) = p.peek() {
                p.i += 1;
                match (t.kind == Kind::Punct, t.up.as_str()) {
                    (true, "(") => depth += 1,
                    (true, ")") => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    (false, "CONCURRENTLY") => {
                        concurrently = !p.peek().is_some_and(|n| matches!(n.up.as_str(), "FALSE" | "OFF" | "0"));
                    }
                    _ => {}
                }
            }
        }
        let Some(what) = p.peek().filter(|t| t.kind == Kind::Word).map(|t| t.up.clone()) else { return Op::Other };
        p.i += 1;
        concurrently |= p.eat("CONCURRENTLY");
        return p.name().map_or(Op::Other, |name| Op::Reindex { what, name, concurrently });
    }
    if dialect == Dialect::Postgres && p.is("VACUUM") {
        p.i += 1;
        return vacuum(&mut p);
    }
    if dialect == Dialect::Postgres && p.is("CLUSTER") {
        p.i += 1;
        return cluster(&mut p);
    }
    if p.eat("TRUNCATE") {
        p.eat("TABLE");
        p.eat("ONLY");
        return Op::Truncate { tables: p.names() };
    }
    if p.eat("CREATE") {
        p.eat_all(&["OR", "REPLACE"]);
        let unique = p.eat("UNIQUE");
        if p.eat("INDEX") {
            let concurrently = p.eat("CONCURRENTLY");
            p.eat_all(&["IF", "NOT", "EXISTS"]);
            let name = if p.is("ON") { None } else { p.name() };
            if !p.eat("ON") {
                return Op::Other;
            }
            let only = p.eat("ONLY");
            return match p.name() {
                Some(table) => Op::CreateIndex { table, name, concurrently, unique, only },
                None => Op::Other,
            };
        }
        p.eat("TEMPORARY");
        p.eat("TEMP");
        p.eat("UNLOGGED");
        if p.eat("TABLE") {
            p.eat_all(&["IF", "NOT", "EXISTS"]);
            return p.name().map_or(Op::Other, |table| Op::CreateTable { table });
        }
        if p.eat("VIEW") {
            return p.name().map_or(Op::Other, |name| Op::CreateView { name });
        }
        return Op::Other;
    }
    if p.eat("DROP") {
        if p.eat("INDEX") {
            let concurrently = p.eat("CONCURRENTLY");
            p.eat_all(&["IF", "EXISTS"]);
            return Op::DropIndex { names: p.names(), concurrently };
        }
        if p.eat("TABLE") {
            p.eat_all(&["IF", "EXISTS"]);
            return Op::DropTable { tables: p.names() };
        }
        if p.eat("TYPE") {
            p.eat_all(&["IF", "EXISTS"]);
            return p.name().map_or(Op::Other, |name| Op::AlterEnum { name, action: "DROP TYPE".into() });
        }
        if p.eat("DATABASE") || p.eat("SCHEMA") {
            let what = toks[p.i - 1].up.clone();
            p.eat_all(&["IF", "EXISTS"]);
            let Some(name) = p.name() else { return Op::Other };
            // PostgreSQL refuses to drop a schema that holds anything, without CASCADE.
            let drops = what == "DATABASE" || dialect == Dialect::MySql || p.rest_has("CASCADE");
            return if drops { Op::DropDatabase { name, what } } else { Op::Other };
        }
        return Op::Other;
    }
    if p.eat("ALTER") {
        if p.eat("TYPE") {
            let Some(name) = p.name() else { return Op::Other };
            if p.eat_all(&["ADD", "VALUE"]) {
                return Op::AlterEnum { name, action: "ADD VALUE".into() };
            }
            if p.eat_all(&["RENAME", "VALUE"]) {
                return Op::AlterEnum { name, action: "RENAME VALUE".into() };
            }
            return Op::Other;
        }
        if dialect == Dialect::Postgres && p.eat("DOMAIN") {
            let Some(name) = p.name() else { return Op::Other };
            let what = if p.is("ADD") && !p.rest_has("VALID") {
                "ADD CONSTRAINT"
            } else if p.eat_all(&["SET", "NOT", "NULL"]) {
                "SET NOT NULL"
            } else if p.eat_all(&["VALIDATE", "CONSTRAINT"]) {
                "VALIDATE CONSTRAINT"
            } else {
                return Op::Other;
            };
            return Op::DomainScan { name, what: what.into() };
        }
        if p.eat("TABLE") {
            p.eat_all(&["IF", "EXISTS"]);
            p.eat("ONLY");
            let Some(table) = p.name() else { return Op::Other };
            // MariaDB's `WAIT n` / `NOWAIT` bound the metadata-lock wait of this statement.
            let mut actions = Vec::new();
            if p.eat("WAIT") {
                p.i += 1;
                actions.push(Action::Wait);
            } else if p.eat("NOWAIT") {
                actions.push(Action::Wait);
            }
            let rest = &toks[p.i..];
            actions.extend(split_top_level(rest).into_iter().map(read_action));
            return Op::AlterTable { table, actions };
        }
    }
    Op::Other
}

/// Splits a token run at commas outside parentheses.
fn split_top_level(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.up.as_str() {
            "(" if t.kind == Kind::Punct => depth += 1,
            ")" if t.kind == Kind::Punct => depth -= 1,
            "," if t.kind == Kind::Punct && depth == 0 => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out.retain(|a| !a.is_empty());
    out
}

const COLUMN_CONSTRAINT_WORDS: &[&str] =
    &["NOT", "NULL", "DEFAULT", "CONSTRAINT", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "GENERATED", "COLLATE"];

fn read_action(toks: &[Tok]) -> Action {
    let mut p = P { t: toks, i: 0 };
    let not_valid = toks.windows(2).any(|w| w[0].up == "NOT" && w[1].up == "VALID");
    if p.eat("ADD") {
        let constraint_start = p.i;
        let name = if p.eat("CONSTRAINT") { p.name() } else { None };
        let constraint = if p.eat("CHECK") {
            Some(Constraint::Check)
        } else if p.eat_all(&["FOREIGN", "KEY"]) {
            Some(Constraint::ForeignKey)
        } else if p.eat("UNIQUE") {
            Some(Constraint::Unique)
        } else if p.eat_all(&["PRIMARY", "KEY"]) {
            Some(Constraint::PrimaryKey)
        } else if p.eat("EXCLUDE") {
            Some(Constraint::Exclude)
        } else if name.is_some() {
            Some(Constraint::Other)
        } else {
            None
        };
        if let Some(constraint) = constraint {
            let using_index = p.rest_has("USING") && p.t.windows(2).any(|w| w[0].up == "USING" && w[1].up == "INDEX");
            return Action::AddConstraint { name, constraint, not_valid, using_index };
        }
        p.i = constraint_start;
        p.eat("COLUMN");
        p.eat_all(&["IF", "NOT", "EXISTS"]);
        let Some(column) = p.name() else { return Action::Other };
        let type_start = p.i;
        while p.peek().is_some_and(|t| !(t.kind == Kind::Word && COLUMN_CONSTRAINT_WORDS.contains(&t.up.as_str()))) {
            p.i += 1;
        }
        let data_type = words(&toks[type_start..p.i]);
        let rest = &toks[p.i..];
        let default = rest.iter().position(|t| t.kind == Kind::Word && t.up == "DEFAULT").map(|d| {
            let after = &rest[d + 1..];
            let end = after
                .iter()
                .position(|t| {
                    t.kind == Kind::Word && COLUMN_CONSTRAINT_WORDS.contains(&t.up.as_str()) && t.up != "NULL"
                })
                .unwrap_or(after.len());
            words(&after[..end])
        });
        let has = |w: &str| rest.iter().any(|t| t.kind == Kind::Word && t.up == w);
        let not_null = rest.windows(2).any(|w| w[0].up == "NOT" && w[1].up == "NULL") || has("PRIMARY");
        let generated_stored = has("GENERATED") && has("STORED");
        return Action::AddColumn {
            column,
            data_type,
            not_null,
            default,
            generated_stored,
            keyed: has("PRIMARY") || has("UNIQUE"),
            references: has("REFERENCES"),
        };
    }
    if p.eat("DROP") {
        if p.eat("CONSTRAINT") {
            p.eat_all(&["IF", "EXISTS"]);
            return p.name().map_or(Action::Other, |name| Action::DropConstraint { name });
        }
        // MySQL's DROP FOREIGN KEY, DROP CHECK, DROP PRIMARY KEY and DROP INDEX / KEY drop no
        // column.
        if p.eat_all(&["FOREIGN", "KEY"]) || p.eat("CHECK") {
            p.eat_all(&["IF", "EXISTS"]);
            return p.name().map_or(Action::Other, |name| Action::DropConstraint { name });
        }
        if p.eat_all(&["PRIMARY", "KEY"]) {
            return Action::DropConstraint { name: "PRIMARY".into() };
        }
        if p.eat("INDEX") || p.eat("KEY") {
            return Action::Other;
        }
        p.eat("COLUMN");
        p.eat_all(&["IF", "EXISTS"]);
        return p.name().map_or(Action::Other, |column| Action::DropColumn { column });
    }
    if p.eat("RENAME") {
        if p.eat("TO") {
            return p.name().map_or(Action::Other, |to| Action::RenameTo { to });
        }
        if p.eat("CONSTRAINT") || p.eat("INDEX") || p.eat("KEY") {
            return Action::Other;
        }
        p.eat("COLUMN");
        let Some(from) = p.name() else { return Action::Other };
        if !p.eat("TO") {
            return Action::Other;
        }
        return p.name().map_or(Action::Other, |to| Action::RenameColumn { from, to });
    }
    if p.eat("VALIDATE") && p.eat("CONSTRAINT") {
        return p.name().map_or(Action::Other, |name| Action::ValidateConstraint { name });
    }
    if p.eat("ALTER") {
        p.eat("COLUMN");
        let Some(column) = p.name() else { return Action::Other };
        if p.eat("TYPE") || p.eat_all(&["SET", "DATA", "TYPE"]) {
            let start = p.i;
            while p.peek().is_some_and(|t| !(t.kind == Kind::Word && (t.up == "USING" || t.up == "COLLATE"))) {
                p.i += 1;
            }
            return Action::AlterType { column, to: words(&toks[start..p.i]) };
        }
        if p.eat_all(&["SET", "NOT", "NULL"]) {
            return Action::SetNotNull { column };
        }
        if p.eat_all(&["DROP", "NOT", "NULL"]) {
            return Action::DropNotNull { column };
        }
        if p.eat_all(&["SET", "DEFAULT"]) {
            return Action::SetDefault { column };
        }
    }
    if p.eat_all(&["DETACH", "PARTITION"]) {
        let Some(partition) = p.name() else { return Action::Other };
        let concurrently = p.eat("CONCURRENTLY") || p.eat("FINALIZE");
        return Action::DetachPartition { partition, concurrently };
    }
    // MySQL: ALGORITHM and LOCK clauses.
    if p.eat("ALGORITHM") {
        p.eat_equals();
        return p.peek().map_or(Action::Other, |t| Action::Algorithm { value: t.up.clone() });
    }
    if p.eat("LOCK") {
        p.eat_equals();
        return p.peek().map_or(Action::Other, |t| Action::Lock { value: t.up.clone() });
    }
    // MySQL: MODIFY / CHANGE rewrite the column's definition.
    if p.eat("MODIFY") || p.eat("CHANGE") {
        p.eat("COLUMN");
        if let Some(column) = p.name() {
            let start = p.i;
            return Action::AlterType { column, to: words(&toks[start..]) };
        }
    }
    Action::Other
}

/// Every name the migration writes that is longer than `limit` bytes, with where it is: the
/// words and quoted names of its statements, not its strings, comments or function bodies.
pub(crate) fn long_names(sql: &str, dialect: Dialect, limit: usize) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for chunk in split(sql, dialect) {
        if chunk.kind != ChunkKind::Statement {
            continue;
        }
        for t in lex(chunk.text) {
            if matches!(t.kind, Kind::Word | Kind::Quoted) && t.text.len() > limit {
                out.push((t.text, offset_span(chunk.text, t.at, chunk.start)));
            }
        }
    }
    out
}

/// Words joined back into SQL-ish text (`numeric ( 10 , 2 )` becomes `numeric(10,2)`).
fn words(toks: &[Tok]) -> String {
    let mut out = String::new();
    for t in toks {
        let piece = match t.kind {
            Kind::Str => format!("'{}'", t.text),
            Kind::Quoted => format!("\"{}\"", t.text),
            _ => t.text.clone(),
        };
        let glue = t.kind == Kind::Punct || out.ends_with('(') || out.ends_with(',') || out.is_empty();
        if !glue {
            out.push(' ');
        }
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(sql: &str) -> Vec<Op> {
        analyze(sql, Dialect::Postgres).into_iter().map(|s| s.op).collect()
    }

    #[test]
    fn reads_the_statements_migrations_are_made_of() {
        let got = ops("BEGIN;\nSET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t (a);\n\
             DROP INDEX CONCURRENTLY i;\nALTER TABLE ONLY t ADD COLUMN c timestamptz NOT NULL DEFAULT now(), \
             ADD CONSTRAINT t_fk FOREIGN KEY (x) REFERENCES u (id) NOT VALID;\nALTER TYPE mood ADD VALUE 'meh';\nCOMMIT;");
        assert_eq!(got[0], Op::Begin);
        assert_eq!(got[1], Op::SetLockTimeout);
        assert_eq!(
            got[2],
            Op::CreateIndex {
                table: "public.t".into(),
                name: Some("i".into()),
                concurrently: true,
                unique: false,
                only: false
            }
        );
        assert_eq!(got[3], Op::DropIndex { names: vec!["i".into()], concurrently: true });
        let Op::AlterTable { table, actions } = &got[4] else { panic!("{:?}", got[4]) };
        assert_eq!(table, "t");
        assert_eq!(
            actions[0],
            Action::AddColumn {
                column: "c".into(),
                data_type: "timestamptz".into(),
                not_null: true,
                default: Some("now()".into()),
                generated_stored: false,
                keyed: false,
                references: false
            }
        );
        assert_eq!(
            actions[1],
            Action::AddConstraint {
                name: Some("t_fk".into()),
                constraint: Constraint::ForeignKey,
                not_valid: true,
                using_index: false
            }
        );
        assert_eq!(got[5], Op::AlterEnum { name: "mood".into(), action: "ADD VALUE".into() });
        assert_eq!(got[6], Op::Commit);
    }

    #[test]
    fn spans_point_at_the_statement_not_its_leading_comment() {
        let s = analyze("-- first\n\n  ALTER TABLE t DROP COLUMN c;", Dialect::Postgres);
        assert_eq!(s[0].span, Span::new(3, 3));
    }

    #[test]
    fn never_panics_on_fragments() {
        for sql in [
            "ALTER",
            "ALTER TABLE",
            "ALTER TABLE t ADD",
            "CREATE INDEX ON",
            "'unterminated",
            "$x$ body",
            "\"",
            "ALTER TABLE t ALTER COLUMN",
            "é$",
            "REINDEX",
            "REINDEX (",
            "REINDEX (CONCURRENTLY",
            "REINDEX TABLE",
            "DROP SCHEMA",
            "DROP DATABASE IF EXISTS",
            "ALTER TABLE t DETACH PARTITION",
        ] {
            let _ = analyze(sql, Dialect::Postgres);
        }
    }
}
