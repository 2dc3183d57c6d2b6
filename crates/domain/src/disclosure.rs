//! Publishing statistics without exposing a person: small-cell suppression for the public
//! statistics page. A rate computed from one or two dossiers tells whoever knows the applicant
//! how their dossier went (late, or how they rated the office), so a rate is published only
//! when it stands for at least `MIN_PUBLIC_COUNT` cases; and a total is published only if the
//! cases it holds beyond the published rows are none or at least as many, so that subtracting
//! the published rows from it never isolates fewer than `MIN_PUBLIC_COUNT` cases.

/// The smallest number of cases (dossiers, reports, ratings) behind a published rate.
pub const MIN_PUBLIC_COUNT: u64 = 5;

/// Which rows' rates may be published, and whether the total's may: `denominators` are the
/// rows' case counts (e.g. dossiers processed), `total` the total's (which may exceed their sum
/// when rows are not all shown).
pub fn publishable(denominators: &[u64], total: u64) -> (Vec<bool>, bool) {
    let rows: Vec<bool> = denominators
        .iter()
        .map(|&n| n >= MIN_PUBLIC_COUNT)
        .collect();
    let published: u64 = denominators
        .iter()
        .zip(&rows)
        .filter(|(_, shown)| **shown)
        .map(|(n, _)| n)
        .sum();
    let rest = total.saturating_sub(published);
    let total_shown = total >= MIN_PUBLIC_COUNT && (rest == 0 || rest >= MIN_PUBLIC_COUNT);
    (rows, total_shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rates_of_few_cases_are_withheld() {
        assert_eq!(
            publishable(&[12, 4, 0, 5], 21),
            (vec![true, false, false, true], false),
            "the total minus the published rows would be the 4 withheld cases"
        );
        assert_eq!(
            publishable(&[12, 3, 3], 18),
            (vec![true, false, false], true),
            "6 withheld cases together may be read from the total"
        );
        assert_eq!(publishable(&[4], 4), (vec![false], false));
        assert_eq!(publishable(&[], 0), (vec![], false));
    }

    proptest! {
        /// Whatever is published, the cases behind any rate, or behind the difference between
        /// the total and the published rows, are never 1 to 4.
        #[test]
        fn nothing_published_isolates_fewer_than_the_minimum(rows in proptest::collection::vec(0u64..12, 0..8)) {
            let total: u64 = rows.iter().sum();
            let (shown, total_shown) = publishable(&rows, total);
            for (n, s) in rows.iter().zip(&shown) {
                prop_assert!(!s || *n >= MIN_PUBLIC_COUNT);
            }
            if total_shown {
                let rest: u64 = rows.iter().zip(&shown).filter(|(_, s)| !**s).map(|(n, _)| n).sum();
                prop_assert!(rest == 0 || rest >= MIN_PUBLIC_COUNT);
                prop_assert!(total >= MIN_PUBLIC_COUNT);
            }
        }
    }
}
