//! A design as a link: everything in the URL fragment, nothing sent anywhere.
//!
//! A link is `#d=<version>.<base64url(deflate(...))>`:
//! - **Version 2** (what links are now): the base as a model in a compact binary form (see
//!   [`wire`]), the edits, the hand-placed tables and the options, deflated against a preset
//!   dictionary. It does not carry the text the schema was read from, so a dump full of
//!   comments or INSERTs makes no longer a link than its tables do. Whoever opens it gets the
//!   same model, so the same edits apply and the same plan comes out; the source panel shows
//!   DDL regenerated from the model.
//! - **Version 3**: version 2 followed by the design's consumers (name, kind, owner, SQL); a
//!   design without consumers is still written as version 2.
//! - **Version 1**: the whole design as JSON, source text included. Links made before version 2
//!   still open, and design files (and the autosave) keep using it, because a file is where the
//!   original text travels.
//!
//! Decoding is defensive: a link is untrusted input (a stranger may paste one in chat), so it is
//! size-capped before and after inflating, its version is checked, and every failure is a
//! message, never a panic or a hang.

mod pack;
mod wire;

use crate::edit::Edit;
use crate::model::TableId;
use crate::plan::PlanOptions;
use crate::render::ddl::{schema_sql, DdlOptions};
use crate::{import, Dialect, Schema};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The newest link format this build writes (3 when a design has consumers, else 2); it reads
/// this one and every one before it.
pub const VERSION: u32 = 3;
/// The format of design files and the autosave: the whole design, source text included.
pub const FILE_VERSION: u32 = 1;
/// The longest fragment accepted (characters), and the largest design once inflated.
pub const MAX_LINK: usize = 2_000_000;
pub const MAX_INFLATED: usize = 8 * 1024 * 1024;
/// Links longer than this are hard to paste in chat: offer a file instead.
pub const COMFORTABLE_LINK: usize = 8_000;

/// Everything a design is: the base text, the edits that make the target, moved tables, the
/// plan's options, and whether the link opens read-only (workshops).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub source: String,
    /// The base as a model, when the design came from a link: links carry the model, not the
    /// text, and `source` then holds DDL regenerated from it (for reading; once the user edits
    /// that text, the text is the base again and this is `None`).
    /// In a design file it is written in the links' compact form, not as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "model_in_file")]
    pub model: Option<Schema>,
    /// `None`: detected from the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<Edit>,
    /// Tables placed by hand: (x, y). The rest follow the automatic layout.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub positions: BTreeMap<u32, (f64, f64)>,
    #[serde(default)]
    pub options: ShareOptions,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// The application's queries, checked at every stage of the plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumers: Vec<crate::consumers::Consumer>,
}

/// The plan options worth sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareOptions {
    pub pg_version: u32,
    /// The MySQL or MariaDB server a MySQL plan targets; `None`: the one the dump names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_server: Option<crate::plan::MySqlServer>,
    pub lock_timeout_ms: u32,
    pub batch_size: u32,
}

impl Default for ShareOptions {
    fn default() -> Self {
        let p = PlanOptions::default();
        Self {
            pg_version: p.pg_version,
            mysql_server: None,
            lock_timeout_ms: p.lock_timeout_ms,
            batch_size: p.batch_size,
        }
    }
}

impl Design {
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            model: None,
            dialect: None,
            edits: Vec::new(),
            positions: BTreeMap::new(),
            options: ShareOptions::default(),
            read_only: false,
            consumers: Vec::new(),
        }
    }

    pub fn position(&self, table: TableId) -> Option<(f64, f64)> {
        self.positions.get(&table.0).copied()
    }
}

/// The fragment of a short link for a design (without the leading `#`): the model, not the
/// text. Reads the source when the design has no model yet.
pub fn encode(design: &Design) -> String {
    match &design.model {
        Some(model) => encode_model(design, model, model.dialect.or(design.dialect).unwrap_or(Dialect::Postgres)),
        None => {
            let read = import(&design.source, design.dialect);
            encode_model(design, &read.schema, read.dialect)
        }
    }
}

