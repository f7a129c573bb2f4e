//! What to do with statements sqlparser rejects but real dumps contain.
//!
//! Two tools, both keeping every character's line and column so diagnostics stay exact:
//! - `prepare` blanks out text sqlparser's tokenizer does not know for a dialect (`#` comments
//!   in SQLite files, MySQL's `/*!40101 ... */` version-comment markers) before the first try;
//! - `REWRITES` are retried in order after a failure, each blanking or replacing a construct
//!   of the same width (MySQL's `BINARY` column attribute, PostgreSQL 18's `VIRTUAL` generated
//!   columns, Firebird-style `BLOB SUB_TYPE TEXT`), and the import reports what it ignored;
//! - `fallback` reads two statements by their words when no rewrite helps:
//!   `ALTER SEQUENCE s OWNED BY t.c` and `CREATE TABLE t (LIKE s ...)`.

use crate::Dialect;

/// Blanks what the tokenizer would choke on, keeping the text's shape.
/// `COMMENT ON ... IS $tag$...$tag$` (Evergreen writes its 82 comments so), which sqlparser reads
/// only with a standard string: the same statement with the body as one, its quotes doubled.
pub fn dollar_quoted_comment(text: &str) -> Option<String> {
    if !text.trim_start().get(..10)?.eq_ignore_ascii_case("COMMENT ON") {
        return None;
    }
    let upper = text.to_ascii_uppercase();
    let open = upper.find(" IS $").map(|i| i + 4)?;
    let rest = &text[open..];
    let tag = &rest[..rest[1..].find('$')? + 2];
    if !tag[1..tag.len() - 1].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let body_start = open + tag.len();
    let body_len = text[body_start..].find(tag)?;
    let body = &text[body_start..body_start + body_len];
    Some(format!("{}'{}'{}", &text[..open], body.replace('\'', "''"), &text[body_start + body_len + tag.len()..]))
}

