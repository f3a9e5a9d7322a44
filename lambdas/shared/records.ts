/**
 * File records in the file table, through `@aws-sdk/client-dynamodb` (its plain attribute values:
 * `lib-dynamodb`'s marshalling is not worth its bytes for one item shape, see the README's
 * bundle table).
 *
 * Every status change is one conditional write that can only move a record forward:
 * `pending → available | rejected → deleted`, so duplicate, late and concurrent writers cannot
 * move it back. A deleted record leaves the owner index at once (it is gone from lists) and is
 * removed when S3's delete event arrives, or by its TTL if none ever does.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { FileRecord, FileStatus, RejectedReason } from '../../contract/answers';
import { FILE_ID_PATTERN } from '../../contract/constants';
import { ApiError, storageUnavailable } from './errors';
import type { ScanResultStatus } from './scan-results';
import { fileItemKey, ownerPartition, ownerSortKey, TABLE_INDEXES, TABLE_TTL_ATTRIBUTE } from './table';
import { COUNTED_ATTRIBUTE } from './usage-ledger';

/** A record's status in the table: what the API shows, and `deleted`, which it never does. */
export type StoredStatus = FileStatus | 'deleted';

/** A record with what never leaves the server. */
export interface StoredRecord extends FileRecord {
  readonly owner: string;
  /** The S3 multipart upload id, for multipart uploads. */
  readonly uploadId?: string;
  readonly checksumSha256?: string;
  /** A multipart upload whose parts carry their SHA-256 (S3's composite checksum). */
  readonly partChecksums?: boolean;
  /** The S3 event sequencer of the object's creation, once verified. */
  readonly sequencer?: string;
  /** With malware scanning: when the content check passed (one half of the verdict). */
  readonly contentCheckedAt?: string;
  /** With malware scanning: GuardDuty's result (the other half), kept after the verdict. */
  readonly scanResult?: ScanResultStatus;
  readonly scannedAt?: string;
  /** Whether its bytes are in its owner's storage usage (usage-ledger.ts). */
  readonly counted?: boolean;
  readonly storedStatus: StoredStatus;
}

/** A record as it is first written, when its upload URL is issued. */
export interface NewRecord {
  readonly id: string;
  readonly owner: string;
  readonly key: string;
  readonly name: string;
  readonly size: number;
  readonly contentType: string;
  readonly createdAt: string;
  readonly checksumSha256?: string;
  readonly uploadId?: string;
  readonly partChecksums?: boolean;
  /** Epoch milliseconds: when the upload URL expires; the record expires a margin after it. */
  readonly urlExpiresAt: number;
}

/** The verifier's decision about a record's bytes. */
export interface Verdict {
  readonly status: 'available' | 'rejected';
  readonly rejectedReason?: RejectedReason;
  readonly verifiedAt: string;
  /** Absent when a scan result decides before the object event was seen. */
  readonly sequencer?: string;
}

/** One half of a scanned file's verdict: stored on its pending record until the other half comes. */
export type VerdictHalf =
  | { readonly half: 'content'; readonly checkedAt: string; readonly sequencer: string }
  | { readonly half: 'scan'; readonly scanResult: ScanResultStatus; readonly scannedAt: string };

/** One page of a user's records. */
export interface RecordPage {
  readonly records: readonly StoredRecord[];
  readonly nextCursor?: string;
}

/**
 * How long a record outlives its upload URL before it expires: a PUT that started just before
 * the URL expired may still be streaming, and S3's event may be late. A day costs nothing.
 */
export const RECORD_EXPIRY_MARGIN_SECONDS = 24 * 60 * 60;

/** The file table, as the handlers use it. */
export interface FileRecords {
  /** Writes a new `pending` record. */
  createPending(record: NewRecord): Promise<void>;
  /** Any record by id, deleted ones included (the verifier's view). */
  get(id: string): Promise<StoredRecord | undefined>;
  /** The caller's own record, unless deleted. */
  own(id: string, sub: string): Promise<StoredRecord | undefined>;
  /** The caller's records, newest first; a cursor it did not get from us is a 400. */
  list(sub: string, options: { limit: number; cursor?: string; status?: FileStatus }): Promise<RecordPage>;
  /** Pushes a pending record's expiry out (part URLs re-signed, an upload completed). */
  extendExpiry(id: string, sub: string, urlExpiresAt: number): Promise<void>;
  /** Records the verifier's decision; `false` when the record is not pending any more (nothing changed). */
  recordVerdict(id: string, verdict: Verdict): Promise<boolean>;
  /**
   * Stores one half of a scanned file's verdict on its pending record; the record as it is
   * after (both halves there once the second comes), or `undefined` when it is not pending.
   */
  recordVerdictHalf(id: string, half: VerdictHalf): Promise<StoredRecord | undefined>;
  /** Marks the caller's record deleted (gone from lists and downloads at once); the record as it was, or `undefined`. */
  markDeleted(id: string, sub: string, now: Date): Promise<StoredRecord | undefined>;
  /** Removes a pending record (an aborted upload); `false` when there was none. */
  removePending(id: string, sub: string): Promise<boolean>;
  /**
   * Removes a record once S3 says its object is deleted, unless the event is older than the
   * record's creation; `onlyIfMarkedDeleted` for a version removed for good (the undo window
   * ending), which must not take the record of a current object with it.
   */
  removeAfterObjectDeleted(id: string, sequencer: string, options?: { onlyIfMarkedDeleted?: boolean }): Promise<boolean>;
}

