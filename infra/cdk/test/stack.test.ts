// The security-relevant properties of the CDK stack, synthesised with bundling skipped (no Rust
// build): least-privilege policies per function, the user pool and client settings, the tables,
// the Gateway targets, and cdk-nag's AwsSolutions pack.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { App, Validations } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { Architecture } from 'aws-cdk-lib/aws-lambda'
import { AwsSolutionsChecks } from 'cdk-nag'
import agentRuntime from '../../agentcore/agent-runtime.json'
import gatewayTargets from '../../agentcore/gateway-targets.json'
import tables from '../../generated/tables.json'
import { BookingAuthStack, MEMORY_MB, TIMEOUT_SECONDS, architectureFrom } from '../lib/stack'

type Resources = Record<string, { Type: string; Properties: Record<string, any>; Condition?: string }>

function synth(architecture?: Architecture) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })
  const stack = new BookingAuthStack(app, 'BookingAuth', { architecture })
  return { app, stack, template: Template.fromStack(stack) }
}

const { template } = synth()
const resources = template.toJSON().Resources as Resources

function logicalIdOf(type: string, prefix: string): string {
  const ids = Object.keys(resources).filter((id) => resources[id].Type === type && id.startsWith(prefix))
  assert.equal(ids.length, 1, `${type} ${prefix}: ${ids}`)
  return ids[0]
}

/** Every statement attached to a function's role (inline policies and AWS::IAM::Policy). */
function statementsOf(functionPrefix: string): any[] {
  const fn = resources[logicalIdOf('AWS::Lambda::Function', functionPrefix)]
  const roleId = fn.Properties.Role['Fn::GetAtt'][0]
  const statements: any[] = []
  for (const resource of Object.values(resources)) {
    if (resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles.some((r: any) => r.Ref === roleId)) {
      statements.push(...resource.Properties.PolicyDocument.Statement)
    }
  }
  for (const policy of resources[roleId].Properties.Policies ?? []) statements.push(...policy.PolicyDocument.Statement)
  return statements
}

/** Active tracing's grant: X-Ray's write actions support no resource-level permissions. */
const isXrayWrite = (s: any) =>
  s.Resource === '*' && JSON.stringify([...s.Action].sort()) === JSON.stringify(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'])

/** `{ table or pool logical id: sorted actions }` for a function (X-Ray's grant aside). */
function grants(functionPrefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const s of statementsOf(functionPrefix).filter((s) => !isXrayWrite(s))) {
    assert.equal(s.Effect, 'Allow')
    const target = s.Resource['Fn::GetAtt']?.[0]
    assert.ok(target, `${functionPrefix}: a statement without a single resource: ${JSON.stringify(s.Resource)}`)
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action]
    out[target] = [...(out[target] ?? []), ...actions].sort()
  }
  return out
}

test('each function may call only what it calls, on its own pool and tables', () => {
  const [pool, state, guests, reservations] = [
    logicalIdOf('AWS::Cognito::UserPool', 'UserPool'),
    logicalIdOf('AWS::DynamoDB::Table', 'AuthStateTable'),
    logicalIdOf('AWS::DynamoDB::Table', 'GuestsTable'),
    logicalIdOf('AWS::DynamoDB::Table', 'ReservationsTable'),
  ]
  assert.deepEqual(grants('InitiateLogin'), {
    [pool]: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminInitiateAuth', 'cognito-idp:AdminRespondToAuthChallenge'],
    [state]: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  })
  assert.deepEqual(grants('VerifyOtp'), {
    [pool]: ['cognito-idp:AdminRespondToAuthChallenge'],
    [state]: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    [guests]: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  })
  // Refresh and sign-out use token-authorised Cognito APIs: no Cognito permission at all.
  assert.deepEqual(grants('Refresh'), { [guests]: ['dynamodb:GetItem', 'dynamodb:PutItem'] })
  assert.deepEqual(grants('SignOut'), { [state]: ['dynamodb:PutItem'] })
  assert.deepEqual(grants('Reservations'), {
    [guests]: ['dynamodb:GetItem'],
    [reservations]: ['dynamodb:Query'],
    [state]: ['dynamodb:BatchGetItem'],
  })
})

