//! Passwordless email sign-in for AI booking assistants on AWS: the shared core of the Lambda
//! functions under `functions/`. The folders are the layers; each may import only those above it
//! in this list (`tests/layers.rs` checks):
//!
//! | module | what it holds | may import |
//! |---|---|---|
//! | [`domain`] | rules without I/O: email, codes and send limits and their policies, ids, time, the error type | nothing |
//! | [`config`], [`tls`] | settings read once at start-up: environment variables, outbound HTTPS trust | `domain` (and `tls` reads `config`) |
//! | [`contract`] | the wire contracts of every tool, the failure shape, the generated definitions | `domain` |
//! | [`jwt`] | verifying the tokens callers present | `domain`, `config`, `tls` |
//! | [`aws`] | thin adapters over the AWS SDK (Cognito, DynamoDB) | `domain`, `contract`, `config`, `tls`, `jwt` |
//! | [`invoke`] | the callers' protocols in front of one tool, the invocation loop, start-up | all of the above |
//!
//! A function crate implements [`invoke::Tool`] for one [`contract::ToolContract`] and calls
//! [`invoke::lambda::start`] from its `main`.

pub mod aws;
pub mod config;
pub mod contract;
pub mod domain;
pub mod invoke;
pub mod jwt;
pub mod tls;

pub use domain::error::{AuthError, ConfigError};
