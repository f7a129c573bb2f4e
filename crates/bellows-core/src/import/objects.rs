//! Schema objects that Bellows keeps as their text: routines, triggers, policies and rules,
//! domains and extensions. Their bodies are in languages Bellows does not read (PL/pgSQL, SQL
//! functions, SQLite and MySQL trigger bodies), and sqlparser reads only some of their headers,
//! so each is recognised by its leading words, its identity taken from the header (name,
//! argument types, table), and the whole statement kept so a plan can create it again.

use crate::types::DataType;

/// One object statement, read by its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    Routine {
        name: String,
        kind: crate::RoutineKind,
        /// Argument types, normalized: `(integer, text)`.
        arguments: String,
    },
    Trigger {
        name: String,
        table: String,
        function: String,
        columns: Vec<String>,
    },
    Policy {
        kind: crate::PolicyKind,
        name: String,
        table: String,
    },
    Domain {
        name: String,
        data_type: DataType,
        nullable: bool,
        default: Option<String>,
        checks: Vec<(Option<String>, String)>,
    },
    Extension {
        name: String,
        /// `WITH SCHEMA s`.
        schema: Option<String>,
    },
    /// A statement kept as text ([`crate::OtherObject`]).
    Other {
        kind: String,
        name: String,
    },
    /// `DROP FUNCTION|PROCEDURE|TRIGGER|POLICY|RULE|VIEW|DOMAIN ...`: removed from the model.
    Drop {
        what: Dropped,
        names: Vec<String>,
        /// `ON table` of a dropped trigger, policy or rule.
        table: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    Routine,
    Trigger,
    Policy,
    View,
    Domain,
}

/// A token of a header: a word (quoted identifiers unquoted), a string literal, or one
/// character of punctuation. `start` is the byte offset in the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    text: String,
    start: usize,
    end: usize,
    quoted: bool,
}

/// Tokens of `text` up to the first body (a dollar-quoted string is one token and ends the
/// scan of a routine header only when asked; here everything is tokenized).
fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'"' || c == b'`' {
            let start = i;
            i += 1;
            let mut word = String::new();
            while i < bytes.len() {
                if bytes[i] == c {
                    if bytes.get(i + 1) == Some(&c) {
                        word.push(c as char);
                        i += 2;
                        continue;
                    }
                    break;
                }
                let ch_end = next_char(text, i);
                word.push_str(&text[i..ch_end]);
                i = ch_end;
            }
            i += 1;
            out.push(Token { text: word, start, end: i.min(text.len()), quoted: true });
        } else if c == b'\'' {
            let start = i;
            i += 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            let end = i.min(text.len());
            out.push(Token { text: text[start..end].to_string(), start, end, quoted: false });
        } else if c == b'$' && dollar_tag(&text[i..]).is_some() {
            let tag = dollar_tag(&text[i..]).unwrap_or("$$");
            let start = i;
            let body = i + tag.len();
            let end = text[body..].find(tag).map_or(text.len(), |p| body + p + tag.len());
            out.push(Token { text: text[start..end].to_string(), start, end, quoted: false });
            i = end;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$' || bytes[i] >= 0x80)
            {
                i += 1;
            }
            out.push(Token { text: text[start..i].to_string(), start, end: i, quoted: false });
        } else {
            let end = next_char(text, i);
            out.push(Token { text: text[i..end].to_string(), start: i, end, quoted: false });
            i = end;
        }
    }
    out
}

fn next_char(text: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < text.len() && !text.is_char_boundary(j) {
        j += 1;
    }
    j
}

/// `$tag$` at the start of `text`.
fn dollar_tag(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('$')?;
    let end = rest.find('$')?;
    let tag = &rest[..end];
    (tag.chars().all(|c| c.is_alphanumeric() || c == '_') && !tag.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| &text[..end + 2])
}

