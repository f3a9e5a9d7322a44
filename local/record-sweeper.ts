/**
 * DynamoDB's TTL, for dynalite, which has none: deletes the file table's items whose `ttl` has
 * passed (a pending record whose upload never came, a deleted record whose S3 event never did).
 * Like DynamoDB's own, it deletes only items still expired when it gets to them.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS, TABLE_TTL_ATTRIBUTE } from '../lambdas/shared/table';

/** Deletes every item expired at `now`; answers how many it deleted. */
export async function sweepExpiredRecords(client: DynamoDBClient, tableName: string, now: Date): Promise<number> {
  const nowSeconds = String(Math.floor(now.getTime() / 1000));
  let deleted = 0;
  let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#ttl < :now',
        ExpressionAttributeNames: { '#ttl': TABLE_TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':now': { N: nowSeconds } },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const key = { [TABLE_KEYS.partitionKey]: item[TABLE_KEYS.partitionKey]!, [TABLE_KEYS.sortKey]: item[TABLE_KEYS.sortKey]! };
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key,
            ConditionExpression: '#ttl < :now',
            ExpressionAttributeNames: { '#ttl': TABLE_TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':now': { N: nowSeconds } },
          }),
        );
        deleted += 1;
      } catch (error) {
        // Written again since the scan (expiry pushed out, or removed): no longer expired.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}

/** Sweeps every `intervalMs` until stopped; `now` is injectable for tests. */
export function startRecordSweeper(options: {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly intervalMs: number;
  readonly now?: () => Date;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => sweepExpiredRecords(options.client, options.tableName, options.now?.() ?? new Date()))
      .catch(() => undefined);
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