test('every function traces actively, with X-Ray write access and nothing more on its wildcard', () => {
  const functions = Object.values(resources).filter((r: any) => r.Type === 'AWS::Lambda::Function')
  assert.equal(functions.length, 6)
  for (const fn of functions as any[]) assert.deepEqual(fn.Properties.TracingConfig, { Mode: 'Active' })
  for (const prefix of ['InitiateLogin', 'VerifyOtp', 'Refresh', 'SignOut', 'Reservations']) {
    assert.equal(statementsOf(prefix).filter(isXrayWrite).length, 1, prefix)
  }
})

/** The wildcards the agent's side needs, each narrowed by a name or a condition (lib/agent.ts). */
function isNamedAgentWildcard(s: any): boolean {
  const text = JSON.stringify(s.Resource)
  if (text.includes('foundation-model/*')) {
    return s.Condition?.StringEquals?.['bedrock:InferenceProfileArn'] !== undefined && !JSON.stringify(s.Action).includes('*')
  }
  const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource]
  const starred = resources.filter((r: any) => JSON.stringify(r).includes('*'))
  return (
    starred.length > 0 &&
    starred.every((r: any) => {
      const one = JSON.stringify(r)
      return (
        (one.includes('log-group:/aws/bedrock-agentcore/runtimes/') && one.includes('{"Ref":"AgentRuntimeName"}')) ||
        /AgentRuntime[0-9A-F]*","AgentRuntimeArn"\]\},"\/runtime-endpoint\/\*"/.test(one)
      )
    })
  )
}

test('no IAM statement in the stack allows a wildcard action or resource, but X-Ray writes and the named agent ones', () => {
  const documents: any[] = []
  for (const r of Object.values(resources)) {
    if (r.Type === 'AWS::IAM::Policy') documents.push(r.Properties.PolicyDocument)
    if (r.Type === 'AWS::IAM::Role') for (const p of r.Properties.Policies ?? []) documents.push(p.PolicyDocument)
  }
  assert.ok(documents.length >= 6)
  let named = 0
  for (const doc of documents) {
    for (const s of doc.Statement.filter((s: any) => !isXrayWrite(s))) {
      const text = JSON.stringify([s.Action, s.Resource])
      if (isNamedAgentWildcard(s)) named++
      else assert.ok(!text.includes('*'), `wildcard in ${text}`)
    }
  }
  // The model through its profile, the runtime's logs, and each Identity Pool role's endpoints.
  assert.equal(named, 4)
  // Negative control: a bare wildcard is not mistaken for a named one.
  assert.equal(isNamedAgentWildcard({ Action: 'bedrock:InvokeModel', Resource: 'arn:aws:bedrock:*::foundation-model/*' }), false)
  assert.equal(isNamedAgentWildcard({ Action: 'logs:PutLogEvents', Resource: 'arn:aws:logs:*:*:log-group:*' }), false)
})

