//! Citizen feedback (phản ánh, kiến nghị): the report's life cycle, its public status in
//! Open311 GeoReport v2 terms, and the checks on where a report is.

use serde::{Deserialize, Serialize};

text_enum! {
    /// Where a report stands. Richer than Open311's open/closed, which `open311_status` derives.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Status {
        /// Filed, not yet routed (no rule matched) or waiting for the coordinator.
        Received = "received",
        /// Routed to the responsible agency, not yet taken up.
        Assigned = "assigned",
        /// The agency is working on it.
        InProgress = "in_progress",
        /// The agency answered publicly; the reporter may rate it or reopen it once.
        Answered = "answered",
        /// Finished: rated, or the reopening window passed.
        Closed = "closed",
        /// Out of scope, with a reason.
        Rejected = "rejected",
        /// Merged into another report; its followers follow that one.
        Duplicate = "duplicate",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Action {
        /// Route (or re-route) to an agency: by the rules or by the coordinator.
        Assign = "assign",
        /// An official of the agency takes it up.
        Accept = "accept",
        Answer = "answer",
        Reject = "reject",
        /// The reporter, not satisfied, reopens an answered report (once).
        Reopen = "reopen",
        /// The reporter rates the answer, which closes the report.
        Rate = "rate",
        MarkDuplicate = "mark_duplicate",
    }
}

impl Action {
    /// Whether the action cannot be undone, so that pages confirm it first: a rejected report
    /// stays rejected, a merged one hands its followers to the other report.
    pub fn is_irreversible(self) -> bool {
        matches!(self, Action::Reject | Action::MarkDuplicate)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Không thể thực hiện thao tác này với phản ánh ở trạng thái hiện tại.")]
    NotAllowed,
    #[error("Phản ánh chỉ được mở lại một lần.")]
    AlreadyReopened,
}

/// The next status, or why not. `reopened` says whether the report was reopened before.
pub fn transition(from: Status, action: Action, reopened: bool) -> Result<Status, TransitionError> {
    use Status::*;
    match (from, action) {
        (Received | Assigned | InProgress, Action::Assign) => Ok(Assigned),
        (Assigned, Action::Accept) => Ok(InProgress),
        (Assigned | InProgress, Action::Answer) => Ok(Answered),
        (Received | Assigned | InProgress, Action::Reject) => Ok(Rejected),
        (Answered, Action::Reopen) if reopened => Err(TransitionError::AlreadyReopened),
        (Answered, Action::Reopen) => Ok(InProgress),
        (Answered, Action::Rate) => Ok(Closed),
        (Received | Assigned | InProgress, Action::MarkDuplicate) => Ok(Duplicate),
        _ => Err(TransitionError::NotAllowed),
    }
}

/// Whether the report still waits for the agency (its deadline runs).
pub fn is_open(status: Status) -> bool {
    matches!(
        status,
        Status::Received | Status::Assigned | Status::InProgress
    )
}

/// Open311 GeoReport v2 knows only `open` and `closed`.
pub fn open311_status(status: Status) -> &'static str {
    if is_open(status) { "open" } else { "closed" }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointError {
    #[error("Vĩ độ và kinh độ phải là số.")]
    NotANumber,
    #[error("Vị trí nằm ngoài lãnh thổ Việt Nam.")]
    OutsideVietnam,
}

/// Checks a point against Vietnam's extent (mainland and the Hoàng Sa / Trường Sa
/// archipelagos). A bounding-box test: it refuses mistakes such as swapped or zero
/// coordinates; it cannot tell a border village from the neighbour's.
pub fn check_point(lat: f64, lon: f64) -> Result<(f64, f64), PointError> {
    if !lat.is_finite() || !lon.is_finite() {
        return Err(PointError::NotANumber);
    }
    let mainland = (8.1..=23.45).contains(&lat) && (102.1..=109.5).contains(&lon);
    let islands = (6.0..=17.2).contains(&lat) && (109.5..=117.9).contains(&lon);
    if mainland || islands {
        Ok((lat, lon))
    } else {
        Err(PointError::OutsideVietnam)
    }
}

/// Distance in metres between two points (haversine), for "similar reports nearby".
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_000.0;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = la2 - la1;
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

/// Word overlap between two texts (Jaccard over folded words of 3+ letters), 0 to 1, for
/// suggesting duplicates while a citizen writes.
pub fn similarity(a: &str, b: &str) -> f64 {
    let words = |s: &str| -> std::collections::BTreeSet<String> {
        crate::text::fold(s)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3)
            .map(str::to_owned)
            .collect()
    };
    let (x, y) = (words(a), words(b));
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    x.intersection(&y).count() as f64 / x.union(&y).count() as f64
}

