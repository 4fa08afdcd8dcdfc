//! Rules without I/O: email addresses, codes and send limits, identifiers, time, pages of stays,
//! and the error type every layer returns. Nothing here calls AWS or reads the environment;
//! everything is tested with plain values.

pub mod agentcore;
pub mod budget;
pub mod clock;
pub mod email;
pub mod error;
pub mod gateway_headers;
pub mod ids;
pub mod otp;
pub mod signals;
pub mod stays;
