//! The MySQL and MariaDB servers a plan can target, and what each can do online: every fact
//! the recipes depend on that differs between servers and versions lives here, so a reader
//! sees the differences in one place (`../shared/design/mysql-online-ddl.md`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub enum MySqlServer {
    /// MySQL 8.0, a release from 8.0.29 on (instant add and drop at any position).
    #[serde(rename = "mysql-8.0")]
    MySql80,
    #[default]
    #[serde(rename = "mysql-8.4")]
    MySql84,
    #[serde(rename = "mariadb-10.11")]
    MariaDb1011,
    #[serde(rename = "mariadb-11.4")]
    MariaDb114,
}

impl MySqlServer {
    pub const ALL: [MySqlServer; 4] =
        [MySqlServer::MySql80, MySqlServer::MySql84, MySqlServer::MariaDb1011, MySqlServer::MariaDb114];

    /// `mysql-8.4`, as the CLI and links spell it.
    pub fn id(self) -> &'static str {
        match self {
            MySqlServer::MySql80 => "mysql-8.0",
            MySqlServer::MySql84 => "mysql-8.4",
            MySqlServer::MariaDb1011 => "mariadb-10.11",
            MySqlServer::MariaDb114 => "mariadb-11.4",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MySqlServer::MySql80 => "MySQL 8.0",
            MySqlServer::MySql84 => "MySQL 8.4",
            MySqlServer::MariaDb1011 => "MariaDB 10.11",
            MySqlServer::MariaDb114 => "MariaDB 11.4",
        }
    }

    pub fn parse(text: &str) -> Option<MySqlServer> {
        let t = text.trim().to_ascii_lowercase().replace(' ', "-");
        MySqlServer::ALL.into_iter().find(|s| s.id() == t || s.id().replace('-', "") == t.replace('-', ""))
    }

    /// The server a dump was taken from, from its header (`-- MariaDB dump`, `/*M!` comments
    /// that only MariaDB's tools write); MySQL 8.4 otherwise.
    pub fn detect(source: &str) -> MySqlServer {
        let head: String = source.chars().take(4096).collect();
        if head.to_ascii_lowercase().contains("mariadb") || head.contains("/*M!") {
            MySqlServer::MariaDb1011
        } else {
            MySqlServer::MySql84
        }
    }

    pub fn is_mariadb(self) -> bool {
        matches!(self, MySqlServer::MariaDb1011 | MySqlServer::MariaDb114)
    }

    /// `ALTER TABLE t WAIT n`: MariaDB's own bound on the metadata lock wait, on top of
    /// `lock_wait_timeout`.
    pub fn has_wait_clause(self) -> bool {
        self.is_mariadb()
    }

    /// ALGORITHM=COPY with LOCK=NONE (MariaDB 11.2 and later): a table copy that lets writes go
    /// on, except on tables with cascading foreign keys.
    pub fn online_copy(self) -> bool {
        self == MySqlServer::MariaDb114
    }

    /// `CREATE OR REPLACE TRIGGER` / `PROCEDURE` / `FUNCTION` (MariaDB): a definition replaced in
    /// one statement. MySQL drops and creates, with a moment in between.
    pub fn create_or_replace(self) -> bool {
        self.is_mariadb()
    }

    /// MariaDB cannot make a TIMESTAMP column NOT NULL in place ("cannot convert NULL to
    /// non-constant DEFAULT", seen on 10.11): it copies the table.
    pub fn timestamp_not_null_copies(self) -> bool {
        self.is_mariadb()
    }

    /// MySQL counts instant ADD/DROP COLUMN per table in row versions, at most 64; past that the
    /// ALTER fails and the table must be rebuilt (`OPTIMIZE TABLE`). MariaDB has no such cap.
    pub fn instant_row_versions(self) -> Option<u32> {
        (!self.is_mariadb()).then_some(64)
    }

    /// MySQL 8.4 refuses a foreign key whose referenced columns are not a whole PRIMARY KEY or
    /// UNIQUE key (`restrict_fk_on_non_standard_key`, on by default).
    pub fn fk_needs_unique_parent(self) -> bool {
        self == MySqlServer::MySql84
    }
}

/// How an ALTER runs: written out on every ALTER, so the server refuses (error 1845/1846)
/// instead of silently falling back to a blocking copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Metadata only.
    Instant,
    /// INPLACE, LOCK=NONE: reads and writes go on; a brief exclusive metadata lock at the
    /// start and the end (the table may be rebuilt in place meanwhile).
    InplaceNone,
    /// INPLACE, LOCK=SHARED: reads go on, writes wait.
    InplaceShared,
    /// COPY, LOCK=NONE (MariaDB 11.2+): the table is copied while writes go on.
    CopyNone,
    /// COPY, LOCK=SHARED: the table is copied, writes wait for the whole copy.
    CopyShared,
}

impl Algorithm {
    pub fn clause(self) -> &'static str {
        match self {
            Algorithm::Instant => "ALGORITHM=INSTANT",
            Algorithm::InplaceNone => "ALGORITHM=INPLACE, LOCK=NONE",
            Algorithm::InplaceShared => "ALGORITHM=INPLACE, LOCK=SHARED",
            Algorithm::CopyNone => "ALGORITHM=COPY, LOCK=NONE",
            Algorithm::CopyShared => "ALGORITHM=COPY, LOCK=SHARED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_parse_from_their_ids_and_dumps_name_theirs() {
        for s in MySqlServer::ALL {
            assert_eq!(MySqlServer::parse(s.id()), Some(s));
        }
        assert_eq!(MySqlServer::parse("MariaDB 10.11"), Some(MySqlServer::MariaDb1011));
        assert_eq!(MySqlServer::parse("oracle"), None);
        assert_eq!(MySqlServer::detect("-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB"), MySqlServer::MariaDb1011);
        assert_eq!(MySqlServer::detect("-- MySQL dump 10.13  Distrib 8.0.36"), MySqlServer::MySql84);
    }
}
