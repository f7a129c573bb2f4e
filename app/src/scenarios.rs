//! Workshop scenarios: a base schema, the target as edits a user would make on the canvas,
//! and a short explanation of the pattern. Written for Bellows, so they can be bundled.

use bellows_core::consumers::{Consumer, ConsumerKind};
use bellows_core::edit::{next_ids, Edit};
use bellows_core::share::Design;
use bellows_core::{import, ColumnId, Dialect, Schema, TableId};

#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub id: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
    pub source: &'static str,
    edits: fn(&Schema) -> Vec<Edit>,
    /// The application's queries: (name, kind, owner, SQL).
    consumers: &'static [(&'static str, ConsumerKind, &'static str, &'static str)],
}

impl Scenario {
    /// The design: base text plus the edits, made against the base's own ids.
    pub fn design(&self) -> Design {
        let base = import(self.source, Some(Dialect::Postgres)).schema;
        let mut design = Design::new(self.source);
        design.edits = (self.edits)(&base);
        design.consumers = self
            .consumers
            .iter()
            .map(|&(name, kind, owner, sql)| Consumer { name: name.into(), kind, owner: owner.into(), sql: sql.into() })
            .collect();
        design
    }
}

const SHOP: &str = include_str!("examples/shop.pg.sql");

const ORDERS: &str = "-- Orders of a small shop.
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    street text,
    city text,
    postcode text
);

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    quantity integer NOT NULL,
    total numeric(10,2) NOT NULL
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);

CREATE TABLE clients (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    street text,
    city text
);
";

/// The same customer kept in two tables, one of them unique by email.
const CUSTOMERS: &str = "-- A shop that took over another's client list.
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    phone text,
    city text
);

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    total numeric(10,2) NOT NULL
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);

CREATE TABLE clients (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    phone text,
    city text
);
";

/// A reporting job's queries over ORDERS (sqlc's annotations name them).
const CURRENCIES: &str = "-- Orders that each repeat their customer's currency.
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL
);

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    currency char(3),
    total numeric(10,2) NOT NULL
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
";

const REPORTS: &str = "-- name: DailySales :many
SELECT date_trunc('day', created_at) AS day, sum(total) AS sales
FROM orders
WHERE created_at >= $1
GROUP BY 1
ORDER BY 1;

-- name: CustomerOrders :many
SELECT o.id, o.created_at, o.total
FROM orders o
WHERE o.customer_id = $1;

-- name: CustomerEmails :many
SELECT email FROM customers;
";

fn id(base: &Schema, table: &str, column: &str) -> (TableId, ColumnId) {
    let t = base.find_table(table);
    (t.map_or(TableId(0), |t| t.id), t.and_then(|t| t.column(column)).map_or(ColumnId(0), |c| c.id))
}

