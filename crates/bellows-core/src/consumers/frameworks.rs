//! What the application changes, per framework: for each change the application sees, the code a
//! team on Rails, Django, Prisma or SQLAlchemy writes, and the stage it ships with.
//!
//! The plan keeps v1 working until Contract, so every snippet here belongs to v2, which ships at
//! Switch. Snippets that must be live before Contract runs (an ORM that caches a table's columns
//! breaks when one is dropped under it) say so. The ORM never runs the schema change itself:
//! Bellows' plan does, so a framework that keeps its own migration state is told about the change
//! without touching the database (Django's `SeparateDatabaseAndState`).

use crate::diff::{Change, ChangeSet};
use crate::model::split_qualified;
use crate::Schema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    Rails,
    Django,
    Prisma,
    SqlAlchemy,
    /// Plain SQL: the statements themselves change (`bellows queries` rewrites renames).
    Sql,
}

impl Framework {
    pub const ALL: [Framework; 5] =
        [Framework::Rails, Framework::Django, Framework::Prisma, Framework::SqlAlchemy, Framework::Sql];

    pub fn label(self) -> &'static str {
        match self {
            Framework::Rails => "Rails (ActiveRecord)",
            Framework::Django => "Django",
            Framework::Prisma => "Prisma",
            Framework::SqlAlchemy => "SQLAlchemy",
            Framework::Sql => "plain SQL",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "rails" | "activerecord" => Some(Framework::Rails),
            "django" => Some(Framework::Django),
            "prisma" => Some(Framework::Prisma),
            "sqlalchemy" => Some(Framework::SqlAlchemy),
            "sql" => Some(Framework::Sql),
            _ => None,
        }
    }
}

/// When a snippet ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ships {
    /// With v2, at Switch.
    AtSwitch,
    /// With v2 at Switch, and live everywhere before Contract starts.
    BeforeContract,
}

impl Ships {
    pub fn label(self) -> &'static str {
        match self {
            Ships::AtSwitch => "ships with v2 at Switch",
            Ships::BeforeContract => "ships with v2 at Switch; must be live everywhere before Contract runs",
        }
    }
}

/// One change the application makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// The schema change it answers: `rename column authors.name -> full_name`.
    pub change: String,
    pub ships: Ships,
    /// The code, in the framework's language.
    pub code: String,
    /// Why, in a sentence.
    pub why: String,
}

