//! The compact indexes a validation keeps across sheets: credit codes as fixed-size keys, names
//! as hashes, maps in shards.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Known;
use crate::domain::codes::CreditCode;

/// A credit code as a fixed-size key: its 18 ASCII characters, 7 bits each, nine to a word, so
/// that keys order as the codes do. The indexes of a workbook of a million orgs hold codes this
/// way (24 bytes an entry with its value) rather than as strings.
pub(super) type CodeKey = [u64; 2];

pub(super) fn code_key(code: &CreditCode) -> CodeKey {
    let mut key = [0u64; 2];
    for (i, b) in code.as_str().bytes().take(18).enumerate() {
        key[i / 9] = (key[i / 9] << 7) | u64::from(b & 0x7f);
    }
    key
}

/// The credit code a key was made of.
pub(super) fn code_of(key: &CodeKey) -> Option<CreditCode> {
    let text: String = (0..18)
        .map(|i| char::from(((key[i / 9] >> (7 * (8 - i % 9))) & 0x7f) as u8))
        .collect();
    CreditCode::parse(&text).ok()
}

/// A date as days of the common era (4 bytes in an index), [`NO_DAY`] for none.
pub(super) type Day = i32;
pub(super) const NO_DAY: Day = i32::MIN;

pub(super) fn day(d: Option<NaiveDate>) -> Day {
    use chrono::Datelike;
    d.map_or(NO_DAY, |d| d.num_days_from_ce())
}

pub(super) fn date_of(d: Day) -> Option<NaiveDate> {
    (d != NO_DAY)
        .then(|| NaiveDate::from_num_days_from_ce_opt(d))
        .flatten()
}

/// A map in 64 shards by the key: each shard grows on its own, so that a map of a million
/// entries never holds two whole tables at once while it grows (a hash table grows by copying
/// itself into one twice its size).
pub(super) struct Sharded<K, V> {
    shards: Vec<HashMap<K, V>>,
}

/// Which of the 64 shards a key goes to.
pub(super) trait Shard {
    fn shard(&self) -> usize;
}

impl Shard for u64 {
    /// (The keys are hashes already.)
    fn shard(&self) -> usize {
        (*self >> 58) as usize
    }
}

impl Shard for CodeKey {
    fn shard(&self) -> usize {
        ((self[0] ^ self[1]).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize
    }
}

impl<K: Shard + std::hash::Hash + Eq, V> Sharded<K, V> {
    pub(super) fn new() -> Self {
        Sharded {
            shards: (0..64).map(|_| HashMap::new()).collect(),
        }
    }

    pub(super) fn get(&self, key: &K) -> Option<&V> {
        self.shards[key.shard()].get(key)
    }

    pub(super) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.shards[key.shard()].get_mut(key)
    }

    pub(super) fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    pub(super) fn insert(&mut self, key: K, value: V) {
        self.shards[key.shard()].insert(key, value);
    }

    pub(super) fn entry(&mut self, key: K) -> std::collections::hash_map::Entry<'_, K, V> {
        self.shards[key.shard()].entry(key)
    }

    pub(super) fn remove(&mut self, key: &K) -> Option<V> {
        self.shards[key.shard()].remove(key)
    }

    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.shards.iter_mut().flat_map(|s| s.values_mut())
    }

    /// Every entry, the map left empty.
    pub(super) fn drain(&mut self) -> impl Iterator<Item = (K, V)> + '_ {
        self.shards.iter_mut().flat_map(|s| s.drain())
    }
}

/// A party org of the workbook's 党组织 sheet, as its names pass saw it: the row its name is
/// first met in, whether a valid record carries it, and its dates as far as they parse.
#[derive(Debug, Clone, Copy)]
pub(super) struct PartySeen {
    pub(super) row: u32,
    pub(super) valid: bool,
    pub(super) founded: Day,
    pub(super) dissolved: Day,
}

/// A workbook org in the index: the row its code is first met in, and its 成立登记日期 (as days
/// of the common era) once that row proves valid.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen {
    pub(super) row: u32,
    registered: i32,
}

impl Seen {
    pub(super) const NOT_VALID: i32 = i32::MIN;

    pub(super) fn first(row: u32) -> Seen {
        Seen {
            row,
            registered: Seen::NOT_VALID,
        }
    }

    pub(super) fn valid(row: u32, registered: NaiveDate) -> Seen {
        use chrono::Datelike;
        Seen {
            row,
            registered: registered.num_days_from_ce(),
        }
    }

    pub(super) fn registered(self) -> Option<NaiveDate> {
        (self.registered != Seen::NOT_VALID)
            .then(|| NaiveDate::from_num_days_from_ce_opt(self.registered))
            .flatten()
    }
}

/// A name as a 64-bit hash, for the indexes of names: a collision between two of a million
/// names has a chance of about 1 in 30 million (and would cost a needless "same name" warning,
/// or an accepted name of a party org that the write then refuses).
pub(super) fn name_key(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

/// The 成立登记日期 of an org named by code, from the workbook (when its row is valid) or the
/// registry.
pub(super) fn org_date(
    orgs: &Sharded<CodeKey, Seen>,
    known: &Known,
    code: &CreditCode,
) -> Option<NaiveDate> {
    orgs.get(&code_key(code))
        .and_then(|s| s.registered())
        .or_else(|| known.orgs.get(code.as_str()).map(|(d, _)| *d))
}
