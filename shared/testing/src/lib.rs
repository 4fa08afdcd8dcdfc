//! Test support for `booking-auth`'s integration tests, the functions' handler tests and the
//! benchmarks: RSA keys generated in the test, tokens signed with them, a JWKS served from memory,
//! SDK clients answered by `aws-smithy-mocks`, a Lambda Runtime API on loopback, and the
//! `events/` fixtures. Only ever a dev-dependency, so no shipped binary links it; panicking on a
//! broken fixture is the right failure.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod aws;
mod fixtures;
mod jwks;
mod keys;
pub mod runtime_api;

pub use aws::*;
pub use fixtures::*;
pub use jwks::*;
pub use keys::*;