/// Who filed a report, for deciding what the public may know of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filer {
    /// Someone without an account (the web form, an Open311 client): the name they typed sits
    /// under "contact (kept private)", so it is never shown.
    Anonymous,
    /// A signed-in account; `opted_in` is the box "show my name" ticked on the form (off by
    /// default).
    Account { opted_in: bool },
}

/// The reporter's name as the public may see it, or `None` ("name not shown"). Contact details
/// (email, phone) are never public whoever filed.
pub fn public_reporter_name(filer: Filer, name: &str) -> Option<&str> {
    let name = name.trim();
    match filer {
        Filer::Account { opted_in: true } if !name.is_empty() => Some(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn status_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&Status::ALL, Status::as_str);
    }

    #[test]
    fn action_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&Action::ALL, Action::as_str);
    }

    #[test]
    fn rejecting_and_merging_are_irreversible_the_rest_is_not() {
        use super::Action::*;
        assert!(Reject.is_irreversible() && MarkDuplicate.is_irreversible());
        for a in [Assign, Accept, Answer, Reopen, Rate] {
            assert!(!a.is_irreversible(), "{a:?}");
        }
    }

    use super::*;
    use Status::*;
    use proptest::prelude::*;

    #[test]
    fn a_report_is_routed_answered_reopened_once_and_closed() {
        let s = transition(Received, Action::Assign, false).unwrap();
        let s = transition(s, Action::Accept, false).unwrap();
        let s = transition(s, Action::Answer, false).unwrap();
        assert_eq!(open311_status(s), "closed");
        let s = transition(s, Action::Reopen, false).unwrap();
        assert_eq!((s, open311_status(s)), (InProgress, "open"));
        let s = transition(s, Action::Answer, true).unwrap();
        assert_eq!(
            transition(s, Action::Reopen, true),
            Err(TransitionError::AlreadyReopened)
        );
        assert_eq!(transition(s, Action::Rate, true), Ok(Closed));
        assert_eq!(
            transition(Closed, Action::Answer, true),
            Err(TransitionError::NotAllowed)
        );
        assert_eq!(
            transition(Received, Action::Accept, false),
            Err(TransitionError::NotAllowed)
        );
        assert_eq!(
            transition(InProgress, Action::Assign, false),
            Ok(Assigned),
            "a coordinator re-routes"
        );
    }

    #[test]
    fn points_outside_vietnam_are_refused() {
        assert!(check_point(19.8067, 105.7852).is_ok(), "Thanh Hóa");
        assert!(check_point(10.7769, 106.7009).is_ok(), "Hồ Chí Minh City");
        assert!(check_point(8.65, 111.92).is_ok(), "Trường Sa");
        assert_eq!(
            check_point(105.78, 19.80),
            Err(PointError::OutsideVietnam),
            "swapped"
        );
        assert_eq!(check_point(0.0, 0.0), Err(PointError::OutsideVietnam));
        assert_eq!(
            check_point(48.85, 2.35),
            Err(PointError::OutsideVietnam),
            "Paris"
        );
        assert_eq!(check_point(f64::NAN, 105.0), Err(PointError::NotANumber));
    }

    #[test]
    fn only_a_signed_in_reporter_who_opted_in_is_named_in_public() {
        let name = "Lê Văn Tâm";
        assert_eq!(public_reporter_name(Filer::Anonymous, name), None);
        assert_eq!(
            public_reporter_name(Filer::Account { opted_in: false }, name),
            None
        );
        assert_eq!(
            public_reporter_name(Filer::Account { opted_in: true }, name),
            Some(name)
        );
        assert_eq!(
            public_reporter_name(Filer::Account { opted_in: true }, "  "),
            None
        );
    }

    #[test]
    fn nearby_and_similar_reports_are_found() {
        let d = distance_m((19.8067, 105.7852), (19.8076, 105.7852));
        assert!((90.0..110.0).contains(&d), "{d}");
        assert!(similarity("Ổ gà lớn trên đường Lê Lai", "duong Le Lai co o ga rat lon") > 0.3);
        assert!(similarity("Rác thải ven sông", "Đèn đường hỏng") < 0.1);
        assert_eq!(similarity("", "abc"), 0.0);
    }

    proptest! {
        #[test]
        fn closed_reports_stay_closed(i in 0usize..7, reopened in any::<bool>()) {
            let actions = [Action::Assign, Action::Accept, Action::Answer, Action::Reject, Action::Reopen, Action::Rate, Action::MarkDuplicate];
            for s in [Closed, Rejected, Duplicate] {
                prop_assert!(transition(s, actions[i], reopened).is_err());
            }
        }

        #[test]
        fn similarity_is_bounded(a in "\\PC{0,60}", b in "\\PC{0,60}") {
            let s = similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
        }
    }
}
