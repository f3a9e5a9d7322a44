/**
 * A guard against deploying a stack no deployed browser app can call: when every allowed origin
 * is `http://localhost` (the default, for local mode), synth warns naming the setting, and the
 * template carries a CloudFormation rule that refuses the deploy itself, with a message that
 * says what to set. `cdk synth`, the tests and local mode never deploy, so they are unaffected;
 * `-c allowLocalhostOnly=true` is the explicit opt-in (a stack for a developer's own machine).
 *
 * Why a CloudFormation rule and not a check in the app: the CDK CLI gives an app no reliable
 * signal that it runs for `cdk deploy` rather than `cdk synth`; CloudFormation evaluates rules
 * only when a change set is created, which is exactly a deploy.
 */
import { Annotations, CfnParameter, CfnRule, Fn } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** The context key that opts in to deploying with localhost origins only. */
const ALLOW_LOCALHOST_ONLY_CONTEXT = 'allowLocalhostOnly';

/** The id of the synth warning, for `Annotations.acknowledgeWarning`. */
export const LOCALHOST_ONLY_WARNING = 'secure-file-service:localhostOnlyOrigins';

/** What a deploy with localhost origins only refuses with, and what synth warns. */
const LOCALHOST_ONLY_MESSAGE =
  'allowedOrigins lists only http://localhost origins: no browser app served from anywhere else can call this API or the bucket. ' +
  'Deploy with -c allowedOrigins=https://app.example.com (comma-separated for several), ' +
  `or with -c ${ALLOW_LOCALHOST_ONLY_CONTEXT}=true to deploy for localhost anyway.`;

const LOCALHOST = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/;

/** True when no origin is reachable from outside the developer's machine. */
function isLocalhostOnly(origins: readonly string[]): boolean {
  return origins.every((origin) => LOCALHOST.test(origin));
}

/** Warns at synth and refuses the deploy when origins are localhost only, unless opted in. */
export function guardLocalhostOnlyOrigins(scope: Construct, origins: readonly string[], optedIn: boolean): void {
  if (!isLocalhostOnly(origins) || optedIn) return;
  Annotations.of(scope).addWarningV2(LOCALHOST_ONLY_WARNING, LOCALHOST_ONLY_MESSAGE);
  // A rule's assertion must reference a parameter; its default keeps the assertion false.
  const decision = new CfnParameter(scope, 'LocalhostOnlyOrigins', {
    type: 'String',
    default: 'refuse',
    allowedValues: ['refuse', 'deploy'],
    description: `Only localhost origins are allowed; the deploy is refused unless this is 'deploy' (or -c ${ALLOW_LOCALHOST_ONLY_CONTEXT}=true).`,
  });
  new CfnRule(scope, 'RefuseLocalhostOnlyOrigins', {
    assertions: [{ assert: Fn.conditionEquals(decision.valueAsString, 'deploy'), assertDescription: LOCALHOST_ONLY_MESSAGE }],
  });
}
