/**
 * The storage quota: one usage item per user (`pk = USER#{sub}`, `sk = USAGE`) in the file
 * table, changed only by single conditional `UpdateItem`s (dynalite has no transactions, and
 * one item needs none). It holds the counters, `committedBytes` (used + reserved),
 * `reservedBytes`, `fileCount` (files + pending) and `pendingCount`, and a ledger entry per
 * counted file, `f_{id}` = `{size, state: reserved | used, expiresAt}`. Every transition is
 * conditional on the entry's state, so a duplicate or out-of-order event finds the entry already
 * moved and changes nothing: the counters always equal the sum of the entries.
 *
 * - reserve (an upload URL issued): adds a `reserved` entry if the plan still has room;
 * - confirm (the verifier's `available`): `reserved → used`;
 * - release (rejected, aborted, deleted, expired): removes the entry, whatever its state.
 *
 * A reservation whose URL was never used goes when its record's expiry passes. DynamoDB's TTL
 * deletes the record with no hook, so expired entries are released lazily: by a reserve that
 * would otherwise be refused, and by `GET /usage`.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { QuotaFigures } from '../../contract/errors';
import { ApiError, storageUnavailable } from './errors';
import type { PlanLimits } from './plans';

/** One counted file, as the usage item holds it. */
interface LedgerEntry {
  readonly size: number;
  readonly state: 'reserved' | 'used';
  /** Epoch seconds: the record's own expiry; a `reserved` entry past it is released. */
  readonly expiresAt: number;
}

/** A user's usage item, read. */
export interface UsageState {
  readonly committedBytes: number;
  readonly reservedBytes: number;
  readonly fileCount: number;
  readonly pendingCount: number;
  readonly entries: Readonly<Record<string, LedgerEntry>>;
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
  /** Turns a reservation into usage; `false` when there was no reservation (confirmed or released already). */
  confirm(sub: string, id: string, size: number): Promise<boolean>;
  /** Releases a file's reservation or usage; `false` when it was released already. */
  release(sub: string, id: string, size: number): Promise<boolean>;
  /** Pushes a reservation's expiry out with its record's (part URLs re-signed). */
  extend(sub: string, id: string, expiresAt: number): Promise<void>;
  /** The user's usage, expired reservations released first. */
  read(sub: string, now: Date, signal?: AbortSignal): Promise<UsageState>;
}

/** The sort key of a user's usage item. */
const USAGE_SORT_KEY = 'USAGE';

