//! What the local Runtime front door and Identity Pool are set up with: the resources both stacks
//! deploy, named as a local account would name them.

/// The user pool whose ID tokens the Identity Pool accepts in `Logins`.
#[derive(Debug, Clone)]
pub struct UserPoolProvider {
    /// `cognito-idp.{region}.amazonaws.com/{pool}`: the key of `Logins`.
    pub name: String,
    pub issuer: String,
    pub jwks_url: String,
    pub client_id: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    pub account: String,
    pub identity_pool_id: String,
    /// Guests get an identity (`AllowUnauthenticatedIdentities`).
    pub allow_unauthenticated: bool,
    /// `AllowClassicFlow`: `GetOpenIdToken` and STS's web-identity exchange.
    pub allow_classic_flow: bool,
    pub guest_role: String,
    pub signed_in_role: String,
    pub provider: UserPoolProvider,
    pub runtime_arn: String,
    /// The runtime's `RequestHeaderConfiguration.RequestHeaderAllowlist`.
    pub allowed_headers: Vec<String>,
    /// Where the agent serves AgentCore Runtime's contract (`POST /invocations`).
    pub agent_url: String,
    /// How long issued credentials live (STS's default for a web identity: an hour).
    pub credential_seconds: i64,
    /// Whether the Runtime's data plane answers a browser's CORS preflight. AWS does not document
    /// it (README: "Where AWS is silent"); `false` plays the alternative for scripts/conformance.
    pub runtime_cors: bool,
}

impl Config {
    /// The local stack's resources: `provider` is the Cognito stand-in's pool.
    pub fn local(
        provider: UserPoolProvider,
        agent_url: String,
        allowed_headers: Vec<String>,
    ) -> Self {
        let (region, account) = ("eu-west-1".to_owned(), "000000000000".to_owned());
        Self {
            identity_pool_id: format!("{region}:0c0a1b2c-3d4e-4f50-8a9b-0c0a1b2c3d4e"),
            allow_unauthenticated: true,
            allow_classic_flow: true,
            guest_role: format!("arn:aws:iam::{account}:role/booking-auth-guest"),
            signed_in_role: format!("arn:aws:iam::{account}:role/booking-auth-signed-in"),
            runtime_arn: format!(
                "arn:aws:bedrock-agentcore:{region}:{account}:runtime/booking_agent-LOCAL00001"
            ),
            provider,
            allowed_headers,
            agent_url,
            credential_seconds: 3600,
            runtime_cors: true,
            region,
            account,
        }
    }
}

/// The header allowlist both stacks give the agent's runtime: infra/agentcore/agent-runtime.json,
/// the one home of that fact, read as the stacks read it.
pub fn deployed_header_allowlist() -> Result<Vec<String>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Spec {
        request_header_allowlist: Vec<String>,
    }
    let spec: Spec =
        serde_json::from_str(include_str!("../../infra/agentcore/agent-runtime.json"))?;
    Ok(spec.request_header_allowlist)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_deployed_allowlist_is_the_guest_token_header() {
        assert_eq!(
            super::deployed_header_allowlist().unwrap(),
            ["X-Guest-Authorization"]
        );
    }
}
