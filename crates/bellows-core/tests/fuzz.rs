//! Mutation fuzzing of the importer (and the exporter behind it): arbitrary and mutated DDL must
//! never panic, and no input may take longer than a second.
//!
//! Seeds are hand-written statements plus slices of the real corpora when present. Mutations
//! are byte-level (flip, insert, delete, duplicate, splice) and token-level (unbalanced quotes,
//! parentheses, comment and dollar-quote openers, deep nesting). The generator is a fixed-seed
//! xorshift, so a failure names the iteration that reproduces it.

mod support;

use bellows_core::render::{schema_sql, DdlOptions};
use bellows_core::{import, Dialect};
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const SEEDS: &[&str] = &[
    "CREATE TABLE a (id int PRIMARY KEY, b_id int REFERENCES b(id) ON DELETE CASCADE, note text DEFAULT 'x');",
    "ALTER TABLE ONLY public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);",
    "CREATE UNIQUE INDEX CONCURRENTLY i ON a USING gin (lower(name)) WHERE deleted IS NULL;",
    "CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN RETURN NEW; END; $body$ LANGUAGE plpgsql;",
    "COPY a (id, note) FROM stdin;\n1\tx\n\\.\n",
    "DELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END;;\nDELIMITER ;\n",
    "/*!40101 SET NAMES utf8 */; CREATE TABLE `t` (`id` int(11) NOT NULL AUTO_INCREMENT, KEY `k` (`id`)) ENGINE=InnoDB;",
    "CREATE TABLE [t] (\"x\" TEXT, y, # comment\n z BLOB SUB_TYPE TEXT) WITHOUT ROWID;",
    "CREATE TYPE mood AS ENUM ('a', 'b'); CREATE VIEW v AS SELECT * FROM a JOIN b ON a.id = b.id;",
    "CREATE TABLE p PARTITION OF q FOR VALUES FROM (1) TO (2); CREATE TABLE c (LIKE p INCLUDING ALL);",
    "ALTER SEQUENCE s OWNED BY a.id; SET search_path = x, public; COMMENT ON COLUMN a.id IS 'é ünïcode';",
];

const TOKENS: &[&str] = &[
    "'",
    "\"",
    "`",
    "(",
    ")",
    "$$",
    "$a$",
    "/*",
    "*/",
    "--",
    "#",
    ";",
    "\\",
    "\n",
    "E'\\'",
    "[",
    "]",
    "CREATE TABLE",
    "ALTER TABLE",
    "DELIMITER ",
    "BEGIN",
    "END",
    "COPY x FROM stdin;\n",
    "\u{0}",
    "é",
    "\u{200b}",
    "/*!",
    "::",
];

fn mutate(rng: &mut Rng, input: &str, pool: &[String]) -> String {
    let mut bytes = input.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(7) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
            2 if !bytes.is_empty() => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            3 => {
                let end = (at + rng.below(64)).min(bytes.len());
                let copy = bytes[at.min(end)..end].to_vec();
                bytes.splice(at..at, copy);
            }
            4 if !pool.is_empty() => {
                let other = pool[rng.below(pool.len())].as_bytes();
                let from = rng.below(other.len());
                let to = (from + rng.below(200)).min(other.len());
                bytes.splice(at..at, other[from..to].iter().copied());
            }
            5 => {
                let depth = 1 + rng.below(400);
                let nest = format!("{}1{}", "(".repeat(depth), ")".repeat(rng.below(depth + 1)));
                bytes.splice(at..at, nest.bytes());
            }
            _ => {
                let len = rng.below(12);
                let noise: Vec<u8> = (0..len).map(|_| (rng.next() & 0xff) as u8).collect();
                bytes.splice(at..at, noise);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn arbitrary_and_mutated_ddl_never_panics_or_hangs() {
    let mut pool: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
    if let Some(root) = support::corpora() {
        // Slices of real dumps (the first 4 KB of each) as extra seeds.
        for path in support::schema_files(&root).iter().step_by(3) {
            if let Ok(text) = std::fs::read_to_string(path) {
                let end = text.char_indices().nth(4096).map_or(text.len(), |(i, _)| i);
                pool.push(text[..end].to_string());
            }
        }
    }
    let iterations: usize = std::env::var("BELLOWS_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut slowest = Duration::ZERO;
    for iteration in 0..iterations {
        let seed = pool[rng.below(pool.len())].clone();
        let input = if rng.below(10) == 0 {
            let len = rng.below(300);
            (0..len).map(|_| TOKENS[rng.below(TOKENS.len())]).collect::<Vec<_>>().join(" ")
        } else {
            mutate(&mut rng, &seed, &pool)
        };
        let dialect = Dialect::ALL[rng.below(3)];
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| {
            let result = import(&input, if rng.0.is_multiple_of(4) { None } else { Some(dialect) });
            // Whatever was imported must also export without panicking.
            let _ = schema_sql(&result.schema, DdlOptions { source: result.dialect, target: dialect });
            result.diagnostics.len()
        });
        let took = started.elapsed();
        slowest = slowest.max(took);
        assert!(outcome.is_ok(), "iteration {iteration} panicked on {dialect:?} input:\n{input:?}");
        assert!(took < Duration::from_secs(1), "iteration {iteration} took {took:?} on input:\n{input:?}");
    }
    println!("fuzz: {iterations} inputs, slowest {slowest:?}");
}
