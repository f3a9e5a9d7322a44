/**
 * BASELINE for `npm run bench`, never deployed: the file table written the way a careful user
 * would write it, through the DynamoDB document client (`@aws-sdk/lib-dynamodb`), with the same
 * items, keys, conditions and answers as `lambdas/shared/records.ts`. `bench/bundles.mjs` builds
 * the real handlers with this module in its place, so the naive bundles make the same table calls.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ApiError, storageUnavailable } from '../../lambdas/shared/errors';
import type { FileRecords, StoredRecord, StoredStatus } from '../../lambdas/shared/records';
import { fileItemKey, ownerPartition, ownerSortKey, TABLE_INDEXES, TABLE_TTL_ATTRIBUTE } from '../../lambdas/shared/table';

export type { FileRecords, NewRecord, StoredRecord, Verdict } from '../../lambdas/shared/records';
export { normalizedSequencer, publicRecord, RECORD_EXPIRY_MARGIN_SECONDS } from '../../lambdas/shared/records';

const DAY_SECONDS = 24 * 60 * 60;

/** The same client as production's (bounded retries and timeouts), wrapped in the document client. */
export function createDynamoDbClient(region: string, endpoint?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
    ...(endpoint && { endpoint }),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Same contract as the production `fileRecords`. */
export function fileRecords(client: DynamoDBDocumentClient, tableName: string): FileRecords {
  const send = <Output>(run: () => Promise<Output>): Promise<Output> =>
    run().catch((error: unknown) => {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw storageUnavailable(error);
    });
  const conditionFalse = (error: unknown): false => {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  };
  const Key = (id: string) => fileItemKey(id);
  const expiryOf = (urlExpiresAt: number) => Math.ceil(urlExpiresAt / 1000) + DAY_SECONDS;
  const { partitionKey, sortKey, name: indexName } = TABLE_INDEXES.byOwner;

  return {
    async createPending(record) {
      const { urlExpiresAt, ...fields } = record;
      const Item = {
        ...Key(record.id),
        [partitionKey]: ownerPartition(record.owner),
        [sortKey]: ownerSortKey(record.createdAt, record.id),
        ...fields,
        status: 'pending',
        [TABLE_TTL_ATTRIBUTE]: expiryOf(urlExpiresAt),
      };
      await send(() => client.send(new PutCommand({ TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' })));
    },
    async get(id) {
      const answer = await send(() => client.send(new GetCommand({ TableName: tableName, Key: Key(id), ConsistentRead: true })));
      return answer.Item ? recordOf(answer.Item) : undefined;
    },
    async own(id, sub) {
      const record = await this.get(id);
      return record && record.owner === sub && record.storedStatus !== 'deleted' ? record : undefined;
    },
    async list(sub, options) {
      const cursor = options.cursor ? Buffer.from(options.cursor, 'base64url').toString('utf8') : undefined;
      if (cursor !== undefined && !/^\S+#[A-Za-z0-9_-]{22}$/.test(cursor))
        throw new ApiError('INVALID_CURSOR', 'cursor is not a cursor this service issued.');
      const answer = await send(() =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: indexName,
            KeyConditionExpression: '#owner = :owner',
            ScanIndexForward: false,
            Limit: options.limit + 1,
            ExpressionAttributeNames: { '#owner': partitionKey, ...(options.status && { '#status': 'status' }) },
            ExpressionAttributeValues: { ':owner': ownerPartition(sub), ...(options.status && { ':status': options.status }) },
            ...(options.status && { FilterExpression: '#status = :status' }),
            ...(cursor && {
              ExclusiveStartKey: { ...Key(cursor.slice(cursor.indexOf('#') + 1)), [partitionKey]: ownerPartition(sub), [sortKey]: cursor },
            }),
          }),
        ),
      );
      const items = answer.Items ?? [];
      const page = items.slice(0, options.limit);
      const last = (items.length > options.limit ? page.at(-1) : answer.LastEvaluatedKey)?.[sortKey] as string | undefined;
      return { records: page.map(recordOf), ...(last && { nextCursor: Buffer.from(last, 'utf8').toString('base64url') }) };
    },
    async extendExpiry(id, sub, urlExpiresAt) {
      await send(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: Key(id),
            UpdateExpression: 'SET #ttl = :ttl',
            ConditionExpression: '#owner = :owner AND #status = :pending',
            ExpressionAttributeNames: { '#ttl': TABLE_TTL_ATTRIBUTE, '#owner': 'owner', '#status': 'status' },
            ExpressionAttributeValues: { ':ttl': expiryOf(urlExpiresAt), ':owner': sub, ':pending': 'pending' },
          }),
        ),
      ).catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) throw new ApiError('NOT_FOUND', 'No pending upload with this id.');
        throw error;
      });
    },
    async recordVerdict(id, verdict) {
      return send(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: Key(id),
            UpdateExpression: `SET #status = :status, verifiedAt = :verifiedAt, sequencer = :sequencer${verdict.rejectedReason ? ', rejectedReason = :reason' : ''} REMOVE #ttl`,
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status', '#ttl': TABLE_TTL_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':status': verdict.status,
              ':pending': 'pending',
              ':verifiedAt': verdict.verifiedAt,
              ':sequencer': (verdict.sequencer ?? '').toUpperCase().padEnd(32, '0'),
              ...(verdict.rejectedReason && { ':reason': verdict.rejectedReason }),
            },
          }),
        ),
      ).then(() => true, conditionFalse);
    },
    recordVerdictHalf() {
      // The baseline measures the request path; malware scanning's halves are not part of it.
      return Promise.reject(new Error('malware scanning is not part of the naive baseline'));
    },
    async markDeleted(id, sub, now) {
      const answer = await send(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: Key(id),
            UpdateExpression: 'SET #status = :deleted, #ttl = :ttl REMOVE #gsipk, #gsisk',
            ConditionExpression: '#owner = :owner AND #status <> :deleted',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#ttl': TABLE_TTL_ATTRIBUTE,
              '#owner': 'owner',
              '#gsipk': partitionKey,
              '#gsisk': sortKey,
            },
            ExpressionAttributeValues: { ':deleted': 'deleted', ':owner': sub, ':ttl': Math.ceil(now.getTime() / 1000) + DAY_SECONDS },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      ).catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      });
      return answer?.Attributes ? recordOf(answer.Attributes) : undefined;
    },
    async removePending(id, sub) {
      return send(() =>
        client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: Key(id),
            ConditionExpression: '#owner = :owner AND #status = :pending',
            ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
            ExpressionAttributeValues: { ':owner': sub, ':pending': 'pending' },
          }),
        ),
      ).then(() => true, conditionFalse);
    },
    async removeAfterObjectDeleted(id, sequencer, options = {}) {
      const onlyDeleted = options.onlyIfMarkedDeleted === true;
      return send(() =>
        client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: Key(id),
            ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(sequencer) OR sequencer < :sequencer)${onlyDeleted ? ' AND #status = :deleted' : ''}`,
            ...(onlyDeleted && { ExpressionAttributeNames: { '#status': 'status' } }),
            ExpressionAttributeValues: {
              ':sequencer': sequencer.toUpperCase().padEnd(32, '0'),
              ...(onlyDeleted && { ':deleted': 'deleted' }),
            },
          }),
        ),
      ).then(() => true, conditionFalse);
    },
  };
}

function recordOf(item: Record<string, unknown>): StoredRecord {
  const storedStatus = (item.status ?? 'pending') as StoredStatus;
  const {
    pk: _pk,
    sk: _sk,
    [TABLE_INDEXES.byOwner.partitionKey]: _gpk,
    [TABLE_INDEXES.byOwner.sortKey]: _gsk,
    [TABLE_TTL_ATTRIBUTE]: _ttl,
    status: _status,
    ...fields
  } = item;
  return {
    ...(fields as Omit<StoredRecord, 'status' | 'storedStatus'>),
    status: storedStatus === 'deleted' ? 'rejected' : storedStatus,
    storedStatus,
  };
}
