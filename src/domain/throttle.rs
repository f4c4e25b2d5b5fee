//! The sign-in throttle (the review's F6): failures slow sign-ins down instead of locking
//! accounts. Failures are counted over a window (the rule table's `security.lockout_minutes`)
//! by three keys, each with its own threshold: the pair (user name, client address) — someone
//! mistyping their own password —, the client address — one machine trying many names; an
//! office behind one address has many users, so it may fail more —, and the user name from
//! anywhere — many machines trying one account. Below its threshold a key does not slow
//! anything down; from it, the next attempt waits 1 second after the key's last failure,
//! doubling with every further failure, never longer than the window. Nobody's failures lock
//! another person out for the whole window, and a guessing attacker gets exponentially fewer
//! guesses.

use chrono::Duration;

/// Which key a count is for, and its threshold as a multiple of the base (`max_failed_logins`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The same user name from the same address.
    Pair,
    /// Any user name from the same address.
    Client,
    /// The same user name from any address.
    User,
}

impl Key {
    pub const ALL: [Key; 3] = [Key::Pair, Key::Client, Key::User];

    /// Failures the key may have in the window before sign-ins wait.
    pub fn threshold(self, base: i64) -> i64 {
        match self {
            Key::Pair => base,
            Key::Client => base * 4,
            Key::User => base * 10,
        }
    }
}

/// How long after its last failure a key with `failures` failures in the window makes the next
/// sign-in wait.
pub fn backoff(failures: i64, threshold: i64, window: Duration) -> Duration {
    if failures < threshold {
        return Duration::zero();
    }
    let doublings = u32::try_from((failures - threshold).min(30)).unwrap_or(30);
    Duration::seconds(1_i64 << doublings).min(window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_below_the_threshold_do_not_slow_down() {
        let w = Duration::minutes(15);
        assert_eq!(backoff(0, 5, w), Duration::zero());
        assert_eq!(backoff(4, 5, w), Duration::zero());
    }

    #[test]
    fn from_the_threshold_the_wait_doubles_up_to_the_window() {
        let w = Duration::minutes(15);
        // The 5th failure of a threshold of 5: 1 s; then 2, 4, … 512 s; the 15th would be
        // 1024 s, more than the window's 900 s.
        assert_eq!(backoff(5, 5, w), Duration::seconds(1));
        assert_eq!(backoff(6, 5, w), Duration::seconds(2));
        assert_eq!(backoff(14, 5, w), Duration::seconds(512));
        assert_eq!(backoff(15, 5, w), w);
        assert_eq!(backoff(1_000_000, 5, w), w);
    }

    #[test]
    fn an_address_and_an_account_may_fail_more_than_a_pair() {
        assert_eq!(Key::Pair.threshold(5), 5);
        assert_eq!(Key::Client.threshold(5), 20);
        assert_eq!(Key::User.threshold(5), 50);
    }
}