pub const ALL: &[Scenario] = &[
    Scenario {
        id: "shop",
        title: "A shop with debt (start here)",
        explanation: "A real-looking schema with the debt teams find: a table without a primary key, money in floats, timestamps without time zone, a serial key that can overflow. Open the Audit tab, then change the schema on the canvas and watch the plan.",
        source: SHOP,
        edits: |_| Vec::new(),
        consumers: &[],
    },
    Scenario {
        id: "rename-column",
        title: "Rename a column",
        explanation: "orders.created_at becomes placed_at. A plain RENAME breaks the running version at once; the plan adds placed_at, keeps both in step with a trigger, backfills, lets v2 switch, and drops the old column only in Contract. The Consumers tab holds a reporting job whose queries read created_at: they stop working at Contract, and the tab shows them rewritten for placed_at.",
        source: ORDERS,
        edits: |b| {
            let (t, c) = id(b, "orders", "created_at");
            vec![Edit::RenameColumn { table: t, column: c, to: "placed_at".into() }]
        },
        consumers: &[("daily sales report", ConsumerKind::Job, "data team", REPORTS)],
    },
    Scenario {
        id: "change-type",
        title: "Change a column's type",
        explanation: "orders.quantity goes from integer to bigint. ALTER COLUMN TYPE would rewrite the table under ACCESS EXCLUSIVE; the plan builds a new column, syncs it with a trigger, backfills in batches and swaps in Contract.",
        source: ORDERS,
        edits: |b| {
            let (t, c) = id(b, "orders", "quantity");
            vec![Edit::SetType { table: t, column: c, data_type: "bigint".into() }]
        },
        consumers: &[],
    },
    Scenario {
        id: "add-not-null",
        title: "Add a NOT NULL column",
        explanation: "customers gets a required country. With a constant default PostgreSQL 11+ adds it without a rewrite; the NOT NULL rule is held by a NOT VALID check, validated without blocking writes, then made a real NOT NULL.",
        source: ORDERS,
        edits: |b| {
            let (t, _) = id(b, "customers", "id");
            let (_, c) = next_ids(b, &[]);
            vec![
                Edit::AddColumn { table: t, column: c, name: "country".into(), data_type: "text".into(), nullable: false },
                Edit::SetDefault { table: t, column: c, default: Some("'unknown'".into()) },
            ]
        },
        consumers: &[],
    },
    Scenario {
        id: "split-table",
        title: "Split a table",
        explanation: "The address moves out of customers into its own addresses table. The plan creates the table, keeps both places in step with triggers (v1 writes customers, v2 writes addresses), copies the existing addresses in batches, verifies the copy before Switch, and drops the old columns with the triggers in Contract.",
        source: ORDERS,
        edits: |b| {
            let (customers, street) = id(b, "customers", "street");
            let (_, city) = id(b, "customers", "city");
            let (_, postcode) = id(b, "customers", "postcode");
            let (_, customer_key) = id(b, "customers", "id");
            let (t, k) = next_ids(b, &[]);
            let col = |n: u32| ColumnId(k.0 + n);
            vec![
                Edit::AddTable { table: t, name: "addresses".into(), key: k },
                Edit::AddColumn { table: t, column: col(1), name: "customer_id".into(), data_type: "bigint".into(), nullable: false },
                Edit::AddColumn { table: t, column: col(2), name: "street".into(), data_type: "text".into(), nullable: true },
                Edit::AddColumn { table: t, column: col(3), name: "city".into(), data_type: "text".into(), nullable: true },
                Edit::AddForeignKey { table: t, column: col(1), ref_table: customers, ref_column: customer_key },
                Edit::AddIndex { table: t, column: col(1) },
                Edit::DropColumn { table: customers, column: street },
                Edit::DropColumn { table: customers, column: city },
                Edit::DropColumn { table: customers, column: postcode },
            ]
        },
        consumers: &[],
    },
    Scenario {
        id: "foreign-key-orphans",
        title: "Add a foreign key to data with orphans",
        explanation: "orders.customer_id gets the foreign key it always needed. Existing orders may point at deleted customers: the plan counts them first, adds the key NOT VALID (new rows are checked at once), and validates without blocking writes once the orphans are resolved; by default it stops rather than delete anything.",
        source: ORDERS,
        edits: |b| {
            let (orders, customer_id) = id(b, "orders", "customer_id");
            let (customers, key) = id(b, "customers", "id");
            vec![Edit::AddForeignKey { table: orders, column: customer_id, ref_table: customers, ref_column: key }]
        },
        consumers: &[],
    },
    Scenario {
        id: "merge-tables",
        title: "Merge two tables that hold the same entity",
        explanation: "clients duplicates customers (the Audit tab flags it), and the target merges it into customers, matched on the email customers keeps unique (drop one card on the other to make such a merge). Expand adds a trigger that copies every client the old version writes into customers, a client whose email is a customer's keeping the customer's row; Backfill copies the existing clients in batches; before Switch a count proves every client has its customer. Switch puts a view named clients over customers in its place, so the old version keeps working until Contract drops it.",
        source: CUSTOMERS,
        edits: |b| {
            let (clients, _) = id(b, "clients", "id");
            let (customers, email) = id(b, "customers", "email");
            vec![Edit::MergeTable { table: clients, into: customers, on: vec![email], map: vec![], from_wins: false }]
        },
        consumers: &[],
    },
    Scenario {
        id: "move-column",
        title: "Move a column to the table it belongs to",
        explanation: "Every order repeats its customer's currency; the target keeps it once, on customers (the inspector's \"Move a column\"). Before Backfill a pre-check counts the orders whose currency disagrees with another order of the same customer, and the plan stops there unless told that each customer takes its first order's currency. Expand adds triggers that keep one value per customer while both versions run: an order the old version writes carries its currency to the customer and to the customer's other orders, and an order the new version writes takes its customer's. Backfill fills the customers in batches, a count before Switch proves each has its currency, and Contract drops the triggers with orders.currency.",
        source: CURRENCIES,
        edits: |b| {
            let (orders, currency) = id(b, "orders", "currency");
            let (customers, _) = id(b, "customers", "id");
            vec![Edit::MoveColumn { table: orders, column: currency, into: customers }]
        },
        consumers: &[],
    },
];

