//! What the public dataset page computes from a table, kept (docs/opendata-design.md §9): a
//! chart's groups and a map's marks, keyed by the table of a resource *version* and the
//! question. A version's table never changes once ready (a new upload is a new version with
//! a table of its own), so an entry is never stale and needs no invalidation; a version
//! nobody looks at any more simply falls out.
//!
//! In memory, one per node, least recently used first out, bounded both in entries and in
//! bytes (an estimate of what each entry holds). Not a database table: an entry is a few
//! kilobytes recomputed by one query, a table would add a write to an anonymous read path
//! and a clean-up job, and a node that recomputes what another node already knows costs one
//! query.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

/// A bounded least-recently-used map from text keys to shared values.
pub struct Lru<V> {
    max_entries: usize,
    max_bytes: usize,
    inner: Mutex<Inner<V>>,
}

struct Inner<V> {
    /// Key → value, its size, the tick of its last use.
    map: HashMap<String, (Arc<V>, usize, u64)>,
    /// Tick of last use → key: the oldest first.
    order: BTreeMap<u64, String>,
    tick: u64,
    bytes: usize,
    computed: u64,
}

impl<V> Lru<V> {
    pub fn new(max_entries: usize, max_bytes: usize) -> Lru<V> {
        Lru {
            max_entries,
            max_bytes,
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                order: BTreeMap::new(),
                tick: 0,
                bytes: 0,
                computed: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V>> {
        // A panic while holding the lock leaves the map consistent (every change is whole).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value kept for `key`, now the most recently used.
    pub fn get(&self, key: &str) -> Option<Arc<V>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let (value, old) = {
            let entry = inner.map.get_mut(key)?;
            let old = entry.2;
            entry.2 = tick;
            (entry.0.clone(), old)
        };
        inner.order.remove(&old);
        inner.order.insert(tick, key.to_owned());
        Some(value)
    }

    /// Keeps `value` (about `bytes` large) for `key`, dropping the least recently used entries
    /// until both bounds hold; a value larger than a quarter of the byte bound is not kept.
    pub fn put(&self, key: String, value: Arc<V>, bytes: usize) {
        let mut inner = self.lock();
        inner.computed += 1;
        let bytes = bytes + key.len();
        if bytes > self.max_bytes / 4 || self.max_entries == 0 {
            return;
        }
        inner.tick += 1;
        let tick = inner.tick;
        if let Some((_, size, old)) = inner.map.remove(&key) {
            inner.order.remove(&old);
            inner.bytes -= size;
        }
        inner.order.insert(tick, key.clone());
        inner.map.insert(key, (value, bytes, tick));
        inner.bytes += bytes;
        while inner.map.len() > self.max_entries || inner.bytes > self.max_bytes {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some((_, size, _)) = inner.map.remove(&oldest) {
                inner.bytes -= size;
            }
        }
    }

    /// How many entries, how many bytes, and how many values were computed (put) so far.
    pub fn stats(&self) -> (usize, usize, u64) {
        let inner = self.lock();
        (inner.map.len(), inner.bytes, inner.computed)
    }
}

/// A chart's groups: the largest (at most `views::CHART_MAX`) and the whole.
pub type Groups = (Vec<crate::views::Group>, crate::views::Group);

/// A map's marks, and how many points were read and how many rows had one.
#[derive(Debug, Clone)]
pub struct MapMarks {
    pub marks: Vec<crate::views::Mark>,
    /// A GeoJSON document's lines and areas (none for a table's map).
    pub shapes: Vec<crate::views::Shape>,
    pub points: usize,
    pub valid: usize,
}

/// The charts kept: 2,048 entries, 8 MiB.
pub static CHARTS: LazyLock<Lru<Groups>> = LazyLock::new(|| Lru::new(2_048, 8 << 20));
/// The maps kept: 256 entries, 32 MiB (a map is at most `views::MAP_GRID`² grouped marks, or
/// `views::MAP_DRAW` labelled ones).
pub static MAPS: LazyLock<Lru<MapMarks>> = LazyLock::new(|| Lru::new(256, 32 << 20));

/// The datastore's counts kept: 65,536 entries, 16 MiB (a key is the table and the question).
pub static COUNTS: LazyLock<Lru<i64>> = LazyLock::new(|| Lru::new(65_536, 16 << 20));

/// About how many bytes a chart's groups hold.
pub fn groups_bytes((top, all): &Groups) -> usize {
    let one = |g: &crate::views::Group| size_of::<crate::views::Group>() + g.label.len();
    top.iter().map(one).sum::<usize>() + one(all)
}

/// About how many bytes a map's marks hold.
pub fn marks_bytes(m: &MapMarks) -> usize {
    size_of::<MapMarks>()
        + m.marks
            .iter()
            .map(|k| size_of::<crate::views::Mark>() + k.label.len())
            .sum::<usize>()
        + m.shapes
            .iter()
            .map(|s| {
                size_of::<crate::views::Shape>()
                    + s.label.len()
                    + s.parts.iter().map(|p| 24 + 16 * p.len()).sum::<usize>()
            })
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_goes_first_within_both_bounds() {
        let lru: Lru<u32> = Lru::new(3, 1_000);
        for (k, v) in [("a", 1), ("b", 2), ("c", 3)] {
            lru.put(k.into(), Arc::new(v), 10);
        }
        // "a" used: "b" is now the oldest.
        assert_eq!(lru.get("a").as_deref(), Some(&1));
        lru.put("d".into(), Arc::new(4), 10);
        assert!(lru.get("b").is_none());
        assert_eq!(lru.get("c").as_deref(), Some(&3));
        assert_eq!(lru.stats().0, 3);
        // Bytes: a large entry pushes out as many as needed.
        lru.put("e".into(), Arc::new(5), 240);
        lru.put("f".into(), Arc::new(6), 240);
        lru.put("g".into(), Arc::new(7), 240);
        lru.put("h".into(), Arc::new(8), 240);
        let (n, bytes, computed) = lru.stats();
        assert!(bytes <= 1_000, "{bytes}");
        assert_eq!(n, 3);
        assert_eq!(computed, 8);
        assert!(lru.get("a").is_none() && lru.get("h").is_some());
        // Larger than a quarter of the bound: not kept at all.
        lru.put("huge".into(), Arc::new(9), 600);
        assert!(lru.get("huge").is_none());
        // Replacing a key keeps one entry and its new size.
        lru.put("h".into(), Arc::new(80), 10);
        assert_eq!(lru.get("h").as_deref(), Some(&80));
        assert_eq!(lru.stats().0, 3);
    }
}
