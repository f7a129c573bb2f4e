//! Prints the rule registry as a Markdown table (the README's rule list comes from here):
//! `cargo run -q -p bellows-core --example lint_rules`.

use bellows_core::lint::{Family, Rule};

fn main() {
    println!("| code | family | severity | flags | peers |\n|---|---|---|---|---|");
    for rule in Rule::ALL {
        let d = rule.doc();
        let family = match d.family {
            Family::Audit => "audit",
            Family::Safety => "safety",
        };
        println!("| `{}` | {family} | {} | {} | {} |", d.code, d.severity, d.summary, d.peers);
    }
}
