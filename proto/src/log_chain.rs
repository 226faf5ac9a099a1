//! The organizer log's hash chain: the canonical text of a row, its hash, and the check of a
//! whole chain. The server hashes each row with [`Fields::hash`] as it appends it; `arena log
//! --verify` and `arena-server log verify` recompute every hash with [`verify`], so a
//! researcher need not trust the server that sent the rows.
//!
//! The canonical text of a row is the compact JSON array
//! `[id, at, actor_name, actor_role, action, challenge_id, details_json, reason, prev_hash]`:
//! `id` a JSON integer, `challenge_id` a string or `null`, every other item a JSON string (the
//! details as their stored text, not re-encoded), no whitespace between items, UTF-8, non-ASCII
//! characters as themselves and control characters escaped as JSON requires (`\n`, `\u001b`).
//! Python's `json.dumps(items, separators=(",", ":"), ensure_ascii=False)` writes the same text.
//! The hash is the SHA-256 of that text as lower-case hex; row 1's `prev_hash` is
//! [`GENESIS_HASH`].

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a row's hash covers besides the previous hash.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    /// 1, 2, 3, … without a gap.
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: &'a str,
    /// Who: the token's name.
    pub actor_name: &'a str,
    /// The token's role.
    pub actor_role: &'a str,
    /// What, e.g. `close_challenge`.
    pub action: &'a str,
    /// The challenge it concerns, if any.
    pub challenge_id: Option<&'a str>,
    /// A JSON object, as stored.
    pub details_json: &'a str,
    /// Why (may be empty).
    pub reason: &'a str,
}

impl Fields<'_> {
    /// The canonical text of the row after `prev_hash` (module docs).
    pub fn canonical(&self, prev_hash: &str) -> String {
        serde_json::json!([
            self.id,
            self.at,
            self.actor_name,
            self.actor_role,
            self.action,
            self.challenge_id,
            self.details_json,
            self.reason,
            prev_hash,
        ])
        .to_string()
    }

    /// The row's hash after `prev_hash`: SHA-256 of [`Fields::canonical`], lower-case hex.
    pub fn hash(&self, prev_hash: &str) -> String {
        hex::encode(Sha256::digest(self.canonical(prev_hash).as_bytes()))
    }
}

/// A stored row: its fields and the two hashes it carries.
#[derive(Clone, Copy, Debug)]
pub struct Chained<'a> {
    /// What the hash covers.
    pub fields: Fields<'a>,
    /// The hash the row says its predecessor has.
    pub prev_hash: &'a str,
    /// The hash the row says it has.
    pub hash: &'a str,
}

/// A chain that checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Rows checked.
    pub rows: usize,
    /// The last row's hash ([`GENESIS_HASH`] for an empty log). Keep it: a log cut after a
    /// row is still a valid chain, and only a head seen before tells it was longer.
    pub head: String,
}

/// What is wrong with a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Its id is not the previous id + 1 (a row before it was deleted, or ids were changed).
    Gap {
        /// The id the row should have had.
        expected: i64,
    },
    /// Its `prev_hash` is not the previous row's hash.
    WrongPrevHash,
    /// Its `hash` is not the hash of its fields (a field was edited).
    HashMismatch,
}

/// The first row that breaks the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The row's id.
    pub id: i64,
    /// The row's action.
    pub action: String,
    /// What is wrong.
    pub problem: Problem,
}

impl crate::v1::LogRow {
    /// The row as [`verify`] reads it.
    pub fn chained(&self) -> Chained<'_> {
        Chained {
            fields: Fields {
                id: self.id,
                at: &self.at,
                actor_name: &self.actor_name,
                actor_role: &self.actor_role,
                action: &self.action,
                challenge_id: self.challenge_id.as_deref(),
                details_json: &self.details_json,
                reason: &self.reason,
            },
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {} ({}): ", self.id, self.action)?;
        match self.problem {
            Problem::Gap { expected } => write!(
                f,
                "gap: expected id {expected}, so row {expected} or more is missing or renumbered"
            ),
            Problem::WrongPrevHash => f.write_str(
                "wrong prev_hash: it is not the previous row's hash (a row before it was removed \
                 or replaced)",
            ),
            Problem::HashMismatch => f.write_str(
                "hash mismatch: the row's fields do not hash to its stored hash (it was edited)",
            ),
        }
    }
}

impl std::error::Error for Broken {}

