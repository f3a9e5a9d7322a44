/**
 * The storage quota: one usage item per user (`pk = USER#{sub}`, `sk = USAGE`) in the file
 * table. It holds only counters, `committedBytes` (used + reserved: a condition expression cannot
 * add two attributes, so the sum the quota is checked against is kept as one), `reservedBytes`,
 * `fileCount` (files + pending) and `pendingCount`, and one entry per *pending* reservation,
 * `r_{id}` = `{size, expiresAt}`: at most the plan's `maxPendingUploads` of them. A stored file
 * is counted by a `counted` flag on its own record, never by an entry here, so the item (and
 * what every write of it costs: DynamoDB bills a write by the whole item, 1 WRU per KB) stays
 * the same size however many files the user keeps.
 *
 * - reserve (an upload URL issued): one conditional `UpdateItem` adds the entry if the plan has
 *   room, and answers the new figures (`ReturnValues`), so no read follows it;
 * - confirm (the verifier's `available`): one transaction removes the entry (it must exist),
 *   moves its bytes from reserved to used, and sets `counted` on the record (it must not be yet);
 * - release of a counted file (delete): one transaction takes `counted` off the record (it must
 *   be there) and the file off the counters;
 * - release of a reservation (rejected, aborted, expired, deleted before it was stored): removes
 *   the entry, if it is still there.
 *
 * Every step is conditional on the state it moves from, so a duplicate or out-of-order event
 * changes nothing. A reservation whose URL was never used goes when its record's expiry passes.
 * DynamoDB's TTL deletes the record with no hook, so expired entries are released lazily: by a
 * reserve that would otherwise be refused, and by `GET /usage`.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { QuotaFigures } from '../../contract/errors';
import { ApiError, storageUnavailable } from './errors';
import type { PlanLimits } from './plans';
import { fileItemKey } from './table';

/** One pending reservation, as the usage item holds it. */
interface Reserved {
  readonly size: number;
  /** Epoch seconds: the record's own expiry; past it, the reservation is released. */
  readonly expiresAt: number;
}

/** A user's usage item, read. */
export interface UsageState {
  readonly committedBytes: number;
  readonly reservedBytes: number;
  readonly fileCount: number;
  readonly pendingCount: number;
  /** The pending reservations by file id. */
  readonly entries: Readonly<Record<string, Reserved>>;
}

/** A file to reserve room for. */
interface Reservation {
  readonly id: string;
  readonly size: number;
  /** Epoch seconds: the record's expiry. */
  readonly expiresAt: number;
}

/** The storage quota's ledger in the file table. */
export interface UsageLedger {
  /** Reserves room for a file under the plan; throws 403 `QUOTA_EXCEEDED` with the figures when there is none. */
  reserve(sub: string, reservation: Reservation, plan: PlanLimits, now: Date, signal?: AbortSignal): Promise<UsageState>;
  /**
   * Counts an `available` file: its reservation becomes usage, or, when there is none any more
   * (it expired first), the file is counted anyway. `false` when it was counted already or its
   * record is not `available`.
   */
  confirm(sub: string, id: string, size: number): Promise<boolean>;
  /** Releases a file's usage (it was counted) or its reservation; `false` when there was neither. */
  release(sub: string, id: string, size: number): Promise<boolean>;
  /** Pushes a reservation's expiry out with its record's (part URLs re-signed). */
  extend(sub: string, id: string, expiresAt: number): Promise<void>;
  /** The user's usage, expired reservations released first. */
  read(sub: string, now: Date, signal?: AbortSignal): Promise<UsageState>;
}

/** The sort key of a user's usage item. */
const USAGE_SORT_KEY = 'USAGE';

const ENTRY_PREFIX = 'r_';

/** The attribute a file record carries while its bytes are in its owner's usage. */
export const COUNTED_ATTRIBUTE = 'counted';

const COUNTERS = {
  '#committed': 'committedBytes',
  '#reserved': 'reservedBytes',
  '#files': 'fileCount',
  '#pending': 'pendingCount',
} as const;

/** The primary key of a user's usage item. */
export function usageItemKey(sub: string): Record<string, AttributeValue> {
  return { pk: { S: `USER#${sub}` }, sk: { S: USAGE_SORT_KEY } };
}

/** The quota figures of a usage state under a plan. */
export function quotaFigures(state: UsageState, plan: PlanLimits): QuotaFigures {
  return {
    usedBytes: state.committedBytes - state.reservedBytes,
    reservedBytes: state.reservedBytes,
    quotaBytes: plan.storageQuotaBytes,
    files: state.fileCount,
    maxFiles: plan.maxFiles,
  };
}

