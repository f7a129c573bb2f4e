//! One test per construct that real dumps contain and that browser ER tools commonly lose.

use bellows_core::{import, Dialect, Identity, IndexPart, RefAction, Severity, Span, TypeKind};

fn pg(sql: &str) -> bellows_core::Import {
    import(sql, Some(Dialect::Postgres))
}

fn no_errors(result: &bellows_core::Import) {
    let errors: Vec<String> = result.errors().map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
}

#[test]
fn pg_dump_preamble_is_read_functions_and_extensions_kept_as_text() {
    let sql = "SET statement_timeout = 0;\n\
               SELECT pg_catalog.set_config('search_path', '', false);\n\
               CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;\n\
               CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated := now(); RETURN NEW;\nEND;\n$$;\n\
               CREATE TABLE public.t (id integer NOT NULL, updated timestamp with time zone DEFAULT now());\n\
               ALTER TABLE public.t OWNER TO app;\n\
               GRANT SELECT ON public.t TO reader;";
    let result = pg(sql);
    no_errors(&result);
    assert_eq!(result.schema.tables.len(), 1);
    let t = &result.schema.tables[0];
    assert_eq!(t.namespace, None, "public is the default namespace");
    assert_eq!(t.columns[1].default.as_ref().map(|d| (d.expr.as_str(), d.volatile)), Some(("now()", false)));
    assert_eq!(result.stats.applied, 5, "set_config, extension, function, CREATE TABLE and ALTER TABLE OWNER");
    assert_eq!(result.stats.skipped, 2, "{:#?}", result.diagnostics);
    let names: Vec<&str> = result.schema.extensions.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["pg_trgm"]);
    let touch = &result.schema.routines[0];
    assert_eq!((touch.namespace.as_deref(), touch.name.as_str(), touch.arguments.as_str()), (None, "touch", "()"));
    assert!(touch.definition.starts_with("CREATE FUNCTION public.touch()") && touch.definition.ends_with("$$"));
    assert!(result.diagnostics.iter().all(|d| d.severity == Severity::Info));
}

#[test]
fn alter_table_only_constraints_sequences_owned_by_and_defaults_are_applied() {
    let sql = "CREATE TABLE public.author (id integer NOT NULL, name text);\n\
               CREATE TABLE public.book (id bigint NOT NULL, author_id integer, isbn character varying(13));\n\
               CREATE SEQUENCE public.author_id_seq AS integer START WITH 1 INCREMENT BY 1;\n\
               ALTER SEQUENCE public.author_id_seq OWNED BY public.author.id;\n\
               ALTER TABLE ONLY public.author ALTER COLUMN id SET DEFAULT nextval('public.author_id_seq'::regclass);\n\
               ALTER TABLE ONLY public.author ADD CONSTRAINT author_pkey PRIMARY KEY (id);\n\
               ALTER TABLE ONLY public.book ADD CONSTRAINT book_isbn_key UNIQUE (isbn);\n\
               ALTER TABLE ONLY public.book\n    ADD CONSTRAINT book_author_fk FOREIGN KEY (author_id) REFERENCES public.author(id) ON DELETE CASCADE;\n\
               CREATE INDEX book_author_idx ON public.book USING btree (author_id);\n\
               CREATE UNIQUE INDEX book_lower_isbn ON public.book (lower((isbn)::text)) WHERE isbn IS NOT NULL;";
    let result = pg(sql);
    no_errors(&result);
    let author = result.schema.find_table("author").unwrap();
    assert_eq!(author.primary_key.as_ref().map(|k| k.name.as_deref()), Some(Some("author_pkey")));
    assert_eq!(author.columns[0].identity, Some(Identity::Serial));
    assert!(author.columns[0].default.as_ref().unwrap().volatile);
    assert_eq!(result.schema.sequences[0].owned_by.as_deref(), Some("author.id"));
    let book = result.schema.find_table("book").unwrap();
    assert_eq!(book.uniques[0].columns, ["isbn"]);
    let fk = &book.foreign_keys[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.as_slice(), fk.on_delete),
        ("author", &["id".to_string()][..], RefAction::Cascade)
    );
    assert_eq!(book.indexes.len(), 2);
    assert_eq!(book.indexes[0].method, None, "btree is the default");
    assert!(book.indexes[1].unique && book.indexes[1].predicate.is_some());
    assert!(matches!(book.indexes[1].parts[0], IndexPart::Expression { .. }));
    assert!(book.is_unique("isbn"));
}

