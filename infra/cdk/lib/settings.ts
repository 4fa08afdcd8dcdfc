// The functions' settings, environment, routes and permissions, and the stack's own parameters, from
// infra/generated/settings.json: infra/generate writes it from the Rust settings table, each
// function's DEPLOY and its stack parameters, and writes the SAM template's copies from the same
// source, so neither stack holds a hand copy.
import { CfnParameter, Fn } from 'aws-cdk-lib'
import { Construct } from 'constructs'
import generated from '../../generated/settings.json'

/** A stack parameter as CloudFormation declares it, already generated. */
interface CloudFormationParameter {
  Type: string
  Default: string | number
  MinValue?: number
  MaxValue?: number
  AllowedValues?: string[]
  AllowedPattern?: string
  Description?: string
}

interface GeneratedSetting {
  variable: string
  parameter?: { name: string; cloudformation: CloudFormationParameter }
}

interface EnvironmentEntry {
  variable: string
  parameter?: string
  list?: boolean
  resource?: string
}

/** One function as its DEPLOY declares it: the stem of its logical ids, its route on the HTTP API
 * (none for the interceptor) and the actions it may call on the resource of each logical id. */
export interface GeneratedFunction {
  function: string
  id: string
  route: { method: 'GET' | 'POST'; path: string } | null
  grants: { resource: string; actions: string[] }[]
  environment: EnvironmentEntry[]
}

const settings = generated.settings as GeneratedSetting[]
const stackOnly = generated.stack_parameters as { name: string; cloudformation: CloudFormationParameter }[]
const functions = generated.functions as GeneratedFunction[]

/** The tools' functions, each with a route on the HTTP API. */
export const toolFunctions = functions.filter((f) => f.route !== null)
/** The functions' metrics namespace and the alarms on their metrics (invoke::metrics::ALARMS). */
export const metrics = generated.metrics as {
  namespace: string
  alarms: {
    id: string
    description: string
    metric: string
    statistic: string
    period: number
    threshold: { parameter: string } | { value: number }
  }[]
}
/** The HTTP API's CORS answer (the functions' own) and the public sign-in route's key. */
export const httpApi = generated.http_api as {
  cors: { allow_methods: string[]; allow_headers: string[]; max_age: number }
  sign_in_route: string
}

/** One CfnParameter per setting an operator sets at deploy time, keyed by the parameter's name. */
export function settingParameters(scope: Construct): Record<string, CfnParameter> {
  const out: Record<string, CfnParameter> = {}
  for (const { parameter } of settings) {
    if (parameter) out[parameter.name] = declare(scope, parameter.name, parameter.cloudformation)
  }
  return out
}

/** The stack's own parameters (infra/generate/src/stack_parameters.rs: validities, the sender, the
 * Gateway and the agent, throttling, alarm thresholds), by name; a name that is not one is refused. */
export function stackParameters(scope: Construct): (name: string) => CfnParameter {
  const out = new Map(stackOnly.map(({ name, cloudformation }) => [name, declare(scope, name, cloudformation)]))
  return (name) => {
    const parameter = out.get(name)
    if (!parameter) throw new Error(`infra/generated/settings.json has no stack parameter ${name}`)
    return parameter
  }
}

function declare(scope: Construct, name: string, cfn: CloudFormationParameter): CfnParameter {
  return new CfnParameter(scope, name, {
    type: cfn.Type,
    default: cfn.Default,
    minValue: cfn.MinValue,
    maxValue: cfn.MaxValue,
    allowedValues: cfn.AllowedValues,
    allowedPattern: cfn.AllowedPattern,
    description: cfn.Description,
  })
}

/** A function's environment: each variable from its parameter or from the resource that wires it. */
export function environmentOf(
  fn: string,
  parameters: Record<string, CfnParameter>,
  resources: Record<string, string>,
): Record<string, string> {
  const entry = functions.find((f) => f.function === fn)
  if (!entry) throw new Error(`infra/generated/settings.json has no function ${fn}`)
  const out: Record<string, string> = {}
  for (const e of entry.environment) {
    if (e.parameter) {
      const param = parameters[e.parameter]
      if (!param) throw new Error(`no parameter ${e.parameter}`)
      out[e.variable] = e.list ? Fn.join(',', param.valueAsList) : param.valueAsString
    } else {
      const value = e.resource && resources[e.resource]
      if (!value) throw new Error(`${fn}: nothing wires ${e.variable} (resource ${e.resource})`)
      out[e.variable] = value
    }
  }
  return out
}
