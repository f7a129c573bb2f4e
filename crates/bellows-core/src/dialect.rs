//! The SQL dialects Bellows reads and writes, and detection of the dialect from a DDL text.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    #[default]
    Postgres,
    /// MySQL and MariaDB.
    MySql,
    Sqlite,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

    /// Short, stable identifier used in URLs, CLI flags and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::MySql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL / MariaDB",
            Dialect::Sqlite => "SQLite",
        }
    }

    /// Accepts the id and the common spellings (`pg`, `postgresql`, `mariadb`, `sqlite3`).
    pub fn parse(name: &str) -> Option<Dialect> {
        match name.trim().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::MySql),
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            _ => None,
        }
    }

    /// Guesses the dialect of a DDL text from tell-tale constructs. Each dialect gets points for
    /// spellings only it uses; ties go to PostgreSQL, the primary dialect.
    pub fn detect(sql: &str) -> Dialect {
        let [postgres, mysql, sqlite] = Self::scores(sql);
        if mysql > postgres && mysql >= sqlite {
            Dialect::MySql
        } else if sqlite > postgres && sqlite > mysql {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        }
    }

    /// Tell-tale points for each dialect, in the order of [`Dialect::ALL`].
    pub fn scores(sql: &str) -> [usize; 3] {
        // Only the head of a large dump is needed to decide, and scanning it is linear.
        let head: String = sql.chars().take(200_000).collect::<String>().to_ascii_lowercase();
        let count = |needle: &str| head.matches(needle).count();
        let mysql = count("engine=") * 3
            + count("engine =") * 3
            + count("auto_increment") * 2
            + count('`'.to_string().as_str()).min(20)
            + count("/*!") * 3
            + count("unsigned") * 2
            + count("delimiter ")
            + count("default charset") * 3;
        let postgres = count("::") * 2
            + count("$$") * 2
            + count("serial") * 2
            + count("create extension") * 5
            + count("owner to") * 3
            + count("set search_path") * 5
            + count("jsonb") * 2
            + count("timestamptz") * 2
            + count("with time zone") * 2
            + count("create sequence") * 2
            + count("bytea") * 2
            + count("\\connect") * 5;
        let sqlite = count("autoincrement") * 3
            + count("without rowid") * 5
            + count("pragma ") * 3
            + count("create virtual table") * 5
            + count("sqlite_") * 3
            + count("begin transaction") * 2
            + count("create table [") * 3
            + count("integer primary key") * 2
            // `datetime` and `tinyint` are MySQL's or SQLite's; without MySQL's engine clauses
            // they point to SQLite.
            + if count("engine") == 0 { (count(" datetime") + count(" tinyint")).min(10) } else { 0 }
            + count(" for each row begin") * 3;
        [postgres, mysql, sqlite]
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_dialect_from_its_tell_tales() {
        assert_eq!(Dialect::detect("CREATE TABLE t (id int AUTO_INCREMENT) ENGINE=InnoDB;"), Dialect::MySql);
        assert_eq!(Dialect::detect("CREATE TABLE t (id serial, j jsonb);"), Dialect::Postgres);
        assert_eq!(
            Dialect::detect("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID;"),
            Dialect::Sqlite
        );
        assert_eq!(Dialect::detect("CREATE TABLE t (id int);"), Dialect::Postgres);
    }

    #[test]
    fn parses_common_spellings() {
        assert_eq!(Dialect::parse("PG"), Some(Dialect::Postgres));
        assert_eq!(Dialect::parse("mariadb"), Some(Dialect::MySql));
        assert_eq!(Dialect::parse("sqlite3"), Some(Dialect::Sqlite));
        assert_eq!(Dialect::parse("oracle"), None);
    }
}
