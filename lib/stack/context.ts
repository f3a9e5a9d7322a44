import { FeaturePlan } from 'aws-cdk-lib/aws-cognito';
import type { Node } from 'constructs';
import { settingsFromContext } from '../../lambdas/shared/settings';
import type { FileServiceStackProps } from './file-service-stack';

type Read = (name: string) => unknown;

/**
 * Reads the stack's configuration from CDK context (`cdk.json`, or `-c name=value`): every
 * service setting by its own name (parsed by the settings schema, which names a malformed one),
 * plus what only the stack knows: the user pool (an existing one, or the new one's app client
 * and feature plan), the alarm email, and the opt-in to deploy with localhost origins only.
 */
export function stackPropsFromContext(node: Node): FileServiceStackProps {
  const read: Read = (name) => node.tryGetContext(name);
  const userPoolId = text(read, 'userPoolId');
  const userPoolClientId = text(read, 'userPoolClientId');
  if (Boolean(userPoolId) !== Boolean(userPoolClientId)) {
    throw new Error('Context userPoolId and userPoolClientId go together: give both or neither.');
  }
  const alarmEmail = text(read, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new Error('Context alarmEmail must be an email address.');
  }
  return {
    service: { settings: settingsFromContext(read) },
    ...(userPoolId && userPoolClientId && { existingUserPool: { userPoolId, userPoolClientId } }),
    ...(alarmEmail && { alarmEmail }),
    appClient: {
      callbackUrls: list(read, 'oauthCallbackUrls'),
      logoutUrls: list(read, 'oauthLogoutUrls'),
      passwordAuth: flag(read, 'passwordAuth'),
    },
    featurePlan: featurePlan(read),
    allowLocalhostOnly: flag(read, 'allowLocalhostOnly'),
  };
}

function text(read: Read, name: string): string | undefined {
  const value = read(name);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${name} must be a string.`);
  return value;
}

function list(read: Read, name: string): string[] | undefined {
  const value = read(name);
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string')
    return value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw new Error(`Context ${name} must be a comma-separated string or a list of strings.`);
}

function flag(read: Read, name: string): boolean | undefined {
  const value = read(name);
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${name} must be true or false.`);
}

function featurePlan(read: Read): FeaturePlan | undefined {
  const value = text(read, 'cognitoFeaturePlan');
  const plans: Record<string, FeaturePlan> = { lite: FeaturePlan.LITE, essentials: FeaturePlan.ESSENTIALS, plus: FeaturePlan.PLUS };
  if (value === undefined) return undefined;
  const plan = plans[value];
  if (!plan) throw new Error("Context cognitoFeaturePlan must be 'lite', 'essentials' or 'plus'.");
  return plan;
}
