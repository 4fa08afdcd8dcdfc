//! The domain's sign-in policies, read from their settings.

use std::time::Duration;

use super::Env;
use super::settings::{
    AUTH_SESSION_VALIDITY_MINUTES, BUDGET_CODES_PER_HOUR, BUDGET_CODES_PER_MINUTE,
    BUDGET_CODES_PER_SOURCE_PER_HOUR, BUDGET_NEW_USERS_PER_HOUR, OTP_MAX_ATTEMPTS,
    OTP_MAX_SENDS_PER_WINDOW, OTP_RESEND_COOLDOWN_SECONDS, OTP_SEND_WINDOW_SECONDS,
};
use crate::domain::budget::BudgetPolicy;
use crate::domain::error::ConfigError;
use crate::domain::otp::OtpPolicy;

/// The per-address send limits and attempts per code (`domain::otp`).
pub fn otp_policy(env: &Env) -> Result<OtpPolicy, ConfigError> {
    Ok(OtpPolicy {
        session_validity: Duration::from_secs(60 * env.number(&AUTH_SESSION_VALIDITY_MINUTES)?),
        resend_cooldown: Duration::from_secs(env.number(&OTP_RESEND_COOLDOWN_SECONDS)?),
        max_sends_per_window: env.count(&OTP_MAX_SENDS_PER_WINDOW)?,
        send_window: Duration::from_secs(env.number(&OTP_SEND_WINDOW_SECONDS)?),
        max_attempts: env.count(&OTP_MAX_ATTEMPTS)?,
    })
}

/// The budgets on sending codes (`domain::budget`): per source and across the pool.
pub fn budget_policy(env: &Env) -> Result<BudgetPolicy, ConfigError> {
    Ok(BudgetPolicy {
        per_source_per_hour: env.count(&BUDGET_CODES_PER_SOURCE_PER_HOUR)?,
        codes_per_minute: env.count(&BUDGET_CODES_PER_MINUTE)?,
        codes_per_hour: env.count(&BUDGET_CODES_PER_HOUR)?,
        new_users_per_hour: env.count(&BUDGET_NEW_USERS_PER_HOUR)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_domains() {
        let none = Env::from_pairs([]);
        assert_eq!(otp_policy(&none).unwrap(), OtpPolicy::DEFAULT);
        assert_eq!(budget_policy(&none).unwrap(), BudgetPolicy::DEFAULT);
    }

    #[test]
    fn budgets_are_read_and_refuse_a_zero_or_a_non_number() {
        let set = budget_policy(&Env::from_pairs([
            ("BUDGET_CODES_PER_SOURCE_PER_HOUR", "5"),
            ("BUDGET_NEW_USERS_PER_HOUR", "7"),
        ]))
        .unwrap();
        assert_eq!((set.per_source_per_hour, set.new_users_per_hour), (5, 7));
        for bad in ["0", "many"] {
            let err = budget_policy(&Env::from_pairs([("BUDGET_CODES_PER_MINUTE", bad)]));
            assert!(err.is_err(), "{bad}");
        }
    }

    #[test]
    fn otp_policy_keeps_cognitos_bounds() {
        let env = Env::from_pairs([("AUTH_SESSION_VALIDITY_MINUTES", "20")]);
        let err = otp_policy(&env).unwrap_err().to_string();
        assert!(
            err.contains("AUTH_SESSION_VALIDITY_MINUTES") && err.contains("between 3 and 15"),
            "{err}"
        );
        let env = Env::from_pairs([("OTP_RESEND_COOLDOWN_SECONDS", "soon")]);
        assert!(
            otp_policy(&env)
                .unwrap_err()
                .to_string()
                .contains("OTP_RESEND_COOLDOWN_SECONDS")
        );
    }
}