/** The ledger of one table. */
export function usageLedger(client: Pick<DynamoDBClient, 'send'>, tableName: string): UsageLedger {
  const key = usageItemKey;
  const recordKey = (id: string) => {
    const { pk, sk } = fileItemKey(id);
    return { pk: { S: pk }, sk: { S: sk } };
  };
  // A conditional write whose condition failed is an answer: the item was not in that state.
  const attempt = (command: UpdateItemCommand, signal?: AbortSignal): Promise<boolean> =>
    client.send(command, { abortSignal: signal }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw storageUnavailable(error);
      },
    );
  /** The codes of a cancelled transaction's items, or `undefined` when it went through. */
  const transact = (items: TransactWriteItem[]): Promise<readonly string[] | undefined> =>
    client.send(new TransactWriteItemsCommand({ TransactItems: items })).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof TransactionCanceledException) return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
        throw storageUnavailable(error);
      },
    );

  const read = async (sub: string, signal?: AbortSignal): Promise<UsageState> => {
    const answer = await client
      .send(new GetItemCommand({ TableName: tableName, Key: key(sub), ConsistentRead: true }), { abortSignal: signal })
      .catch((error: unknown) => {
        throw storageUnavailable(error);
      });
    return usageStateOf(answer.Item ?? {});
  };

  /** The record's side of confirm: it becomes counted, once, and only while it is available. */
  const countRecord = (sub: string, id: string): TransactWriteItem => ({
    Update: {
      TableName: tableName,
      Key: recordKey(id),
      UpdateExpression: 'SET #counted = :true',
      ConditionExpression: 'attribute_not_exists(#counted) AND #status = :available AND #owner = :owner',
      ExpressionAttributeNames: { '#counted': COUNTED_ATTRIBUTE, '#status': 'status', '#owner': 'owner' },
      ExpressionAttributeValues: { ':true': { BOOL: true }, ':available': { S: 'available' }, ':owner': { S: sub } },
    },
  });

  const usageUpdate = (
    sub: string,
    update: string,
    values: Record<string, AttributeValue>,
    condition?: { expression: string; id: string },
  ): TransactWriteItem => ({
    Update: {
      TableName: tableName,
      Key: key(sub),
      UpdateExpression: update,
      ...(condition && { ConditionExpression: condition.expression }),
      ExpressionAttributeNames: {
        ...Object.fromEntries(Object.entries(COUNTERS).filter(([name]) => update.includes(name))),
        ...(condition && { '#r': `${ENTRY_PREFIX}${condition.id}` }),
      },
      ExpressionAttributeValues: values,
    },
  });

  const releaseReservation = (sub: string, id: string, size: number, signal?: AbortSignal) =>
    attempt(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(sub),
        UpdateExpression: 'REMOVE #r ADD #committed :minus, #reserved :minus, #files :less, #pending :less',
        ConditionExpression: 'attribute_exists(#r)',
        ExpressionAttributeNames: { '#r': `${ENTRY_PREFIX}${id}`, ...COUNTERS },
        ExpressionAttributeValues: { ':minus': { N: String(-size) }, ':less': { N: '-1' } },
      }),
      signal,
    );

  const releaseExpired = async (sub: string, state: UsageState, now: Date, signal?: AbortSignal): Promise<boolean> => {
    const nowSeconds = now.getTime() / 1000;
    const expired = Object.entries(state.entries).filter(([, entry]) => entry.expiresAt <= nowSeconds);
    // Every release settles before a failure is told: none is left in flight behind the answer.
    const released = await Promise.allSettled(expired.map(([id, entry]) => releaseReservation(sub, id, entry.size, signal)));
    const failed = released.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return expired.length > 0;
  };

  /** The figures after the reservation, or the item as it was when the plan had no room. */
  const tryReserve = async (
    sub: string,
    reservation: Reservation,
    plan: PlanLimits,
    signal?: AbortSignal,
  ): Promise<{ granted: boolean; state?: UsageState }> => {
    const command = new UpdateItemCommand({
      TableName: tableName,
      Key: key(sub),
      UpdateExpression: 'SET #r = :entry ADD #committed :size, #reserved :size, #files :one, #pending :one',
      ConditionExpression:
        'attribute_not_exists(#r) AND (attribute_not_exists(#committed) OR #committed <= :room)' +
        ' AND (attribute_not_exists(#files) OR #files < :maxFiles) AND (attribute_not_exists(#pending) OR #pending < :maxPending)',
      ExpressionAttributeNames: { '#r': `${ENTRY_PREFIX}${reservation.id}`, ...COUNTERS },
      ExpressionAttributeValues: {
        ':entry': { M: { size: { N: String(reservation.size) }, expiresAt: { N: String(reservation.expiresAt) } } },
        ':size': { N: String(reservation.size) },
        ':one': { N: '1' },
        ':room': { N: String(plan.storageQuotaBytes - reservation.size) },
        ':maxFiles': { N: String(plan.maxFiles) },
        ':maxPending': { N: String(plan.maxPendingUploads) },
      },
      // The figures come with the write: no read follows a granted reservation.
      ReturnValues: 'ALL_NEW',
      // And with a refusal, where DynamoDB returns them (dynalite does not: then one read).
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    try {
      const answer = await client.send(command, { abortSignal: signal });
      return { granted: true, state: usageStateOf(answer.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw storageUnavailable(error);
      return { granted: false, ...(error.Item && { state: usageStateOf(error.Item) }) };
    }
  };

  return {
    async reserve(sub, reservation, plan, now, signal) {
      const fits = reservation.size <= plan.storageQuotaBytes && plan.maxFiles > 0;
      if (!fits) throw quotaExceeded(await read(sub, signal), plan, reservation.size);
      const first = await tryReserve(sub, reservation, plan, signal);
      if (first.granted && first.state) return first.state;
      const state = first.state ?? (await read(sub, signal));
      // Refused: room held by URLs that were never used is room again once they expire.
      if (await releaseExpired(sub, state, now, signal)) {
        const second = await tryReserve(sub, reservation, plan, signal);
        if (second.granted && second.state) return second.state;
        throw quotaExceeded(second.state ?? (await read(sub, signal)), plan, reservation.size);
      }
      throw quotaExceeded(state, plan, reservation.size);
    },

    async confirm(sub, id, size) {
      const minus = { N: String(-size) };
      const reasons = await transact([
        usageUpdate(
          sub,
          'REMOVE #r ADD #reserved :minus, #pending :less',
          { ':minus': minus, ':less': { N: '-1' } },
          {
            expression: 'attribute_exists(#r)',
            id,
          },
        ),
        countRecord(sub, id),
      ]);
      if (!reasons) return true;
      // The record was counted already, or is not available (any more): nothing to do.
      if (reasons[1] === 'ConditionalCheckFailed' || reasons[0] !== 'ConditionalCheckFailed') return false;
      // No reservation left (it expired before the file was judged): the stored file is counted all the same.
      const fallback = await transact([
        usageUpdate(sub, 'ADD #committed :size, #files :one', { ':size': { N: String(size) }, ':one': { N: '1' } }),
        countRecord(sub, id),
      ]);
      return fallback === undefined;
    },

    async release(sub, id, size) {
      const counted = await transact([
        {
          Update: {
            TableName: tableName,
            Key: recordKey(id),
            UpdateExpression: 'REMOVE #counted',
            ConditionExpression: 'attribute_exists(#counted) AND #owner = :owner',
            ExpressionAttributeNames: { '#counted': COUNTED_ATTRIBUTE, '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': { S: sub } },
          },
        },
        usageUpdate(sub, 'ADD #committed :minus, #files :less', { ':minus': { N: String(-size) }, ':less': { N: '-1' } }),
      ]);
      // Not counted: a reservation, if one is left. Callers release only a record that can no
      // longer become available (rejected, deleted, gone), so no confirm can come in between.
      return counted === undefined || releaseReservation(sub, id, size);
    },

    async extend(sub, id, expiresAt) {
      await attempt(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(sub),
          UpdateExpression: 'SET #r.#expiresAt = :expiresAt',
          ConditionExpression: 'attribute_exists(#r) AND #r.#expiresAt < :expiresAt',
          ExpressionAttributeNames: { '#r': `${ENTRY_PREFIX}${id}`, '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':expiresAt': { N: String(expiresAt) } },
        }),
      );
    },

    async read(sub, now, signal) {
      const state = await read(sub, signal);
      return (await releaseExpired(sub, state, now, signal)) ? read(sub, signal) : state;
    },
  };
}

/** A usage item's figures and pending reservations. */
export function usageStateOf(item: Record<string, AttributeValue>): UsageState {
  const count = (name: string) => Number(item[name]?.N ?? 0);
  const entries: Record<string, Reserved> = {};
  for (const [name, value] of Object.entries(item)) {
    const entry = value.M;
    if (!name.startsWith(ENTRY_PREFIX) || !entry) continue;
    entries[name.slice(ENTRY_PREFIX.length)] = { size: Number(entry.size?.N ?? 0), expiresAt: Number(entry.expiresAt?.N ?? 0) };
  }
  return {
    committedBytes: count('committedBytes'),
    reservedBytes: count('reservedBytes'),
    fileCount: count('fileCount'),
    pendingCount: count('pendingCount'),
    entries,
  };
}

function quotaExceeded(state: UsageState, plan: PlanLimits, size: number): ApiError {
  const quota = quotaFigures(state, plan);
  const limit =
    state.committedBytes + size > plan.storageQuotaBytes
      ? `storage: ${quota.usedBytes} bytes used and ${quota.reservedBytes} reserved of ${plan.storageQuotaBytes}, and this file needs ${size}`
      : state.fileCount >= plan.maxFiles
        ? `files: ${state.fileCount} of ${plan.maxFiles} (stored and pending)`
        : `pending uploads: ${state.pendingCount} of ${plan.maxPendingUploads}; finish or abort one first`;
  return new ApiError('QUOTA_EXCEEDED', `Your plan's quota is used up: ${limit}.`, { quota });
}
