//! The operations centre's pure rules (issue 18, docs/operations-design.md): reporting windows
//! ([`period`]), the index's formula language ([`formula`]), index versions and their scoring
//! ([`index`]), and the counters kept incrementally ([`counters`]). No I/O.

pub mod counters;
pub mod dashboard;
pub mod formula;
pub mod index;
pub mod map;
pub mod period;
pub mod scope;
