//! Random and mutated bytes never panic the reader, the validator or the verifier.
mod common;
use common::*;
use proptest::prelude::*;
use tinhso_edxml::*;

fn run(bytes: &[u8]) {
    let _ = Package::read(bytes, MAX, key().verifying_key());
    let _ = Status::read(bytes, MAX, key().verifying_key());
}

fn seeds() -> Vec<Vec<u8>> {
    vec![
        full_package().to_signed_xml(&key()).unwrap(),
        status(StatusCode::Recall).to_signed_xml(&key()).unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        run(&bytes);
    }

    #[test]
    fn random_markup_never_panics(text in "[<>/?!&;#x:=\"' a-zA-Z0-9\\[\\]-]{0,400}") {
        run(text.as_bytes());
    }

    #[test]
    fn mutated_packages_never_panic(
        seed in 0usize..2,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = seeds()[seed].clone();
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        run(&bytes);
    }
}
