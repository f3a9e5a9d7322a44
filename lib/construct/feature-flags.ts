/**
 * The CDK feature flags the construct is built and tested with: the `@aws-cdk/…` ones of this
 * repository's `cdk.json`, what `cdk init` writes for the aws-cdk-lib it was tested on. An app
 * that uses the package may have older defaults, or none (server access logs by ACL, which a
 * bucket-owner-enforced bucket refuses; a policy per grant instead of one minimized): set on the
 * construct's own node, these flags hold for everything below it, so the service synthesizes the
 * template the infra tests, cdk-nag and the IAM simulation checked, whatever the app's flags.
 */
import type { Construct } from 'constructs';
import { context } from '../../cdk.json';

const FEATURE_FLAGS = Object.entries(context).filter(([name]) => name.startsWith('@aws-cdk/'));

/** Sets the flags on `scope`, for its children: call it before the first child is added (CDK refuses later). */
export function pinFeatureFlags(scope: Construct): void {
  for (const [name, value] of FEATURE_FLAGS) scope.node.setContext(name, value);
}
