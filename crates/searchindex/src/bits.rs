//! Sets of a segment's documents as plain bit vectors, and the cache that keeps the costly
//! ones: which documents a searcher may see (their grants, the kinds and filters asked for) and
//! which hold a word starting with a prefix. A segment never changes once written (only its
//! deletions do), so a set keyed by the segment and its deletions stays true until the segment
//! is merged away; the same searcher's next query then reads one bit per candidate instead of
//! intersecting the posting lists of a million visible entries again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::index::SegmentId;
use tantivy::{DocId, Opstamp};

/// A set of document ids below a segment's `max_doc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bits {
    words: Vec<u64>,
}

impl Bits {
    pub(crate) fn new(max_doc: DocId) -> Bits {
        Bits {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    pub(crate) fn insert(&mut self, doc: DocId) {
        if let Some(w) = self.words.get_mut(doc as usize / 64) {
            *w |= 1 << (doc % 64);
        }
    }

    #[inline]
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        self.words
            .get(doc as usize / 64)
            .is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }

    pub(crate) fn len(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// The members in `[from, to)`, in order.
    pub(crate) fn range(&self, from: DocId, to: DocId) -> impl Iterator<Item = DocId> + '_ {
        let first = from as usize / 64;
        let last = (to as usize).div_ceil(64).min(self.words.len());
        (first..last).flat_map(move |i| {
            let mut w = self.words[i];
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros();
                    w &= w - 1;
                    (i * 64) as DocId + bit
                })
            })
            .filter(move |d| *d >= from && *d < to)
        })
    }

    fn bytes(&self) -> usize {
        self.words.len() * 8
    }
}

/// The entries in every one of several sets, read without building their intersection (a
/// search would otherwise allocate and fill a segment-sized set for each prefix typed).
pub(crate) struct All {
    sets: Vec<Arc<Bits>>,
    len: u64,
}

impl All {
    /// `sets` must not be empty.
    pub(crate) fn new(sets: Vec<Arc<Bits>>) -> All {
        let len = match sets.as_slice() {
            [] => 0,
            [one] => one.len(),
            [first, rest @ ..] => (0..first.words.len())
                .map(|i| {
                    let word = rest.iter().fold(first.words[i], |w, s| {
                        w & s.words.get(i).copied().unwrap_or(0)
                    });
                    u64::from(word.count_ones())
                })
                .sum(),
        };
        All { sets, len }
    }

    #[inline]
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        !self.sets.is_empty() && self.sets.iter().all(|s| s.contains(doc))
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The members in `[from, to)`, in order.
    pub(crate) fn range(&self, from: DocId, to: DocId) -> impl Iterator<Item = DocId> + '_ {
        self.sets
            .first()
            .into_iter()
            .flat_map(move |first| first.range(from, to))
            .filter(move |d| self.sets[1..].iter().all(|s| s.contains(*d)))
    }
}

/// What a cached set is of: a segment as it stood (its deletions included) and a description
/// of the set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub segment: SegmentId,
    pub deletes: Option<Opstamp>,
    pub what: String,
}

/// The most recently used sets, up to a memory budget.
pub(crate) struct Cache {
    budget: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    sets: HashMap<Key, (Arc<Bits>, u64)>,
    bytes: usize,
    clock: u64,
}

impl Cache {
    pub(crate) fn new(budget: usize) -> Cache {
        Cache {
            budget,
            state: Mutex::default(),
        }
    }

    /// The set under `key`, made by `make` when it is not kept (outside the lock: two searches
    /// may make the same set at once, which costs time, never correctness).
    pub(crate) fn get_or_make<E>(
        &self,
        key: Key,
        make: impl FnOnce() -> Result<Bits, E>,
    ) -> Result<Arc<Bits>, E> {
        if let Some(found) = self.get(&key) {
            return Ok(found);
        }
        let made = Arc::new(make()?);
        self.put(key, made.clone());
        Ok(made)
    }

    fn get(&self, key: &Key) -> Option<Arc<Bits>> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.clock += 1;
        let now = state.clock;
        state.sets.get_mut(key).map(|(bits, used)| {
            *used = now;
            bits.clone()
        })
    }

    fn put(&self, key: Key, bits: Arc<Bits>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.clock += 1;
        let now = state.clock;
        state.bytes += bits.bytes();
        if let Some((old, _)) = state.sets.insert(key, (bits, now)) {
            state.bytes -= old.bytes();
        }
        while state.bytes > self.budget && state.sets.len() > 1 {
            let Some(oldest) = state
                .sets
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((gone, _)) = state.sets.remove(&oldest) {
                state.bytes -= gone.bytes();
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .sets
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_hold_what_was_put_and_list_ranges_in_order() {
        let mut b = Bits::new(200);
        for d in [0, 5, 63, 64, 130, 199] {
            b.insert(d);
        }
        b.insert(500); // beyond the segment: ignored
        assert_eq!(b.len(), 6);
        assert!(b.contains(63) && b.contains(64) && !b.contains(65) && !b.contains(500));
        assert_eq!(b.range(5, 131).collect::<Vec<_>>(), vec![5, 63, 64, 130]);
        assert_eq!(b.range(6, 63).count(), 0);
        let mut c = Bits::new(200);
        c.insert(64);
        c.insert(199);
        c.insert(7);
        let both = All::new(vec![Arc::new(b), Arc::new(c)]);
        assert_eq!(both.len(), 2);
        assert_eq!(both.range(0, 200).collect::<Vec<_>>(), vec![64, 199]);
        assert!(both.contains(64) && !both.contains(7) && !both.contains(5));
        assert_eq!(All::new(Vec::new()).len(), 0);
    }

    #[test]
    fn the_cache_keeps_the_recently_used_within_its_budget() {
        let cache = Cache::new(3 * 16);
        let key = |n: u8| Key {
            segment: SegmentId::generate_random(),
            deletes: None,
            what: n.to_string(),
        };
        let keys: Vec<Key> = (0..4).map(key).collect();
        let mut made = 0;
        for k in &keys[..3] {
            cache
                .get_or_make::<()>(k.clone(), || {
                    made += 1;
                    Ok(Bits::new(128))
                })
                .unwrap();
        }
        // The first is used again, so the second is the one to go when a fourth arrives.
        cache
            .get_or_make::<()>(keys[0].clone(), || unreachable!("kept"))
            .unwrap();
        cache
            .get_or_make::<()>(keys[3].clone(), || Ok(Bits::new(128)))
            .unwrap();
        assert_eq!(cache.len(), 3);
        cache
            .get_or_make::<()>(keys[0].clone(), || unreachable!("kept"))
            .unwrap();
        cache
            .get_or_make::<()>(keys[1].clone(), || {
                made += 1;
                Ok(Bits::new(128))
            })
            .unwrap();
        assert_eq!(made, 4, "the second was made again");
    }
}