/** How long a deleted record waits for S3's delete event before its TTL removes it anyway. */
const DELETED_RECORD_RETENTION_SECONDS = 24 * 60 * 60;

const CURSOR_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[A-Za-z0-9_-]{22}$/;

/** A DynamoDB client with bounded retries and timeouts, so a slow table answers 503 quickly. */
export function createDynamoDbClient(region: string, endpoint?: string): DynamoDBClient {
  return new DynamoDBClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
    ...(endpoint && { endpoint }),
  });
}

/** The file records of one table. */
export function fileRecords(client: DynamoDBClient, tableName: string): FileRecords {
  // Conditional failures are answers the callers interpret; anything else is the table being unavailable.
  const send = <Output>(run: () => Promise<Output>): Promise<Output> =>
    run().catch((error: unknown) => {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw storageUnavailable(error);
    });
  const key = (id: string) => marshalKey(fileItemKey(id));

  return {
    async createPending(record) {
      const item: Record<string, AttributeValue> = {
        ...key(record.id),
        [TABLE_INDEXES.byOwner.partitionKey]: { S: ownerPartition(record.owner) },
        [TABLE_INDEXES.byOwner.sortKey]: { S: ownerSortKey(record.createdAt, record.id) },
        id: { S: record.id },
        owner: { S: record.owner },
        key: { S: record.key },
        name: { S: record.name },
        size: { N: String(record.size) },
        contentType: { S: record.contentType },
        status: { S: 'pending' },
        createdAt: { S: record.createdAt },
        [TABLE_TTL_ATTRIBUTE]: { N: String(expiryOf(record.urlExpiresAt)) },
        ...(record.checksumSha256 && { checksumSha256: { S: record.checksumSha256 } }),
        ...(record.uploadId && { uploadId: { S: record.uploadId } }),
        ...(record.partChecksums && { partChecksums: { BOOL: true } }),
      };
      const command = new PutItemCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' });
      await send(() => client.send(command));
    },

    async get(id) {
      const command = new GetItemCommand({ TableName: tableName, Key: key(id), ConsistentRead: true });
      const answer = await send(() => client.send(command));
      return answer.Item ? unmarshalRecord(answer.Item) : undefined;
    },

    async own(id, sub) {
      const record = await this.get(id);
      return record && record.owner === sub && record.storedStatus !== 'deleted' ? record : undefined;
    },

    async list(sub, options) {
      const command = new QueryCommand({
        TableName: tableName,
        IndexName: TABLE_INDEXES.byOwner.name,
        KeyConditionExpression: '#owner = :owner',
        ScanIndexForward: false,
        // One more than asked: a full page then says for sure whether another follows.
        Limit: options.limit + 1,
        ExpressionAttributeNames: { '#owner': TABLE_INDEXES.byOwner.partitionKey, ...(options.status && { '#status': 'status' }) },
        ExpressionAttributeValues: { ':owner': { S: ownerPartition(sub) }, ...(options.status && { ':status': { S: options.status } }) },
        // A filter reads the page, then drops what does not match: a page may hold fewer than `limit`.
        ...(options.status && { FilterExpression: '#status = :status' }),
        ...(options.cursor && { ExclusiveStartKey: startKeyOf(options.cursor, sub) }),
      });
      const answer = await send(() => client.send(command));
      const items = answer.Items ?? [];
      const page = items.slice(0, options.limit);
      const more = items.length > options.limit;
      const last = more ? page.at(-1)?.[TABLE_INDEXES.byOwner.sortKey]?.S : answer.LastEvaluatedKey?.[TABLE_INDEXES.byOwner.sortKey]?.S;
      return { records: page.map(unmarshalRecord), ...(last && { nextCursor: Buffer.from(last, 'utf8').toString('base64url') }) };
    },

    async extendExpiry(id, sub, urlExpiresAt) {
      const command = new UpdateItemCommand({
        TableName: tableName,
        Key: key(id),
        UpdateExpression: 'SET #ttl = :ttl',
        ConditionExpression: '#owner = :owner AND #status = :pending',
        ExpressionAttributeNames: { '#ttl': TABLE_TTL_ATTRIBUTE, '#owner': 'owner', '#status': 'status' },
        ExpressionAttributeValues: { ':ttl': { N: String(expiryOf(urlExpiresAt)) }, ':owner': { S: sub }, ':pending': { S: 'pending' } },
      });
      await send(() => client.send(command)).catch(notFoundWhenConditionFails);
    },

    async recordVerdict(id, verdict) {
      const command = new UpdateItemCommand({
        TableName: tableName,
        Key: key(id),
        UpdateExpression: `SET #status = :status, verifiedAt = :verifiedAt${verdict.sequencer ? ', sequencer = :sequencer' : ''}${
          verdict.rejectedReason ? ', rejectedReason = :reason' : ''
        } REMOVE #ttl`,
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status', '#ttl': TABLE_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':status': { S: verdict.status },
          ':pending': { S: 'pending' },
          ':verifiedAt': { S: verdict.verifiedAt },
          ...(verdict.sequencer && { ':sequencer': { S: normalizedSequencer(verdict.sequencer) } }),
          ...(verdict.rejectedReason && { ':reason': { S: verdict.rejectedReason } }),
        },
      });
      return send(() => client.send(command)).then(
        () => true,
        (error: unknown) => falseWhenConditionFails(error),
      );
    },

    async recordVerdictHalf(id, half) {
      // Writing a half again is harmless (the same values): a retried message finds both halves and completes the pair.
      const values: Record<string, AttributeValue> =
        half.half === 'content'
          ? { ':checkedAt': { S: half.checkedAt }, ':sequencer': { S: normalizedSequencer(half.sequencer) } }
          : { ':scanResult': { S: half.scanResult }, ':scannedAt': { S: half.scannedAt } };
      const command = new UpdateItemCommand({
        TableName: tableName,
        Key: key(id),
        UpdateExpression:
          half.half === 'content'
            ? 'SET contentCheckedAt = :checkedAt, sequencer = :sequencer'
            : 'SET scanResult = :scanResult, scannedAt = :scannedAt',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': { S: 'pending' }, ...values },
        ReturnValues: 'ALL_NEW',
      });
      const answer = await send(() => client.send(command)).catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      });
      return answer?.Attributes ? unmarshalRecord(answer.Attributes) : undefined;
    },

    async markDeleted(id, sub, now) {
      const command = new UpdateItemCommand({
        TableName: tableName,
        Key: key(id),
        UpdateExpression: 'SET #status = :deleted, #ttl = :ttl REMOVE #gsipk, #gsisk',
        ConditionExpression: '#owner = :owner AND #status <> :deleted',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#ttl': TABLE_TTL_ATTRIBUTE,
          '#owner': 'owner',
          '#gsipk': TABLE_INDEXES.byOwner.partitionKey,
          '#gsisk': TABLE_INDEXES.byOwner.sortKey,
        },
        ExpressionAttributeValues: {
          ':deleted': { S: 'deleted' },
          ':owner': { S: sub },
          ':ttl': { N: String(Math.ceil(now.getTime() / 1000) + DELETED_RECORD_RETENTION_SECONDS) },
        },
        ReturnValues: 'ALL_OLD',
      });
      const answer = await send(() => client.send(command)).catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      });
      return answer?.Attributes ? unmarshalRecord(answer.Attributes) : undefined;
    },

    async removePending(id, sub) {
      const command = new DeleteItemCommand({
        TableName: tableName,
        Key: key(id),
        ConditionExpression: '#owner = :owner AND #status = :pending',
        ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
        ExpressionAttributeValues: { ':owner': { S: sub }, ':pending': { S: 'pending' } },
      });
      return send(() => client.send(command)).then(
        () => true,
        (error: unknown) => falseWhenConditionFails(error),
      );
    },

    async removeAfterObjectDeleted(id, sequencer, options = {}) {
      const onlyDeleted = options.onlyIfMarkedDeleted === true;
      const command = new DeleteItemCommand({
        TableName: tableName,
        Key: key(id),
        // A counted record leaves the usage first (the verifier releases it): never with its bytes still counted.
        ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(#counted) AND (attribute_not_exists(sequencer) OR sequencer < :sequencer)${
          onlyDeleted ? ' AND #status = :deleted' : ''
        }`,
        ExpressionAttributeNames: { '#counted': COUNTED_ATTRIBUTE, ...(onlyDeleted && { '#status': 'status' }) },
        ExpressionAttributeValues: {
          ':sequencer': { S: normalizedSequencer(sequencer) },
          ...(onlyDeleted && { ':deleted': { S: 'deleted' } }),
        },
      });
      return send(() => client.send(command)).then(
        () => true,
        (error: unknown) => falseWhenConditionFails(error),
      );
    },
  };
}

/**
 * S3's sequencers are hex strings that order the events of one key, but not always of one
 * length: padded to a fixed width they compare as strings, which is what DynamoDB conditions do.
 */
export function normalizedSequencer(sequencer: string): string {
  return sequencer.toUpperCase().padEnd(32, '0');
}

/** Epoch seconds: when a pending record whose URL expires at `urlExpiresAt` (epoch ms) expires. */
export function expiryOf(urlExpiresAt: number): number {
  return Math.ceil(urlExpiresAt / 1000) + RECORD_EXPIRY_MARGIN_SECONDS;
}

function startKeyOf(cursor: string, sub: string): Record<string, AttributeValue> {
  const sortKey = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!CURSOR_PATTERN.test(sortKey)) throw new ApiError('INVALID_CURSOR', 'cursor is not a cursor this service issued.');
  const id = sortKey.slice(sortKey.indexOf('#') + 1);
  if (!FILE_ID_PATTERN.test(id)) throw new ApiError('INVALID_CURSOR', 'cursor is not a cursor this service issued.');
  // The partition is always the caller's own: another user's cursor can only position within it.
  return {
    ...marshalKey(fileItemKey(id)),
    [TABLE_INDEXES.byOwner.partitionKey]: { S: ownerPartition(sub) },
    [TABLE_INDEXES.byOwner.sortKey]: { S: sortKey },
  };
}

function marshalKey(key: { pk: string; sk: string }): Record<string, AttributeValue> {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function unmarshalRecord(item: Record<string, AttributeValue>): StoredRecord {
  const text = (name: string) => item[name]?.S;
  const storedStatus = (text('status') ?? 'pending') as StoredStatus;
  const verifiedAt = text('verifiedAt');
  const rejectedReason = text('rejectedReason') as RejectedReason | undefined;
  const uploadId = text('uploadId');
  const checksumSha256 = text('checksumSha256');
  const sequencer = text('sequencer');
  const contentCheckedAt = text('contentCheckedAt');
  const scanResult = text('scanResult') as ScanResultStatus | undefined;
  const scannedAt = text('scannedAt');
  return {
    id: text('id') ?? '',
    key: text('key') ?? '',
    name: text('name') ?? '',
    size: Number(item.size?.N ?? 0),
    contentType: text('contentType') ?? '',
    // A deleted record is never shown; where it is read at all, it reads as what it was.
    status: storedStatus === 'deleted' ? 'rejected' : storedStatus,
    createdAt: text('createdAt') ?? '',
    ...(verifiedAt && { verifiedAt }),
    ...(rejectedReason && { rejectedReason }),
    owner: text('owner') ?? '',
    storedStatus,
    ...(uploadId && { uploadId }),
    ...(checksumSha256 && { checksumSha256 }),
    ...(item.partChecksums?.BOOL && { partChecksums: true }),
    ...(sequencer && { sequencer }),
    ...(contentCheckedAt && { contentCheckedAt }),
    ...(scanResult && { scanResult }),
    ...(scannedAt && { scannedAt }),
    ...(item[COUNTED_ATTRIBUTE]?.BOOL && { counted: true }),
  };
}

/** The record as the API shows it: what never leaves the server left out. */
export function publicRecord(record: StoredRecord): FileRecord {
  return {
    id: record.id,
    key: record.key,
    name: record.name,
    size: record.size,
    contentType: record.contentType,
    status: record.status,
    createdAt: record.createdAt,
    ...(record.verifiedAt && { verifiedAt: record.verifiedAt }),
    ...(record.rejectedReason && { rejectedReason: record.rejectedReason }),
  };
}

function notFoundWhenConditionFails(error: unknown): never {
  if (error instanceof ConditionalCheckFailedException) throw new ApiError('NOT_FOUND', 'No pending upload with this id.');
  throw error;
}

function falseWhenConditionFails(error: unknown): false {
  if (error instanceof ConditionalCheckFailedException) return false;
  throw error;
}
