//! The stack's own parameters: what an operator chooses at deploy time that no function reads
//! (token validities, the email sender, table protection, the Gateway and the agent, throttling,
//! alarm thresholds). Both stacks declare them from here: the SAM template's generated block, and
//! `settings.json`'s `stack_parameters`, from which the CDK app makes its `CfnParameter`s; and
//! docs/deployment.md's table lists them.

use serde_json::{Value as Json, json};

/// One stack parameter.
pub struct StackParameter {
    pub name: &'static str,
    /// `Number` rather than `String`.
    pub number: bool,
    pub default: &'static str,
    pub values: Values,
    pub description: &'static str,
}

/// What CloudFormation accepts for a parameter.
pub enum Values {
    Any,
    /// At least the first, at most the second if given.
    Range(u64, Option<u64>),
    OneOf(&'static [&'static str]),
    Pattern(&'static str),
}

/// SAM's alone: the CDK app takes the architecture at synth time (`-c architecture=…`).
pub const SAM_ONLY: &[&str] = &["Architecture"];

const FLAG: Values = Values::OneOf(&["true", "false"]);

/// In the order the SAM template lists them.
pub const STACK_PARAMETERS: &[StackParameter] = &[
    StackParameter {
        name: "Architecture",
        number: false,
        default: "arm64",
        values: Values::OneOf(&["arm64", "x86_64"]),
        description: "Lambda architecture of the functions (build with the matching cargo-lambda target).",
    },
    StackParameter {
        name: "AccessTokenValidityMinutes",
        number: true,
        default: "60",
        values: Values::Range(5, Some(1440)),
        description: "Minutes an access token is valid.",
    },
    StackParameter {
        name: "IdTokenValidityMinutes",
        number: true,
        default: "60",
        values: Values::Range(5, Some(1440)),
        description: "Minutes an ID token is valid.",
    },
    StackParameter {
        name: "RefreshTokenValidityDays",
        number: true,
        default: "30",
        values: Values::Range(1, Some(3650)),
        description: "Days a refresh token is valid: how long a guest stays signed in without a code.",
    },
    StackParameter {
        name: "RefreshTokenRotation",
        number: false,
        default: "ENABLED",
        values: Values::OneOf(&["ENABLED", "DISABLED"]),
        description: "With ENABLED every refresh returns a new refresh token and retires the old one.",
    },
    StackParameter {
        name: "SesIdentityArn",
        number: false,
        default: "",
        values: Values::Any,
        description: "ARN of a verified SES identity to send the codes from. Empty uses Cognito's \
            default sender, which is limited to a few dozen emails a day: fine for a trial, not for guests.",
    },
    StackParameter {
        name: "SesFromAddress",
        number: false,
        default: "",
        values: Values::Any,
        description: "The From address for SES, e.g. \"Harbour View <no-reply@example.com>\".",
    },
    StackParameter {
        name: "AcceptCognitoEmailCap",
        number: false,
        default: "false",
        values: FLAG,
        description: "Without SesIdentityArn the deploy is refused unless this is \"true\": Cognito's \
            default sender stops sending codes for the day after a few dozen, and every guest after that \
            is refused EMAIL_QUOTA_EXCEEDED. Set it only for a trial.",
    },
    StackParameter {
        name: "TableDeletionProtection",
        number: false,
        default: "true",
        values: FLAG,
        description: "DynamoDB deletion protection on the three tables.",
    },
    StackParameter {
        name: "CreateGateway",
        number: false,
        default: "true",
        values: FLAG,
        description: "Create an AgentCore Gateway (MCP, AWS_IAM inbound auth) with one Lambda target \
            per function and the generated tool definitions. \"false\" in regions without AgentCore.",
    },
    StackParameter {
        name: "GuestTokenInterceptor",
        number: false,
        default: "false",
        values: FLAG,
        description: "Put the guest-token-interceptor function in front of the Gateway's targets as \
            its REQUEST interceptor: it forwards X-Guest-Authorization to get_my_reservations and \
            sign_out only, and strips any token the model put in their arguments. Needs CreateGateway \"true\".",
    },
    StackParameter {
        name: "AgentCodeBucket",
        number: false,
        default: "",
        values: Values::Any,
        description: "S3 bucket holding the agent's code package (scripts/package-agent uploads it and \
            prints this and AgentCodeKey). Set, the stack also creates the agent's AgentCore Runtime and \
            a Cognito Identity Pool whose guest and signed-in roles may invoke only that runtime. Empty: tools only.",
    },
    StackParameter {
        name: "AgentCodeKey",
        number: false,
        default: "",
        values: Values::Any,
        description: "The package's object key, as scripts/package-agent prints it (named by its SHA-256).",
    },
    StackParameter {
        name: "AgentModel",
        number: false,
        default: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        values: Values::Pattern("^[a-z0-9][a-z0-9.:-]{2,199}$"),
        description: "The Bedrock model the agent calls: an inference profile id (eu., us., global. ...) \
            or a foundation model id. The agent's role may invoke this model only.",
    },
    StackParameter {
        name: "AgentRuntimeName",
        number: false,
        default: "booking_agent",
        values: Values::Pattern("^[a-zA-Z][a-zA-Z0-9_]{0,47}$"),
        description: "The runtime's name (unique in the account and Region).",
    },
    StackParameter {
        name: "LogRetentionDays",
        number: true,
        default: "30",
        // CloudWatch Logs' retention choices.
        values: Values::OneOf(&[
            "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545",
            "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653",
        ]),
        description: "Days the functions' logs and the HTTP API's access logs are kept.",
    },
    StackParameter {
        name: "LoginRouteRateLimit",
        number: true,
        default: "5",
        values: Values::Range(1, None),
        description: "Requests per second the HTTP API lets through to POST /auth/login (steady state).",
    },
    StackParameter {
        name: "LoginRouteBurstLimit",
        number: true,
        default: "10",
        values: Values::Range(1, None),
        description: "Requests the HTTP API lets through to POST /auth/login at once (burst).",
    },
    StackParameter {
        name: "ApiRateLimit",
        number: true,
        default: "50",
        values: Values::Range(1, None),
        description: "Requests per second the HTTP API lets through to each of its other routes.",
    },
    StackParameter {
        name: "ApiBurstLimit",
        number: true,
        default: "100",
        values: Values::Range(1, None),
        description: "Requests the HTTP API lets through to each of its other routes at once.",
    },
    StackParameter {
        name: "AlarmTopicArn",
        number: false,
        default: "",
        values: Values::Any,
        description: "SNS topic the alarms notify; empty for alarms without actions.",
    },
    StackParameter {
        name: "PoolBudgetAlarmPercent",
        number: true,
        default: "80",
        values: Values::Range(1, Some(100)),
        description: "Alarm when a pool-wide sign-in budget (codes per minute or hour, new users per \
            hour) is this full.",
    },
    StackParameter {
        name: "UpstreamErrorsAlarmThreshold",
        number: true,
        default: "10",
        values: Values::Range(1, None),
        description: "Alarm at this many failed Cognito, DynamoDB or JWKS calls in five minutes.",
    },
    StackParameter {
        name: "LockoutsAlarmThreshold",
        number: true,
        default: "20",
        values: Values::Range(1, None),
        description: "Alarm at this many logins locked by wrong codes in five minutes (code guessing).",
    },
    StackParameter {
        name: "JwtRejectionsAlarmThreshold",
        number: true,
        default: "100",
        values: Values::Range(1, None),
        description: "Alarm at this many refused guest tokens in five minutes (forged or replayed tokens).",
    },
];