#[derive(Clone)]
struct Cursor<'a> {
    t: &'a [Token],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn is(&self, word: &str) -> bool {
        self.t.get(self.i).is_some_and(|t| !t.quoted && t.text.eq_ignore_ascii_case(word))
    }

    fn eat(&mut self, word: &str) -> bool {
        let yes = self.is(word);
        if yes {
            self.i += 1;
        }
        yes
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

    fn peek(&self) -> Option<&'a Token> {
        self.t.get(self.i)
    }

    /// A possibly qualified name: `a.b.c` -> "a.b.c" (quoted parts unquoted).
    fn name(&mut self) -> Option<String> {
        let first = self.peek()?;
        if !first.quoted && !first.text.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let mut name = first.text.clone();
        self.i += 1;
        while self.peek().is_some_and(|t| t.text == ".") {
            let part = self.t.get(self.i + 1)?;
            name.push('.');
            name.push_str(&part.text);
            self.i += 2;
        }
        Some(name)
    }

    /// The balanced `( ... )` starting here, as the text between the parentheses.
    fn parenthesized(&mut self, text: &'a str) -> Option<&'a str> {
        if self.peek()?.text != "(" {
            return None;
        }
        let open = self.peek()?.end;
        let mut depth = 0;
        while let Some(t) = self.peek() {
            match t.text.as_str() {
                "(" => depth += 1,
                ")" => {
                    depth -= 1;
                    if depth == 0 {
                        let close = t.start;
                        self.i += 1;
                        return text.get(open..close);
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        None
    }
}

/// Reads an object statement; `None` when the statement is something else.
pub fn read(text: &str) -> Option<Object> {
    let all = tokens(text);
    let mut c = Cursor { t: &all, i: 0 };
    if c.eat("drop") {
        return read_drop(&mut c);
    }
    // `DO $$ ... $$` runs once, at install: kept to run again where the schema is built anew.
    if c.is("do")
        && c.t.get(1).is_some_and(|t| {
            t.text.starts_with('$') || t.text.starts_with('\'') || t.text.eq_ignore_ascii_case("language")
        })
    {
        return Some(Object::Other { kind: "do".into(), name: String::new() });
    }
    if c.eat_all(&["alter", "text", "search"]) {
        let kind = c.peek()?.text.to_ascii_lowercase();
        c.i += 1;
        let name = c.name()?;
        return Some(Object::Other { kind: format!("text search {kind}"), name });
    }
    if !c.eat("create") {
        return None;
    }
    if let Some(other) = read_other(&mut c.clone()) {
        return Some(other);
    }
    c.eat_all(&["or", "replace"]);
    // MySQL: `CREATE DEFINER = user@host TRIGGER`.
    if c.eat("definer") {
        while c.peek().is_some_and(|t| {
            !["trigger", "function", "procedure", "event", "view"].iter().any(|w| t.text.eq_ignore_ascii_case(w))
        }) {
            c.i += 1;
        }
    }
    c.eat("temporary");
    c.eat("temp");
    if c.is("function") || c.is("procedure") || c.is("aggregate") {
        let kind = if c.eat("function") {
            crate::RoutineKind::Function
        } else if c.eat("procedure") {
            crate::RoutineKind::Procedure
        } else {
            c.i += 1;
            crate::RoutineKind::Aggregate
        };
        c.eat_all(&["if", "not", "exists"]);
        let name = c.name()?;
        let arguments = c.parenthesized(text).map(argument_types).unwrap_or_else(|| "()".into());
        return Some(Object::Routine { name, kind, arguments });
    }
    c.eat("constraint");
    if c.eat("trigger") {
        c.eat_all(&["if", "not", "exists"]);
        let name = c.name()?;
        let mut columns = Vec::new();
        // Events up to `ON table`.
        while let Some(t) = c.peek() {
            if !t.quoted && t.text.eq_ignore_ascii_case("on") {
                break;
            }
            if !t.quoted && t.text.eq_ignore_ascii_case("of") {
                c.i += 1;
                while let Some(col) = c.peek() {
                    if !col.quoted && (col.text.eq_ignore_ascii_case("on") || col.text.eq_ignore_ascii_case("or")) {
                        break;
                    }
                    if col.text != "," {
                        columns.push(col.text.clone());
                    }
                    c.i += 1;
                }
                continue;
            }
            c.i += 1;
        }
        c.eat("on");
        let table = c.name()?;
        let mut function = String::new();
        while c.peek().is_some() {
            if c.eat("execute") {
                if c.eat("function") || c.eat("procedure") {
                    function = c.name().unwrap_or_default();
                }
                break;
            }
            if c.is("begin") {
                break;
            }
            c.i += 1;
        }
        return Some(Object::Trigger { name, table, function, columns });
    }
    if c.eat("policy") {
        let name = c.name()?;
        c.eat("on").then_some(())?;
        let table = c.name()?;
        return Some(Object::Policy { kind: crate::PolicyKind::RowSecurity, name, table });
    }
    if c.eat("rule") {
        let name = c.name()?;
        c.eat("as").then_some(())?;
        c.eat("on").then_some(())?;
        c.i += 1; // the event
        c.eat("to").then_some(())?;
        let table = c.name()?;
        return Some(Object::Policy { kind: crate::PolicyKind::Rule, name, table });
    }
    if c.eat("domain") {
        return read_domain(&mut c, text);
    }
    if c.eat("extension") {
        c.eat_all(&["if", "not", "exists"]);
        let name = c.name()?;
        let mut schema = None;
        while c.peek().is_some() {
            if c.eat("schema") {
                schema = c.name();
                break;
            }
            c.i += 1;
        }
        return Some(Object::Extension { name, schema });
    }
    None
}

/// `CREATE COLLATION | TEXT SEARCH ... | TYPE (not an enum) | OPERATOR ... | CAST`, after
/// `CREATE`.
fn read_other(c: &mut Cursor<'_>) -> Option<Object> {
    let kind = if c.eat("collation") {
        "collation".to_string()
    } else if c.eat_all(&["text", "search"]) {
        let what = c.peek()?.text.to_ascii_lowercase();
        c.i += 1;
        format!("text search {what}")
    } else if c.eat("type") {
        // An enum is the model's own; every other type is kept as text.
        let name = c.name()?;
        if c.eat("as") && c.is("enum") {
            return None;
        }
        return Some(Object::Other { kind: "type".into(), name });
    } else if c.eat("operator") {
        if c.eat("class") || c.eat("family") {
            "operator class".to_string()
        } else {
            // An operator's name is symbols: the text up to its `(`.
            let name: String = std::iter::from_fn(|| {
                let t = c.peek().filter(|t| t.text != "(")?;
                c.i += 1;
                Some(t.text.clone())
            })
            .collect();
            return Some(Object::Other { kind: "operator".into(), name });
        }
    } else if c.eat("cast") {
        let name: Vec<String> = c.t[c.i..]
            .iter()
            .take_while(|t| t.text != "with" && t.text != "WITH" && !t.text.eq_ignore_ascii_case("without"))
            .map(|t| t.text.clone())
            .collect();
        return Some(Object::Other { kind: "cast".into(), name: name.join(" ") });
    } else {
        return None;
    };
    c.eat_all(&["if", "not", "exists"]);
    let name = c.name()?;
    Some(Object::Other { kind, name })
}

fn read_drop(c: &mut Cursor<'_>) -> Option<Object> {
    let what = if c.eat("function") || c.eat("procedure") || c.eat("aggregate") {
        Dropped::Routine
    } else if c.eat("trigger") {
        Dropped::Trigger
    } else if c.eat("policy") || c.eat("rule") {
        Dropped::Policy
    } else if c.eat("view") || c.eat_all(&["materialized", "view"]) {
        Dropped::View
    } else if c.eat("domain") {
        Dropped::Domain
    } else {
        return None;
    };
    c.eat_all(&["if", "exists"]);
    let mut names = Vec::new();
    loop {
        let name = c.name()?;
        names.push(name);
        // Skip a routine's argument list.
        if c.peek().is_some_and(|t| t.text == "(") {
            let mut depth = 0;
            while let Some(t) = c.peek() {
                c.i += 1;
                match t.text.as_str() {
                    "(" => depth += 1,
                    ")" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        if c.peek().is_some_and(|t| t.text == ",") {
            c.i += 1;
            continue;
        }
        break;
    }
    let table = if c.eat("on") { c.name() } else { None };
    Some(Object::Drop { what, names, table })
}

fn read_domain<'a>(c: &mut Cursor<'a>, text: &'a str) -> Option<Object> {
    let name = c.name()?;
    c.eat("as");
    // The type runs to the first constraint keyword.
    let type_start = c.peek()?.start;
    let mut type_end = type_start;
    let stop = ["collate", "default", "constraint", "not", "null", "check"];
    let mut depth = 0;
    while let Some(t) = c.peek() {
        if depth == 0 && !t.quoted && stop.iter().any(|s| t.text.eq_ignore_ascii_case(s)) {
            break;
        }
        match t.text.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            ";" => break,
            _ => {}
        }
        type_end = t.end;
        c.i += 1;
    }
    let data_type = DataType::parse(text.get(type_start..type_end)?);
    let mut nullable = true;
    let mut default = None;
    let mut checks = Vec::new();
    let mut constraint_name = None;
    while c.peek().is_some() {
        if c.eat("collate") {
            c.name();
        } else if c.eat("constraint") {
            constraint_name = c.name();
        } else if c.eat_all(&["not", "null"]) {
            nullable = false;
        } else if c.eat("null") {
            nullable = true;
        } else if c.eat("check") {
            let expr = c.parenthesized(text)?;
            checks.push((constraint_name.take(), expr.trim().to_string()));
        } else if c.eat("default") {
            let start = c.peek()?.start;
            let mut end = start;
            let mut depth = 0;
            while let Some(t) = c.peek() {
                if depth == 0 && !t.quoted && stop.iter().any(|s| t.text.eq_ignore_ascii_case(s)) {
                    break;
                }
                match t.text.as_str() {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    ";" => break,
                    _ => {}
                }
                end = t.end;
                c.i += 1;
            }
            default = text.get(start..end).map(|s| s.trim().to_string());
        } else {
            c.i += 1;
        }
    }
    Some(Object::Domain { name, data_type, nullable, default, checks })
}

/// `(a integer, b text DEFAULT 'x', OUT c int)` -> `(integer, text)`: the input argument
/// types that identify a routine, lower-cased, with names, modes and defaults left out.
pub fn argument_types(list: &str) -> String {
    let mut parts = Vec::new();
    for arg in split_top_level(list) {
        let toks = tokens(arg);
        let mut words: Vec<&Token> = Vec::new();
        for t in &toks {
            if !t.quoted && (t.text.eq_ignore_ascii_case("default") || t.text == "=") {
                break;
            }
            words.push(t);
        }
        if words.is_empty() {
            continue;
        }
        let mode = words[0].text.to_ascii_lowercase();
        if mode == "out" {
            continue;
        }
        if matches!(mode.as_str(), "in" | "inout" | "variadic") {
            words.remove(0);
        }
        if words.is_empty() {
            continue;
        }
        // `name type`: a name is a word followed by the start of a type (a word). Types of two
        // words (`double precision`, `character varying`) keep both.
        let rebuilt: Vec<String> = words.iter().map(|t| t.text.to_ascii_lowercase()).collect();
        let word_follows = rebuilt.get(1).is_some_and(|w| w.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
        let typed = if word_follows && !is_type_word(&rebuilt[0]) { &rebuilt[1..] } else { &rebuilt[..] };
        let mut ty = String::new();
        for w in typed {
            let glue = ty.is_empty()
                || w == "."
                || w == "("
                || w == ")"
                || w == "["
                || w == "]"
                || w == ","
                || ty.ends_with('.')
                || ty.ends_with('(')
                || ty.ends_with('[');
            if !glue {
                ty.push(' ');
            }
            ty.push_str(w);
        }
        parts.push(ty);
    }
    format!("({})", parts.join(", "))
}

fn is_type_word(word: &str) -> bool {
    matches!(word, "double" | "character" | "bit" | "time" | "timestamp" | "interval" | "national" | "char" | "varchar")
}

/// Splits on commas outside parentheses and quotes.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut quote: Option<u8> = None;
    let mut start = 0;
    for (i, b) in list.bytes().enumerate() {
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'\'' | b'"' => quote = Some(b),
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b',' if depth == 0 => {
                out.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !list[start..].trim().is_empty() {
        out.push(&list[start..]);
    }
    out
}

/// True when `text` mentions `word` as a whole identifier (case-insensitively), anywhere:
/// in code, in quoted identifiers and inside function bodies alike.
pub fn mentions(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let hay = text.as_bytes();
    let needle = word.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        if hay[i..i + needle.len()].eq_ignore_ascii_case(needle) {
            let before = i.checked_sub(1).map(|p| hay[p]);
            let after = hay.get(i + needle.len()).copied();
            if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
                return true;
            }
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PolicyKind, RoutineKind};

    #[test]
    fn routines_keep_their_identity() {
        let sql = "CREATE OR REPLACE FUNCTION musicbrainz.a_ins_artist(a integer, \"B\" character varying(10) DEFAULT 'x', OUT c int) RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql";
        assert_eq!(
            read(sql),
            Some(Object::Routine {
                name: "musicbrainz.a_ins_artist".into(),
                kind: RoutineKind::Function,
                arguments: "(integer, character varying(10))".into()
            })
        );
        assert_eq!(argument_types("integer, text[]"), "(integer, text[])");
        assert_eq!(argument_types("double precision, VARIADIC int[]"), "(double precision, int[])");
        assert_eq!(argument_types(""), "()");
    }

    #[test]
    fn triggers_name_their_table_function_and_columns() {
        let pg = "CREATE TRIGGER b_upd_area BEFORE UPDATE OF name, comment ON area FOR EACH ROW EXECUTE PROCEDURE b_upd_last_updated_table('x')";
        assert_eq!(
            read(pg),
            Some(Object::Trigger {
                name: "b_upd_area".into(),
                table: "area".into(),
                function: "b_upd_last_updated_table".into(),
                columns: vec!["name".into(), "comment".into()]
            })
        );
        let sqlite = "CREATE TRIGGER IF NOT EXISTS t1 AFTER INSERT ON \"events\" BEGIN UPDATE x SET y = 1; END";
        assert_eq!(
            read(sqlite),
            Some(Object::Trigger {
                name: "t1".into(),
                table: "events".into(),
                function: String::new(),
                columns: vec![]
            })
        );
    }

    #[test]
    fn policies_rules_domains_and_extensions() {
        assert_eq!(
            read("CREATE POLICY p ON public.rental USING (customer_id = 1)"),
            Some(Object::Policy { kind: PolicyKind::RowSecurity, name: "p".into(), table: "public.rental".into() })
        );
        assert_eq!(
            read("CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING"),
            Some(Object::Policy { kind: PolicyKind::Rule, name: "r".into(), table: "t".into() })
        );
        let Some(Object::Domain { name, data_type, nullable, checks, .. }) = read(
            "CREATE DOMAIN public.year AS integer CONSTRAINT year_check CHECK (((VALUE >= 1901) AND (VALUE <= 2155))) NOT NULL",
        ) else {
            panic!("not a domain")
        };
        assert_eq!(name, "public.year");
        assert_eq!(data_type.kind, crate::TypeKind::Integer);
        assert!(!nullable);
        assert_eq!(checks, [(Some("year_check".into()), "((VALUE >= 1901) AND (VALUE <= 2155))".into())]);
        assert_eq!(
            read("CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public"),
            Some(Object::Extension { name: "cube".into(), schema: Some("public".into()) })
        );
        assert_eq!(
            read("CREATE COLLATION musicbrainz (provider = icu, locale = 'x')"),
            Some(Object::Other { kind: "collation".into(), name: "musicbrainz".into() })
        );
        assert_eq!(
            read("CREATE TYPE vandelay.tcn_data AS (tcn TEXT, used BOOL)"),
            Some(Object::Other { kind: "type".into(), name: "vandelay.tcn_data".into() })
        );
        assert_eq!(read("CREATE TYPE mood AS ENUM ('a')"), None);
        assert_eq!(
            read("ALTER TEXT SEARCH CONFIGURATION mb_simple ALTER MAPPING FOR word WITH simple"),
            Some(Object::Other { kind: "text search configuration".into(), name: "mb_simple".into() })
        );
        assert_eq!(read("DO $$ BEGIN NULL; END $$"), Some(Object::Other { kind: "do".into(), name: String::new() }));
        assert_eq!(read("CREATE TABLE t (id int)"), None);
    }

    #[test]
    fn mentions_are_whole_identifiers() {
        assert!(mentions("UPDATE t SET NEW.amount = 1", "amount"));
        assert!(mentions("select \"Amount\" from x", "amount"));
        assert!(!mentions("select amount_due from x", "amount"));
        assert!(!mentions("select x_amount from x", "amount"));
    }
}
