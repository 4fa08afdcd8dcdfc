#!/usr/bin/env bash
# Adding a sixth tool, walked through in a scratch copy of the repository: `who_am_i`, served by
# functions/who-am-i, which verifies the guest's access token and answers its `sub`.
#
# It writes only the three places docs/architecture.md §4 names (the contract file and its catalog
# line; the function crate with its DEPLOY and its sample payload; one line in infra/generate),
# runs the one command (BLESS=1 cargo test -p booking-auth-generate; here its test targets with the
# whole workspace's features, below), and then shows that
# everything else followed: the generators are current, the tool builds and answers its fixture,
# the SAM template has its function, route, policy, log group, Gateway target and permission and
# passes cfn-lint and sam validate, the CDK app synthesises it with the same resources
# (sam_cdk_agree), the contract package has its types, and no file outside those places was
# edited by hand.
#
# Needs scripts/setup-local and `npm ci` in infra/cdk and packages/contract; the scratch copy is
# removed afterwards. It builds in the repository's own target/: the scratch's crates get artifacts
# of their own (their paths differ), and the dependencies, built with the features the whole
# workspace resolves, are the test build's (README command 2 runs this after it). Its one binary is
# who-am-i, so nothing of the repository's own in target/debug is replaced.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# One fixed place, so a second run's artifacts replace the first's instead of adding to target/.
work="$root/target/sixth-tool"
rm -rf "$work"
trap 'rm -rf "$work"' EXIT
scratch="$work/repo"
mkdir -p "$scratch"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cd "$root"
# The tracked files as they are now, changes not yet committed included.
tree="$(git stash create)"
git archive "${tree:-HEAD}" | tar -x -C "$scratch"
ln -s "$root/infra/cdk/node_modules" "$scratch/infra/cdk/node_modules"
ln -s "$root/packages/contract/node_modules" "$scratch/packages/contract/node_modules"
cd "$scratch"
git init -q && git add -A && git -c user.name=walk -c user.email=walk@localhost commit -qm before

echo "== 1. the contract: a file and one catalog line"
cat > shared/auth/src/contract/who_am_i.rs <<'EOF'
//! `who_am_i`: the signed-in guest's Cognito user id.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Secret, ToolContract};

/// Served by `functions/who-am-i`; acts for a signed-in guest, readable with HTTP `GET`.
pub struct WhoAmIContract;

impl ToolContract for WhoAmIContract {
    const NAME: &'static str = "who_am_i";
    const FUNCTION: &'static str = "who-am-i";
    const OUTPUT_NAME: &'static str = "who-am-i";
    const HTTP_GET: bool = true;
    const BEARER: bool = true;
    const TOKEN_ARGUMENT: Option<&'static str> = Some("auth_token");
    const DESCRIPTION: &'static str = "Say which guest is signed in: their Cognito user id. Call it when \
             you need to know whether the guest has signed in. The guest's access token is sent by the \
             agent's code, not by you. Failures: AUTH_REQUIRED → sign the guest in first (initiate_login); \
             TOKEN_EXPIRED → call refresh, then retry once; INVALID_TOKEN → ask the guest to sign in again.";
    type Args = WhoAmIArgs;
    type Output = WhoAmI;
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct WhoAmIArgs {
    /// Used only when no guest-token header came with the call.
    #[serde(default)]
    pub auth_token: Option<Secret>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, JsonSchema)]
pub struct WhoAmI {
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// The Cognito user id (`sub`).
    pub cognito_sub: String,
}
EOF
python3 - <<'EOF'
import re
p = "shared/auth/src/contract/mod.rs"
t = open(p).read()
t = t.replace("mod verify_otp;", "mod verify_otp;\nmod who_am_i;", 1)
t = t.replace("pub use verify_otp::{VerifyOtpArgs, VerifyOtpContract};",
              "pub use verify_otp::{VerifyOtpArgs, VerifyOtpContract};\npub use who_am_i::{WhoAmI, WhoAmIArgs, WhoAmIContract};", 1)
t, n = re.subn(r"(        ToolSpec::of::<SignOutContract>\(\),\n)", r"\1        ToolSpec::of::<WhoAmIContract>(),\n", t)
assert n == 1, "the catalog"
open(p, "w").write(t)
EOF

echo "== 2. the function crate: the tool, its DEPLOY, its wiring and a sample payload"
mkdir -p functions/who-am-i/src events/who-am-i
sed 's/^name = "sign-out"/name = "who-am-i"/' functions/sign-out/Cargo.toml > functions/who-am-i/Cargo.toml
cat > functions/who-am-i/src/lib.rs <<'EOF'
//! `who_am_i`: verify the guest's access token and say whose it is.

use booking_auth::AuthError;
use booking_auth::config::settings::{COGNITO, JWT};
use booking_auth::config::Deploy;
use booking_auth::contract::{Secret, ToolContract, WhoAmI, WhoAmIArgs, WhoAmIContract};
use booking_auth::invoke::{CallContext, Tool};
use booking_auth::jwt::{JwtVerifier, TokenUse};

/// What this function needs from its stack: it reads the pool's settings, answers `GET /me`, and
/// calls no AWS API (the keys it verifies with are public).
pub const DEPLOY: Deploy = Deploy {
    function: <WhoAmIContract as ToolContract>::FUNCTION,
    settings: &[COGNITO, JWT],
    route: Some("/me"),
    grants: &[],
};

pub struct WhoAmITool {
    pub verifier: JwtVerifier,
}

impl Tool for WhoAmITool {
    type Contract = WhoAmIContract;

