/**
 * The `health` function: `GET /health`, without a token → `{"status":"ok"}`, or
 * `{"status":"degraded"}` with 503 when the file table or the bucket does not answer. Nothing
 * else is said (no versions, no names, no timings): the route is public.
 *
 * The checks are the cheapest calls that prove each dependency answers (`DescribeTable`,
 * `HeadBucket`), and their result is cached, so a flood of health checks costs neither DynamoDB
 * nor S3 anything more than one check per instance every few seconds.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HealthStatus } from '../contract/answers';
import { bucketLocation } from './shared/dependencies';
import { ENVIRONMENT_VARIABLES, required, type Environment } from './shared/environment';
import { describeError, log } from './shared/logs';
import { sendSignedRequest } from './shared/object-requests';
import { createObjectUrlSigner } from './shared/object-urls';
import { createDynamoDbClient } from './shared/records';
import type { RoleSession } from './shared/role-sessions';

/** What the health checks call; tests pass fakes. */
export interface HealthDependencies {
  /** Resolves when the table answers; rejects otherwise. */
  readonly checkTable: () => Promise<unknown>;
  /** Resolves when the bucket answers; rejects otherwise. */
  readonly checkBucket: () => Promise<unknown>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** How long a result is reused: a healthy one for longer, so recovery is seen soon. */
export const HEALTH_CACHE_MS = { ok: 10_000, degraded: 2_000 } as const;

/** Creates the health handler around its checks. */
export function createHealthHandler(dependencies: HealthDependencies) {
  const now = dependencies.now ?? Date.now;
  let cached: { status: HealthStatus['status']; until: number } | undefined;
  let running: Promise<HealthStatus['status']> | undefined;

  const check = async (): Promise<HealthStatus['status']> => {
    const results = await Promise.allSettled([dependencies.checkTable(), dependencies.checkBucket()]);
    const failed = results.flatMap((result, index) => (result.status === 'rejected' ? [{ index, reason: result.reason as unknown }] : []));
    for (const { index, reason } of failed)
      log('WARN', 'health check failed', { dependency: index === 0 ? 'table' : 'bucket', ...describeError(reason) });
    return failed.length === 0 ? 'ok' : 'degraded';
  };

  return async (_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    if (!cached || cached.until <= now()) {
      // Concurrent requests of one instance share one check.
      running ??= check().finally(() => {
        running = undefined;
      });
      const status = await running;
      cached = { status, until: now() + HEALTH_CACHE_MS[status] };
    }
    const body: HealthStatus = { status: cached.status };
    return {
      statusCode: cached.status === 'ok' ? 200 : 503,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify(body),
    };
  };
}

/** The checks of a deployed function: its own execution role, bounded to a second each. */
export function healthDependencies(environment: Environment, dynamoDb?: DynamoDBClient): HealthDependencies {
  const location = bucketLocation(environment);
  const tableName = required(environment, ENVIRONMENT_VARIABLES.tableName);
  const table = dynamoDb ?? createDynamoDbClient(location.region, environment[ENVIRONMENT_VARIABLES.dynamoDbEndpoint]);
  const signer = createObjectUrlSigner(location);
  return {
    checkTable: () =>
      table.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS) }),
    checkBucket: async () => {
      // HeadBucket as a presigned HEAD of the bucket's root: the S3 client would be most of this function's cold start.
      const { url } = await signer.presign(executionRole(environment), { method: 'HEAD', key: '' }, 60);
      const answer = await sendSignedRequest(url, 'HEAD', AbortSignal.timeout(CHECK_TIMEOUT_MS));
      if (answer.status !== 200) throw new Error(`S3 answered ${answer.status} to the bucket's HEAD`);
    },
  };
}

/** How long each check may take. */
const CHECK_TIMEOUT_MS = 1000;

/**
 * The function's own credentials, which Lambda puts in the environment (the execution role's,
 * valid while the environment lives); local mode puts the S3 emulator's there, without a token.
 */
function executionRole(environment: Environment): RoleSession {
  return {
    userId: 'health',
    credentials: {
      accessKeyId: required(environment, 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: required(environment, 'AWS_SECRET_ACCESS_KEY'),
      sessionToken: environment.AWS_SESSION_TOKEN ?? '',
    },
    // The URL lives 60 s and is sent at once.
    expiresAt: Date.now() + 15 * 60_000,
  };
}

/** The deployed handler. */
export const handler = createHealthHandler(healthDependencies(process.env));