/// Checks a whole log, rows in id order from the first: ids run 1, 2, 3, … without a gap, each
/// row's `prev_hash` is its predecessor's hash ([`GENESIS_HASH`] for row 1), and each row's
/// `hash` is the hash of its fields.
///
/// # Errors
/// The first row that breaks one of these, and how.
pub fn verify<'a>(rows: impl IntoIterator<Item = Chained<'a>>) -> Result<Verified, Broken> {
    let mut head = GENESIS_HASH.to_string();
    let mut count = 0usize;
    for row in rows {
        let expected = count as i64 + 1;
        let broken = |problem| Broken {
            id: row.fields.id,
            action: row.fields.action.to_string(),
            problem,
        };
        if row.fields.id != expected {
            return Err(broken(Problem::Gap { expected }));
        }
        if row.prev_hash != head {
            return Err(broken(Problem::WrongPrevHash));
        }
        if row.fields.hash(row.prev_hash) != row.hash {
            return Err(broken(Problem::HashMismatch));
        }
        head = row.hash.to_string();
        count += 1;
    }
    Ok(Verified { rows: count, head })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(id: i64, reason: &str) -> Fields<'_> {
        Fields {
            id,
            at: "2026-12-08T01:00:00.000000Z",
            actor_name: "alice",
            actor_role: "organizer",
            action: "close_challenge",
            challenge_id: Some("demo"),
            details_json: "{}",
            reason,
        }
    }

    /// The expected values were computed outside Rust:
    /// python3 -c 'import hashlib,json; s=json.dumps([1,"2026-12-08T01:00:00.000000Z","alice","organizer","close_challenge","demo","{}","done\n","0"*64],separators=(",",":"),ensure_ascii=False); print(s); print(hashlib.sha256(s.encode()).hexdigest())'
    #[test]
    fn a_row_hashes_to_the_hand_computed_value() {
        // The reason holds a newline: JSON writes it as the two characters \n.
        let row = fields(1, "done\n");
        assert_eq!(
            row.canonical(GENESIS_HASH),
            format!(
                r#"[1,"2026-12-08T01:00:00.000000Z","alice","organizer","close_challenge","demo","{{}}","done\n","{GENESIS_HASH}"]"#
            )
        );
        assert_eq!(
            row.hash(GENESIS_HASH),
            "6f2bd2665f0c181fb6a66d2eb8e9175fc68cda9f44cb6720da740012eb0f365e"
        );
    }

    /// The expected value, with H1 the hash of the test above:
    /// python3 -c 'import hashlib,json,sys; s=json.dumps([2,"2026-12-08T01:00:00.000000Z","arena-server token (offline)","operator","token_create",None,"{\"name\":\"b\u00e9\"}","",sys.argv[1]],separators=(",",":"),ensure_ascii=False); print(hashlib.sha256(s.encode()).hexdigest())' H1
    #[test]
    fn a_row_about_no_challenge_hashes_null_and_non_ascii_as_python_does() {
        let row = Fields {
            id: 2,
            actor_name: "arena-server token (offline)",
            actor_role: "operator",
            action: "token_create",
            challenge_id: None,
            details_json: r#"{"name":"bé"}"#,
            ..fields(2, "")
        };
        assert_eq!(
            row.hash("6f2bd2665f0c181fb6a66d2eb8e9175fc68cda9f44cb6720da740012eb0f365e"),
            "86449e7bd8c19e61ee47a527640079903db659bb5d852ae69fbd2d5a660948d8"
        );
    }

    fn chain(reasons: &[&'static str]) -> Vec<(Fields<'static>, String, String)> {
        let mut prev = GENESIS_HASH.to_string();
        reasons
            .iter()
            .enumerate()
            .map(|(i, reason)| {
                let f = fields(i as i64 + 1, reason);
                let hash = f.hash(&prev);
                let row = (f, prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn check(rows: &[(Fields<'static>, String, String)]) -> Result<Verified, Broken> {
        verify(rows.iter().map(|(fields, prev_hash, hash)| Chained {
            fields: *fields,
            prev_hash,
            hash,
        }))
    }

    #[test]
    fn an_intact_chain_verifies_and_names_its_head() {
        let rows = chain(&["a", "b", "c"]);
        assert_eq!(
            check(&rows),
            Ok(Verified {
                rows: 3,
                head: rows[2].2.clone()
            })
        );
        assert_eq!(check(&[]).unwrap().head, GENESIS_HASH);
    }

    #[test]
    fn an_edit_a_gap_and_a_replaced_row_are_each_named() {
        let mut edited = chain(&["a", "b", "c"]);
        edited[1].0.reason = "B";
        let e = check(&edited).unwrap_err();
        assert_eq!((e.id, e.problem.clone()), (2, Problem::HashMismatch));
        assert!(
            e.to_string()
                .starts_with("row 2 (close_challenge): hash mismatch"),
            "{e}"
        );

        let mut gap = chain(&["a", "b", "c"]);
        gap.remove(1);
        let e = check(&gap).unwrap_err();
        assert_eq!((e.id, e.problem), (3, Problem::Gap { expected: 2 }));

        // Row 2 deleted and row 3 renumbered to 2, its hash recomputed on the old prev_hash.
        let mut relinked = chain(&["a", "b", "c"]);
        relinked.remove(1);
        relinked[1].0.id = 2;
        relinked[1].2 = relinked[1].0.hash(&relinked[1].1);
        let e = check(&relinked).unwrap_err();
        assert_eq!((e.id, e.problem), (2, Problem::WrongPrevHash));
    }
}
