import type { Node } from 'constructs';
import { settingsFromContext } from '../../lambdas/shared/settings';
import type { FileServiceStackProps } from './file-service-stack';

/**
 * Reads the stack's configuration from CDK context (`cdk.json`, or `-c name=value`): every
 * service setting by its own name (parsed by the settings schema, which names a malformed one),
 * plus what only the stack knows: an existing user pool and the alarm email.
 */
export function stackPropsFromContext(node: Node): FileServiceStackProps {
  const read = (name: string): unknown => node.tryGetContext(name);
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
  };
}

function text(read: (name: string) => unknown, name: string): string | undefined {
  const value = read(name);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${name} must be a string.`);
  return value;
}
