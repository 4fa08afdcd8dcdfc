//! Cognito operations, as documented and as the Rust SDK decodes them.

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::keys::b64;
use crate::pool::StandIn;
use crate::state::{Message, RefreshToken, Session, State, Step, User, UserExistenceErrors, now};

mod sign_in;
mod tokens;
mod users;

/// A Cognito error: the SDK maps `__type` to its typed error and keeps `message`.
#[derive(Debug)]
pub struct CognitoError {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
}

fn err(kind: &'static str, message: impl Into<String>) -> CognitoError {
    CognitoError {
        status: 400,
        kind,
        message: message.into(),
    }
}

fn not_authorized(message: &str) -> CognitoError {
    err("NotAuthorizedException", message)
}

pub type OpResult = Result<Value, CognitoError>;

const SESSION_EXPIRED: &str = "Invalid session for the user, session is expired.";
/// Cognito's generic `LimitExceededException` wording (its throttles use it too).
pub(crate) const GENERIC_LIMIT: &str = "Attempt limit exceeded, please try after some time.";
/// Cognito's wording for an expired code elsewhere (`ConfirmSignUp`, `ConfirmForgotPassword`).
const CODE_EXPIRED: &str = "Invalid code provided, please request a code again.";
/// How the default sender's spent daily cap is reported in the field (the wording is not
/// documented): a `LimitExceededException`, the code Cognito's throttles use too.
const DAILY_EMAIL_LIMIT: &str = "Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.";
const SESSION_USED: &str = "Invalid session for the user, session can only be used once.";
const SESSION_INVALID: &str = "Invalid session for the user.";

fn str_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, CognitoError> {
    body.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| err("InvalidParameterException", format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(name))))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn params(body: &Value, name: &str) -> Map<String, Value> {
    body.get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // The system RNG only fails on a broken host; an all-zero value then is still a valid string.
    let _ = aws_lc_rs::rand::fill(&mut buf);
    buf
}

/// Cognito's email sign-in codes are 8 digits.
fn new_code() -> String {
    let bytes = random_bytes(8);
    let n = u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]));
    format!("{:08}", n % 100_000_000)
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn mask(email: &str) -> String {
    let (local, domain) = email.rsplit_once('@').unwrap_or(("", email));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    let tld = domain.rsplit_once('.').map(|(_, t)| t).unwrap_or("");
    format!("{}***@{}***.{tld}", first(local), first(domain))
}

fn attributes(user: &User) -> Value {
    json!([
        {"Name": "sub", "Value": user.sub},
        {"Name": "email_verified", "Value": user.email_verified.to_string()},
        {"Name": "email", "Value": user.email},
    ])
}

/// Whom a sign-in request names. With `PreventUserExistenceErrors` enabled, Cognito answers
/// `USER_AUTH` for an unknown username with a challenge as it would for a user ("responds with a
/// randomly selected challenge from the types the user pool allows"), so the answer does not tell
/// whether the account exists; such a sign-in never succeeds.
enum Caller {
    Known(User),
    Unknown(String),
}

impl Caller {
    /// The key its sessions are kept under: an unknown name gets one no `sub` can equal.
    fn session_key(&self) -> String {
        match self {
            Caller::Known(user) => user.sub.clone(),
            Caller::Unknown(name) => format!("unknown:{}", name.to_ascii_lowercase()),
        }
    }
}

impl StandIn {
    pub(crate) fn dispatch(&self, state: &mut State, operation: &str, body: &Value) -> OpResult {
        match operation {
            "AdminGetUser" => self.admin_get_user(state, body),
            "AdminCreateUser" => self.admin_create_user(state, body),
            "AdminDeleteUser" => self.admin_delete_user(state, body),
            "AdminInitiateAuth" => {
                self.check_pool(body)?;
                self.initiate_auth(state, body)
            }
            "InitiateAuth" => self.initiate_auth(state, body),
            "AdminRespondToAuthChallenge" => {
                self.check_pool(body)?;
                self.respond_to_auth_challenge(state, body)
            }
            "RespondToAuthChallenge" => self.respond_to_auth_challenge(state, body),
            "GetTokensFromRefreshToken" => self.get_tokens_from_refresh_token(state, body),
            "RevokeToken" => self.revoke_token(state, body),
            "GlobalSignOut" => self.global_sign_out(state, body),
            "AdminUserGlobalSignOut" => self.admin_user_global_sign_out(state, body),
            "GetUser" => self.get_user(state, body),
            "ListDevices" => self.list_devices(state, body),
            other => Err(CognitoError {
                status: 400,
                kind: "UnknownOperationException",
                message: format!("The stand-in does not implement {other}"),
            }),
        }
    }

    fn check_pool(&self, body: &Value) -> Result<(), CognitoError> {
        let pool = str_field(body, "UserPoolId")?;
        if pool == self.settings().user_pool_id {
            Ok(())
        } else {
            Err(err(
                "ResourceNotFoundException",
                format!("User pool {pool} does not exist."),
            ))
        }
    }

    fn check_client(&self, body: &Value) -> Result<(), CognitoError> {
        let client = str_field(body, "ClientId")?;
        if client == self.settings().client_id {
            Ok(())
        } else {
            Err(err(
                "ResourceNotFoundException",
                format!("User pool client {client} does not exist."),
            ))
        }
    }

    /// `SECRET_HASH` = Base64(HMAC-SHA256(client secret, username + client id)), when the client has one.
    fn check_secret_hash(&self, username: &str, given: Option<&Value>) -> Result<(), CognitoError> {
        let settings = self.settings();
        let Some(secret) = settings.client_secret.as_deref() else {
            return Ok(());
        };
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
        let expected = base64::engine::general_purpose::STANDARD.encode(
            aws_lc_rs::hmac::sign(&key, format!("{username}{}", settings.client_id).as_bytes())
                .as_ref(),
        );
        if given.and_then(Value::as_str) == Some(expected.as_str()) {
            Ok(())
        } else {
            Err(not_authorized(&format!(
                "Unable to verify secret hash for client {}",
                settings.client_id
            )))
        }
    }

    fn user<'a>(state: &'a State, username: &str) -> Result<&'a User, CognitoError> {
        state
            .find_user(username)
            .ok_or_else(|| err("UserNotFoundException", "User does not exist."))
    }

    /// Who `USERNAME` in auth parameters or challenge responses names, with its `SECRET_HASH`
    /// checked: a user, or, where the app client prevents user existence errors, an unknown name.
    fn caller(&self, state: &State, params: &Map<String, Value>) -> Result<Caller, CognitoError> {
        let username = params
            .get("USERNAME")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                err(
                    "InvalidParameterException",
                    "Missing required parameter USERNAME",
                )
            })?;
        self.check_secret_hash(username, params.get("SECRET_HASH"))?;
        match state.find_user(username) {
            Some(user) => Ok(Caller::Known(user.clone())),
            None if self.settings().prevent_user_existence_errors
                == UserExistenceErrors::Enabled =>
            {
                Ok(Caller::Unknown(username.to_owned()))
            }
            None => Err(err("UserNotFoundException", "User does not exist.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_digits() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn destination_is_masked() {
        assert_eq!(mask("john@example.com"), "j***@e***.com");
    }
}
