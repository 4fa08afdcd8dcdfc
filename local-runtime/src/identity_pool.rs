//! The Identity Pool's three calls a browser makes
//! (<https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/Welcome.html>): `GetId`,
//! `GetOpenIdToken` (the basic flow's first half; STS's exchange is the second) and
//! `GetCredentialsForIdentity` (the enhanced flow). A guest's identity becomes the signed-in
//! identity when it presents the user pool's ID token in `Logins`; when that login already has an
//! identity, the guest's is merged into it and the answer names the other identity
//! (<https://docs.aws.amazon.com/cognito/latest/developerguide/switching-identities.html>).

use serde_json::{Map, Value, json};

use crate::LocalRuntime;
use crate::aws_error::AwsError;
use crate::store::{Identity, Role};

pub const TARGET_PREFIX: &str = "AWSCognitoIdentityService.";
/// The issuer of the pool's OpenID tokens.
pub const OPENID_ISSUER: &str = "https://cognito-identity.amazonaws.com";
/// How long an OpenID token from `GetOpenIdToken` lasts: ten minutes
/// (<https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetOpenIdToken.html>).
pub const OPENID_TOKEN_SECONDS: i64 = 600;

type Login = (String, String);

fn not_authorized(message: &str) -> AwsError {
    AwsError::new(400, "NotAuthorizedException", message)
}

impl LocalRuntime {
    pub(crate) async fn cognito_identity(
        &self,
        operation: &str,
        body: &Value,
    ) -> Result<Value, AwsError> {
        match operation {
            "GetId" => self.get_id(body).await,
            "GetOpenIdToken" => self.get_open_id_token(body).await,
            "GetCredentialsForIdentity" => self.get_credentials_for_identity(body).await,
            other => Err(AwsError::new(
                400,
                "UnknownOperationException",
                format!("The local Identity Pool does not implement {other}"),
            )),
        }
    }

    /// Each `Logins` entry checked: the provider must be the pool's user pool, the token one of
    /// its ID tokens.
    async fn logins(&self, body: &Value) -> Result<Vec<Login>, AwsError> {
        let Some(logins) = body.get("Logins").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (provider, token) in logins {
            if *provider != self.config.provider.name {
                return Err(not_authorized(
                    "Token is not from a supported provider of this identity pool.",
                ));
            }
            let token = token.as_str().unwrap_or_default();
            let sub = self
                .id_tokens
                .subject(token)
                .await
                .map_err(|why| not_authorized(&format!("Invalid login token. {why}")))?;
            out.push((provider.clone(), sub));
        }
        Ok(out)
    }

    fn new_identity_id(&self) -> String {
        format!("{}:{}", self.config.region, uuid::Uuid::new_v4())
    }

    async fn get_id(&self, body: &Value) -> Result<Value, AwsError> {
        let pool = body
            .get("IdentityPoolId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if pool != self.config.identity_pool_id {
            return Err(AwsError::new(
                400,
                "ResourceNotFoundException",
                format!("IdentityPool '{pool}' not found."),
            ));
        }
        let logins = self.logins(body).await?;
        if logins.is_empty() && !self.config.allow_unauthenticated {
            return Err(not_authorized(
                "Unauthenticated access is not supported for this identity pool.",
            ));
        }
        let mut state = self.state();
        if let Some(existing) = logins.first().and_then(|login| state.linked(login)) {
            return Ok(json!({"IdentityId": existing}));
        }
        let id = self.new_identity_id();
        state.identities.insert(
            id.clone(),
            Identity {
                logins,
                merged_into: None,
            },
        );
        Ok(json!({"IdentityId": id}))
    }

    /// The identity a call with these logins acts for: the guest's own, now linked, or the one
    /// the login already has, which the guest's is merged into.
    fn bind(&self, identity_id: &str, logins: &[Login]) -> Result<(String, Role), AwsError> {
        let mut state = self.state();
        let id = state.resolve(identity_id).ok_or_else(|| {
            AwsError::new(
                400,
                "ResourceNotFoundException",
                format!("Identity '{identity_id}' not found."),
            )
        })?;
        let own = state
            .identities
            .get(&id)
            .map(|i| i.logins.clone())
            .unwrap_or_default();
        let Some(login) = logins.first() else {
            return match own.is_empty() {
                true => Ok((id, Role::Guest)),
                false => Err(not_authorized(
                    "Logins don't match. Please include at least one valid login for this identity or identity pool.",
                )),
            };
        };
        if own.contains(login) {
            return Ok((id, Role::SignedIn));
        }
        if !own.is_empty() {
            return Err(not_authorized(
                "Logins don't match. Please include at least one valid login for this identity or identity pool.",
            ));
        }
        match state.linked(login) {
            Some(other) => {
                if let Some(guest) = state.identities.get_mut(&id) {
                    guest.merged_into = Some(other.clone());
                }
                Ok((other, Role::SignedIn))
            }
            None => {
                if let Some(guest) = state.identities.get_mut(&id) {
                    guest.logins.push(login.clone());
                }
                Ok((id, Role::SignedIn))
            }
        }
    }

    /// The identity a call's `IdentityId` and `Logins` act for, its role, and the logins.
    async fn identity_of(&self, body: &Value) -> Result<(String, Role, Vec<Login>), AwsError> {
        let logins = self.logins(body).await?;
        let requested = body
            .get("IdentityId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (id, role) = self.bind(requested, &logins)?;
        Ok((id, role, logins))
    }

    async fn get_credentials_for_identity(&self, body: &Value) -> Result<Value, AwsError> {
        let (id, role, _) = self.identity_of(body).await?;
        let issued = self.issue(role, "CognitoIdentityCredentials", role == Role::Guest);
        Ok(json!({
            "IdentityId": id,
            "Credentials": {
                "AccessKeyId": issued.0,
                "SecretKey": issued.1.secret,
                "SessionToken": issued.1.session_token,
                "Expiration": issued.1.expires_at,
            }
        }))
    }

    async fn get_open_id_token(&self, body: &Value) -> Result<Value, AwsError> {
        if !self.config.allow_classic_flow {
            return Err(AwsError::new(
                400,
                "InvalidParameterException",
                "Basic (classic) flow is not enabled, please use enhanced flow.",
            ));
        }
        let (id, role, logins) = self.identity_of(body).await?;
        let now = crate::now();
        // What the roles' trust policies test (`cognito-identity.amazonaws.com:amr`).
        let amr: Vec<Value> = match (role, logins.first()) {
            (Role::SignedIn, Some((provider, sub))) => vec![
                json!("authenticated"),
                json!(provider),
                json!(format!(
                    "{provider}:{}:CognitoSignIn:{sub}",
                    self.config.provider.client_id
                )),
            ],
            _ => vec![json!("unauthenticated")],
        };
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(OPENID_ISSUER));
        claims.insert("sub".into(), json!(id));
        claims.insert("aud".into(), json!(self.config.identity_pool_id));
        claims.insert("amr".into(), Value::Array(amr));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + OPENID_TOKEN_SECONDS));
        let token = self
            .openid_key
            .sign(&Value::Object(claims))
            .map_err(|_| AwsError::new(500, "InternalErrorException", "signing failed"))?;
        Ok(json!({"IdentityId": id, "Token": token}))
    }
}
