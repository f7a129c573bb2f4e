//! A design as a link: everything in the URL fragment, nothing sent anywhere.
//!
//! `#d=1.<base64url(deflate(json))>`: a version, then the design compressed. The target travels
//! as edits over the base, and only the tables the user moved carry a position. Decoding is
//! defensive: a link is untrusted input (a stranger may paste one in chat), so it is size-capped
//! before and after inflating, its version is checked, and every failure is a message, never a
//! panic or a hang.

use crate::edit::Edit;
use crate::model::TableId;
use crate::plan::PlanOptions;
use crate::Dialect;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The link format version this build writes and reads.
pub const VERSION: u32 = 1;
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
            dialect: None,
            edits: Vec::new(),
            positions: BTreeMap::new(),
            options: ShareOptions::default(),
            read_only: false,
        }
    }

    pub fn position(&self, table: TableId) -> Option<(f64, f64)> {
        self.positions.get(&table.0).copied()
    }
}

/// The fragment for a design (without the leading `#`).
pub fn encode(design: &Design) -> String {
    let json = serde_json::to_vec(design).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("d={VERSION}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
}

/// Reads a fragment (with or without `#`). Every way it can be wrong has its own message.
pub fn decode(fragment: &str) -> Result<Design, String> {
    let fragment = fragment.trim().trim_start_matches('#');
    if fragment.len() > MAX_LINK {
        return Err(format!("this link is {} characters long, more than Bellows opens ({MAX_LINK})", fragment.len()));
    }
    let body = fragment.strip_prefix("d=").ok_or("this link does not hold a Bellows design (it has no `d=` part)")?;
    let (version, data) = body.split_once('.').ok_or("this link is cut short: its version mark is missing")?;
    let version: u32 = version.parse().map_err(|_| format!("this link's version `{version}` is not a number"))?;
    if version != VERSION {
        return Err(format!("this link was made by a newer Bellows (format {version}; this one reads {VERSION})"));
    }
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|_| "this link is damaged: it is not valid base64 (was it cut short or edited?)".to_string())?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_INFLATED).map_err(|e| {
        if matches!(e.status, miniz_oxide::inflate::TINFLStatus::HasMoreOutput) {
            format!("this link unpacks to more than {} MB: refused", MAX_INFLATED / 1024 / 1024)
        } else {
            "this link is damaged: its data does not unpack (was it cut short?)".to_string()
        }
    })?;
    serde_json::from_slice::<Design>(&json).map_err(|e| format!("this link's design cannot be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnId;

    fn design() -> Design {
        let mut d = Design::new("CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);");
        d.edits.push(Edit::RenameColumn { table: TableId(1), column: ColumnId(2), to: "amount".into() });
        d.positions.insert(1, (120.0, 40.5));
        d.read_only = true;
        d
    }

    #[test]
    fn a_design_survives_the_round_trip() {
        let d = design();
        let link = encode(&d);
        assert!(link.starts_with("d=1."));
        assert_eq!(decode(&link), Ok(d.clone()));
        assert_eq!(decode(&format!("#{link}")), Ok(d));
    }

    #[test]
    fn bad_links_get_a_message_not_a_panic() {
        let link = encode(&design());
        let cut = &link[..link.len() / 2];
        assert!(decode(cut).expect_err("cut").contains("damaged"));
        assert!(decode("d=9.abc").expect_err("version").contains("newer"));
        assert!(decode("x=1").expect_err("prefix").contains("does not hold"));
        assert!(decode("d=1.***").expect_err("base64").contains("base64"));
        // A bomb: a small link that inflates past the cap.
        let zeros = vec![b' '; MAX_INFLATED + 10];
        let bomb = format!(
            "d=1.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&zeros, 9))
        );
        assert!(bomb.len() < 40_000, "{}", bomb.len());
        assert!(decode(&bomb).expect_err("bomb").contains("refused"));
        // Valid JSON of the wrong shape.
        let wrong = format!(
            "d=1.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(miniz_oxide::deflate::compress_to_vec(b"{\"x\":1}", 9))
        );
        assert!(decode(&wrong).expect_err("shape").contains("cannot be read"));
    }

    #[test]
    fn html_in_names_is_carried_as_text() {
        let d = Design::new("CREATE TABLE \"<img src=x onerror=alert(1)>\" (id int);");
        assert_eq!(decode(&encode(&d)).expect("decodes").source, d.source);
    }
}