#[test]
fn partitions_and_inheritance_carry_their_parent_columns() {
    let sql = "CREATE TABLE payment (id int NOT NULL, paid_at date NOT NULL, amount numeric(5,2)) PARTITION BY RANGE (paid_at);\n\
               CREATE TABLE payment_2024 PARTITION OF payment FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n\
               CREATE TABLE base_attr (id int, code text);\n\
               CREATE TABLE marc_attr (id int PRIMARY KEY, xpath text NOT NULL) INHERITS (base_attr);";
    let result = pg(sql);
    no_errors(&result);
    let part = result.schema.find_table("payment_2024").unwrap();
    assert_eq!(part.partition_of.as_deref(), Some("payment"));
    assert_eq!(part.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "paid_at", "amount"]);
    let child = result.schema.find_table("marc_attr").unwrap();
    assert_eq!(child.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "code", "xpath"]);
    assert!(!child.columns[0].nullable, "the re-declared column merges with the inherited one");
}

#[test]
fn a_view_defined_again_replaces_the_first_and_dollar_quoted_comments_are_read() {
    // Evergreen defines money.billable_xact_summary twice and writes its comments in $$.
    let r = pg(r#"CREATE SCHEMA money;
CREATE TABLE money.x (id int, amount numeric);
CREATE VIEW money.s AS SELECT id FROM money.x;
CREATE VIEW money.t AS SELECT id FROM money.s;
CREATE OR REPLACE VIEW money.s AS SELECT id, amount FROM money.x;
COMMENT ON TABLE money.x IS $$
Bills, one per
"transaction"; it's kept
$$;
COMMENT ON COLUMN money.x.amount IS $c$in cents$c$;"#);
    no_errors(&r);
    let names: Vec<&str> = r.schema.views.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["s", "t"], "one s, where it was first made");
    assert!(r.schema.views[0].definition.contains("amount"), "{}", r.schema.views[0].definition);
    let x = r.schema.find_table("money.x").expect("money.x");
    assert_eq!(x.comment.as_deref(), Some("\nBills, one per\n\"transaction\"; it's kept\n"));
    assert_eq!(x.column("amount").and_then(|c| c.comment.as_deref()), Some("in cents"));
    let same = bellows_core::diff::diff(&r.schema, &r.schema, &Default::default()).changes;
    assert!(same.is_empty(), "{same:?}");
}

#[test]
fn enums_views_comments_and_identity_are_modelled() {
    let sql = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n\
               CREATE TABLE person (id bigint GENERATED ALWAYS AS IDENTITY, name text, current_mood mood);\n\
               COMMENT ON TABLE person IS 'people we know';\n\
               COMMENT ON COLUMN person.name IS 'full name';\n\
               CREATE VIEW happy AS SELECT p.id, p.name FROM person p WHERE p.current_mood = 'happy';";
    let result = pg(sql);
    no_errors(&result);
    assert_eq!(result.schema.enums[0].labels, ["sad", "ok", "happy"]);
    let person = &result.schema.tables[0];
    assert_eq!(person.columns[0].identity, Some(Identity::Always));
    assert_eq!(person.comment.as_deref(), Some("people we know"));
    assert_eq!(person.columns[1].comment.as_deref(), Some("full name"));
    assert_eq!(person.columns[2].data_type.kind, TypeKind::Named { name: "mood".into() });
    let view = &result.schema.views[0];
    assert_eq!(view.reads, ["person"]);
    assert_eq!(view.columns_read, ["person.id", "person.name"]);
}

#[test]
fn unquoted_postgres_names_fold_to_lower_case_and_quoted_ones_keep_theirs() {
    let result = pg("CREATE TABLE Customer (ID int, \"FirstName\" text);");
    let t = &result.schema.tables[0];
    assert_eq!(t.name, "customer");
    assert_eq!(t.columns[0].name, "id");
    assert_eq!(t.columns[1].name, "FirstName");
}

#[test]
fn search_path_places_unqualified_tables() {
    let result = pg("SET search_path = cover_art_archive;\nCREATE TABLE art_type (id int);\nSET search_path = public;\nCREATE TABLE art_type (id int);");
    let names: Vec<String> = result.schema.tables.iter().map(|t| t.qualified_name()).collect();
    assert_eq!(names, ["cover_art_archive.art_type", "art_type"]);
}

#[test]
fn virtual_generated_columns_like_copies_and_owned_by_are_recovered_with_a_note() {
    let sql = "CREATE TABLE film (length smallint, hours numeric(4,2) GENERATED ALWAYS AS (round(length / 60.0, 2)) VIRTUAL);\n\
               CREATE TABLE film_copy (LIKE film INCLUDING ALL);";
    let result = pg(sql);
    no_errors(&result);
    let film = &result.schema.tables[0];
    assert_eq!(film.columns[1].generated.as_ref().map(|g| g.stored), Some(false));
    assert_eq!(result.schema.tables[1].columns.len(), 2);
    let recovered: Vec<Span> =
        result.diagnostics.iter().filter(|d| d.code == "recovered-statement").map(|d| d.span).collect();
    assert_eq!(recovered, [Span::new(1, 1), Span::new(2, 1)]);
}