/// [`encode`] with the base already read (the app has it from its analysis).
pub fn encode_model(design: &Design, base: &Schema, dialect: Dialect) -> String {
    let mysql_server = (dialect == Dialect::MySql)
        .then(|| design.options.mysql_server.unwrap_or_else(|| crate::plan::MySqlServer::detect(&design.source)));
    let w = wire::WDesign {
        dialect: wire::dialect_code(dialect),
        schema: wire::write_schema(base),
        edits: design.edits.iter().map(wire::write_edit).collect(),
        positions: design.positions.iter().map(|(t, (x, y))| (*t, round_px(*x), round_px(*y))).collect(),
        pg_version: design.options.pg_version,
        mysql_server: mysql_server.map(wire::server_code),
        lock_timeout_ms: design.options.lock_timeout_ms,
        batch_size: design.options.batch_size,
        read_only: design.read_only,
    };
    let mut bytes = postcard::to_allocvec(&w).unwrap_or_default();
    // Version 3 is version 2 followed by the consumers; a design without them stays version 2,
    // which every build since that format opens.
    let version = if design.consumers.is_empty() {
        2
    } else {
        let consumers: Vec<wire::WConsumer> = design.consumers.iter().map(wire::write_consumer).collect();
        bytes.extend(postcard::to_allocvec(&consumers).unwrap_or_default());
        3
    };
    let packed = pack::deflate(&bytes, pack::DICTIONARY_V2.as_bytes());
    format!("d={version}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
}

fn round_px(v: f64) -> i32 {
    // Positions are on-screen pixels: whole ones are as good, and far smaller.
    if v.is_finite() {
        v.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
    } else {
        0
    }
}

/// A design file (and the autosave): the whole design as it is, source text included.
pub fn encode_file(design: &Design) -> String {
    let json = serde_json::to_vec(design).unwrap_or_default();
    // Plain deflate (no dictionary), as version 1 always was.
    let packed = pack::deflate_quick(&json);
    format!("d={FILE_VERSION}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
}

/// Reads a link's fragment or a design file (with or without `#`), of any version this build
/// knows. Every way it can be wrong has its own message.
pub fn decode(fragment: &str) -> Result<Design, String> {
    let fragment = fragment.trim().trim_start_matches('#');
    if fragment.len() > MAX_LINK {
        return Err(format!("this link is {} characters long, more than Bellows opens ({MAX_LINK})", fragment.len()));
    }
    let body = fragment.strip_prefix("d=").ok_or("this link does not hold a Bellows design (it has no `d=` part)")?;
    let (version, data) = body.split_once('.').ok_or("this link is cut short: its version mark is missing")?;
    let version: u32 = version.parse().map_err(|_| format!("this link's version `{version}` is not a number"))?;
    if version == 0 || version > VERSION {
        return Err(format!(
            "this link was made by a newer Bellows (format {version}; this one reads up to {VERSION})"
        ));
    }
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|_| "this link is damaged: it is not valid base64 (was it cut short or edited?)".to_string())?;
    let too_big = || format!("this link unpacks to more than {} MB: refused", MAX_INFLATED / 1024 / 1024);
    let damaged = || "this link is damaged: its data does not unpack (was it cut short?)".to_string();
    if version == 1 {
        let json = pack::inflate(&packed, &[], MAX_INFLATED).map_err(|e| match e {
            pack::InflateError::TooBig => too_big(),
            pack::InflateError::Damaged => damaged(),
        })?;
        let mut design =
            serde_json::from_slice::<Design>(&json).map_err(|e| format!("this link's design cannot be read: {e}"))?;
        if let Some(model) = &mut design.model {
            let dialect = model.dialect.unwrap_or(Dialect::Postgres);
            point_into(model, &import(&design.source, Some(dialect)).schema);
        }
        return Ok(design);
    }
    let bytes = pack::inflate(&packed, pack::DICTIONARY_V2.as_bytes(), MAX_INFLATED).map_err(|e| match e {
        pack::InflateError::TooBig => too_big(),
        pack::InflateError::Damaged => damaged(),
    })?;
    let unreadable = |e: postcard::Error| format!("this link's design cannot be read: {e}");
    let (w, rest): (wire::WDesign, &[u8]) = postcard::take_from_bytes(&bytes).map_err(unreadable)?;
    let consumers = if version >= 3 {
        postcard::from_bytes::<Vec<wire::WConsumer>>(rest)
            .map_err(unreadable)?
            .into_iter()
            .map(wire::read_consumer)
            .collect()
    } else {
        Vec::new()
    };
    let dialect = wire::dialect_from(w.dialect)?;
    let mut model = wire::read_schema(w.schema, dialect)?;
    let source = regenerated_source(&model, dialect);
    point_into(&mut model, &import(&source, Some(dialect)).schema);
    Ok(Design {
        source,
        model: Some(model),
        dialect: Some(dialect),
        edits: w.edits.into_iter().map(wire::read_edit).collect(),
        positions: w.positions.into_iter().map(|(t, x, y)| (t, (f64::from(x), f64::from(y)))).collect(),
        options: ShareOptions {
            pg_version: w.pg_version,
            mysql_server: w.mysql_server.map(wire::server_from).transpose()?,
            lock_timeout_ms: w.lock_timeout_ms,
            batch_size: w.batch_size,
        },
        read_only: w.read_only,
        consumers,
    })
}

/// Gives a decoded model's objects the places of their namesakes in the regenerated text, so
/// what points at the source (audit findings, "go to line") points at what the panel shows.
fn point_into(model: &mut Schema, read: &Schema) {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    for t in &mut model.tables {
        let Some(r) = read.tables.iter().find(|r| same(&r.qualified_name(), &t.qualified_name())) else { continue };
        t.span = r.span;
        for c in &mut t.columns {
            if let Some(rc) = r.columns.iter().find(|rc| same(&rc.name, &c.name)) {
                c.span = rc.span;
            }
        }
        for i in &mut t.indexes {
            let found = r.indexes.iter().find(|ri| ri.name.is_some() && ri.name == i.name);
            i.span = found.map_or(r.span, |ri| ri.span);
        }
    }
    macro_rules! by_name {
        ($field:ident) => {
            for x in &mut model.$field {
                if let Some(r) = read.$field.iter().find(|r| same(&r.name, &x.name)) {
                    x.span = r.span;
                }
            }
        };
    }
    by_name!(views);
    by_name!(routines);
    by_name!(triggers);
    by_name!(policies);
    by_name!(enums);
    by_name!(sequences);
    by_name!(domains);
    by_name!(others);
}

/// A design file's model: the links' binary form (with its dialect), deflated and in base64, so
/// a file holds the same compact model a link does (and the page needs one reader, not two).
mod model_in_file {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Packed(u8, wire::WSchema);

    pub fn serialize<S: Serializer>(model: &Option<Schema>, s: S) -> Result<S::Ok, S::Error> {
        let Some(model) = model else { return s.serialize_none() };
        let dialect = wire::dialect_code(model.dialect.unwrap_or(Dialect::Postgres));
        let bytes = postcard::to_allocvec(&Packed(dialect, wire::write_schema(model))).unwrap_or_default();
        let packed = pack::deflate(&bytes, pack::DICTIONARY_V2.as_bytes());
        s.serialize_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Schema>, D::Error> {
        use serde::de::Error;
        let Some(text) = Option::<String>::deserialize(d)? else { return Ok(None) };
        let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).map_err(D::Error::custom)?;
        let bytes = pack::inflate(&packed, pack::DICTIONARY_V2.as_bytes(), MAX_INFLATED)
            .map_err(|e| D::Error::custom(format!("the design's model does not unpack ({e:?})")))?;
        let Packed(dialect, w) = postcard::from_bytes(&bytes).map_err(D::Error::custom)?;
        let dialect = wire::dialect_from(dialect).map_err(D::Error::custom)?;
        wire::read_schema(w, dialect).map(Some).map_err(D::Error::custom)
    }
}

/// The note that heads the DDL regenerated from a link's model.
pub const REGENERATED_NOTE: &str =
    "-- Regenerated by Bellows from a link's model; the original text travels only in design files.\n";

/// The source panel's text for a model that came without its text.
pub fn regenerated_source(model: &Schema, dialect: Dialect) -> String {
    format!("{REGENERATED_NOTE}\n{}", schema_sql(model, DdlOptions { source: dialect, target: dialect }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::model::ColumnId;

    const ORDERS: &str = "-- The shop's orders.\nCREATE TABLE orders (id bigint PRIMARY KEY, total numeric);";

    fn design() -> Design {
        let mut d = Design::new(ORDERS);
        let base = import(ORDERS, None).schema;
        let t = base.find_table("orders").expect("orders");
        d.edits.push(Edit::RenameColumn {
            table: t.id,
            column: t.column("total").expect("total").id,
            to: "amount".into(),
        });
        d.positions.insert(t.id.0, (120.0, 40.4));
        d.read_only = true;
        d
    }

    #[test]
    fn a_link_carries_the_model_and_gives_the_same_design() {
        let d = design();
        let link = encode(&d);
        assert!(link.starts_with("d=2."), "{link}");
        let back = decode(&link).expect("decodes");
        let model = import(ORDERS, None).schema;
        assert_eq!(back.model.as_ref().map(|m| m.tables.len()), Some(1));
        assert_eq!(back.edits, d.edits);
        assert_eq!(back.read_only, d.read_only);
        assert_eq!(back.options, ShareOptions { mysql_server: None, ..d.options });
        // Positions come back in whole pixels.
        assert_eq!(back.positions.values().next(), Some(&(120.0, 40.0)));
        // The source panel shows DDL made from the model, and says so; the user's comment is
        // not in the link.
        assert!(back.source.starts_with(REGENERATED_NOTE), "{}", back.source);
        assert!(back.source.contains("CREATE TABLE orders"), "{}", back.source);
        assert!(!back.source.contains("shop's orders"));
        // The same analysis: the model, the target and the plan.
        let (a, b) = (analyze(&d), analyze(&back));
        assert_eq!(b.base.schema.tables[0].columns.len(), model.tables[0].columns.len());
        assert_eq!(a.plan, b.plan);
        assert_eq!(a.changes, b.changes);
        // A link made from a link is the same link.
        assert_eq!(encode(&back), link);
        assert_eq!(decode(&format!("#{link}")).map(|d| d.edits), Ok(d.edits));
    }

    #[test]
    fn a_link_keeps_a_columns_on_update_with_its_default_or_without_one() {
        let text = "CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
            a timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
            b datetime NULL ON UPDATE CURRENT_TIMESTAMP) ENGINE=InnoDB;";
        let d = Design::new(text);
        let back = decode(&encode(&d)).expect("decodes");
        let t = back.model.as_ref().and_then(|m| m.find_table("t")).expect("t");
        let on = |c: &str| t.column(c).and_then(|c| c.on_update.clone());
        assert_eq!(on("a").as_deref(), Some("CURRENT_TIMESTAMP"));
        assert_eq!(t.column("a").and_then(|c| c.default.as_ref()).map(|d| d.expr.as_str()), Some("CURRENT_TIMESTAMP"));
        assert_eq!(on("b").as_deref(), Some("CURRENT_TIMESTAMP"));
        assert_eq!(on("id"), None);
        assert!(back.source.contains("ON UPDATE CURRENT_TIMESTAMP"), "{}", back.source);
    }

    #[test]
    fn a_link_carries_every_kind_of_edit() {
        let mut d = Design::new(ORDERS);
        let (t, c) = (crate::model::TableId(0), ColumnId(1));
        let (nt, nc) = (crate::model::TableId(1), ColumnId(9));
        d.edits = vec![
            Edit::AddTable { table: nt, name: "n".into(), key: nc },
            Edit::RenameTable { table: nt, to: "m".into() },
            Edit::AddColumn {
                table: t,
                column: ColumnId(10),
                name: "x".into(),
                data_type: "int".into(),
                nullable: false,
            },
            Edit::RenameColumn { table: t, column: c, to: "y".into() },
            Edit::SetType { table: t, column: c, data_type: "bigint".into() },
            Edit::SetNullable { table: t, column: c, nullable: true },
            Edit::SetDefault { table: t, column: c, default: Some("0".into()) },
            Edit::SetPrimaryKey { table: t, column: c, primary: false },
            Edit::SetUnique { table: t, column: c, unique: true },
            Edit::AddForeignKey { table: nt, column: nc, ref_table: t, ref_column: ColumnId(0) },
            Edit::DropForeignKey { table: nt, column: nc },
            Edit::AddIndex { table: t, column: c },
            Edit::DropIndex { table: t, name: "i".into() },
            Edit::AddCheck { table: t, name: "orders_y_check".into(), expr: "y >= 0".into() },
            Edit::DropCheck { table: t, check: "orders_y_check".into() },
            Edit::SetIdentity { table: t, column: ColumnId(0), identity: Some(crate::model::Identity::Always) },
            Edit::SetIdentity { table: t, column: ColumnId(0), identity: Some(crate::model::Identity::ByDefault) },
            Edit::SetIdentity { table: t, column: ColumnId(0), identity: None },
            Edit::ExtractLookup {
                table: t,
                column: c,
                lookup: TableId(nt.0 + 1),
                key: ColumnId(nc.0 + 1),
                name: "orders_y".into(),
            },
            Edit::ExtractColumns {
                table: t,
                columns: vec![c, ColumnId(10)],
                into: TableId(nt.0 + 2),
                key: ColumnId(nc.0 + 2),
                name: "order_details".into(),
            },
            Edit::SetComment { table: t, column: None, comment: Some("Orders, one per checkout".into()) },
            Edit::SetComment { table: t, column: Some(c), comment: Some("in cents, it's never negative".into()) },
            Edit::SetComment { table: t, column: Some(c), comment: None },
            Edit::SetPrimaryKeyColumns { table: t, columns: vec![ColumnId(0), c] },
            Edit::SetPrimaryKeyColumns { table: t, columns: vec![] },
            Edit::AddUnique { table: t, name: "orders_y_x_key".into(), columns: vec![c, ColumnId(10)] },
            Edit::DropUnique { table: t, columns: vec![ColumnId(10), c] },
            Edit::CreateIndex {
                table: t,
                name: "orders_y_x_idx".into(),
                columns: vec![c, ColumnId(10)],
                descending: vec![ColumnId(10)],
                unique: true,
                method: None,
                predicate: Some("y > 0".into()),
            },
            Edit::CreateIndex {
                table: t,
                name: "orders_x_brin".into(),
                columns: vec![ColumnId(10)],
                descending: vec![],
                unique: false,
                method: Some("brin".into()),
                predicate: None,
            },
            Edit::DropColumn { table: t, column: c },
            Edit::DropTable { table: nt },
            Edit::AddEnumValue { name: "public.mood".into(), value: "content".into(), before: Some("happy".into()) },
            Edit::RenameEnumValue { name: "mood".into(), from: "meh".into(), to: "so-so".into() },
            Edit::RemoveEnumValue { name: "mood".into(), value: "so-so".into(), replacement: Some("ok".into()) },
            Edit::RemoveEnumValue { name: "mood".into(), value: "unknown".into(), replacement: None },
            Edit::CreateEnum { name: "order_status".into(), labels: vec!["new".into(), "it's paid".into()] },
            Edit::MergeTable { table: nt, into: t, on: vec![c], map: vec![(ColumnId(11), c)], from_wins: false },
            Edit::MergeTable { table: nt, into: t, on: vec![c], map: vec![], from_wins: true },
            Edit::MoveColumn { table: t, column: ColumnId(12), into: nt },
        ];
        let back = decode(&encode(&d)).expect("decodes");
        assert_eq!(back.edits, d.edits);
    }

    #[test]
    fn a_design_file_keeps_the_text() {
        let d = design();
        let file = encode_file(&d);
        assert!(file.starts_with("d=1."));
        assert_eq!(decode(&file), Ok(d));
    }

    #[test]
    fn a_design_opened_from_a_link_saves_as_a_file_with_its_model() {
        let opened = decode(&encode(&design())).expect("link");
        let file = encode_file(&opened);
        assert!(file.starts_with("d=1."));
        let again = decode(&file).expect("file");
        assert_eq!(again, opened);
        assert_eq!(analyze(&again).plan, analyze(&design()).plan);
    }

    #[test]
    fn links_made_before_version_2_still_open() {
        // A version 1 link, made by the previous build: JSON with the source text, deflated.
        // A version 1 link, made by the build before version 2 (commit 66049a9).
        let v1 = "d=1.PY4xa8MwEIX_iripBTXIoe3gTm7xUNpCMVlCCUaWRXrE0hnplCHG_z03hIz33uP7boFMJTkPNXx0bbNr1a55_24VpdGnrB5wVAMeMbL67T5_mm6vvtq9VkxsJxVL8And4xto8CNyhvpvAZoFlny0wT85mkqIUrMdJpEYDbeoriQkWdpAJTKsBw0zZWSkKJwFjMCqrdkY_Ww2L4dVC_hezsf-LP_JKaBXDRO5U88YPBXug0y2xohrsOz--4wXUVeSrOsV";
        let d = decode(v1).expect("a version 1 link opens");
        assert_eq!(d.model, None);
        assert_eq!(d.source, "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);");
        assert_eq!(d.edits, vec![Edit::RenameColumn { table: TableId(0), column: ColumnId(1), to: "amount".into() }]);
        assert_eq!(d.position(TableId(0)), Some((120.0, 40.5)));
        // It opens to the same plan as the same design made today.
        assert_eq!(decode(&encode(&d)).map(|x| analyze(&x).plan), Ok(analyze(&d).plan));
    }

    #[test]
    fn the_text_a_dump_carries_besides_its_tables_does_not_lengthen_the_link() {
        let rows: String = (0..2000).map(|i| format!("INSERT INTO orders VALUES ({i}, {}.50);\n", i * 3)).collect();
        let with_data = Design::new(format!("{ORDERS}\n{rows}"));
        let without = Design::new(ORDERS);
        assert_eq!(encode(&with_data).len(), encode(&without).len());
        assert!(encode(&without).len() < 200, "{}", encode(&without));
    }

    #[test]
    fn bad_links_get_a_message_not_a_panic() {
        let link = encode(&design());
        let cut = &link[..link.len() / 2];
        assert!(decode(cut).expect_err("cut").contains("damaged"));
        assert!(decode("d=9.abc").expect_err("version").contains("newer"));
        assert!(decode("d=0.abc").expect_err("version 0").contains("format 0"));
        assert!(decode("x=1").expect_err("prefix").contains("does not hold"));
        assert!(decode("d=2.***").expect_err("base64").contains("base64"));
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        // Bombs: small links that inflate past the cap, in both formats.
        let zeros = vec![b' '; MAX_INFLATED + 10];
        let bomb = format!("d=1.{}", b64(&miniz_oxide::deflate::compress_to_vec(&zeros, 9)));
        assert!(bomb.len() < 40_000, "{}", bomb.len());
        assert!(decode(&bomb).expect_err("bomb").contains("refused"));
        let bomb = format!("d=2.{}", b64(&pack::deflate(&zeros, pack::DICTIONARY_V2.as_bytes())));
        assert!(bomb.len() < 40_000, "{}", bomb.len());
        assert!(decode(&bomb).expect_err("bomb").contains("refused"));
        // Valid data of the wrong shape.
        let wrong = format!("d=1.{}", b64(&miniz_oxide::deflate::compress_to_vec(b"{\"x\":1}", 9)));
        assert!(decode(&wrong).expect_err("shape").contains("cannot be read"));
        let wrong = format!("d=2.{}", b64(&pack::deflate(b"\x07\x01\x02", pack::DICTIONARY_V2.as_bytes())));
        assert!(decode(&wrong).is_err());
        // Every byte string of a few bytes is refused or read, never a panic.
        for a in 0..=255u8 {
            for n in 0..4u8 {
                let _ = decode(&format!(
                    "d=2.{}",
                    b64(&pack::deflate(&[a, n, a ^ n, 0, 1], pack::DICTIONARY_V2.as_bytes()))
                ));
            }
        }
    }

    #[test]
    fn a_damaged_model_is_refused_or_read_never_a_panic() {
        // A link from a stranger may be edited by hand: flip, drop and truncate the bytes of a
        // real design's binary form (with views, routines, keys and edits) and re-pack them.
        let text = "CREATE TYPE mood AS ENUM ('sad', 'ok');\n\
            CREATE TABLE a (id serial PRIMARY KEY, m mood, n varchar(20) UNIQUE);\n\
            CREATE TABLE b (id bigint PRIMARY KEY, a_id int REFERENCES a (id) ON DELETE CASCADE, CHECK (id > 0));\n\
            CREATE INDEX b_a_id_idx ON b (a_id) WHERE id > 10;\n\
            CREATE VIEW v AS SELECT a.id, b.id AS bid FROM a JOIN b ON b.a_id = a.id;\n\
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
            CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();";
        let mut d = Design::new(text);
        let base = import(text, None).schema;
        d.edits.push(Edit::RenameColumn {
            table: base.tables[0].id,
            column: base.tables[0].columns[2].id,
            to: "name".into(),
        });
        let w = wire::WDesign {
            dialect: 0,
            schema: wire::write_schema(&base),
            edits: d.edits.iter().map(wire::write_edit).collect(),
            positions: vec![(0, 10, -20)],
            pg_version: 16,
            mysql_server: None,
            lock_timeout_ms: 2000,
            batch_size: 1000,
            read_only: false,
        };
        let bytes = postcard::to_allocvec(&w).expect("bytes");
        let link = |b: &[u8]| {
            format!(
                "d=2.{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(pack::deflate(b, pack::DICTIONARY_V2.as_bytes()))
            )
        };
        assert!(decode(&link(&bytes)).is_ok());
        let (mut read, mut refused) = (0, 0);
        for i in 0..bytes.len() {
            for v in [0u8, 1, 2, 0x7f, 0x80, 0xff] {
                let mut m = bytes.clone();
                m[i] = v;
                match decode(&link(&m)) {
                    Ok(design) => {
                        // Whatever it reads, the analysis runs on it.
                        let _ = analyze(&design);
                        read += 1;
                    }
                    Err(_) => refused += 1,
                }
            }
            let _ = decode(&link(&bytes[..i]));
            let mut dropped = bytes.clone();
            dropped.remove(i);
            let _ = decode(&link(&dropped));
        }
        assert!(read > 0 && refused > 0, "{read} read, {refused} refused");
    }

    #[test]
    fn html_in_names_is_carried_as_text() {
        let d = Design::new("CREATE TABLE \"<img src=x onerror=alert(1)>\" (id int);");
        let back = decode(&encode(&d)).expect("decodes");
        assert_eq!(back.model.expect("model").tables[0].name, "<img src=x onerror=alert(1)>");
    }

    #[test]
    fn a_model_id_that_is_not_next_is_kept() {
        // A table dropped in the text leaves a gap in the ids.
        let text = "CREATE TABLE a (x int); CREATE TABLE b (y int); DROP TABLE a; CREATE TABLE c (z int, w int);";
        let base = import(text, None).schema;
        let back = decode(&encode(&Design::new(text))).expect("decodes").model.expect("model");
        let ids = |s: &Schema| -> Vec<(u32, Vec<u32>)> {
            s.tables.iter().map(|t| (t.id.0, t.columns.iter().map(|c| c.id.0).collect())).collect()
        };
        assert_eq!(ids(&back), ids(&base));
    }
}
