//! Passwordless email sign-in for AI booking assistants on AWS: the shared core of the five
//! Lambda functions (`initiate-login`, `verify-otp`, `refresh`, `reservations`, `sign-out`).
//!
//! Pure rules live in plain modules (`email`, `otp`, `ids`, `error`, `config`); I/O sits in thin
//! adapters over the AWS SDK (`cognito`, `login`, `guests`, `reservations`) and the JWKS fetch
//! (`jwt`); `envelope` and `runtime` put every caller kind in front of one handler core.

pub mod clock;
pub mod cognito;
pub mod config;
pub mod contracts;
pub mod email;
pub mod envelope;
pub mod error;
pub mod guests;
pub mod ids;
pub mod jwt;
pub mod lambda;
pub mod login;
pub mod my_reservations;
pub mod otp;
pub mod reservations;
pub mod revocation;
pub mod runtime;
pub mod telemetry;
pub mod tls;
pub mod tools;
pub mod upstream;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use error::{AuthError, ConfigError, ErrorCode};
