/**
 * Suspended users: one table item per user an operator suspended (`pk = USER#{sub}`,
 * `sk = SUSPENDED`), written by `bin/suspend-user.ts`, never by a route.
 *
 * Every signing route reads it with a strongly consistent `GetItem` in the request itself, so a
 * suspension holds from the next request on: nothing caches the answer longer than a request.
 * Downloads also check the file's owner, so others stop getting URLs to a suspended user's files.
 * URLs issued before the suspension live until they expire; SECURITY.md has the emergency
 * procedure that kills them too.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withinDeadline } from './deadline';
import { ApiError, storageUnavailable } from './errors';
import type { RoleSession, RoleSessionSource, SessionCaller, SessionUse } from './role-sessions';

/** Why and when a user was suspended, as the operator recorded it. */
export interface Suspension {
  readonly sub: string;
  readonly suspendedAt: string;
  readonly reason: string;
}

/** The suspended users of one table. */
export interface Suspensions {
  /** The user's suspension, read consistently, or `undefined` when they are not suspended. */
  find(sub: string, signal?: AbortSignal): Promise<Suspension | undefined>;
  /** Marks a user suspended (the operator's command). */
  suspend(suspension: Suspension): Promise<void>;
  /** Lifts a suspension; `false` when there was none. */
  reinstate(sub: string): Promise<boolean>;
}

/** The primary key of a user's suspension item: beside the user's other items (`USER#{sub}`). */
function suspensionItemKey(sub: string): { pk: string; sk: string } {
  return { pk: `USER#${sub}`, sk: 'SUSPENDED' };
}

/** The table's suspension items. */
export function tableSuspensions(client: Pick<DynamoDBClient, 'send'>, tableName: string): Suspensions {
  const key = (sub: string) => {
    const { pk, sk } = suspensionItemKey(sub);
    return { pk: { S: pk }, sk: { S: sk } };
  };
  return {
    async find(sub, signal) {
      const answer = await withinDeadline(signal, (abortSignal) =>
        // Strongly consistent: a suspension written a moment ago must already refuse.
        client.send(new GetItemCommand({ TableName: tableName, Key: key(sub), ConsistentRead: true }), { abortSignal }),
      ).catch((error: unknown) => {
        throw storageUnavailable(error);
      });
      const item = answer.Item;
      if (!item) return undefined;
      return { sub, suspendedAt: item['suspendedAt']?.S ?? '', reason: item['reason']?.S ?? '' };
    },
    async suspend(suspension) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...key(suspension.sub), suspendedAt: { S: suspension.suspendedAt }, reason: { S: suspension.reason } },
        }),
      );
    },
    async reinstate(sub) {
      const answer = await client.send(new DeleteItemCommand({ TableName: tableName, Key: key(sub), ReturnValues: 'ALL_OLD' }));
      return answer.Attributes !== undefined;
    },
  };
}

/** Refuses with 403 `SUSPENDED` when any of the users is suspended (the caller, a file's owner). */
export async function assertNotSuspended(suspensions: Suspensions, subs: readonly string[], signal?: AbortSignal): Promise<void> {
  const found = await Promise.all([...new Set(subs)].map((sub) => suspensions.find(sub, signal)));
  if (found.some((suspension) => suspension !== undefined)) {
    throw new ApiError('SUSPENDED', 'This account is suspended; contact the operator.');
  }
}

/**
 * A session source that refuses suspended callers: every route that signs or acts with a role
 * session goes through it, so none can forget the check. A request that takes two sessions
 * reads the suspension once (remembered by its deadline signal, which dies with the request).
 */
export function suspensionCheckedSessions(sessions: RoleSessionSource, suspensions: Suspensions): RoleSessionSource {
  const checkedThisRequest = new WeakMap<AbortSignal, Promise<void>>();
  const check = (caller: SessionCaller): Promise<void> => {
    if (!caller.signal) return assertNotSuspended(suspensions, [caller.sub]);
    let checked = checkedThisRequest.get(caller.signal);
    if (!checked) {
      checked = assertNotSuspended(suspensions, [caller.sub], caller.signal);
      checkedThisRequest.set(caller.signal, checked);
    }
    return checked;
  };
  return {
    async sessionFor(caller: SessionCaller, validForSeconds: number, use?: SessionUse): Promise<RoleSession> {
      await check(caller);
      return sessions.sessionFor(caller, validForSeconds, use);
    },
  };
}