test('the gateway role can invoke exactly the five functions and the interceptor when on, and only the service can assume it', () => {
  const role = resources[logicalIdOf('AWS::IAM::Role', 'GatewayRole')]
  assert.equal(role.Condition, 'GatewayEnabled')
  const trust = role.Properties.AssumeRolePolicyDocument.Statement
  assert.deepEqual(trust.map((s: any) => s.Principal.Service), ['bedrock-agentcore.amazonaws.com'])
  assert.ok(trust[0].Condition.StringEquals['aws:SourceAccount'])
  const [statement] = role.Properties.Policies[0].PolicyDocument.Statement
  assert.equal(statement.Action, 'lambda:InvokeFunction')
  const conditional = statement.Resource.filter((r: any) => r['Fn::If'])
  assert.equal(conditional.length, 1)
  const [condition, interceptorArn, otherwise] = conditional[0]['Fn::If']
  assert.equal(condition, 'InterceptorEnabled')
  assert.deepEqual(otherwise, { Ref: 'AWS::NoValue' })
  const invoked = [
    ...statement.Resource.filter((r: any) => !r['Fn::If']).map((r: any) => r['Fn::GetAtt'][0]),
    interceptorArn['Fn::GetAtt'][0],
  ].sort()
  const functions = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::Lambda::Function').sort()
  assert.deepEqual(invoked, functions)
  assert.equal(functions.length, 6)
  const interceptorId = logicalIdOf('AWS::Lambda::Function', 'GuestTokenInterceptorFunction')
  assert.equal(interceptorArn['Fn::GetAtt'][0], interceptorId)
  assert.equal(resources[interceptorId].Condition, 'InterceptorEnabled')
  // It calls no AWS service: no statement beyond the basic execution role's logs and its traces.
  assert.deepEqual(statementsOf('GuestTokenInterceptorFunction').filter((s) => !isXrayWrite(s)), [])
  const gateway = resources[logicalIdOf('AWS::BedrockAgentCore::Gateway', 'Gateway')]
  const [, [interceptorConfig]] = gateway.Properties.InterceptorConfigurations['Fn::If']
  assert.deepEqual(interceptorConfig.InterceptionPoints, ['REQUEST'])
  assert.deepEqual(interceptorConfig.InputConfiguration, { PassRequestHeaders: true })
})

test('the user pool signs in by email code on the Essentials plan and hides whether a user exists', () => {
  template.hasResourceProperties('AWS::Cognito::UserPool', {
    UserPoolTier: 'ESSENTIALS',
    Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] } },
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    DeletionProtection: 'ACTIVE',
  })
  template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
    GenerateSecret: false,
    ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    AuthSessionValidity: { Ref: 'AuthSessionValidityMinutes' },
    RefreshTokenRotation: { Feature: { Ref: 'RefreshTokenRotation' } },
  })
  template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' })
})

test('the tables follow infra/generated/tables.json, on demand, encrypted, with point-in-time recovery', () => {
  assert.deepEqual(tables.tables.map((t) => t.logical_id), ['AuthStateTable', 'GuestsTable', 'ReservationsTable'])
  for (const def of tables.tables) {
    const table = resources[logicalIdOf('AWS::DynamoDB::Table', def.logical_id)].Properties
    assert.deepEqual(table.KeySchema, def.keys.map((k) => ({ AttributeName: k.name, KeyType: k.role })))
    assert.equal(table.TimeToLiveSpecification?.AttributeName ?? null, def.ttl_attribute)
    assert.equal(table.BillingMode, 'PAY_PER_REQUEST')
    assert.deepEqual(table.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true })
    assert.deepEqual(table.SSESpecification, { SSEEnabled: true })
    assert.deepEqual(table.DeletionProtectionEnabled, { 'Fn::If': ['ProtectTables', true, false] })
  }
})

test('functions run provided.al2023 on the chosen architecture with the measured memory and timeout', () => {
  for (const [architecture, expected] of [[undefined, 'arm64'], [Architecture.X86_64, 'x86_64']] as const) {
    const fns = synth(architecture).template.findResources('AWS::Lambda::Function')
    assert.equal(Object.keys(fns).length, 6)
    for (const fn of Object.values(fns) as any[]) {
      assert.equal(fn.Properties.Runtime, 'provided.al2023')
      assert.equal(fn.Properties.Handler, 'bootstrap')
      assert.deepEqual(fn.Properties.Architectures, [expected])
      assert.equal(fn.Properties.MemorySize, MEMORY_MB)
      assert.equal(fn.Properties.Timeout, TIMEOUT_SECONDS)
      assert.equal(fn.Properties.Environment.Variables.AWS_LAMBDA_LOG_FORMAT, 'JSON')
    }
  }
  assert.throws(() => architectureFrom('arm'), /arm64 or x86_64/)
})