impl StackParameter {
    /// As CloudFormation declares it. A number's default is written as a number where its values
    /// are a range, and as a string where they are listed: `AllowedValues` are strings in
    /// CloudFormation's schema, and a number default beside them draws cfn-lint's E2015.
    pub fn cloudformation(&self) -> Json {
        let mut out = json!({"Type": if self.number { "Number" } else { "String" }});
        out["Default"] = match (&self.values, self.default.parse::<u64>()) {
            (Values::Range(..), Ok(number)) if self.number => json!(number),
            _ => json!(self.default),
        };
        match self.values {
            Values::Any => {}
            Values::Range(min, max) => {
                out["MinValue"] = json!(min);
                if let Some(max) = max {
                    out["MaxValue"] = json!(max);
                }
            }
            Values::OneOf(values) => out["AllowedValues"] = json!(values),
            Values::Pattern(pattern) => out["AllowedPattern"] = json!(pattern),
        }
        out["Description"] = json!(self.description);
        out
    }
}

/// docs/deployment.md's table of the stack's own parameters.
pub fn stack_parameters_table() -> String {
    let mut out = String::from("| parameter | default | values | meaning |\n|---|---|---|---|\n");
    for p in STACK_PARAMETERS {
        let default = match p.default {
            "" => "empty".to_owned(),
            d => format!("`{d}`"),
        };
        let values = match p.values {
            Values::Any => String::new(),
            Values::Range(min, Some(max)) => format!("{min}–{max}"),
            Values::Range(min, None) => format!("{min} or more"),
            Values::OneOf(values) => values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", "),
            Values::Pattern(pattern) => format!("`{pattern}`"),
        };
        let sam_only = if SAM_ONLY.contains(&p.name) {
            " (SAM only)"
        } else {
            ""
        };
        out += &format!(
            "| `{}`{sam_only} | {default} | {values} | {} |\n",
            p.name, p.description
        );
    }
    out
}
