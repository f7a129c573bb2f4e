//! Writes the MySQL twin of a PostgreSQL fixture: `cargo run -p bellows-verify --example
//! mysql_twin -- tests/fixtures/rename-column` creates `tests/fixtures/mysql-rename-column`,
//! its before.sql and after.sql rendered as MySQL DDL by the core, and its case.toml with
//! `dialect = "mysql"` and the same renames and resolutions. The twin is a starting point,
//! read and committed like any fixture.

use bellows_core::render::{schema_sql, DdlOptions};
use bellows_core::{import, Dialect};
use std::path::Path;

fn main() -> Result<(), String> {
    let dir = std::env::args().nth(1).ok_or("usage: mysql_twin FIXTURE_DIR")?;
    let dir = Path::new(&dir);
    let name = dir.file_name().and_then(|n| n.to_str()).ok_or("a fixture folder")?;
    let out = dir.parent().ok_or("a fixture folder")?.join(format!("mysql-{name}"));
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    for file in ["before.sql", "after.sql"] {
        let text = std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let schema = import(&text, Some(Dialect::Postgres)).schema;
        let ddl = schema_sql(&schema, DdlOptions { source: Dialect::Postgres, target: Dialect::MySql });
        std::fs::write(out.join(file), ddl).map_err(|e| e.to_string())?;
    }
    let case = std::fs::read_to_string(dir.join("case.toml")).unwrap_or_default();
    let rest: String = case.lines().filter(|l| !l.starts_with("dialect")).map(|l| format!("{l}\n")).collect();
    std::fs::write(out.join("case.toml"), format!("dialect = \"mysql\"\n{rest}")).map_err(|e| e.to_string())?;
    println!("{}", out.display());
    Ok(())
}
