// The agent's side of the stack, as the SAM template has it (sam_cdk_agree.py compares them): the
// agent on AgentCore Runtime from a code package in S3, its execution role, and the Cognito
// Identity Pool whose guest and signed-in roles may invoke that one runtime.
import { Aws, CfnCondition, CfnOutput, CfnParameter, CfnResource, CfnRule, Fn, Stack, Validations } from 'aws-cdk-lib'
import { CfnGateway, CfnRuntime } from 'aws-cdk-lib/aws-bedrockagentcore'
import { CfnIdentityPool, CfnIdentityPoolRoleAttachment, CfnUserPool, CfnUserPoolClient } from 'aws-cdk-lib/aws-cognito'
import { FederatedPrincipal, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import agentRuntime from '../../agentcore/agent-runtime.json'

interface AgentParameters {
  createGatewayParam: CfnParameter
  agentCodeBucket: CfnParameter
  agentCodeKey: CfnParameter
  agentModel: CfnParameter
  agentRuntimeName: CfnParameter
  runtimeEnabled: CfnCondition
}

export function agentTopology(
  stack: Stack,
  p: AgentParameters,
  gateway: CfnGateway,
  userPool: CfnUserPool,
  client: CfnUserPoolClient,
) {
  const condition = p.runtimeEnabled
  const conditioned = <T extends CfnResource>(resource: T): T => {
    resource.cfnOptions.condition = condition
    return resource
  }
  new CfnRule(stack, 'AgentCodeNeedsKeyAndGateway', {
    ruleCondition: Fn.conditionNot(Fn.conditionEquals(p.agentCodeBucket.valueAsString, '')),
    assertions: [
      {
        assert: Fn.conditionNot(Fn.conditionEquals(p.agentCodeKey.valueAsString, '')),
        assertDescription: 'AgentCodeBucket is set, so AgentCodeKey must name the package in it.',
      },
      {
        assert: Fn.conditionEquals(p.createGatewayParam.valueAsString, 'true'),
        assertDescription: 'The agent reaches its tools through the Gateway; set CreateGateway=true.',
      },
    ],
  })

  const profileArn = `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:inference-profile/${p.agentModel.valueAsString}`
  const runtimeName = p.agentRuntimeName.valueAsString
  const logGroups = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/bedrock-agentcore/runtimes/${runtimeName}-*`
  // The agent may call the Gateway and the one model, and write its own logs; nothing else.
  const executionRole = new Role(stack, 'AgentRuntimeRole', {
    assumedBy: new ServicePrincipal('bedrock-agentcore.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:bedrock-agentcore:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
      },
    }),
    inlinePolicies: {
      'invoke-gateway': new PolicyDocument({
        statements: [new PolicyStatement({ actions: ['bedrock-agentcore:InvokeGateway'], resources: [gateway.attrGatewayArn] })],
      }),
      // A cross-Region inference profile routes to the model in other Regions, so the foundation
      // model is allowed anywhere, but only through this profile:
      // https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html
      'invoke-model': new PolicyDocument({
        statements: [
          new PolicyStatement({
            actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            resources: [profileArn, `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}::foundation-model/${p.agentModel.valueAsString}`],
          }),
          new PolicyStatement({
            actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            resources: [`arn:${Aws.PARTITION}:bedrock:*::foundation-model/*`],
            conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
          }),
        ],
      }),
      'own-logs': new PolicyDocument({
        statements: [
          new PolicyStatement({
            actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            resources: [logGroups, `${logGroups}:log-stream:*`],
          }),
        ],
      }),
    },
  })
  conditioned(executionRole.node.defaultChild as CfnResource)
  Validations.of(executionRole).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/*]',
    reason:
      'Foundation models in any Region, but only through the chosen inference profile (the statement\'s ' +
      'bedrock:InferenceProfileArn condition), as a cross-Region profile needs.',
  })
  for (const resource of ['', ':log-stream:*']) {
    Validations.of(executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/bedrock-agentcore/runtimes/<AgentRuntimeName>-*${resource}]`,
      reason: "The runtime's own log groups, which AgentCore names after the runtime plus an id known only after creation.",
    })
  }

  // The agent on AgentCore Runtime from a code package in S3 (no container to build):
  // https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-get-started-code-deploy.html
  // Artifact, protocol and header allowlist come from infra/agentcore/agent-runtime.json. Inbound
  // auth is IAM (SigV4) with Identity Pool credentials; only the guest-token header reaches the agent
  // (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-header-allowlist.html).
  const runtime = conditioned(
    new CfnRuntime(stack, 'AgentRuntime', {
      agentRuntimeName: runtimeName,
      description: "booking-auth's Strands agent (guest chat, sign-in by emailed code, reservations)",
      roleArn: executionRole.roleArn,
      agentRuntimeArtifact: {
        codeConfiguration: {
          code: { s3: { bucket: p.agentCodeBucket.valueAsString, prefix: p.agentCodeKey.valueAsString } },
          entryPoint: agentRuntime.entry_point,
          runtime: agentRuntime.runtime,
        },
      },
      networkConfiguration: { networkMode: 'PUBLIC' },
      protocolConfiguration: agentRuntime.protocol,
      requestHeaderConfiguration: { requestHeaderAllowlist: agentRuntime.request_header_allowlist },
      environmentVariables: {
        ...agentRuntime.environment,
        AGENT_GATEWAY_URL: gateway.attrGatewayUrl,
        AGENT_MODEL: p.agentModel.valueAsString,
        USER_POOL_ID: userPool.ref,
        USER_POOL_CLIENT_ID: client.ref,
      },
    }),
  )

  // AgentCodeKey defaults to "" only for stacks without a runtime; the rule above refuses it empty
  // whenever this resource exists.
  runtime.addMetadata('cfn-lint', { config: { ignore_checks: ['W1030'] } })

  // Anonymous chat first: AWS's managed session policy for unauthenticated identities in the
  // enhanced flow allows no AgentCore action, so guests take the basic (classic) flow:
  // https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html
  // https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html
  // In the basic flow the caller names the role, so each role's trust admits only this pool and
  // its own kind of identity (amr), and each may do one thing: invoke this runtime.
  const pool = conditioned(
    new CfnIdentityPool(stack, 'IdentityPool', {
      identityPoolName: `${Aws.STACK_NAME}-guests`,
      allowUnauthenticatedIdentities: true,
      allowClassicFlow: true,
      cognitoIdentityProviders: [{ clientId: client.ref, providerName: userPool.attrProviderName, serverSideTokenCheck: true }],
    }),
  )
  Validations.of(pool).acknowledge({
    id: 'AwsSolutions-COG7',
    reason:
      'Anonymous chat is the product: guests ask about availability before signing in. Their role may only ' +
      'invoke this runtime, whose agent acts for a guest only with that guest\'s own token.',
  })
  const invokeRole = (id: string, amr: string) => {
    const role = new Role(stack, id, {
      assumedBy: new FederatedPrincipal(
        'cognito-identity.amazonaws.com',
        {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': pool.ref },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': amr },
        },
        'sts:AssumeRoleWithWebIdentity',
      ),
      inlinePolicies: {
        'invoke-agent': new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['bedrock-agentcore:InvokeAgentRuntime'],
              resources: [runtime.attrAgentRuntimeArn, `${runtime.attrAgentRuntimeArn}/runtime-endpoint/*`],
            }),
          ],
        }),
      },
    })
    conditioned(role.node.defaultChild as CfnResource)
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::<AgentRuntime.AgentRuntimeArn>/runtime-endpoint/*]',
      reason: "The wildcard names this runtime's own endpoints (DEFAULT and any the operator adds), nothing else.",
    })
    return role
  }
  const guestRole = invokeRole('GuestRole', 'unauthenticated')
  const signedInRole = invokeRole('SignedInRole', 'authenticated')
  conditioned(
    new CfnIdentityPoolRoleAttachment(stack, 'IdentityPoolRoles', {
      identityPoolId: pool.ref,
      roles: { unauthenticated: guestRole.roleArn, authenticated: signedInRole.roleArn },
    }),
  )

  // What the page needs to reach the agent with AWS's browser clients.
  new CfnOutput(stack, 'Region', { value: Aws.REGION })
  new CfnOutput(stack, 'IdentityPoolId', { value: pool.ref, condition })
  new CfnOutput(stack, 'GuestRoleArn', {
    value: guestRole.roleArn,
    condition,
    description: 'The role guests assume with the basic flow (STS AssumeRoleWithWebIdentity).',
  })
  new CfnOutput(stack, 'SignedInRoleArn', { value: signedInRole.roleArn, condition })
  new CfnOutput(stack, 'AgentRuntimeArn', { value: runtime.attrAgentRuntimeArn, condition })
}
