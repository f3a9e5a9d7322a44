/**
 * The table calls a route must make at the least, hand-serialized (DynamoDB's JSON, no SDK): the
 * warm floor's rows `t-{call}` (`bench/url-issue.mjs`) and the cold floor (`bench/cold-floor.mjs`)
 * send the same requests to the same dynalite.
 */
import * as https from 'node:https';

/** The caller the events name (`test/builders.ts`'s ALICE), whose suspension item each signing route reads. */
export const CALLER = '11111111-aaaa-4aaa-8aaa-111111111111';

/**
 * Upload URLs come from a pool of users, as in production: each reserves room in its own usage
 * item, and a plan bounds one user's pending uploads. The warm rows of ours and the floor's
 * reservations go round the same pool, so each writes to a usage item of the same size.
 */
export const UPLOADERS = 64;

/** The `n`-th uploader of the pool. */
export function uploaderOf(n) {
  return `${CALLER.slice(0, -3)}${String(n % UPLOADERS).padStart(3, '0')}`;
}

/**
 * The floor's table calls, by name, one line each: the request a route sends, hand-serialized
 * (DynamoDB's JSON, no SDK, `tableCall` below), timed alone as the row `t-{name}`, with the request
 * units it consumes (for the cost; the record's write is 2 with its index item). `downloadId` is
 * the file a download reads, `objectKey` the key an upload's record names.
 */
export function floorCalls({ downloadId, objectKey }) {
  return {
    'record-put': tableCall('PutItem', (id) => ({ Item: pendingItem(id, objectKey), ConditionExpression: 'attribute_not_exists(pk)' }), {
      writeUnits: 2,
    }),
    'record-get': tableCall('GetItem', () => ({ Key: fileKey(downloadId), ConsistentRead: true })),
    // Every signing route's (`lambdas/shared/suspensions.ts`): the caller's suspension item, strongly consistent.
    'suspension-get': tableCall('GetItem', () => ({ Key: userKey('SUSPENDED'), ConsistentRead: true })),
    // Every signing route's rate window (`lambdas/shared/rate-windows.ts`): one conditional counter.
    'rate-window-update': tableCall('UpdateItem', () => ({
      Key: userKey('RATE#bench#0'),
      UpdateExpression: 'ADD #count :one',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: '1000000000' } },
    })),
    // The upload's storage reservation (`lambdas/shared/usage-ledger.ts`): a pending entry and its counters, answering them.
    'reservation-update': tableCall('UpdateItem', (id, n) => ({
      Key: userKey('USAGE', uploaderOf(n)),
      UpdateExpression: 'SET #r = :entry ADD #reserved :size, #pending :one',
      ConditionExpression: 'attribute_not_exists(#r)',
      ExpressionAttributeNames: { '#r': `r_${id}`, '#reserved': 'reservedBytes', '#pending': 'pending' },
      ExpressionAttributeValues: { ':entry': { M: { size: { N: '1234' } } }, ':size': { N: '1234' }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    })),
  };
}

/**
 * What each measured route must do at the least: its signatures, and its table calls by name
 * (one line each; a call a route makes twice is listed twice). A download of one's own file
 * needs one suspension read, the owner's being the caller's.
 */
export const FLOOR_WORK = {
  uploads: {
    signatures: 1,
    tableCalls: ['rate-window-update', 'reservation-update', 'suspension-get', 'record-put'],
  },
  downloads: {
    signatures: 1,
    tableCalls: ['rate-window-update', 'record-get', 'suspension-get'],
  },
};

/**
 * A floor call: its operation, its body's fields beside `TableName` (from a fresh id, for items
 * that must be new), and its request units (a read unit by default for a `GetItem`, a write
 * unit otherwise).
 */
function tableCall(operation, fields, units = {}) {
  const read = operation === 'GetItem' || operation === 'Query';
  return { operation, readUnits: units.readUnits ?? (read ? 1 : 0), writeUnits: units.writeUnits ?? (read ? 0 : 1), fields };
}

/** The primary key of one of the caller's own items (`pk = USER#{sub}`, `lambdas/shared/table.ts`). */
function userKey(sortKey, sub = CALLER) {
  return { pk: { S: `USER#${sub}` }, sk: { S: sortKey } };
}

/** The primary key of a file's record (`lambdas/shared/table.ts`). */
function fileKey(id) {
  return { pk: { S: `FILE#${id}` }, sk: { S: 'FILE' } };
}

/** A pending record as the upload writes it. */
function pendingItem(id, objectKey) {
  return {
    ...fileKey(id),
    gsi1pk: { S: 'OWNER#bench' },
    gsi1sk: { S: `2026-12-01T00:00:00.000Z#${id}` },
    id: { S: id },
    owner: { S: 'bench' },
    key: { S: objectKey },
    name: { S: 'Holiday photo.jpg' },
    size: { N: '1234' },
    contentType: { S: 'image/jpeg' },
    status: { S: 'pending' },
    createdAt: { S: '2026-12-01T00:00:00.000Z' },
    ttl: { N: '1900000000' },
  };
}

/**
 * Sends one floor call over `agent` to the table at `endpoint` (a URL), for a fresh `id` where the
 * item must be new and the `n`-th call of its kind (which uploader reserves); resolves on a 200. dynalite checks that a request is signed, not the
 * signature, so the signature's own cost is counted apart (row d).
 */
export function sendFloorTableCall({ agent, endpoint, calls, call, id, n = 0 }) {
  const { operation } = calls[call];
  const body = JSON.stringify({ TableName: process.env.TABLE_NAME, ...calls[call].fields(id, n) });
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'x-amz-date': '20261201T000000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCHEXAMPLE/20261201/${process.env.AWS_REGION}/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let answer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (answer += chunk));
        response.on('end', () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`floor ${operation}: ${response.statusCode} ${answer}`)),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