pub fn find(id: &str) -> Option<&'static Scenario> {
    ALL.iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellows_core::analysis::analyze;

    #[test]
    fn every_scenario_applies_cleanly_and_plans_something() {
        for s in ALL {
            let a = analyze(&s.design());
            assert!(a.skipped_edits.is_empty(), "{}: {:?}", s.id, a.skipped_edits);
            assert!(a.base.errors().next().is_none(), "{}: import errors", s.id);
            if s.id != "shop" {
                assert!(!a.plan.is_empty(), "{}: empty plan", s.id);
            }
        }
        assert!(ALL.len() >= 7);
    }

    #[test]
    fn the_split_scenario_copies_the_moved_columns() {
        let a = analyze(&find("split-table").expect("scenario").design());
        assert!(
            a.plan.steps().any(|(_, s)| s.sql.iter().any(|q| q.starts_with("INSERT INTO addresses"))),
            "{:#?}",
            a.plan.changes
        );
        assert!(a.plan.verifications.iter().any(|v| v.sql.contains("addresses")));
    }

    #[test]
    fn the_merge_scenario_plans_the_copy_of_the_rows_and_no_data_step_is_left_to_the_user() {
        let s = find("merge-tables").expect("scenario");
        let mut base = s.design();
        base.edits.clear();
        let flagged = analyze(&base).audit.into_iter().filter(|f| f.rule.code() == "duplicate-entity");
        assert!(flagged.map(|f| f.message).any(|m| m.contains("clients")), "the Audit tab flags the twin");
        let a = analyze(&s.design());
        assert!(a.plan.changes.iter().any(|c| c.starts_with("merge table")), "{:?}", a.plan.changes);
        let sql: Vec<&String> = a.plan.steps().flat_map(|(_, s)| s.sql.iter()).collect();
        assert!(sql.iter().any(|q| q.contains("INSERT INTO customers")), "the rows are copied: {sql:#?}");
        assert!(sql.iter().any(|q| q.contains("CREATE VIEW clients")), "v1 keeps its table's name: {sql:#?}");
        assert!(a.plan.verifications.iter().any(|v| v.sql.contains("clients")), "counted before Switch");
        assert!(!s.explanation.contains("data step"), "{}", s.explanation);
    }

    #[test]
    fn the_move_scenario_counts_the_orders_that_disagree_and_keeps_one_value_per_customer() {
        let a = analyze(&find("move-column").expect("scenario").design());
        assert!(
            a.plan.changes.contains(&"move column orders.currency -> customers.currency".to_string()),
            "{:?}",
            a.plan.changes
        );
        assert!(a.plan.prechecks.iter().any(|c| c.title.contains("disagrees")), "{:?}", a.plan.prechecks);
        let sql: Vec<&String> = a.plan.steps().flat_map(|(_, s)| s.sql.iter()).collect();
        assert!(
            sql.iter().any(|q| q.contains("UPDATE orders SET currency = NEW.currency")),
            "siblings kept in step: {sql:#?}"
        );
        assert!(a.plan.notes.is_empty(), "{:?}", a.plan.notes);
    }

    #[test]
    fn the_rename_scenario_plans_the_rename_recipe() {
        let a = analyze(&find("rename-column").expect("scenario").design());
        assert_eq!(a.plan.changes, vec!["rename column orders.created_at -> placed_at".to_string()]);
        assert!(a.plan.steps().any(|(_, s)| s.sql.iter().any(|q| q.contains("CREATE TRIGGER"))));
    }
}
