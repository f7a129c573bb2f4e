//! Example schemas shipped with the app (written for Bellows, so they can be bundled).

/// A small online shop with typical debt: a table without a primary key, an unindexed foreign
/// key, money in a float, and a reference-like column without a foreign key.
pub const SHOP: &str = include_str!("examples/shop.pg.sql");