pub fn prepare(text: &str, dialect: Dialect) -> Option<String> {
    let needs_hash = dialect != Dialect::Postgres && text.contains('#');
    let needs_version = dialect == Dialect::MySql && text.contains("/*!");
    if !needs_hash && !needs_version {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    let mut in_version_comment = false;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' | '`' => {
                quote = Some(c);
                out.push(c);
            }
            '#' if needs_hash => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(' ');
                    i += 1;
                }
                continue;
            }
            '/' if needs_version && chars.get(i + 1) == Some(&'*') && chars.get(i + 2) == Some(&'!') => {
                // `/*!40101` -> blanks; the statement inside is read as SQL.
                let mut j = i + 3;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                for _ in i..j {
                    out.push(' ');
                }
                in_version_comment = true;
                i = j;
                continue;
            }
            '*' if in_version_comment && chars.get(i + 1) == Some(&'/') => {
                out.push_str("  ");
                in_version_comment = false;
                i += 2;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

pub struct Rewrite {
    pub dialects: &'static [Dialect],
    /// What the diagnostic says was ignored.
    pub note: &'static str,
    pub apply: fn(&str) -> Option<String>,
}

pub const REWRITES: &[Rewrite] = &[
    Rewrite {
        dialects: &[Dialect::MySql],
        note: "read MySQL's `CREATE FULLTEXT INDEX` / `CREATE SPATIAL INDEX` (the index keeps its kind)",
        apply: mysql_special_index,
    },
    Rewrite {
        dialects: &[Dialect::MySql],
        note: "ignored `CHARSET name` (MySQL's short spelling of CHARACTER SET; the model keeps no character set)",
        apply: mysql_charset_shorthand,
    },
    Rewrite {
        dialects: &[Dialect::MySql],
        note: "ignored MySQL's `BINARY` column attribute (a binary collation); the column's type is kept",
        apply: mysql_binary_attribute,
    },
    Rewrite {
        dialects: &[Dialect::Postgres, Dialect::MySql],
        note: "read a `VIRTUAL` generated column (computed on read)",
        apply: virtual_generated,
    },
    Rewrite {
        dialects: &[Dialect::Sqlite],
        note: "ignored `SUB_TYPE TEXT` after BLOB (Firebird syntax, meaningless to SQLite)",
        apply: blob_sub_type,
    },
    Rewrite {
        dialects: &[Dialect::MySql],
        note: "ignored MySQL's `USING BTREE`/`USING HASH` in a position sqlparser does not accept",
        apply: mysql_using_index_type,
    },
    Rewrite {
        dialects: &[Dialect::MySql],
        note: "ignored MariaDB's `WAIT n` / `NOWAIT` (how long DDL waits for its metadata lock)",
        apply: mariadb_wait,
    },
    Rewrite {
        dialects: &[Dialect::Postgres],
        note: "read `CREATE INDEX ... ON ONLY` (pg_dump's index on a partitioned table, attached to its partitions' indexes) as an index on the table",
        apply: index_on_only,
    },
];

/// `CREATE [UNIQUE] INDEX name ON ONLY t ...` -> `... ON      t ...`.
fn index_on_only(text: &str) -> Option<String> {
    let creates_index = find_words(text, "create").first().is_some_and(|&(s, _)| text[..s].trim().is_empty())
        && !find_words(text, "index").is_empty();
    if !creates_index {
        return None;
    }
    let ranges: Vec<(usize, usize)> = find_words(text, "only")
        .into_iter()
        .filter(|&(start, _)| {
            let before = text[..start].trim_end();
            before.len() >= 2 && before[before.len() - 2..].eq_ignore_ascii_case("on")
        })
        .take(1)
        .collect();
    (!ranges.is_empty()).then(|| blank(text, &ranges))
}

/// MariaDB's `ALTER TABLE t WAIT 2 ...`, `DROP TABLE t NOWAIT`, `RENAME TABLE t WAIT 2 TO u`,
/// `CREATE INDEX ... WAIT 2`: the clause is blanked in DDL statements (it shapes nothing).
fn mariadb_wait(text: &str) -> Option<String> {
    let first = text.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    if !["alter", "drop", "rename", "create", "truncate", "optimize"].contains(&first.as_str()) {
        return None;
    }
    let mut ranges = find_words(text, "nowait");
    for (start, end) in find_words(text, "wait") {
        let rest = &text[end..];
        let digits_at = rest.len() - rest.trim_start().len();
        let digits = rest[digits_at..].bytes().take_while(u8::is_ascii_digit).count();
        if digits_at > 0 && digits > 0 {
            ranges.push((start, end + digits_at + digits));
        }
    }
    ranges.sort_unstable();
    (!ranges.is_empty()).then(|| blank(text, &ranges))
}

/// Finds `word` as a whole word outside quotes, case-insensitively; returns byte ranges.
fn find_words(text: &str, word: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let word = word.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut found = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if matches!(b, b'\'' | b'"' | b'`') {
            quote = Some(b);
            i += 1;
            continue;
        }
        if lower.is_char_boundary(i) && lower[i..].starts_with(&word) {
            let before = i.checked_sub(1).map(|p| bytes[p]);
            let after = bytes.get(i + word.len()).copied();
            let is_word = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
            if !is_word(before) && !is_word(after) {
                found.push((i, i + word.len()));
                i += word.len();
                continue;
            }
        }
        i += 1;
    }
    found
}

fn blank(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = text.to_string();
    // From the end, so earlier byte offsets stay valid.
    for &(start, end) in ranges.iter().rev() {
        // As many spaces as characters, so later columns keep their place.
        let width = text.get(start..end).map_or(0, |s| s.chars().count());
        out.replace_range(start..end, &" ".repeat(width));
    }
    out
}

fn next_non_space(text: &str, from: usize) -> Option<char> {
    text[from..].chars().find(|c| !c.is_whitespace())
}

/// `name varchar(64) BINARY NOT NULL` -> `name varchar(64)        NOT NULL`. `BINARY(16)` (a type)
/// and `BINARY` right after a column name (also a type) are left alone.
fn mysql_binary_attribute(text: &str) -> Option<String> {
    let ranges: Vec<(usize, usize)> = find_words(text, "binary")
        .into_iter()
        .filter(|&(start, end)| {
            let before = text[..start].trim_end();
            let after_ok = next_non_space(text, end) != Some('(');
            // An attribute follows a type, which ends in `)` or a type word.
            let prev_word = before.rsplit(|c: char| c.is_whitespace() || c == ',' || c == '(').next().unwrap_or("");
            let after_type = before.ends_with(')')
                || ["char", "varchar", "text", "tinytext", "mediumtext", "longtext", "enum", "set"]
                    .iter()
                    .any(|t| prev_word.eq_ignore_ascii_case(t));
            after_ok && after_type
        })
        .collect();
    (!ranges.is_empty()).then(|| blank(text, &ranges))
}

/// `CHARSET utf8mb4` on a column (MySQL's synonym of CHARACTER SET, which sqlparser reads only
/// spelled out) -> blanks of the same width.
fn mysql_charset_shorthand(text: &str) -> Option<String> {
    let mut ranges = Vec::new();
    for (start, end) in find_words(text, "charset") {
        let rest = &text[end..];
        let name_start = rest.len() - rest.trim_start().len();
        if rest.trim_start().starts_with('=') || name_start == 0 {
            continue;
        }
        let name_len = rest[name_start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '`' || c == '\''))
            .unwrap_or(rest.len() - name_start);
        if name_len == 0 {
            continue;
        }
        ranges.push((start, end + name_start + name_len));
    }
    (!ranges.is_empty()).then(|| blank(text, &ranges))
}

/// `CREATE FULLTEXT INDEX` / `CREATE SPATIAL INDEX` -> `CREATE INDEX` (same width); the
/// builder gives the index its kind back.
fn mysql_special_index(text: &str) -> Option<String> {
    let head = text.trim_start();
    let offset = text.len() - head.len();
    let words: Vec<&str> = head.splitn(4, char::is_whitespace).collect();
    match words.as_slice() {
        [create, kind, index, _]
            if create.eq_ignore_ascii_case("create")
                && (kind.eq_ignore_ascii_case("fulltext") || kind.eq_ignore_ascii_case("spatial"))
                && index.eq_ignore_ascii_case("index") =>
        {
            let start = offset + create.len() + 1;
            Some(blank(text, &[(start, start + kind.len())]))
        }
        _ => None,
    }
}

/// The kind a `CREATE FULLTEXT|SPATIAL INDEX` statement gives its index (`fulltext`, `spatial`).
pub fn special_index_kind(text: &str) -> Option<&'static str> {
    let mut words = text.split_whitespace();
    let (create, kind) = (words.next()?, words.next()?);
    if !create.eq_ignore_ascii_case("create") {
        return None;
    }
    if kind.eq_ignore_ascii_case("fulltext") {
        Some("fulltext")
    } else if kind.eq_ignore_ascii_case("spatial") {
        Some("spatial")
    } else {
        None
    }
}

/// `GENERATED ALWAYS AS (expr) VIRTUAL` -> `... STORED ` (same width); the builder is told.
fn virtual_generated(text: &str) -> Option<String> {
    let ranges = find_words(text, "virtual");
    if ranges.is_empty() || find_words(text, "generated").is_empty() && find_words(text, "as").is_empty() {
        return None;
    }
    let mut out = text.to_string();
    for (start, end) in ranges {
        out.replace_range(start..end, "STORED ");
    }
    Some(out)
}

fn blob_sub_type(text: &str) -> Option<String> {
    let ranges: Vec<(usize, usize)> = find_words(text, "sub_type")
        .into_iter()
        .map(|(start, end)| {
            // Blank the word after SUB_TYPE too (`TEXT`, `1`).
            let rest = &text[end..];
            let skip = rest.len() - rest.trim_start().len();
            let word =
                rest.trim_start().find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.trim_start().len());
            (start, end + skip + word)
        })
        .collect();
    (!ranges.is_empty()).then(|| blank(text, &ranges))
}

fn mysql_using_index_type(text: &str) -> Option<String> {
    let mut ranges = Vec::new();
    for (start, end) in find_words(text, "using") {
        let rest = text[end..].trim_start();
        for kind in ["btree", "hash"] {
            if rest.get(..kind.len()).is_some_and(|p| p.eq_ignore_ascii_case(kind)) {
                let kind_start = text.len() - rest.len();
                ranges.push((start, kind_start + kind.len()));
            }
        }
    }
    (!ranges.is_empty()).then(|| blank(text, &ranges))
}

/// A statement read by its words because no parse or rewrite could.
#[derive(Debug, PartialEq, Eq)]
pub enum Fallback {
    SequenceOwnedBy {
        sequence: String,
        owner: String,
    },
    CreateTableLike {
        table: String,
        source: String,
    },
    /// A view whose query sqlparser cannot read: its name, its text, and the tables after
    /// FROM and JOIN.
    View {
        name: String,
        materialized: bool,
        definition: String,
        reads: Vec<String>,
    },
    /// `ALTER TABLE t ALTER COLUMN c SET (n_distinct = ...)`, `SET STATISTICS`, `SET STORAGE`:
    /// planner settings that do not change the model.
    StorageSetting {
        table: String,
    },
    /// `ALTER TABLE t ALTER COLUMN c ADD GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY (...)`,
    /// as pg_dump writes identity columns.
    AddIdentity {
        table: String,
        column: String,
        always: bool,
    },
}

/// Words of a statement: identifiers unquoted, punctuation as single characters.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' || c == '`' {
            chars.next();
            let mut word = String::new();
            for d in chars.by_ref() {
                if d == c {
                    break;
                }
                word.push(d);
            }
            out.push(word);
        } else if c.is_alphanumeric() || c == '_' {
            let mut word = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_alphanumeric() || d == '_' || d == '$' {
                    word.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(word);
        } else {
            out.push(c.to_string());
            chars.next();
        }
    }
    out
}

/// The text after the first top-level ` AS ` of a view.
fn as_body(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let mut depth = 0i32;
    let bytes = lower.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ if depth == 0 && lower.is_char_boundary(i) && lower[i..].starts_with("as") => {
                let before = i.checked_sub(1).map(|p| bytes[p]);
                let after = bytes.get(i + 2).copied();
                if before.is_some_and(|b| b.is_ascii_whitespace() || b == b')')
                    && after.is_some_and(|b| b.is_ascii_whitespace() || b == b'(')
                {
                    return Some(text[i + 2..].trim());
                }
            }
            _ => {}
        }
    }
    None
}

/// Joins `a . b . c` word runs into `a.b.c`, starting at `i`; returns the name and the next index.
fn dotted(words: &[String], mut i: usize) -> Option<(String, usize)> {
    let mut name = words.get(i)?.clone();
    i += 1;
    while words.get(i).map(String::as_str) == Some(".") {
        name.push('.');
        name.push_str(words.get(i + 1)?);
        i += 2;
    }
    Some((name, i))
}

pub fn fallback(text: &str) -> Option<Fallback> {
    let w = words(text);
    let is = |i: usize, word: &str| w.get(i).is_some_and(|x| x.eq_ignore_ascii_case(word));
    if is(0, "alter") && is(1, "sequence") {
        let mut i = 2;
        if is(i, "if") && is(i + 1, "exists") {
            i += 2;
        }
        let (sequence, mut i) = dotted(&w, i)?;
        if is(i, "owned") && is(i + 1, "by") {
            i += 2;
            let (owner, _) = dotted(&w, i)?;
            if !owner.eq_ignore_ascii_case("none") {
                return Some(Fallback::SequenceOwnedBy { sequence, owner });
            }
        }
        return None;
    }
    if is(0, "alter") && is(1, "table") {
        let mut i = 2;
        while is(i, "only") || is(i, "if") || is(i, "exists") {
            i += 1;
        }
        let (table, i) = dotted(&w, i)?;
        let setting = |j: usize| {
            is(j, "set")
                && (w.get(j + 1).map(String::as_str) == Some("(")
                    || is(j + 1, "statistics")
                    || is(j + 1, "storage")
                    || is(j + 1, "compression"))
                || is(j, "reset")
        };
        let storage = (is(i, "alter") && is(i + 1, "column") && setting(i + 3)) || (is(i, "alter") && setting(i + 2));
        if storage {
            return Some(Fallback::StorageSetting { table });
        }
        let c = if is(i, "alter") && is(i + 1, "column") { i + 2 } else { i + 1 };
        if is(i, "alter") && is(c + 1, "add") && is(c + 2, "generated") {
            let always = is(c + 3, "always");
            let next = if always { c + 4 } else { c + 5 };
            if (always || (is(c + 3, "by") && is(c + 4, "default"))) && is(next, "as") && is(next + 1, "identity") {
                return Some(Fallback::AddIdentity { table, column: w.get(c)?.clone(), always });
            }
        }
        return None;
    }
    if is(0, "create") {
        let mut i = 1;
        if is(i, "or") && is(i + 1, "replace") {
            i += 2;
        }
        let materialized = is(i, "materialized");
        if materialized {
            i += 1;
        }
        if is(i, "view") {
            i += 1;
            if is(i, "if") && is(i + 1, "not") && is(i + 2, "exists") {
                i += 3;
            }
            let (name, _) = dotted(&w, i)?;
            let definition = as_body(text)?.to_string();
            let mut reads = Vec::new();
            for (k, word) in w.iter().enumerate() {
                if word.eq_ignore_ascii_case("from") || word.eq_ignore_ascii_case("join") {
                    // `FROM ((a JOIN b ...` (pg_dump's nested joins): the table after the parens.
                    let first = (k + 1..w.len()).find(|&j| w[j] != "(").unwrap_or(w.len());
                    let subquery = ["select", "with", "values", "lateral"].iter().any(|q| is(first, q));
                    if let Some((table, _)) = dotted(&w, first).filter(|_| !subquery) {
                        let is_name = table.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
                        if is_name && !reads.contains(&table) {
                            reads.push(table);
                        }
                    }
                }
            }
            return Some(Fallback::View { name, materialized, definition, reads });
        }
        let mut i = 1;
        while ["temporary", "temp", "unlogged", "global", "local"].iter().any(|k| is(i, k)) {
            i += 1;
        }
        if !is(i, "table") {
            return None;
        }
        i += 1;
        if is(i, "if") && is(i + 1, "not") && is(i + 2, "exists") {
            i += 3;
        }
        let (table, i) = dotted(&w, i)?;
        if w.get(i).map(String::as_str) == Some("(") && is(i + 1, "like") {
            let (source, _) = dotted(&w, i + 2)?;
            return Some(Fallback::CreateTableLike { table, source });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_keeps_width_and_lines() {
        let src = "CREATE TABLE a ( # note\n id int /*!40101 , x int */ )";
        let out = prepare(src, Dialect::MySql).unwrap();
        assert_eq!(out.chars().count(), src.chars().count());
        assert_eq!(out.lines().count(), src.lines().count());
        assert!(!out.contains('#') && !out.contains("/*!"), "{out}");
        assert!(out.contains(", x int"), "{out}");
    }

    #[test]
    fn mariadb_wait_clauses_are_read_past() {
        let sql = "ALTER TABLE orders WAIT 2 ADD COLUMN amount NUMERIC(10,2) NULL AFTER total, ALGORITHM=INSTANT";
        let schema = crate::import(
            &format!(
                "CREATE TABLE orders (id int PRIMARY KEY, total int);\nCREATE TABLE old (id int);\n{sql};\nDROP TABLE old NOWAIT;\nCREATE TABLE wait (wait int);"
            ),
            Some(Dialect::MySql),
        )
        .schema;
        assert!(schema.find_table("orders").and_then(|t| t.column("amount")).is_some(), "WAIT 2: the column is added");
        assert!(schema.find_table("old").is_none(), "NOWAIT: the table is dropped");
        let wait = schema.find_table("wait").expect("a table named wait is a table");
        assert!(wait.column("wait").is_some());
        let out = mariadb_wait(sql).unwrap();
        assert_eq!(out.len(), sql.len());
        assert!(out.starts_with("ALTER TABLE orders        ADD COLUMN"), "{out}");
        assert_eq!(mariadb_wait("SELECT wait 2"), None);
    }

    #[test]
    fn binary_attribute_is_blanked_but_binary_types_stay() {
        let out = mysql_binary_attribute("a varchar(64) BINARY NOT NULL, b BINARY(16), c binary").unwrap();
        assert_eq!(out, "a varchar(64)        NOT NULL, b BINARY(16), c binary");
    }

    #[test]
    fn a_dollar_quoted_comment_becomes_a_standard_string() {
        assert_eq!(
            dollar_quoted_comment("COMMENT ON TABLE config.x IS $$\nit's \"q\"\n$$;").as_deref(),
            Some("COMMENT ON TABLE config.x IS '\nit''s \"q\"\n';")
        );
        assert_eq!(
            dollar_quoted_comment("comment on column t.c is $body$a $$ b$body$").as_deref(),
            Some("comment on column t.c is 'a $$ b'")
        );
        assert_eq!(dollar_quoted_comment("COMMENT ON TABLE t IS 'x'"), None);
        assert_eq!(dollar_quoted_comment("COMMENT ON TABLE t IS $$open"), None, "unterminated");
        assert_eq!(dollar_quoted_comment("SELECT $$x$$"), None);
    }

    #[test]
    fn fallback_reads_owned_by_and_like() {
        assert_eq!(
            fallback("ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id"),
            Some(Fallback::SequenceOwnedBy { sequence: "public.users_id_seq".into(), owner: "public.users.id".into() })
        );
        assert_eq!(
            fallback("CREATE TABLE t (LIKE s.u INCLUDING INDEXES)"),
            Some(Fallback::CreateTableLike { table: "t".into(), source: "s.u".into() })
        );
        assert_eq!(fallback("ALTER SEQUENCE s OWNED BY NONE"), None);
        assert_eq!(
            fallback("ALTER TABLE public.addresses ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (\n SEQUENCE NAME public.addresses_id_seq\n START WITH 1\n CACHE 1\n)"),
            Some(Fallback::AddIdentity { table: "public.addresses".into(), column: "id".into(), always: true })
        );
        assert_eq!(
            fallback("ALTER TABLE ONLY t ALTER COLUMN \"Id\" ADD GENERATED BY DEFAULT AS IDENTITY"),
            Some(Fallback::AddIdentity { table: "t".into(), column: "Id".into(), always: false })
        );
    }

    #[test]
    fn a_view_read_by_its_words_reads_the_tables_of_nested_joins_but_not_subqueries() {
        let text = "CREATE MATERIALIZED VIEW v AS SELECT 1 FROM ((public.payment p JOIN rental r ON (p.r = r.id)) \
                    JOIN (SELECT 1) s ON true) WITH NO DATA";
        let Some(Fallback::View { reads, materialized, .. }) = fallback(text) else { panic!("not a view") };
        assert!(materialized);
        assert_eq!(reads, vec!["public.payment".to_string(), "rental".to_string()]);
    }
}