test('every function has a log group with the retention parameter, and the API logs access', () => {
  const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as any[]
  assert.equal(groups.length, 7)
  for (const g of groups) assert.deepEqual(g.Properties.RetentionInDays, { Ref: 'LogRetentionDays' })
  template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
    AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
  })
  template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
    CorsConfiguration: { AllowOrigins: { Ref: 'CorsAllowedOrigins' }, AllowHeaders: ['authorization', 'content-type', 'x-conversation-id'] },
  })
})

test('the HTTP API throttles the public sign-in route on its own, every other route by default', () => {
  template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
    DefaultRouteSettings: { ThrottlingRateLimit: { Ref: 'ApiRateLimit' }, ThrottlingBurstLimit: { Ref: 'ApiBurstLimit' } },
    RouteSettings: {
      'POST /auth/login': { ThrottlingRateLimit: { Ref: 'LoginRouteRateLimit' }, ThrottlingBurstLimit: { Ref: 'LoginRouteBurstLimit' } },
    },
  })
  const [login] = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: 'POST /auth/login' } }))
  assert.ok(login, 'the throttled route key is a route of the API')
})

test('the gateway targets carry the generated tool definitions unchanged', () => {
  const targets = Object.values(template.findResources('AWS::BedrockAgentCore::GatewayTarget')) as any[]
  assert.equal(targets.length, gatewayTargets.length)
  for (const generated of gatewayTargets) {
    const target = targets.find((t) => t.Properties.Name === generated.function)
    assert.ok(target, generated.function)
    assert.equal(target.Condition, 'GatewayEnabled')
    const lambda = target.Properties.TargetConfiguration.Mcp.Lambda
    assert.deepEqual(lambda.ToolSchema.InlinePayload, generated.inlinePayload)
    assert.deepEqual(target.Properties.MetadataConfiguration?.AllowedRequestHeaders ?? [], generated.allowedRequestHeaders)
    assert.deepEqual(target.Properties.CredentialProviderConfigurations, [{ CredentialProviderType: 'GATEWAY_IAM_ROLE' }])
  }
  template.hasResourceProperties('AWS::BedrockAgentCore::Gateway', { AuthorizerType: 'AWS_IAM', ProtocolType: 'MCP' })
})

test("cdk-nag's AwsSolutions pack passes (every acknowledgment carries its reason in lib/stack.ts)", () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })
  new BookingAuthStack(app, 'BookingAuth')
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
  // Synthesis throws ValidationFailed on any finding that is not acknowledged.
  assert.doesNotThrow(() => app.synth())
})

