//! Sign-in rules that need no I/O: code format, the per-email send limit, attempts per code.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::error::AuthError;

/// Server-side sign-in rules: how often codes may be sent and how many guesses a code allows.
/// The defaults are [`OtpPolicy::DEFAULT`]; `config` reads each from its environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpPolicy {
    /// Must equal the app client's `AuthSessionValidity`: the login record lives exactly as long.
    pub session_validity: Duration,
    pub resend_cooldown: Duration,
    pub max_sends_per_window: u32,
    pub send_window: Duration,
    pub max_attempts: u32,
}

impl OtpPolicy {
    pub const DEFAULT: Self = Self {
        session_validity: Duration::from_secs(3 * 60),
        resend_cooldown: Duration::from_secs(30),
        max_sends_per_window: 5,
        send_window: Duration::from_secs(15 * 60),
        max_attempts: 3,
    };
}

impl Default for OtpPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A one-time code as the guest typed it, reduced to its digits.
///
/// Cognito's email codes are 8 digits today; 6 to 8 are accepted so a pool configured otherwise,
/// or a future change, does not break sign-in. `Debug` hides the digits.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

impl OtpCode {
    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        // Guests copy codes with spaces or dashes ("1234 5678"); those are not part of the code.
        let digits: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if (6..=8).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(AuthError::InvalidOtpFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpCode(***)")
    }
}

/// When codes were sent to one address recently (epoch seconds, oldest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendHistory {
    pub sends: Vec<i64>,
}

/// The per-address send limits at one moment, as bounds on the address's latest sends: a send is
/// admitted when the latest is at most `latest_at_most` (a cooldown ago) and the `kept`-th latest
/// at most `oldest_at_most` (out of the window). [`SendHistory::admit`] applies them to a history
/// in memory; the login store writes them into a conditional update, so the rule is stated once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendBounds {
    /// How many of the latest sends the rule looks at: `max_sends_per_window`, at least one.
    pub kept: usize,
    pub latest_at_most: i64,
    pub oldest_at_most: i64,
    /// When a record whose latest send is now may go: every send has left the window and the
    /// cooldown.
    pub expires_at: i64,
}

impl SendBounds {
    pub fn at(now: i64, policy: &OtpPolicy) -> Self {
        let (window, cooldown) = (secs(policy.send_window), secs(policy.resend_cooldown));
        Self {
            kept: policy.max_sends_per_window.max(1) as usize,
            latest_at_most: now - cooldown,
            oldest_at_most: now - window,
            expires_at: now + window.max(cooldown),
        }
    }
}

impl SendHistory {
    /// Decide whether a code may be sent at `now`. On yes, the history to store (pruned to the window,
    /// with `now` appended); on no, `RateLimited` with the seconds until the next send is allowed.
    pub fn admit(&self, now: i64, policy: &OtpPolicy) -> Result<SendHistory, AuthError> {
        let bounds = SendBounds::at(now, policy);
        let mut recent: Vec<i64> = self
            .sends
            .iter()
            .copied()
            .filter(|t| *t > bounds.oldest_at_most && *t <= now)
            .collect();
        recent.sort_unstable();
        let cooldown_wait = recent
            .last()
            .map(|last| last - bounds.latest_at_most)
            .unwrap_or(0);
        let window_wait = if recent.len() >= bounds.kept {
            // The oldest send that must leave the window before another fits.
            recent[recent.len() - bounds.kept] - bounds.oldest_at_most
        } else {
            0
        };
        let wait = cooldown_wait.max(window_wait);
        if wait > 0 {
            return Err(AuthError::RateLimited {
                retry_after: wait as u64,
            });
        }
        recent.push(now);
        Ok(SendHistory { sends: recent })
    }
}

/// The outcome of a wrong code, given the attempt count already recorded on the server.
pub fn wrong_code(attempts: u32, policy: &OtpPolicy) -> AuthError {
    if attempts >= policy.max_attempts {
        AuthError::MaxAttempts { attempts }
    } else {
        AuthError::InvalidOtp {
            attempts,
            remaining: policy.max_attempts - attempts,
        }
    }
}

fn secs(d: Duration) -> i64 {
    d.as_secs() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_six_to_eight_digits_ignoring_separators() {
        assert_eq!(OtpCode::parse("12345678").unwrap().as_str(), "12345678");
        assert_eq!(OtpCode::parse("123456").unwrap().as_str(), "123456");
        assert_eq!(OtpCode::parse(" 1234 5678 ").unwrap().as_str(), "12345678");
        assert_eq!(OtpCode::parse("1234-567").unwrap().as_str(), "1234567");
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "12345",
            "123456789",
            "12a45678",
            "１２３４５６",
            "12.3456",
            "+1234567",
        ] {
            assert!(
                matches!(OtpCode::parse(bad), Err(AuthError::InvalidOtpFormat)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_hides_the_code() {
        assert_eq!(
            format!("{:?}", OtpCode::parse("12345678").unwrap()),
            "OtpCode(***)"
        );
    }

    #[test]
    fn first_send_is_admitted() {
        let p = OtpPolicy::default();
        let next = SendHistory::default().admit(1_000, &p).unwrap();
        assert_eq!(next.sends, vec![1_000]);
        assert_eq!(SendBounds::at(1_000, &p).expires_at, 1_900);
    }

    #[test]
    fn resend_within_cooldown_reports_the_wait() {
        let p = OtpPolicy::default();
        let h = SendHistory { sends: vec![1_000] };
        assert!(matches!(
            h.admit(1_010, &p),
            Err(AuthError::RateLimited { retry_after: 20 })
        ));
        assert!(h.admit(1_030, &p).is_ok());
    }

    #[test]
    fn sixth_send_in_the_window_waits_for_the_oldest_to_leave() {
        let p = OtpPolicy::default();
        let h = SendHistory {
            sends: vec![1_000, 1_100, 1_200, 1_300, 1_400],
        };
        // Cooldown long over; window of 900 s still holds five sends.
        assert!(matches!(
            h.admit(1_500, &p),
            Err(AuthError::RateLimited { retry_after: 400 })
        ));
        let next = h.admit(1_900, &p).unwrap();
        assert_eq!(next.sends, vec![1_100, 1_200, 1_300, 1_400, 1_900]);
    }

    #[test]
    fn old_sends_are_pruned_and_future_ones_ignored() {
        let p = OtpPolicy::default();
        let h = SendHistory {
            sends: vec![10, 20, 5_000_000],
        };
        assert_eq!(h.admit(2_000, &p).unwrap().sends, vec![2_000]);
    }

    #[test]
    fn wrong_codes_count_down_then_lock() {
        let p = OtpPolicy::default();
        assert!(matches!(
            wrong_code(1, &p),
            AuthError::InvalidOtp {
                attempts: 1,
                remaining: 2
            }
        ));
        assert!(matches!(
            wrong_code(2, &p),
            AuthError::InvalidOtp {
                attempts: 2,
                remaining: 1
            }
        ));
        assert!(matches!(
            wrong_code(3, &p),
            AuthError::MaxAttempts { attempts: 3 }
        ));
    }
}