    async fn call(&self, args: WhoAmIArgs, ctx: &CallContext) -> Result<WhoAmI, AuthError> {
        let token = ctx
            .token_or(args.auth_token.as_ref().map(Secret::expose))?
            .ok_or(AuthError::AuthRequired)?;
        let claims = self.verifier.verify(&token, TokenUse::Access).await?;
        Ok(WhoAmI { success: true, cognito_sub: claims.sub.clone() })
    }
}
EOF
mkdir -p functions/who-am-i/tests
cat > functions/who-am-i/tests/gateway_fixture.rs <<'EOF'
//! The tool answers its sample Gateway payload.

use booking_auth_testing::{StaticJwks, TestKey, access_claims, invoke_fixture, verifier};
use who_am_i::WhoAmITool;

#[tokio::test]
async fn the_gateway_fixture_names_the_guest() {
    let key = TestKey::generate("k1");
    let tool = WhoAmITool { verifier: verifier(StaticJwks::new(&[&key])) };
    let token = key.sign(&access_claims("guest-sub-1"));
    let outcome = invoke_fixture(&tool, "who-am-i", "gateway", &[("REPLACE_WITH_ACCESS_TOKEN", &token)]).await;
    assert_eq!(outcome.body["cognito_sub"], "guest-sub-1", "{outcome:?}");
}
EOF
cat > functions/who-am-i/src/main.rs <<'EOF'
//! `who_am_i`: the signed-in guest's Cognito user id.

use booking_auth::config::CognitoConfig;
use booking_auth::invoke::lambda;
use booking_auth::jwt;
use who_am_i::WhoAmITool;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::invoke::runtime::Error> {
    lambda::start(&who_am_i::DEPLOY, |env, aws| {
        let cognito = CognitoConfig::from_env(env)?;
        Ok(WhoAmITool { verifier: jwt::from_env(env, &cognito, aws.trust_store())? })
    })
    .await
}
EOF
echo '{}' > events/who-am-i/gateway.json
sed 's/reservations___get_my_reservations/who-am-i___who_am_i/; s/"bedrockAgentCoreTargetId":"reservations"/"bedrockAgentCoreTargetId":"who-am-i"/' \
  events/reservations/gateway.context.json > events/who-am-i/gateway.context.json

echo "== 3. one line in infra/generate (and its path dependency)"
python3 - <<'EOF'
p = "infra/generate/src/lib.rs"
t = open(p).read()
t = t.replace("    &sign_out::DEPLOY,\n", "    &sign_out::DEPLOY,\n    &who_am_i::DEPLOY,\n", 1)
open(p, "w").write(t)
p = "infra/generate/Cargo.toml"
t = open(p).read()
t = t.replace('sign-out = { path = "../../functions/sign-out" }',
              'sign-out = { path = "../../functions/sign-out" }\nwho-am-i = { path = "../../functions/who-am-i" }', 1)
open(p, "w").write(t)
EOF
grep -q who-am-i infra/generate/Cargo.toml || { echo "infra/generate/Cargo.toml: no sign-out dependency line to follow" >&2; exit 1; }
cargo fmt --all

# `cargo test -p booking-auth-generate` runs these two test targets; named with --workspace, they
# build with the features the whole workspace resolves, as the test build did.
generators=(--workspace --test generated --test tool_definitions)
echo "== the one command"
BLESS=1 cargo test -q "${generators[@]}" >"$work/bless.log" 2>&1 || { cat "$work/bless.log"; exit 1; }
cargo test -q "${generators[@]}" 2>&1 | grep -E "^test result" | sed 's/^/   /'

echo "== what followed"
cargo test -q --workspace --test gateway_fixture 2>&1 | grep -E "^test result" | sed 's/^/   /'
for needle in "WhoAmIFunction:" "Path: /me" "WhoAmITarget:" "!GetAtt WhoAmIFunction.Arn" "WhoAmILogs:" "WhoAmIFunctionArn:"; do
  grep -qF -- "$needle" infra/template.yaml || { echo "the SAM template lacks $needle" >&2; exit 1; }
done
echo "   the SAM template has the function, its route, log group, Gateway target, invoke permission and output"
"$root/.local/venv/bin/cfn-lint" infra/template.yaml
SAM_CLI_TELEMETRY=0 "$root/.local/venv/bin/sam" validate --lint --template infra/template.yaml --region us-east-1 | sed 's/^/   /'
grep -q '"who_am_i"' infra/agentcore/gateway-targets.json && echo "   the Gateway targets list who_am_i"
grep -q 'export interface WhoAmI' packages/contract/src/generated.ts && (cd packages/contract && node scripts/generate.mjs --check) \
  && echo "   the contract package's types have WhoAmI"
(cd infra/cdk && npm run --silent synth >/dev/null)
"$root/.local/venv/bin/python" infra/checks/sam_cdk_agree.py | sed 's/^/   /'

echo "== edited by hand: only the three places"
hand="$(git status --porcelain --untracked-files=all | awk '{print $2}' | grep -vE '^(infra/template\.yaml|infra/generated/|infra/agentcore/|infra/schemas/|docs/|agent/booking_agent/wire\.json|packages/contract/src/generated\.ts|Cargo\.lock|infra/cdk/cdk\.out/)' | sort)"
expected="$(printf '%s\n' events/who-am-i/gateway.context.json events/who-am-i/gateway.json functions/who-am-i/Cargo.toml \
  functions/who-am-i/src/lib.rs functions/who-am-i/src/main.rs functions/who-am-i/tests/gateway_fixture.rs infra/generate/Cargo.toml infra/generate/src/lib.rs \
  shared/auth/src/contract/mod.rs shared/auth/src/contract/who_am_i.rs | sort)"
if [ "$hand" != "$expected" ]; then
  echo "other files changed:" >&2
  diff <(echo "$expected") <(echo "$hand") >&2 || true
  exit 1
fi
echo "$hand" | sed 's/^/   /'
echo "a sixth tool: three places and one command"
