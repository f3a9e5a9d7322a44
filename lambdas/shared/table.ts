/**
 * The file table's keys and indexes: the construct creates the table from them and local mode
 * creates the same table in dynalite.
 *
 * Items: a file record `pk = FILE#{id}`, `sk = FILE`, `gsi1pk = OWNER#{sub}`,
 * `gsi1sk = {createdAt ISO}#{id}` (a user's files newest first with `ScanIndexForward: false`);
 * per-user items `pk = USER#{sub}`, `sk = USAGE` / `RATE#{operation}#{window}`.
 */

/** The table's primary key attributes, both strings. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The table's global secondary indexes, each projecting all attributes. */
export const TABLE_INDEXES = { byOwner: { name: 'byOwner', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } } as const; // projection ALL

/** The attribute DynamoDB expires items by, in epoch seconds. */
export const TABLE_TTL_ATTRIBUTE = 'ttl'; // epoch seconds
