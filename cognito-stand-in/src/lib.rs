//! A local stand-in for the Amazon Cognito user-pool API, for development and end-to-end tests.
//!
//! No public emulator supports `USER_AUTH` with `EMAIL_OTP`, so this one speaks Cognito's AWS JSON
//! 1.1 protocol (`X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`) for the calls the
//! booking-auth functions make, signs RS256 tokens with Cognito's claim sets, serves the pool's JWKS
//! and OpenID configuration, and delivers email codes to a local inbox. It mirrors documented
//! behaviour: 8-digit codes, a session validity (3 minutes by default), `CodeMismatchException` on a
//! wrong code, `NotAuthorizedException` for expired or reused sessions and for revoked refresh tokens.
//!
//! Where AWS is silent, `Settings::undocumented` (and `max_code_attempts`, `daily_email_limit`)
//! play each alternative a deployed pool may show; `scripts/conformance` settles them on a real
//! account.
//!
//! Control endpoints (not part of Cognito): `GET /_inbox?email=`, `POST /_faults`, `DELETE /_faults`,
//! `POST /_config`, `POST /_reset`, `GET /_health`.

pub mod keys;
mod ops;
mod pool;
mod server;
mod state;

pub use keys::PoolKeys;
pub use pool::StandIn;
pub use server::serve;
pub use state::{IssuerFormat, Settings, Undocumented, UserExistenceErrors, now};
