/**
 * Recomputes a user's storage usage from their file records: for files stored before quotas were
 * enabled (they carry no `counted` flag and are in no counter), or after a fault an operator
 * wants to rule out. Run by `bin/recount-usage.ts`, never by a route.
 *
 * Every available record the user lists is marked counted; pending reservations are kept while
 * their record is still pending and unexpired; the usage item is then written in one
 * `PutItem` conditional on the item being as it was read, so a request that moved it meanwhile
 * makes the recount start again rather than be overwritten.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { fileItemKey, ownerPartition, TABLE_INDEXES } from '../../lambdas/shared/table';
import { COUNTED_ATTRIBUTE, usageItemKey, usageStateOf, type UsageState } from '../../lambdas/shared/usage-ledger';

/** What a recount found and wrote. */
export interface Recount {
  readonly before: UsageState;
  readonly after: UsageState;
  /** Available files that were not counted and now are. */
  readonly newlyCounted: number;
}

interface ListedRecord {
  readonly id: string;
  readonly size: number;
  readonly status: string;
  readonly counted: boolean;
}

/** Recounts one user's usage from their records (see the module's comment). */
export async function recountUsage(client: Pick<DynamoDBClient, 'send'>, tableName: string, sub: string, now: Date): Promise<Recount> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const listed = await listedRecords(client, tableName, sub);
    let newlyCounted = 0;
    for (const record of listed.filter((listedRecord) => listedRecord.status === 'available' && !listedRecord.counted)) {
      const { pk, sk } = fileItemKey(record.id);
      const marked = await client
        .send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: { S: pk }, sk: { S: sk } },
            UpdateExpression: 'SET #counted = :true',
            ConditionExpression: 'attribute_not_exists(#counted) AND #status = :available',
            ExpressionAttributeNames: { '#counted': COUNTED_ATTRIBUTE, '#status': 'status' },
            ExpressionAttributeValues: { ':true': { BOOL: true }, ':available': { S: 'available' } },
          }),
        )
        .then(
          () => true,
          (error: unknown) => {
            if (error instanceof ConditionalCheckFailedException) return false;
            throw error;
          },
        );
      if (marked) newlyCounted += 1;
    }
    const item = (await client.send(new GetItemCommand({ TableName: tableName, Key: usageItemKey(sub), ConsistentRead: true }))).Item;
    const before = usageStateOf(item ?? {});
    const pendingIds = new Set(listed.filter((record) => record.status === 'pending').map((record) => record.id));
    const nowSeconds = now.getTime() / 1000;
    const kept = Object.entries(before.entries).filter(([id, entry]) => pendingIds.has(id) && entry.expiresAt > nowSeconds);
    const stored = listed.filter((record) => record.status === 'available');
    const usedBytes = stored.reduce((sum, record) => sum + record.size, 0);
    const reservedBytes = kept.reduce((sum, [, entry]) => sum + entry.size, 0);
    const after: UsageState = {
      committedBytes: usedBytes + reservedBytes,
      reservedBytes,
      fileCount: stored.length + kept.length,
      pendingCount: kept.length,
      entries: Object.fromEntries(kept),
    };
    const written = await client
      .send(
        new PutItemCommand({
          TableName: tableName,
          // The item's other attributes stay; its reservation entries are the ones kept.
          Item: {
            ...Object.fromEntries(Object.entries(item ?? {}).filter(([name]) => !name.startsWith('r_'))),
            ...usageItemKey(sub),
            ...usageItem(after),
          },
          ...(item
            ? {
                ConditionExpression: 'committedBytes = :committed AND fileCount = :files AND pendingCount = :pending',
                ExpressionAttributeValues: {
                  ':committed': { N: String(before.committedBytes) },
                  ':files': { N: String(before.fileCount) },
                  ':pending': { N: String(before.pendingCount) },
                },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      )
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof ConditionalCheckFailedException) return false;
          throw error;
        },
      );
    if (written) return { before, after, newlyCounted };
  }
  throw new Error(`the usage of ${sub} kept changing while it was recounted; try again when the user is idle`);
}

function usageItem(state: UsageState): Record<string, AttributeValue> {
  return {
    committedBytes: { N: String(state.committedBytes) },
    reservedBytes: { N: String(state.reservedBytes) },
    fileCount: { N: String(state.fileCount) },
    pendingCount: { N: String(state.pendingCount) },
    ...Object.fromEntries(
      Object.entries(state.entries).map(([id, entry]) => [
        `r_${id}`,
        { M: { size: { N: String(entry.size) }, expiresAt: { N: String(entry.expiresAt) } } },
      ]),
    ),
  };
}

async function listedRecords(client: Pick<DynamoDBClient, 'send'>, tableName: string, sub: string): Promise<ListedRecord[]> {
  const records: ListedRecord[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TABLE_INDEXES.byOwner.name,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': TABLE_INDEXES.byOwner.partitionKey },
        ExpressionAttributeValues: { ':owner': { S: ownerPartition(sub) } },
        ...(startKey && { ExclusiveStartKey: startKey }),
      }),
    );
    for (const item of page.Items ?? []) {
      records.push({
        id: item.id?.S ?? '',
        size: Number(item.size?.N ?? 0),
        status: item.status?.S ?? '',
        counted: item[COUNTED_ATTRIBUTE]?.BOOL === true,
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return records;
}