/// `authors` -> `Author`, `order_items` -> `OrderItem`, `categories` -> `Category`: the model
/// name a framework's generator would give the table.
pub fn model_name(table: &str) -> String {
    let short = split_qualified(table).1;
    let singular = if let Some(stem) = short.strip_suffix("ies") {
        format!("{stem}y")
    } else if short.ends_with("sses") || short.ends_with("xes") || short.ends_with("ches") || short.ends_with("shes") {
        short[..short.len() - 2].to_string()
    } else if short.ends_with('s') && !short.ends_with("ss") && !short.ends_with("us") {
        short[..short.len() - 1].to_string()
    } else {
        short.to_string()
    };
    singular
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// `full_name` -> `fullName` (Prisma's field names).
fn camel(name: &str) -> String {
    let mut out = String::new();
    for (i, part) in name.split('_').filter(|p| !p.is_empty()).enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            let mut chars = part.chars();
            if let Some(c) = chars.next() {
                out.extend(c.to_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

/// The snippets for every change of `changes` (from `base`) the application sees. A partition is
/// not a model: the application reads and writes its parent, so a partition's changes need none.
pub fn snippets(changes: &ChangeSet, base: &Schema, framework: Framework) -> Vec<Snippet> {
    let partition = |table: &str| base.find_table(table).is_some_and(|t| t.partition_of.is_some());
    let mut out = Vec::new();
    for change in &changes.changes {
        let on = match change {
            Change::RenameColumn { table, .. } | Change::DropColumn { table, .. } | Change::DropTable { table } => {
                table
            }
            Change::RenameTable { from, .. } => from,
            _ => continue,
        };
        if partition(on) {
            continue;
        }
        let (describe, ships, code, why) = match change {
            Change::RenameColumn { table, from, to } => {
                let model = model_name(table);
                let app = split_qualified(table).1;
                let code = match framework {
                    Framework::Rails => format!(
                        "class {model} < ApplicationRecord\n  # v2 reads and writes `{to}`; code that still says `{from}` keeps working\n  alias_attribute :{from}, :{to}\nend"
                    ),
                    Framework::Django => format!(
                        "# models.py: the field keeps its name, the column is the new one\n{from} = models.Field(db_column=\"{to}\")  # keep the field's type and options\n\n# the migration: Django records the rename, Bellows' plan makes it\nmigrations.SeparateDatabaseAndState(\n    state_operations=[migrations.AlterField(\"{}\", \"{from}\", models.Field(db_column=\"{to}\"))],\n    database_operations=[],\n)",
                        model.to_lowercase()
                    ),
                    Framework::Prisma => {
                        format!("model {model} {{\n  {} String @map(\"{to}\")  // keep the field's type and attributes\n}}", camel(from))
                    }
                    Framework::SqlAlchemy => format!(
                        "class {model}(Base):\n    __tablename__ = \"{app}\"\n    # the attribute keeps its name, the column is the new one\n    {from} = Column(\"{to}\", String, key=\"{from}\")  # keep the column's type"
                    ),
                    Framework::Sql => format!(
                        "-- every statement that names {app}.{from} names {to} instead\n-- (`bellows queries BASE.sql app.sql --target TARGET.sql --rename {app}.{from}={to}` writes them)"
                    ),
                };
                (
                    format!("rename column {table}.{from} -> {to}"),
                    Ships::AtSwitch,
                    code,
                    format!("v2 uses `{to}`; the old name lives until Contract for v1"),
                )
            }
            Change::RenameTable { from, to } => {
                let model = model_name(from);
                let new = split_qualified(to).1;
                let code = match framework {
                    Framework::Rails => format!("class {model} < ApplicationRecord\n  self.table_name = \"{new}\"\nend"),
                    Framework::Django => format!(
                        "class {model}(models.Model):\n    class Meta:\n        db_table = \"{new}\"\n\n# the migration: Django records the new table name, Bellows' plan makes it\nmigrations.SeparateDatabaseAndState(\n    state_operations=[migrations.AlterModelTable(\"{}\", \"{new}\")],\n    database_operations=[],\n)",
                        model.to_lowercase()
                    ),
                    Framework::Prisma => format!("model {model} {{\n  // fields unchanged\n  @@map(\"{new}\")\n}}"),
                    Framework::SqlAlchemy => format!("class {model}(Base):\n    __tablename__ = \"{new}\""),
                    Framework::Sql => format!("-- every statement that names {from} names {new} instead"),
                };
                (
                    format!("rename table {from} -> {to}"),
                    Ships::AtSwitch,
                    code,
                    format!("v2 uses `{new}`; v1 reads `{from}` through a compatibility view until Contract"),
                )
            }
            Change::DropColumn { table, column } => {
                let model = model_name(table);
                let app = split_qualified(table).1;
                let code = match framework {
                    Framework::Rails => format!(
                        "class {model} < ApplicationRecord\n  self.ignored_columns += [\"{column}\"]\nend"
                    ),
                    Framework::Django => format!(
                        "# models.py: remove the `{column}` field, then record it without touching the table\nmigrations.SeparateDatabaseAndState(\n    state_operations=[migrations.RemoveField(\"{}\", \"{column}\")],\n    database_operations=[],\n)",
                        model.to_lowercase()
                    ),
                    Framework::Prisma => format!(
                        "model {model} {{\n  // remove the `{}` field; Bellows' Contract drops the column\n}}",
                        camel(column)
                    ),
                    Framework::SqlAlchemy => format!(
                        "class {model}(Base):\n    __tablename__ = \"{app}\"\n    # remove the `{column}` attribute: SQLAlchemy selects only mapped columns"
                    ),
                    Framework::Sql => format!("-- no statement names {app}.{column} (nor relies on `*` including it)"),
                };
                (
                    format!("drop column {table}.{column}"),
                    Ships::BeforeContract,
                    code,
                    match framework {
                        Framework::Rails => "ActiveRecord caches a table's columns and names them all in INSERTs: a running process breaks once the column is gone unless it ignores it first".to_string(),
                        _ => format!("nothing in v2 may read or write `{column}` when Contract drops it"),
                    },
                )
            }
            Change::DropTable { table } => {
                let model = model_name(table);
                let code = match framework {
                    Framework::Rails => format!("# delete app/models/{}.rb and every use of {model}", snake(&model)),
                    Framework::Django => format!(
                        "# models.py: delete the {model} model, then record it without touching the table\nmigrations.SeparateDatabaseAndState(\n    state_operations=[migrations.DeleteModel(\"{model}\")],\n    database_operations=[],\n)"
                    ),
                    Framework::Prisma => format!("// delete `model {model}` and its relation fields"),
                    Framework::SqlAlchemy => format!("# delete class {model} and its relationships"),
                    Framework::Sql => format!("-- no statement names {table}"),
                };
                (
                    format!("drop table {table}"),
                    Ships::BeforeContract,
                    code,
                    format!("nothing in v2 may use `{table}` when Contract drops it"),
                )
            }
            _ => continue,
        };
        out.push(Snippet { change: describe, ships, code, why });
    }
    out
}

/// `OrderItem` -> `order_item`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(changes: Vec<Change>) -> ChangeSet {
        ChangeSet { changes, suggestions: Vec::new() }
    }

    #[test]
    fn model_names_follow_the_generators() {
        assert_eq!(model_name("authors"), "Author");
        assert_eq!(model_name("public.order_items"), "OrderItem");
        assert_eq!(model_name("categories"), "Category");
        assert_eq!(model_name("addresses"), "Address");
        assert_eq!(model_name("status"), "Status");
        assert_eq!(camel("full_name"), "fullName");
        assert_eq!(snake("OrderItem"), "order_item");
    }

    #[test]
    fn a_rename_and_a_drop_per_framework() {
        let changes = set(vec![
            Change::RenameColumn { table: "authors".into(), from: "name".into(), to: "full_name".into() },
            Change::DropColumn { table: "authors".into(), column: "bio".into() },
            Change::AddColumn { table: "authors".into(), column: "x".into() },
        ]);
        let base = Schema::default();
        let rails = snippets(&changes, &base, Framework::Rails);
        assert_eq!(rails.len(), 2, "an added nullable column needs nothing: {rails:?}");
        assert!(rails[0].code.contains("alias_attribute :name, :full_name"));
        assert_eq!(rails[0].ships, Ships::AtSwitch);
        assert!(rails[1].code.contains("self.ignored_columns += [\"bio\"]"));
        assert_eq!(rails[1].ships, Ships::BeforeContract);
        let django = snippets(&changes, &base, Framework::Django);
        assert!(django[0].code.contains("db_column=\"full_name\""));
        assert!(django[0].code.contains("SeparateDatabaseAndState"));
        assert!(django[1].code.contains("migrations.RemoveField(\"author\", \"bio\")"));
        let prisma = snippets(&changes, &base, Framework::Prisma);
        assert!(prisma[0].code.contains("name String @map(\"full_name\")"));
        let alchemy = snippets(&changes, &base, Framework::SqlAlchemy);
        assert!(alchemy[0].code.contains("name = Column(\"full_name\", String, key=\"name\")"));
        let table = snippets(
            &set(vec![Change::RenameTable { from: "authors".into(), to: "writers".into() }]),
            &base,
            Framework::Prisma,
        );
        assert!(table[0].code.contains("@@map(\"writers\")"));
    }

    #[test]
    fn a_dropped_partition_needs_no_model_change() {
        let base = crate::import(
            "CREATE TABLE payment (id int, paid date) PARTITION BY RANGE (paid);\n\
             CREATE TABLE payment_p2017 PARTITION OF payment FOR VALUES FROM ('2017-01-01') TO ('2018-01-01');",
            Some(crate::Dialect::Postgres),
        )
        .schema;
        let changes = set(vec![
            Change::DropTable { table: "payment_p2017".into() },
            Change::DropColumn { table: "payment".into(), column: "paid".into() },
        ]);
        let out = snippets(&changes, &base, Framework::Rails);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].change, "drop column payment.paid");
    }
}
