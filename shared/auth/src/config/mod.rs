//! Configuration, read once at cold start from environment variables. Every variable is declared
//! once in [`settings`] (name, default, bounds, meaning, stack parameter); the readers here turn
//! them into the typed values the other layers take. A missing or malformed variable fails
//! start-up with a message naming it.

mod cognito;
mod deploy;
mod env;
mod envelope;
mod jwt;
mod policies;
pub mod settings;
mod tables;
mod trust;

pub use cognito::{CognitoConfig, RefreshConfig, TrustedIssuer};
pub use deploy::{Deploy, Grant, Resource};
pub use env::Env;
pub use envelope::{CorsConfig, GuestTokenConfig, TokenArgument};
pub use jwt::{JwtConfig, revocation_check};
pub use policies::{budget_policy, otp_policy};
pub use tables::{Key, Table};
pub use trust::TrustStore;
