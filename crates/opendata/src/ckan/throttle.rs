//! Fair use of the CKAN API (docs/opendata-design.md §11): a GCRA per client address in each
//! node, no database write per request — 300 requests a minute, bursts of 100; over that a
//! 429 with `Retry-After`. A stated exception to "throttling counters in the database": with N
//! nodes a client gets N× (fair use, not security). Pure: the clock is passed in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One request every `interval`, up to `burst` at once.
pub struct Gcra {
    interval: Duration,
    tolerance: Duration,
    /// Theoretical arrival time per key.
    tat: HashMap<String, Instant>,
}

/// Keys kept before idle ones are evicted.
const KEYS_MAX: usize = 10_000;

impl Gcra {
    pub fn new(per_minute: u32, burst: u32) -> Gcra {
        let interval = Duration::from_secs(60) / per_minute.max(1);
        Gcra {
            interval,
            tolerance: interval * burst.max(1),
            tat: HashMap::new(),
        }
    }

    /// `Ok` if `key` may make a request at `now`, else the seconds to wait.
    pub fn check(&mut self, key: &str, now: Instant) -> Result<(), u64> {
        if self.tat.len() >= KEYS_MAX {
            self.tat.retain(|_, tat| *tat > now);
        }
        let tat = self.tat.get(key).copied().unwrap_or(now).max(now);
        let next = tat + self.interval;
        let ahead = next - now;
        if ahead > self.tolerance {
            let wait = ahead - self.tolerance;
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        self.tat.insert(key.to_owned(), next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_the_rate_then_refusals_with_the_wait() {
        let mut g = Gcra::new(300, 100);
        let t0 = Instant::now();
        for i in 0..100 {
            assert_eq!(g.check("a", t0), Ok(()), "request {i} of the burst");
        }
        assert_eq!(
            g.check("a", t0),
            Err(1),
            "the 101st waits 200 ms, said as 1 s"
        );
        assert_eq!(g.check("b", t0), Ok(()), "another address has its own");
        let later = t0 + Duration::from_millis(200);
        assert_eq!(g.check("a", later), Ok(()), "one more every 200 ms");
        assert!(g.check("a", later).is_err());
        let rested = t0 + Duration::from_secs(60);
        for _ in 0..100 {
            assert_eq!(g.check("a", rested), Ok(()));
        }
    }
}
