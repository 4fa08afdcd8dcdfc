// The booking-auth stack in CDK: the same resources, parameters and permissions as the SAM
// template (infra/template.yaml); infra/checks/sam_cdk_agree.py compares the two.
import * as path from 'node:path'
import {
  CfnCondition,
  CfnOutput,
  Aws,
  CfnParameter,
  CfnResource,
  CfnRule,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  StackProps,
  Validations,
} from 'aws-cdk-lib'
import { CfnStage, CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import { CfnGateway, CfnGatewayTarget } from 'aws-cdk-lib/aws-bedrockagentcore'
import { CfnUserPool, CfnUserPoolClient } from 'aws-cdk-lib/aws-cognito'
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb'
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Architecture, IFunction, Tracing } from 'aws-cdk-lib/aws-lambda'
import { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch'
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs'
import { RustFunction } from 'cargo-lambda-cdk'
import { Construct } from 'constructs'
import gatewayProtocol from '../../agentcore/gateway-protocol.json'
import gatewayTargets from '../../agentcore/gateway-targets.json'
import { agentTopology } from './agent'
import { environmentOf, httpApi, metrics, settingParameters, stackParameters, toolFunctions } from './settings'
import tables from '../../generated/tables.json'

const WORKSPACE = path.resolve(__dirname, '../../..')

// As in the SAM template's Globals (sam_cdk_agree.py compares them), where the measurement behind
// them is explained (BENCHMARKS.md: peak RSS <= 9.2 MiB; memory buys CPU share for cold starts).
export const MEMORY_MB = 256
export const TIMEOUT_SECONDS = 10

/** Why the one wildcard resource in the stack is there. */
const XRAY_WILDCARD =
  'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level ' +
  'permissions, so CDK grants them on "*" (SAM attaches the managed AWSXrayWriteOnlyAccess, the same two actions).'

export function architectureFrom(value: unknown): Architecture {
  if (value === undefined || value === 'arm64') return Architecture.ARM_64
  if (value === 'x86_64') return Architecture.X86_64
  throw new Error(`context architecture must be arm64 or x86_64, not ${String(value)}`)
}

export interface BookingAuthStackProps extends StackProps {
  readonly architecture?: Architecture
}

export class BookingAuthStack extends Stack {
  readonly functions: Record<string, IFunction> = {}

  constructor(scope: Construct, id: string, props: BookingAuthStackProps = {}) {
    super(scope, id, props)
    const p = this.parameters()
    // Cognito's default sender caps the codes a pool emails a day
    // (https://docs.aws.amazon.com/cognito/latest/developerguide/limits.html): a stack without SES
    // must say that it accepts the cap, so the choice is made at deploy time, not found by guests.
    new CfnRule(this, 'SesOrAcceptedEmailCap', {
      ruleCondition: Fn.conditionEquals(p.sesIdentityArn.valueAsString, ''),
      assertions: [
        {
          assert: Fn.conditionEquals(p.acceptCognitoEmailCap.valueAsString, 'true'),
          assertDescription:
            "Set SesIdentityArn to a verified SES identity, or AcceptCognitoEmailCap=true to use Cognito's default sender " +
            'and its daily cap of a few dozen codes (a trial only).',
        },
      ],
    })

    const userPool = new CfnUserPool(this, 'UserPool', {
      userPoolTier: 'ESSENTIALS',
      usernameAttributes: ['email'],
      autoVerifiedAttributes: ['email'],
      usernameConfiguration: { caseSensitive: false },
      policies: {
        signInPolicy: { allowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] },
        passwordPolicy: {
          minimumLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireNumbers: true,
          requireSymbols: true,
        },
      },
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      accountRecoverySetting: { recoveryMechanisms: [{ name: 'verified_email', priority: 1 }] },
      deletionProtection: 'ACTIVE',
      emailConfiguration: Fn.conditionIf(
        p.useSes.logicalId,
        { EmailSendingAccount: 'DEVELOPER', SourceArn: p.sesIdentityArn.valueAsString, From: p.sesFromAddress.valueAsString },
        { EmailSendingAccount: 'COGNITO_DEFAULT' },
      ),
    })
    userPool.applyRemovalPolicy(RemovalPolicy.RETAIN)

    const client = new CfnUserPoolClient(this, 'UserPoolClient', {
      userPoolId: userPool.ref,
      generateSecret: false,
      explicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: 'ENABLED',
      enableTokenRevocation: true,
      authSessionValidity: p.settings.AuthSessionValidityMinutes.valueAsNumber,
      accessTokenValidity: p.accessTokenValidity.valueAsNumber,
      idTokenValidity: p.idTokenValidity.valueAsNumber,
      refreshTokenValidity: p.refreshTokenValidity.valueAsNumber,
      tokenValidityUnits: { accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' },
      refreshTokenRotation: { feature: p.refreshTokenRotation.valueAsString, retryGracePeriodSeconds: 10 },
    })

    const tableResources = this.tables(p.protectTables)

    const api = new HttpApi(this, 'HttpApi', {
      corsPreflight: {
        allowOrigins: p.settings.CorsAllowedOrigins.valueAsList,
        allowMethods: httpApi.cors.allow_methods.map((m) => CorsHttpMethod[m as keyof typeof CorsHttpMethod]),
        allowHeaders: httpApi.cors.allow_headers,
        maxAge: Duration.seconds(httpApi.cors.max_age),
      },
    })
    const accessLogs = new CfnLogGroup(this, 'HttpApiAccessLogs', {
      retentionInDays: p.logRetentionDays.valueAsNumber,
    })
    const stage = api.defaultStage?.node.defaultChild as CfnStage
    // Throttling per route: the public sign-in route gets its own, tighter limit.
    stage.defaultRouteSettings = {
      throttlingRateLimit: p.apiRateLimit.valueAsNumber,
      throttlingBurstLimit: p.apiBurstLimit.valueAsNumber,
    }
    stage.routeSettings = {
      [httpApi.sign_in_route]: {
        ThrottlingRateLimit: p.loginRouteRateLimit.valueAsNumber,
        ThrottlingBurstLimit: p.loginRouteBurstLimit.valueAsNumber,
      },
    }
    stage.accessLogSettings = {
      destinationArn: accessLogs.attrArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    }

    // What a generated environment's `resource` names, by the SAM template's logical ids.
    const wired: Record<string, string> = { UserPool: userPool.ref, UserPoolClient: client.ref }
    // And the ARN of each resource a grant names.
    const arns: Record<string, string> = { UserPool: userPool.attrArn }
    for (const table of Object.values(tableResources)) {
      wired[table.node.id] = table.ref
      arns[table.node.id] = table.attrArn
    }
    const environmentFor = (binary: string) => ({
      // As the SAM template's Globals.
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      ...environmentOf(binary, p.settings, wired),
    })
    const architecture = props.architecture ?? Architecture.ARM_64
    // Each tool's function as its DEPLOY declares it: environment, route and the actions it calls.
    for (const spec of toolFunctions) {
      const statements = spec.grants.map((grant) => {
        const arn = arns[grant.resource]
        if (!arn) throw new Error(`${spec.function}: no resource ${grant.resource} to grant on`)
        return new PolicyStatement({ actions: grant.actions, resources: [arn] })
      })
      const environment = environmentFor(spec.function)
      const fn = new RustFunction(this, `${spec.id}Function`, {
        manifestPath: path.join(WORKSPACE, 'functions', spec.function, 'Cargo.toml'),
        binaryName: spec.function,
        architecture,
        memorySize: MEMORY_MB,
        timeout: Duration.seconds(TIMEOUT_SECONDS),
        // X-Ray: each AWS call carries the invocation's trace header (docs/operations.md).
        tracing: Tracing.ACTIVE,
        environment,
        initialPolicy: statements,
      })
      this.functions[spec.function] = fn
      new CfnLogGroup(this, `${spec.id}Logs`, {
        logGroupName: `/aws/lambda/${fn.functionName}`,
        retentionInDays: p.logRetentionDays.valueAsNumber,
      })
      api.addRoutes({
        path: spec.route!.path,
        methods: [HttpMethod[spec.route!.method]],
        integration: new HttpLambdaIntegration(`${spec.id}Integration`, fn),
      })
      new CfnOutput(this, `${spec.id}FunctionArn`, { value: fn.functionArn })
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only lets the function write its own logs; SAM attaches the same. ' +
          'Every data and Cognito permission is an inline statement scoped to one table or the pool.',
      })
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: XRAY_WILDCARD,
      })
    }

    const gateway = this.gateway(
      p.createGateway,
      p.interceptorEnabled,
      p.logRetentionDays,
      architecture,
      environmentFor('guest-token-interceptor'),
    )
    agentTopology(this, p, gateway, userPool, client)
    this.alarms(p)
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Sign-in routes are public by nature (they start and finish authentication); the others ' +
        'verify the Cognito access token in the function (RS256, issuer, client, expiry, revocation).',
    })
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: 'Guests sign in with a one-time code sent to their verified email: the code is the factor.',
    })
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: 'The Plus plan adds threat protection at a per-user price; Essentials has EMAIL_OTP sign-in, which is what this needs.',
    })
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W1030',
      reason:
        'SesIdentityArn and SesFromAddress are only used when SesIdentityArn is set (condition UseSes); empty defaults choose Cognito\'s sender. ' +
        'AgentCodeKey is only used when AgentCodeBucket is set, and the rule AgentCodeNeedsKeyAndGateway refuses it empty then.',
    })

    new CfnOutput(this, 'UserPoolId', { value: userPool.ref })
    new CfnOutput(this, 'UserPoolClientId', { value: client.ref })
    new CfnOutput(this, 'Issuer', {
      value: Fn.sub('https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}', { UserPool: userPool.ref }),
    })
    new CfnOutput(this, 'HttpApiUrl', { value: api.apiEndpoint })
  }

  private parameters() {
    const param = stackParameters(this)
    const p = {
      accessTokenValidity: param('AccessTokenValidityMinutes'),
      idTokenValidity: param('IdTokenValidityMinutes'),
      refreshTokenValidity: param('RefreshTokenValidityDays'),
      refreshTokenRotation: param('RefreshTokenRotation'),
      sesIdentityArn: param('SesIdentityArn'),
      sesFromAddress: param('SesFromAddress'),
      acceptCognitoEmailCap: param('AcceptCognitoEmailCap'),
      tableDeletionProtection: param('TableDeletionProtection'),
      logRetentionDays: param('LogRetentionDays'),
      guestTokenInterceptor: param('GuestTokenInterceptor'),
      loginRouteRateLimit: param('LoginRouteRateLimit'),
      loginRouteBurstLimit: param('LoginRouteBurstLimit'),
      apiRateLimit: param('ApiRateLimit'),
      apiBurstLimit: param('ApiBurstLimit'),
      alarmTopicArn: param('AlarmTopicArn'),
      poolBudgetAlarmPercent: param('PoolBudgetAlarmPercent'),
      upstreamErrorsAlarmThreshold: param('UpstreamErrorsAlarmThreshold'),
      lockoutsAlarmThreshold: param('LockoutsAlarmThreshold'),
      jwtRejectionsAlarmThreshold: param('JwtRejectionsAlarmThreshold'),
      createGatewayParam: param('CreateGateway'),
      agentCodeBucket: param('AgentCodeBucket'),
      agentCodeKey: param('AgentCodeKey'),
      agentModel: param('AgentModel'),
      agentRuntimeName: param('AgentRuntimeName'),
    }
    const createGateway = new CfnCondition(this, 'GatewayEnabled', {
      expression: Fn.conditionEquals(p.createGatewayParam.valueAsString, 'true'),
    })
    return {
      ...p,
      // The settings' parameters, generated with the SAM template's from the Rust settings table.
      settings: settingParameters(this),
      useSes: new CfnCondition(this, 'UseSes', { expression: Fn.conditionNot(Fn.conditionEquals(p.sesIdentityArn.valueAsString, '')) }),
      protectTables: new CfnCondition(this, 'ProtectTables', { expression: Fn.conditionEquals(p.tableDeletionProtection.valueAsString, 'true') }),
      createGateway,
      interceptorEnabled: new CfnCondition(this, 'InterceptorEnabled', {
        expression: Fn.conditionAnd(createGateway, Fn.conditionEquals(p.guestTokenInterceptor.valueAsString, 'true')),
      }),
      hasAlarmTopic: new CfnCondition(this, 'HasAlarmTopic', {
        expression: Fn.conditionNot(Fn.conditionEquals(p.alarmTopicArn.valueAsString, '')),
      }),
      runtimeEnabled: new CfnCondition(this, 'RuntimeEnabled', {
        expression: Fn.conditionAnd(createGateway, Fn.conditionNot(Fn.conditionEquals(p.agentCodeBucket.valueAsString, ''))),
      }),
    }
  }

  /** Alarms on the functions' own metrics (embedded metric format, namespace BookingAuth, the
   * aggregate without dimensions; docs/operations.md). */
  private alarms(p: ReturnType<BookingAuthStack['parameters']>) {
    const actions = Fn.conditionIf(p.hasAlarmTopic.logicalId, [p.alarmTopicArn.valueAsString], Aws.NO_VALUE)
    for (const a of metrics.alarms) {
      let threshold: number
      if ('value' in a.threshold) {
        threshold = a.threshold.value
      } else {
        const name = a.threshold.parameter
        const parameter = this.node.tryFindChild(name)
        if (!(parameter instanceof CfnParameter)) throw new Error(`${a.id}: no parameter ${name}`)
        threshold = parameter.valueAsNumber
      }
      new CfnAlarm(this, a.id, {
        alarmDescription: a.description,
        namespace: metrics.namespace,
        metricName: a.metric,
        statistic: a.statistic,
        period: a.period,
        evaluationPeriods: 1,
        threshold,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: actions as unknown as string[],
      })
    }
  }

  /** The tables of infra/generated/tables.json (from shared/auth/src/config/tables.rs), by variable. */
  private tables(protect: CfnCondition): Record<string, CfnTable> {
    const out: Record<string, CfnTable> = {}
    for (const def of tables.tables) {
      const table = new CfnTable(this, def.logical_id, {
        billingMode: 'PAY_PER_REQUEST',
        attributeDefinitions: def.keys.map((k) => ({ attributeName: k.name, attributeType: k.type })),
        keySchema: def.keys.map((k) => ({ attributeName: k.name, keyType: k.role })),
        timeToLiveSpecification: def.ttl_attribute ? { attributeName: def.ttl_attribute, enabled: true } : undefined,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtectionEnabled: Fn.conditionIf(protect.logicalId, true, false) as unknown as boolean,
        sseSpecification: { sseEnabled: true },
      })
      table.applyRemovalPolicy(RemovalPolicy.RETAIN)
      out[def.variable] = table
    }
    return out
  }

  /** AgentCore Gateway (MCP, AWS_IAM inbound) with the generated targets of infra/agentcore/. */
  private gateway(
    condition: CfnCondition,
    interceptorEnabled: CfnCondition,
    logRetentionDays: CfnParameter,
    architecture: Architecture,
    environment: Record<string, string>,
  ) {
    // Optional REQUEST interceptor: it calls no AWS service, so it gets no permission beyond its logs.
    const interceptor = new RustFunction(this, 'GuestTokenInterceptorFunction', {
      manifestPath: path.join(WORKSPACE, 'functions', 'guest-token-interceptor', 'Cargo.toml'),
      binaryName: 'guest-token-interceptor',
      architecture,
      memorySize: MEMORY_MB,
      timeout: Duration.seconds(TIMEOUT_SECONDS),
      tracing: Tracing.ACTIVE,
      description: 'AgentCore Gateway REQUEST interceptor that forwards the guest-token header',
      environment,
    })
    const interceptorLogs = new CfnLogGroup(this, 'GuestTokenInterceptorLogs', {
      logGroupName: `/aws/lambda/${interceptor.functionName}`,
      retentionInDays: logRetentionDays.valueAsNumber,
    })
    for (const child of [...interceptor.node.findAll(), interceptorLogs]) {
      if (child instanceof CfnResource) child.cfnOptions.condition = interceptorEnabled
    }
    Validations.of(interceptor).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets the interceptor write its own logs; SAM attaches the same.',
    })
    Validations.of(interceptor).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: XRAY_WILDCARD })
    const role = new Role(this, 'GatewayRole', {
      assumedBy: new ServicePrincipal('bedrock-agentcore.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      inlinePolicies: {
        'invoke-tools': new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['lambda:InvokeFunction'],
              resources: [
                ...Object.values(this.functions).map((f) => f.functionArn),
                Fn.conditionIf(interceptorEnabled.logicalId, interceptor.functionArn, Aws.NO_VALUE).toString(),
              ],
            }),
          ],
        }),
      },
    })
    ;(role.node.defaultChild as CfnResource).cfnOptions.condition = condition
    const gateway = new CfnGateway(this, 'Gateway', {
      name: `${this.stackName}-tools`,
      description: 'booking-auth sign-in and reservations tools',
      protocolType: 'MCP',
      authorizerType: 'AWS_IAM',
      roleArn: role.roleArn,
      // The interceptor reads the caller's headers, so it is given them (passRequestHeaders):
      // https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-interceptors-configuration.html
      interceptorConfigurations: Fn.conditionIf(
        interceptorEnabled.logicalId,
        [
          {
            InterceptionPoints: ['REQUEST'],
            Interceptor: { Lambda: { Arn: interceptor.functionArn } },
            InputConfiguration: { PassRequestHeaders: true },
          },
        ],
        Aws.NO_VALUE,
      ),
    })
    gateway.cfnOptions.condition = condition
    // Explicit: the Gateway accepts only the MCP revisions listed, and the agent's client speaks
    // 2026-07-28 (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-using-mcp-list.html);
    // MCP sessions with AWS's default hour made explicit. The file is the one home (the SAM
    // template's block is generated from it); already in CloudFormation's casing.
    gateway.addPropertyOverride('ProtocolConfiguration', gatewayProtocol)
    for (const target of gatewayTargets) {
      const fn = this.functions[target.function]
      if (!fn) throw new Error(`gateway-targets.json names an unknown function ${target.function}`)
      const resource = new CfnGatewayTarget(this, `${pascal(target.function)}Target`, {
        gatewayIdentifier: gateway.ref,
        name: target.function,
        credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
        metadataConfiguration:
          target.allowedRequestHeaders.length > 0 ? { allowedRequestHeaders: target.allowedRequestHeaders } : undefined,
        targetConfiguration: { mcp: { lambda: { lambdaArn: fn.functionArn, toolSchema: { inlinePayload: [] } } } },
      })
      // The payload is already in CloudFormation's casing: pass it through untouched.
      resource.addPropertyOverride('TargetConfiguration.Mcp.Lambda.ToolSchema.InlinePayload', target.inlinePayload)
      resource.cfnOptions.condition = condition
    }
    new CfnOutput(this, 'GatewayUrl', { value: gateway.attrGatewayUrl, condition })
    new CfnOutput(this, 'GatewayId', { value: gateway.ref, condition })
    new CfnOutput(this, 'GatewayArn', {
      value: gateway.attrGatewayArn,
      condition,
      description: "Grant your agent's role bedrock-agentcore:InvokeGateway on this ARN.",
    })
    return gateway
  }
}

function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
}
