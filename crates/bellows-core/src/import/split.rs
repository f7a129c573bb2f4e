//! Splits a DDL text into statements before any parsing, so one statement sqlparser rejects never
//! hides the rest of the file, and every statement keeps its place in the user's text.
//!
//! It knows just enough lexical structure to find statement ends: quotes of each dialect,
//! PostgreSQL dollar quotes, comments (including MySQL `#` and the `#` comments found in real
//! SQLite files), MySQL `DELIMITER` blocks, psql `\` meta-commands, `COPY ... FROM stdin` data,
//! and `BEGIN ... END` trigger bodies that contain semicolons.

use crate::{Dialect, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkKind {
    /// A SQL statement, without its terminating delimiter.
    Statement,
    /// A psql meta-command such as `\connect db` (a whole line).
    MetaCommand,
    /// A MySQL client `DELIMITER` line.
    Delimiter,
    /// The rows of a `COPY ... FROM stdin` block, up to and including the `\.` line.
    CopyData,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk<'a> {
    pub kind: ChunkKind,
    pub text: &'a str,
    /// Byte offset of `text` in the whole input.
    pub offset: usize,
    /// Where `text` starts in the whole input.
    pub start: Span,
}

/// A byte cursor that keeps line and column (in characters) as it moves.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    column: u32,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str) -> Self {
        Self { bytes: src.as_bytes(), pos: 0, line: 1, column: 1 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    fn span(&self) -> Span {
        Span::new(self.line, self.column)
    }

    fn bump(&mut self) {
        if let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                // Count a character at its first byte only, so columns match an editor's.
                self.column += 1;
            }
        }
    }

    fn bump_n(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.rest().starts_with(s)
    }

    fn starts_with_keyword(&self, kw: &str) -> bool {
        let rest = self.rest();
        rest.len() >= kw.len()
            && rest[..kw.len()].eq_ignore_ascii_case(kw.as_bytes())
            && rest.get(kw.len()).is_none_or(|b| !is_ident_byte(*b))
    }

    fn skip_to_line_end(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'\n' {
                break;
            }
            self.bump();
        }
    }

    /// Skips over the rest of a quoted run opened by `close` (the opening byte already consumed).
    fn skip_quoted(&mut self, close: u8, backslash_escapes: bool) {
        while let Some(b) = self.peek() {
            self.bump();
            if backslash_escapes && b == b'\\' {
                self.bump();
            } else if b == close {
                if self.peek() == Some(close) && close != b']' {
                    self.bump(); // doubled quote is an escaped quote
                } else {
                    return;
                }
            }
        }
    }

    /// Skips a block comment (the `/*` already consumed). PostgreSQL nests them.
    fn skip_block_comment(&mut self, nested: bool) {
        let mut depth = 1;
        while self.peek().is_some() {
            if self.starts_with(b"*/") {
                self.bump_n(2);
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else if nested && self.starts_with(b"/*") {
                self.bump_n(2);
                depth += 1;
            } else {
                self.bump();
            }
        }
    }

    /// At a `$`: if a dollar quote opens here, skips past its closing tag and returns true.
    fn skip_dollar_quote(&mut self) -> bool {
        let rest = self.rest();
        let mut end = 1;
        while end < rest.len() && is_ident_byte(rest[end]) {
            end += 1;
        }
        if end >= rest.len() || rest[end] != b'$' || rest.get(1).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        let tag = &rest[..=end];
        let tag_len = tag.len();
        let body = &rest[tag_len..];
        let close = find(body, tag).map_or(rest.len(), |i| tag_len + i + tag_len);
        self.bump_n(close);
        true
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The first `n` words of a statement, upper-cased, skipping comments.
fn head_words(text: &str, n: usize) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

pub(crate) fn split(src: &str, dialect: Dialect) -> Vec<Chunk<'_>> {
    let mut cur = Cursor::new(src);
    let mut chunks = Vec::new();
    let mut delimiter: Vec<u8> = b";".to_vec();
    let hash_comments = matches!(dialect, Dialect::MySql | Dialect::Sqlite);
    let backslash_escapes = dialect == Dialect::MySql;
    let backticks = matches!(dialect, Dialect::MySql | Dialect::Sqlite);
    let brackets = dialect == Dialect::Sqlite;
    let dollar_quotes = dialect == Dialect::Postgres;
    let nested_comments = dialect == Dialect::Postgres;

    loop {
        // Between statements: whitespace, comments and stray delimiters.
        loop {
            match cur.peek() {
                Some(b) if b.is_ascii_whitespace() => cur.bump(),
                Some(b'-') if cur.peek_at(1) == Some(b'-') => cur.skip_to_line_end(),
                Some(b'#') if hash_comments => cur.skip_to_line_end(),
                Some(b'/') if cur.peek_at(1) == Some(b'*') && cur.peek_at(2) != Some(b'!') => {
                    cur.bump_n(2);
                    cur.skip_block_comment(nested_comments);
                }
                Some(_) if cur.starts_with(&delimiter) => cur.bump_n(delimiter.len()),
                _ => break,
            }
        }
        let Some(first) = cur.peek() else { break };
        let start = cur.span();
        let offset = cur.pos;

        if first == b'\\' {
            cur.skip_to_line_end();
            chunks.push(Chunk { kind: ChunkKind::MetaCommand, text: &src[offset..cur.pos], offset, start });
            continue;
        }
        if cur.starts_with_keyword("DELIMITER") {
            cur.skip_to_line_end();
            let line = &src[offset..cur.pos];
            let new = line["DELIMITER".len()..].trim();
            if !new.is_empty() {
                delimiter = new.as_bytes().to_vec();
            }
            chunks.push(Chunk { kind: ChunkKind::Delimiter, text: line.trim_end(), offset, start });
            continue;
        }

        // Only a trigger with a BEGIN ... END body (SQLite, or MySQL without DELIMITER) has
        // semicolons that do not end the statement.
        let body_may_hold_semicolons = dialect != Dialect::Postgres && delimiter == b";";
        let mut in_trigger = false;
        let mut body_depth: u32 = 0;
        let mut end = src.len();
        // Under another delimiter, the client sends what lies between two of them (or up to the
        // end of the file, when the file never switches back) and the server runs each `;`
        // statement in it, except a routine, trigger or event, whose body holds them.
        let semicolon_ends = dialect == Dialect::MySql && delimiter != b";";
        while let Some(b) = cur.peek() {
            if cur.starts_with(&delimiter) && body_depth == 0 {
                end = cur.pos;
                cur.bump_n(delimiter.len());
                break;
            }
            if semicolon_ends && b == b';' && !is_compound_definition(&src[offset..cur.pos]) {
                end = cur.pos;
                cur.bump();
                break;
            }
            match b {
                b'\'' => {
                    // PostgreSQL only honours backslashes in E'' strings.
                    let e_string = dollar_quotes
                        && cur.pos > offset
                        && matches!(cur.bytes[cur.pos - 1], b'E' | b'e')
                        && (cur.pos - 1 == offset || !is_ident_byte(cur.bytes[cur.pos - 2]));
                    cur.bump();
                    cur.skip_quoted(b'\'', backslash_escapes || e_string);
                }
                b'"' => {
                    cur.bump();
                    cur.skip_quoted(b'"', backslash_escapes);
                }
                b'`' if backticks => {
                    cur.bump();
                    cur.skip_quoted(b'`', false);
                }
                b'[' if brackets => {
                    cur.bump();
                    cur.skip_quoted(b']', false);
                }
                b'$' if dollar_quotes => {
                    if !cur.skip_dollar_quote() {
                        cur.bump();
                    }
                }
                b'-' if cur.peek_at(1) == Some(b'-') => cur.skip_to_line_end(),
                b'#' if hash_comments => cur.skip_to_line_end(),
                b'/' if cur.peek_at(1) == Some(b'*') => {
                    cur.bump_n(2);
                    cur.skip_block_comment(nested_comments);
                }
                b if is_ident_byte(b) && (cur.pos == 0 || !is_ident_byte(cur.bytes[cur.pos - 1])) => {
                    if body_may_hold_semicolons && !in_trigger && cur.starts_with_keyword("BEGIN") {
                        in_trigger = is_create_trigger(&src[offset..cur.pos]);
                    }
                    if in_trigger {
                        if cur.starts_with_keyword("BEGIN") || (body_depth > 0 && cur.starts_with_keyword("CASE")) {
                            body_depth += 1;
                        } else if body_depth > 0 && cur.starts_with_keyword("END") {
                            body_depth -= 1;
                        }
                    }
                    while cur.peek().is_some_and(is_ident_byte) {
                        cur.bump();
                    }
                }
                _ => cur.bump(),
            }
        }
        let text = src[offset..end].trim_end();
        chunks.push(Chunk { kind: ChunkKind::Statement, text, offset, start });

        if dialect == Dialect::Postgres && is_copy_from_stdin(text) {
            // The rows run to a line that is exactly `\.`.
            while cur.peek().is_some_and(|b| b == b' ' || b == b'\t' || b == b'\r') {
                cur.bump();
            }
            if cur.peek() == Some(b'\n') {
                cur.bump();
            }
            let data_start = cur.span();
            let data_offset = cur.pos;
            loop {
                let line_start = cur.pos;
                cur.skip_to_line_end();
                let line = src[line_start..cur.pos].trim_end();
                if cur.peek().is_some() {
                    cur.bump();
                }
                if line == "\\." || cur.peek().is_none() {
                    break;
                }
            }
            chunks.push(Chunk {
                kind: ChunkKind::CopyData,
                text: src[data_offset..cur.pos].trim_end(),
                offset: data_offset,
                start: data_start,
            });
        }
    }
    chunks
}

fn is_create_trigger(head: &str) -> bool {
    let words = head_words(head, 5);
    words.first().is_some_and(|w| w == "CREATE") && words.iter().any(|w| w == "TRIGGER")
}

/// `CREATE [DEFINER=...] PROCEDURE | FUNCTION | TRIGGER | EVENT`, mysqldump's version comments
/// (`/*!50003 CREATE*/`) included: a statement whose body holds `;`.
fn is_compound_definition(head: &str) -> bool {
    let words: Vec<String> =
        head_words(head, 16).into_iter().filter(|w| !w.chars().all(|c| c.is_ascii_digit())).collect();
    words.first().is_some_and(|w| w == "CREATE")
        && words.iter().take(10).any(|w| matches!(w.as_str(), "PROCEDURE" | "FUNCTION" | "TRIGGER" | "EVENT"))
}

fn is_copy_from_stdin(statement: &str) -> bool {
    head_words(statement, 1).first().is_some_and(|w| w == "COPY")
        && statement.to_ascii_uppercase().contains("FROM STDIN")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str, dialect: Dialect) -> Vec<(ChunkKind, String, String)> {
        split(src, dialect).into_iter().map(|c| (c.kind, c.text.to_string(), c.start.to_string())).collect()
    }

    fn stmt(text: &str, at: &str) -> (ChunkKind, String, String) {
        (ChunkKind::Statement, text.to_string(), at.to_string())
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let src = "CREATE TABLE a (x text DEFAULT 'a;b'); -- c;d\n/* e; */ CREATE TABLE \"b;\" (y int);";
        assert_eq!(
            texts(src, Dialect::Postgres),
            vec![stmt("CREATE TABLE a (x text DEFAULT 'a;b')", "1:1"), stmt("CREATE TABLE \"b;\" (y int)", "2:10")]
        );
    }

    #[test]
    fn dollar_quoted_bodies_keep_their_semicolons() {
        let src = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nCREATE TABLE t (id int);";
        let chunks = texts(src, Dialect::Postgres);
        assert_eq!(chunks.len(), 2);
        assert!(chunks[0].1.ends_with("LANGUAGE sql"));
        assert_eq!(chunks[1], stmt("CREATE TABLE t (id int)", "2:1"));
    }

    #[test]
    fn positional_parameters_are_not_dollar_quotes() {
        let src = "PREPARE p AS SELECT $1; CREATE TABLE t (id int);";
        assert_eq!(texts(src, Dialect::Postgres).len(), 2);
    }

    #[test]
    fn psql_meta_commands_are_their_own_chunks() {
        let src = "\\connect shop\nCREATE TABLE t (id int);";
        let chunks = texts(src, Dialect::Postgres);
        assert_eq!(chunks[0], (ChunkKind::MetaCommand, "\\connect shop".to_string(), "1:1".to_string()));
        assert_eq!(chunks[1], stmt("CREATE TABLE t (id int)", "2:1"));
    }

    #[test]
    fn copy_data_is_kept_apart_from_statements() {
        let src = "COPY t (a, b) FROM stdin;\n1\tx;y\n2\tz\n\\.\nCREATE TABLE u (id int);";
        let chunks = texts(src, Dialect::Postgres);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[1].0, ChunkKind::CopyData);
        assert_eq!(chunks[2], stmt("CREATE TABLE u (id int)", "5:1"));
    }

    #[test]
    fn a_delimiter_never_switched_back_still_runs_each_statement_as_the_client_does() {
        // Cacti's cacti.sql: `DELIMITER //` once, a routine, then tables to the end of the file.
        let src = "DELIMITER //\nCREATE FUNCTION f(x int) RETURNS int DETERMINISTIC BEGIN DECLARE y int; SET y = x; RETURN y; END //\n\
                   CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";
        let chunks = split(src, Dialect::MySql);
        let statements: Vec<&str> = chunks.iter().filter(|c| c.kind == ChunkKind::Statement).map(|c| c.text).collect();
        assert_eq!(statements.len(), 3, "{statements:?}");
        assert!(statements[0].starts_with("CREATE FUNCTION") && statements[0].ends_with("END"));
        assert_eq!(statements[1], "CREATE TABLE a (id int)");
        assert_eq!(statements[2], "CREATE TABLE b (id int)");
        assert_eq!(chunks.last().map(|c| c.start.to_string()), Some("4:1".to_string()));
    }

    #[test]
    fn mysql_delimiter_blocks_are_followed() {
        let src = "DELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END;;\nDELIMITER ;\nCREATE TABLE b (id int);";
        let chunks = texts(src, Dialect::MySql);
        let kinds: Vec<ChunkKind> = chunks.iter().map(|c| c.0).collect();
        assert_eq!(kinds, vec![ChunkKind::Delimiter, ChunkKind::Statement, ChunkKind::Delimiter, ChunkKind::Statement]);
        assert!(chunks[1].1.ends_with("END"));
        assert_eq!(chunks[3], stmt("CREATE TABLE b (id int)", "4:1"));
    }

    #[test]
    fn sqlite_trigger_bodies_keep_their_semicolons() {
        let src = "CREATE TRIGGER tr AFTER UPDATE ON a BEGIN UPDATE a SET n = CASE WHEN 1 THEN 2 END; DELETE FROM b; END;\nCREATE TABLE c (id);";
        let chunks = texts(src, Dialect::Sqlite);
        assert_eq!(chunks.len(), 2, "{chunks:?}");
        assert_eq!(chunks[1], stmt("CREATE TABLE c (id)", "2:1"));
    }

    #[test]
    fn hash_comments_are_skipped_in_mysql_and_sqlite_only() {
        let src = "# note; here\nCREATE TABLE a (id int # the key; really\n);";
        assert_eq!(texts(src, Dialect::Sqlite).len(), 1);
        assert_eq!(texts(src, Dialect::MySql).len(), 1);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = "-- é\n  CREATE TABLE ü (id int); CREATE TABLE v (id int);";
        let chunks = split(src, Dialect::Postgres);
        assert_eq!(chunks[1].start, Span::new(2, 28));
    }

    #[test]
    fn unterminated_constructs_end_at_end_of_input() {
        for src in ["CREATE TABLE t (x text DEFAULT 'oops", "SELECT $$ never closed", "/* open", "\"a"] {
            let chunks = split(src, Dialect::Postgres);
            assert!(chunks.len() <= 1, "{src}: {chunks:?}");
        }
    }
}
