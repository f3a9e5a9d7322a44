/**
 * The file table's shape: its keys, its one index and its TTL attribute. The construct creates
 * the table from these constants, local mode creates the same table in dynalite from them, and
 * `records.ts` writes items that follow them.
 *
 * Items:
 * - a file record: `pk = FILE#{id}`, `sk = FILE`; while it is listed, `gsi1pk = OWNER#{sub}`,
 *   `gsi1sk = {createdAt}#{id}` (ISO 8601 sorts as time, so `ScanIndexForward: false` is newest first);
 * - per-user items (quotas, rate windows): `pk = USER#{sub}`, `sk = USAGE` or `RATE#{operation}#{window}`.
 */

/** The table's primary key attributes (strings). */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The table's global secondary indexes; projection ALL. */
export const TABLE_INDEXES = { byOwner: { name: 'byOwner', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } } as const;

/** Epoch seconds after which DynamoDB deletes the item (a pending record whose upload never came). */
export const TABLE_TTL_ATTRIBUTE = 'ttl';

/** The primary key of a file's record. */
export function fileItemKey(id: string): { pk: string; sk: string } {
  return { pk: `FILE#${id}`, sk: 'FILE' };
}

/** The index partition that lists one user's files. */
export function ownerPartition(sub: string): string {
  return `OWNER#${sub}`;
}

/** The index sort key of a file: newest first when read backwards. */
export function ownerSortKey(createdAt: string, id: string): string {
  return `${createdAt}#${id}`;
}

/**
 * The table as DynamoDB's `CreateTable` takes it (on-demand; string keys), for local mode and
 * tests. The construct builds the same table from the constants above with its own settings.
 */
export const TABLE_DEFINITION = {
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
    { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
    { AttributeName: TABLE_INDEXES.byOwner.partitionKey, AttributeType: 'S' },
    { AttributeName: TABLE_INDEXES.byOwner.sortKey, AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
    { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: TABLE_INDEXES.byOwner.name,
      KeySchema: [
        { AttributeName: TABLE_INDEXES.byOwner.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_INDEXES.byOwner.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
} as const;