test('five alarms on the functions\' own metrics, each with its threshold and the optional topic', () => {
  const alarms = Object.entries(resources).filter(([, r]: [string, any]) => r.Type === 'AWS::CloudWatch::Alarm')
  const byMetric = Object.fromEntries(alarms.map(([, r]: [string, any]) => [r.Properties.MetricName, r.Properties]))
  assert.deepEqual(Object.keys(byMetric).sort(), ['EmailQuotaExhausted', 'JwtRejections', 'Lockouts', 'PoolBudgetUse', 'UpstreamErrors'])
  const thresholds: Record<string, unknown> = {
    JwtRejections: { Ref: 'JwtRejectionsAlarmThreshold' },
    Lockouts: { Ref: 'LockoutsAlarmThreshold' },
    PoolBudgetUse: { Ref: 'PoolBudgetAlarmPercent' },
    UpstreamErrors: { Ref: 'UpstreamErrorsAlarmThreshold' },
    // Any code refused for the sender's daily cap is worth a page.
    EmailQuotaExhausted: 1,
  }
  for (const [metric, props] of Object.entries(byMetric) as [string, any][]) {
    assert.equal(props.Namespace, 'BookingAuth')
    assert.deepEqual(props.Threshold, thresholds[metric])
    assert.equal(props.Dimensions, undefined, `${metric}: the aggregate metric, without dimensions`)
    assert.deepEqual(props.AlarmActions, { 'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }] })
  }
  assert.equal(template.toJSON().Parameters.AlarmTopicArn.Default, '')
})

test('a stack without SES deploys only when the daily email cap is accepted', () => {
  const rule = template.toJSON().Rules.SesOrAcceptedEmailCap
  assert.deepEqual(rule.RuleCondition, { 'Fn::Equals': [{ Ref: 'SesIdentityArn' }, ''] })
  assert.deepEqual(rule.Assertions[0].Assert, { 'Fn::Equals': [{ Ref: 'AcceptCognitoEmailCap' }, 'true'] })
  assert.equal(template.toJSON().Parameters.AcceptCognitoEmailCap.Default, 'false')
})

test("the agent's runtime runs the code package as infra/agentcore/agent-runtime.json says, wired to the Gateway", () => {
  const runtime = resources[logicalIdOf('AWS::BedrockAgentCore::Runtime', 'AgentRuntime')]
  assert.equal(runtime.Condition, 'RuntimeEnabled')
  const props = runtime.Properties
  assert.deepEqual(props.AgentRuntimeArtifact.CodeConfiguration, {
    Code: { S3: { Bucket: { Ref: 'AgentCodeBucket' }, Prefix: { Ref: 'AgentCodeKey' } } },
    EntryPoint: agentRuntime.entry_point,
    Runtime: agentRuntime.runtime,
  })
  assert.deepEqual(props.RequestHeaderConfiguration, { RequestHeaderAllowlist: agentRuntime.request_header_allowlist })
  assert.equal(props.ProtocolConfiguration, 'HTTP')
  assert.deepEqual(props.NetworkConfiguration, { NetworkMode: 'PUBLIC' })
  const env = props.EnvironmentVariables
  assert.deepEqual(env.AGENT_GATEWAY_URL, { 'Fn::GetAtt': [logicalIdOf('AWS::BedrockAgentCore::Gateway', 'Gateway'), 'GatewayUrl'] })
  assert.deepEqual(env.AGENT_MODEL, { Ref: 'AgentModel' })
  for (const [k, v] of Object.entries(agentRuntime.environment)) assert.equal(env[k], v)
  // The execution role: the Gateway, the model, its own logs; nothing else.
  const role = resources[props.RoleArn['Fn::GetAtt'][0]]
  const actions = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat())).sort()
  assert.deepEqual([...new Set(actions)], [
    'bedrock-agentcore:InvokeGateway', 'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream',
    'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents',
  ])
})

test('the Identity Pool lets guests in by the basic flow, and each role may only invoke that runtime', () => {
  const pool = resources[logicalIdOf('AWS::Cognito::IdentityPool', 'IdentityPool')]
  assert.equal(pool.Condition, 'RuntimeEnabled')
  assert.equal(pool.Properties.AllowUnauthenticatedIdentities, true)
  assert.equal(pool.Properties.AllowClassicFlow, true)
  assert.equal(pool.Properties.CognitoIdentityProviders[0].ServerSideTokenCheck, true)
  const runtimeId = logicalIdOf('AWS::BedrockAgentCore::Runtime', 'AgentRuntime')
  for (const [prefix, amr] of [['GuestRole', 'unauthenticated'], ['SignedInRole', 'authenticated']]) {
    const role = resources[logicalIdOf('AWS::IAM::Role', prefix)]
    const [trust] = role.Properties.AssumeRolePolicyDocument.Statement
    assert.equal(trust.Action, 'sts:AssumeRoleWithWebIdentity')
    assert.deepEqual(trust.Principal, { Federated: 'cognito-identity.amazonaws.com' })
    assert.deepEqual(trust.Condition.StringEquals['cognito-identity.amazonaws.com:aud'], { Ref: logicalIdOf('AWS::Cognito::IdentityPool', 'IdentityPool') })
    assert.equal(trust.Condition['ForAnyValue:StringLike']['cognito-identity.amazonaws.com:amr'], amr)
    const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)
    assert.deepEqual(statements.map((s: any) => s.Action), ['bedrock-agentcore:InvokeAgentRuntime'])
    assert.ok(JSON.stringify(statements[0].Resource).includes(runtimeId))
  }
})
