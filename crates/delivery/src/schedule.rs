//! When a webhook is attempted (docs/reliability.md#d2): at t0, then +5 s, +5 min,
//! +30 min, +2 h, +5 h, +10 h, +10 h, then every 10 h while within 7 days of
//! t0 — 22 attempts, the last ≈ 167 h 35 min after t0. Offsets are absolute
//! from t0 so the schedule is the same however late a worker ran.

use vipps_domain::{Millis, DAY, HOUR, MINUTE, SECOND};

/// Offsets from t0 of every attempt, the first being 0.
pub fn webhook_offsets() -> Vec<Millis> {
    let mut gaps = vec![
        5 * SECOND,
        5 * MINUTE,
        30 * MINUTE,
        2 * HOUR,
        5 * HOUR,
        10 * HOUR,
        10 * HOUR,
    ];
    let mut offsets = vec![0];
    let mut at = 0;
    loop {
        let gap = if gaps.is_empty() {
            10 * HOUR
        } else {
            gaps.remove(0)
        };
        at += gap;
        if at >= 7 * DAY {
            return offsets;
        }
        offsets.push(at);
    }
}

/// Offsets of a Checkout session callback's attempts: the first, then up to
/// three retries after 1 s, 2 s and 4 s more.
pub fn checkout_callback_offsets() -> Vec<Millis> {
    vec![0, SECOND, 3 * SECOND, 7 * SECOND]
}

/// After attempt number `done` (1 = the first) failed, when the next is due;
/// `None` once the schedule is used up.
pub fn next_attempt(offsets: &[Millis], first_due_at: Millis, done: usize) -> Option<Millis> {
    offsets.get(done).map(|o| first_due_at + o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_two_attempts_within_seven_days() {
        let o = webhook_offsets();
        assert_eq!(o.len(), 22);
        assert_eq!(
            &o[..4],
            &[
                0,
                5 * SECOND,
                5 * SECOND + 5 * MINUTE,
                5 * SECOND + 35 * MINUTE
            ]
        );
        assert_eq!(*o.last().unwrap(), 167 * HOUR + 35 * MINUTE + 5 * SECOND);
        assert!(o.windows(2).all(|w| w[1] - w[0] <= 10 * HOUR));
    }

    #[test]
    fn next_attempt_follows_the_offsets_then_stops() {
        let o = webhook_offsets();
        assert_eq!(next_attempt(&o, 1000, 1), Some(1000 + 5 * SECOND));
        assert_eq!(next_attempt(&o, 1000, 22), None);
    }
}
