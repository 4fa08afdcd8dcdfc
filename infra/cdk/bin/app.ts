// The CDK app: `npx cdk deploy` (architecture by `-c architecture=x86_64`, default arm64).
// cdk-nag's AwsSolutions checks run on every synth; a finding that is not suppressed with a
// reason in lib/stack.ts fails the synth.
import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { BookingAuthStack, architectureFrom } from '../lib/stack'

// SKIP_BUNDLING=1 synthesises without building the Rust binaries (tests, offline checks);
// `cdk deploy` builds them with cargo-lambda.
const app = new App(
  process.env.SKIP_BUNDLING === '1' ? { postCliContext: { 'aws:cdk:bundling-stacks': [] } } : {},
)
new BookingAuthStack(app, 'BookingAuth', {
  architecture: architectureFrom(app.node.tryGetContext('architecture')),
})
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }))
