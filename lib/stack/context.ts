import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { FeaturePlan } from 'aws-cdk-lib/aws-cognito';
import type { Node } from 'constructs';
import type { ContentTypeAllowList, FileServiceLimits, ReadAccess } from '../../lambdas/shared/limits';
import type { FileServiceStackProps } from './file-service-stack';

/** Reads one context value by name. */
export type ReadContext = (name: string) => unknown;

/**
 * The limits set in CDK context (`cdk.json`, or `-c name=value` on the command line, where
 * every value arrives as a string); unset ones are left out, to fall back to the defaults.
 * Local mode reads `cdk.json` through this too, so it runs with the limits you deploy.
 */
export function limitOverridesFromContext(read: ReadContext): Partial<FileServiceLimits> {
  return {
    allowedOrigins: list(read, 'allowedOrigins'),
    readAccess: text(read, 'readAccess') as ReadAccess | undefined,
    maxUploadBytes: wholeNumber(read, 'maxUploadBytes'),
    allowedContentTypes: json(read, 'allowedContentTypes') as ContentTypeAllowList | undefined,
    uploadUrlTtlSeconds: wholeNumber(read, 'uploadUrlTtlSeconds'),
    downloadUrlTtlSeconds: wholeNumber(read, 'downloadUrlTtlSeconds'),
    maxDownloadUrlTtlSeconds: wholeNumber(read, 'maxDownloadUrlTtlSeconds'),
    multipartThresholdBytes: wholeNumber(read, 'multipartThresholdBytes'),
  };
}

/** The scopes every route requires, from context `authorizationScopes`; local mode's authorizer reads it too. */
export function authorizationScopesFromContext(read: ReadContext): string[] | undefined {
  return list(read, 'authorizationScopes');
}

/**
 * Reads the stack's configuration from CDK context. Unset values fall back to the construct's
 * defaults; malformed ones fail the synth naming the context key.
 */
export function stackPropsFromContext(node: Node): FileServiceStackProps {
  const read: ReadContext = (name) => node.tryGetContext(name);
  const userPoolId = text(read, 'userPoolId');
  const userPoolClientId = text(read, 'userPoolClientId');
  if (Boolean(userPoolId) !== Boolean(userPoolClientId)) {
    throw new Error('Context userPoolId and userPoolClientId go together: give both or neither.');
  }
  const limits = limitOverridesFromContext(read);
  const seconds = (value: number | undefined) => (value === undefined ? undefined : Duration.seconds(value));
  const alarmEmail = text(read, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new Error('Context alarmEmail must be an email address.');
  }
  const rateLimit = wholeNumber(read, 'throttleRateLimit');
  const burstLimit = wholeNumber(read, 'throttleBurstLimit');
  return {
    service: {
      allowedOrigins: limits.allowedOrigins ? [...limits.allowedOrigins] : undefined,
      readAccess: limits.readAccess,
      maxUploadBytes: limits.maxUploadBytes,
      allowedContentTypes: limits.allowedContentTypes,
      uploadUrlTtl: seconds(limits.uploadUrlTtlSeconds),
      downloadUrlTtl: seconds(limits.downloadUrlTtlSeconds),
      maxDownloadUrlTtl: seconds(limits.maxDownloadUrlTtlSeconds),
      multipartThresholdBytes: limits.multipartThresholdBytes,
      removalPolicy: removalPolicy(read),
      authorizationScopes: authorizationScopesFromContext(read),
      ...((rateLimit !== undefined || burstLimit !== undefined) && { throttle: { rateLimit, burstLimit } }),
    },
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

type Read = ReadContext;

function text(read: Read, name: string): string | undefined {
  const value = read(name);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${name} must be a string.`);
  return value;
}

function wholeNumber(read: Read, name: string): number | undefined {
  const value = read(name);
  if (value === undefined || value === '') return undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new Error(`Context ${name} must be a whole number.`);
  return number;
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

function json(read: Read, name: string): unknown {
  const value = read(name);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new Error(`Context ${name} must be JSON.`);
  }
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

function removalPolicy(read: Read): RemovalPolicy | undefined {
  const value = text(read, 'removalPolicy');
  if (value === undefined) return undefined;
  if (value === 'retain') return RemovalPolicy.RETAIN;
  if (value === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error("Context removalPolicy must be 'retain' or 'destroy'.");
}