const ENTRY_PREFIX = 'f_';

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
export function usageLedger(client: DynamoDBClient, tableName: string): UsageLedger {
  const key = (sub: string) => ({ pk: { S: `USER#${sub}` }, sk: { S: USAGE_SORT_KEY } });
  // A conditional write whose condition failed is an answer: the entry was not in that state.
  const attempt = (command: UpdateItemCommand, signal?: AbortSignal): Promise<boolean> =>
    client.send(command, { abortSignal: signal }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return false;
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

  const transition = (
    sub: string,
    id: string,
    from: LedgerEntry['state'],
    update: string,
    size: number,
    signal?: AbortSignal,
    values: Record<string, AttributeValue> = {},
  ) =>
    attempt(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(sub),
        UpdateExpression: update,
        ConditionExpression: '#f.#state = :from',
        ExpressionAttributeNames: { '#f': `${ENTRY_PREFIX}${id}`, '#state': 'state', ...counterNames(update) },
        ExpressionAttributeValues: {
          ...values,
          ':from': { S: from },
          ...(update.includes(':minus') && { ':minus': { N: String(-size) } }),
          ...(update.includes(':less') && { ':less': { N: '-1' } }),
        },
      }),
      signal,
    );

  const release = async (sub: string, id: string, size: number, signal?: AbortSignal) =>
    (await transition(
      sub,
      id,
      'reserved',
      'REMOVE #f ADD #committed :minus, #reserved :minus, #files :less, #pending :less',
      size,
      signal,
    )) || transition(sub, id, 'used', 'REMOVE #f ADD #committed :minus, #files :less', size, signal);

  const releaseExpired = async (sub: string, state: UsageState, now: Date, signal?: AbortSignal): Promise<boolean> => {
    const nowSeconds = now.getTime() / 1000;
    const expired = Object.entries(state.entries).filter(([, entry]) => entry.state === 'reserved' && entry.expiresAt <= nowSeconds);
    await Promise.all(expired.map(([id, entry]) => release(sub, id, entry.size, signal)));
    return expired.length > 0;
  };

  const tryReserve = (sub: string, reservation: Reservation, plan: PlanLimits, signal?: AbortSignal) =>
    attempt(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(sub),
        UpdateExpression: 'SET #f = :entry ADD #committed :size, #reserved :size, #files :one, #pending :one',
        ConditionExpression:
          'attribute_not_exists(#f) AND (attribute_not_exists(#committed) OR #committed <= :room)' +
          ' AND (attribute_not_exists(#files) OR #files < :maxFiles) AND (attribute_not_exists(#pending) OR #pending < :maxPending)',
        ExpressionAttributeNames: {
          '#f': `${ENTRY_PREFIX}${reservation.id}`,
          '#committed': 'committedBytes',
          '#reserved': 'reservedBytes',
          '#files': 'fileCount',
          '#pending': 'pendingCount',
        },
        ExpressionAttributeValues: {
          ':entry': {
            M: { size: { N: String(reservation.size) }, state: { S: 'reserved' }, expiresAt: { N: String(reservation.expiresAt) } },
          },
          ':size': { N: String(reservation.size) },
          ':one': { N: '1' },
          ':room': { N: String(plan.storageQuotaBytes - reservation.size) },
          ':maxFiles': { N: String(plan.maxFiles) },
          ':maxPending': { N: String(plan.maxPendingUploads) },
        },
      }),
      signal,
    );

  return {
    async reserve(sub, reservation, plan, now, signal) {
      const fits = reservation.size <= plan.storageQuotaBytes && plan.maxFiles > 0;
      if (fits && (await tryReserve(sub, reservation, plan, signal))) return read(sub, signal);
      const state = await read(sub, signal);
      // Refused: room held by URLs that were never used is room again once they expire.
      if (fits && (await releaseExpired(sub, state, now, signal)) && (await tryReserve(sub, reservation, plan, signal))) {
        return read(sub, signal);
      }
      const latest = fits ? await read(sub, signal) : state;
      throw quotaExceeded(latest, plan, reservation.size);
    },

    confirm: (sub, id, size) =>
      transition(sub, id, 'reserved', 'SET #f.#state = :used ADD #reserved :minus, #pending :less', size, undefined, {
        ':used': { S: 'used' },
      }),

    release: (sub, id, size) => release(sub, id, size),

    async extend(sub, id, expiresAt) {
      await attempt(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(sub),
          UpdateExpression: 'SET #f.#expiresAt = :expiresAt',
          ConditionExpression: '#f.#state = :reserved AND #f.#expiresAt < :expiresAt',
          ExpressionAttributeNames: { '#f': `${ENTRY_PREFIX}${id}`, '#state': 'state', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':reserved': { S: 'reserved' }, ':expiresAt': { N: String(expiresAt) } },
        }),
      );
    },

    async read(sub, now, signal) {
      const state = await read(sub, signal);
      return (await releaseExpired(sub, state, now, signal)) ? read(sub, signal) : state;
    },
  };
}

/** The counter names an update expression uses. */
function counterNames(update: string): Record<string, string> {
  const names: Record<string, string> = {
    '#committed': 'committedBytes',
    '#reserved': 'reservedBytes',
    '#files': 'fileCount',
    '#pending': 'pendingCount',
  };
  return Object.fromEntries(Object.entries(names).filter(([name]) => update.includes(name)));
}

function usageStateOf(item: Record<string, AttributeValue>): UsageState {
  const count = (name: string) => Number(item[name]?.N ?? 0);
  const entries: Record<string, LedgerEntry> = {};
  for (const [name, value] of Object.entries(item)) {
    const entry = value.M;
    if (!name.startsWith(ENTRY_PREFIX) || !entry) continue;
    entries[name.slice(ENTRY_PREFIX.length)] = {
      size: Number(entry.size?.N ?? 0),
      state: entry.state?.S === 'used' ? 'used' : 'reserved',
      expiresAt: Number(entry.expiresAt?.N ?? 0),
    };
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