#[test]
fn mysqldump_version_comments_engine_binary_and_auto_increment() {
    let sql = "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n\
               /*!40101 SET NAMES utf8mb4 */;\n\
               DROP TABLE IF EXISTS `users`;\n\
               /*!40101 SET @saved_cs_client     = @@character_set_client */;\n\
               CREATE TABLE `users` (\n\
                 `user_id` int(10) UNSIGNED NOT NULL AUTO_INCREMENT,\n\
                 `username` varchar(128) BINARY NOT NULL,\n\
                 `status` enum('on','off') NOT NULL DEFAULT 'on' COMMENT 'account state',\n\
                 PRIMARY KEY (`user_id`),\n\
                 UNIQUE KEY `username` (`username`),\n\
                 KEY `status_idx` (`status`)\n\
               ) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4;\n\
               LOCK TABLES `users` WRITE;\n\
               INSERT INTO `users` VALUES (1,'a','on');\n\
               UNLOCK TABLES;";
    let result = import(sql, None);
    assert_eq!(result.dialect, Dialect::MySql);
    no_errors(&result);
    let users = &result.schema.tables[0];
    assert_eq!(users.columns[0].identity, Some(Identity::AutoIncrement));
    assert_eq!(users.columns[1].data_type.kind, TypeKind::Varchar { length: Some(128) });
    assert_eq!(users.columns[2].comment.as_deref(), Some("account state"));
    assert_eq!(users.uniques[0].columns, ["username"]);
    assert_eq!(users.indexes[0].name.as_deref(), Some("status_idx"));
    assert!(result.diagnostics.iter().any(|d| d.code == "recovered-statement" && d.span == Span::new(5, 1)));
}

#[test]
fn mysql_delimiter_blocks_are_skipped_as_whole_statements() {
    let sql = "CREATE TABLE a (id int);\nDELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n  SET NEW.id = 1;\nEND;;\nDELIMITER ;\nCREATE TABLE b (id int);";
    let result = import(sql, Some(Dialect::MySql));
    no_errors(&result);
    assert_eq!(result.schema.tables.len(), 2);
}

#[test]
fn sqlite_typeless_columns_hash_comments_and_without_rowid() {
    let sql = "CREATE TABLE kv (\n  k PRIMARY KEY, # the key\n  v\n) WITHOUT ROWID;\n\
               CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB SUB_TYPE TEXT);";
    let result = import(sql, Some(Dialect::Sqlite));
    no_errors(&result);
    let kv = &result.schema.tables[0];
    assert!(kv.without_rowid);
    assert_eq!(kv.columns.len(), 2);
    assert_eq!(kv.columns[1].data_type.spelling, "");
    let log = &result.schema.tables[1];
    assert_eq!(log.columns[0].identity, Some(Identity::AutoIncrement));
    assert_eq!(log.columns[1].data_type.kind, TypeKind::Bytes);
}

#[test]
fn psql_meta_commands_and_copy_data_do_not_break_the_import() {
    let sql = "\\connect shop\nCREATE TABLE t (id int, note text);\nCOPY t (id, note) FROM stdin;\n1\tit's; fine\n\\.\nCREATE TABLE u (id int);";
    let result = pg(sql);
    no_errors(&result);
    assert_eq!(result.schema.tables.len(), 2);
    assert_eq!(result.diagnostics[0].code, "skipped-meta-command");
}

#[test]
fn a_broken_create_table_is_an_error_at_its_place_and_a_broken_function_is_only_a_skip() {
    let sql = "CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1 ROWS 0 WINDOW;\n\
               CREATE TABLE t (id int,\n  name text text);";
    let result = pg(sql);
    let errors: Vec<_> = result.errors().collect();
    assert_eq!(errors.len(), 1, "{:#?}", result.diagnostics);
    assert_eq!(errors[0].span.line, 3);
    assert_eq!(result.stats.failed, 1);
}

#[test]
fn a_mysql_file_that_never_switches_its_delimiter_back_loads_as_the_client_loads_it() {
    // Cacti's cacti.sql says `DELIMITER //` once, for a routine, and never `DELIMITER ;`: the
    // mysql client sends the rest as one text, which the server runs statement by statement.
    let sql = "DELIMITER //\n\
               CREATE FUNCTION `NOAUTOCREATENEEDED`() RETURNS int DETERMINISTIC\nBEGIN\n  DECLARE x int;\n  SET x = 1;\n  RETURN x;\nEND //\n\
               CREATE TABLE `aggregate_graph_templates` (\n  `id` int(10) unsigned NOT NULL auto_increment,\n  `name` varchar(64) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n\
               CREATE TABLE `aggregate_graphs` (\n  `id` int(10) unsigned NOT NULL auto_increment,\n  `aggregate_template_id` int(10) unsigned NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n\
               INSERT INTO `aggregate_graph_templates` VALUES (1, 'a');\n";
    let result = import(sql, Some(Dialect::MySql));
    no_errors(&result);
    let names: Vec<&str> = result.schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["aggregate_graph_templates", "aggregate_graphs"]);
    // Positions still point into the file: the second table starts on line 13.
    assert_eq!(result.schema.tables[1].span.line, 13);
}
