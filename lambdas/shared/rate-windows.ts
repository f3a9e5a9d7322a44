/**
 * Per-user, per-operation rate limits: a fixed one-minute window per user and operation, kept
 * in the file table (`pk = USER#{sub}`, `sk = RATE#{operation}#{windowStart}`) and counted with
 * one conditional `UpdateItem` per request, so concurrent requests at the edge cannot overshoot.
 * Window items carry the table's TTL attribute and go by themselves. Handlers call it before
 * any STS call: a flood costs one DynamoDB write per request, never a role session.
 *
 * Refusals carry the headers of draft-ietf-httpapi-ratelimit-headers-08 (structured fields:
 * `RateLimit-Policy: "upload";q=60;w=60` and `RateLimit: "upload";r=0;t=17`), and `Retry-After`.
 */
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RateWindow } from '../../contract/answers';
import { ApiError, storageUnavailable } from './errors';
import type { Plan } from './plans';
import { TABLE_TTL_ATTRIBUTE } from './table';

/** The operations that are rate limited: issuing upload URLs and download URLs. */
type RatedOperation = 'upload' | 'download';

/** Window length: the plans state their rates per minute. */
const RATE_WINDOW_SECONDS = 60;

/** How long a window item outlives its window: TTL deletes it within days anyway, this is only the earliest. */
const WINDOW_ITEM_LINGER_SECONDS = RATE_WINDOW_SECONDS;

/** Counts requests against the caller's windows. */
export interface RateWindows {
  /** Counts one request; throws 429 `RATE_LIMITED` when the window is full (nothing counted). */
  take(sub: string, operation: RatedOperation, plan: Plan, now: Date, signal?: AbortSignal): Promise<RateWindow>;
  /** The window at `now`, read without counting anything (`GET /usage`). */
  peek(sub: string, operation: RatedOperation, plan: Plan, now: Date, signal?: AbortSignal): Promise<RateWindow>;
}

/** The plan's limit for an operation. */
function rateLimitOf(plan: Plan, operation: RatedOperation): number {
  return operation === 'upload' ? plan.uploadUrlsPerMinute : plan.downloadUrlsPerMinute;
}

/** The key of a user's window for an operation at `now`. */
function rateWindowKey(sub: string, operation: RatedOperation, now: Date): { pk: string; sk: string; start: number } {
  const start = Math.floor(now.getTime() / 1000 / RATE_WINDOW_SECONDS) * RATE_WINDOW_SECONDS;
  return { pk: `USER#${sub}`, sk: `RATE#${operation}#${start}`, start };
}

/** The rate windows of one table. */
export function rateWindows(client: DynamoDBClient, tableName: string): RateWindows {
  return {
    async take(sub, operation, plan, now, signal) {
      const limit = rateLimitOf(plan, operation);
      const { pk, sk, start } = rateWindowKey(sub, operation, now);
      const end = start + RATE_WINDOW_SECONDS;
      const command = new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: pk }, sk: { S: sk } },
        UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': TABLE_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':limit': { N: String(limit) },
          ':ttl': { N: String(end + WINDOW_ITEM_LINGER_SECONDS) },
        },
        ReturnValues: 'UPDATED_NEW',
      });
      const resetAt = new Date(end * 1000).toISOString();
      const answer = await client.send(command, { abortSignal: signal }).catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) throw rateLimited(operation, limit, end, now);
        throw storageUnavailable(error);
      });
      const count = Number(answer.Attributes?.count?.N ?? limit);
      return { limit, remaining: Math.max(0, limit - count), resetAt };
    },

    async peek(sub, operation, plan, now, signal) {
      const limit = rateLimitOf(plan, operation);
      const { pk, sk, start } = rateWindowKey(sub, operation, now);
      const command = new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true });
      const answer = await client.send(command, { abortSignal: signal }).catch((error: unknown) => {
        throw storageUnavailable(error);
      });
      const count = Number(answer.Item?.count?.N ?? 0);
      return { limit, remaining: Math.max(0, limit - count), resetAt: new Date((start + RATE_WINDOW_SECONDS) * 1000).toISOString() };
    },
  };
}

function rateLimited(operation: RatedOperation, limit: number, windowEnd: number, now: Date): ApiError {
  const retryAfter = Math.max(1, Math.ceil(windowEnd - now.getTime() / 1000));
  return new ApiError('RATE_LIMITED', `Too many ${operation} URLs: at most ${limit} a minute; try again in ${retryAfter} s.`, {
    headers: {
      'retry-after': String(retryAfter),
      'ratelimit-policy': `"${operation}";q=${limit};w=${RATE_WINDOW_SECONDS}`,
      ratelimit: `"${operation}";r=0;t=${retryAfter}`,
    },
    retryAfter,
  });
}
