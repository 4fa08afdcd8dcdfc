//! STS's `AssumeRoleWithWebIdentity` for the Identity Pool's OpenID tokens: the basic flow's second
//! half (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>).
//! Each role trusts the pool's tokens as the trust policies AWS documents for identity pools
//! (<https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html>):
//! `aud` is the pool and `amr` says `unauthenticated` for the guest role, `authenticated` for the
//! signed-in role.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, Validation, decode};
use serde::Deserialize;

use crate::LocalRuntime;
use crate::aws_error::{AwsError, xml_escape};
use crate::identity_pool::OPENID_ISSUER;
use crate::store::Role;

#[derive(Debug, Deserialize)]
struct OpenIdClaims {
    sub: String,
    #[serde(default)]
    amr: Vec<String>,
}

/// A form body's fields, decoded.
pub fn form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode_form(k), decode_form(v)))
        .collect()
}

fn decode_form(raw: &str) -> String {
    percent_encoding::percent_decode_str(&raw.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

impl LocalRuntime {
    /// The XML answer, or the error to answer in STS's shape.
    pub(crate) fn sts(
        &self,
        fields: &HashMap<String, String>,
        request_id: &str,
    ) -> Result<String, AwsError> {
        let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
        if field("Action") != "AssumeRoleWithWebIdentity" {
            return Err(AwsError::new(
                400,
                "InvalidAction",
                format!(
                    "Could not find operation {} for version 2011-06-15",
                    field("Action")
                ),
            ));
        }
        let role_arn = field("RoleArn");
        let session_name = field("RoleSessionName");
        let mut rules = Validation::new(Algorithm::RS256);
        rules.set_issuer(&[OPENID_ISSUER]);
        rules.set_audience(&[&self.config.identity_pool_id]);
        let claims = match decode::<OpenIdClaims>(
            field("WebIdentityToken"),
            &self.openid_decoding,
            &rules,
        ) {
            Ok(token) => token.claims,
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                return Err(AwsError::new(
                    400,
                    "ExpiredTokenException",
                    "Token expired: current date/time is past the token's expiry.",
                ));
            }
            Err(_) => {
                return Err(AwsError::new(
                    400,
                    "InvalidIdentityToken",
                    "Couldn't verify signed token.",
                ));
            }
        };
        let wanted = if role_arn == self.config.guest_role {
            Some((Role::Guest, "unauthenticated"))
        } else if role_arn == self.config.signed_in_role {
            Some((Role::SignedIn, "authenticated"))
        } else {
            None
        };
        let Some((role, _)) = wanted.filter(|(_, amr)| claims.amr.iter().any(|a| a == amr)) else {
            return Err(AwsError::new(
                403,
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            ));
        };
        let (access_key, issued) = self.issue(role, session_name, false);
        let expiration = crate::iso8601(issued.expires_at);
        Ok(format!(
            "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken><Audience>{}</Audience><AssumedRoleUser><Arn>{}</Arn><AssumedRoleId>AROALOCAL0000000000:{}</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>{access_key}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{expiration}</Expiration></Credentials><Provider>cognito-identity.amazonaws.com</Provider></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>",
            xml_escape(&claims.sub),
            xml_escape(&self.config.identity_pool_id),
            xml_escape(&issued.principal),
            xml_escape(session_name),
            issued.secret,
            issued.session_token,
        ))
    }
}
