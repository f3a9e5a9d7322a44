/**
 * The file table for the in-process and cold-start benchmarks: `dynalite` (in memory) on
 * loopback, with the table created from `lambdas/shared/table.ts` as local mode creates it, and
 * one `available` record for the download requests to name. The handlers reach it through
 * `DYNAMODB_ENDPOINT`, so an upload's `PutItem` and a download's `GetItem` are real DynamoDB
 * calls over HTTP, answered on this machine instead of in AWS.
 *
 * Imported by `bench/run.mjs` (tsx): the record is written by the production `records.ts`.
 */
import * as https from 'node:https';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { fileRecords } from '../lambdas/shared/records';
import { TABLE_DEFINITION } from '../lambdas/shared/table';

/** The bench's table name, as `TABLE_NAME` gives it to the functions. */
export const BENCH_TABLE_NAME = 'secure-file-service-bench-files';

/**
 * Starts dynalite over HTTPS with `tls` (`{key, cert}`), creates the table and writes `record` as an `available` file (pending, then
 * the verifier's verdict, as in the service). Answers `{endpoint, stop(), addAvailable(record)}`.
 */
export async function startFileTable({ region, record, tls }) {
  // Over HTTPS, as DynamoDB is (`bench/tls-certificate.mjs`).
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ssl: true, key: tls.key, cert: tls.cert, ca: tls.cert });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const endpoint = `https://127.0.0.1:${server.address().port}`;
  // dynalite checks that requests are signed, not by whom.
  const client = new DynamoDBClient({
    region,
    endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: { httpsAgent: new https.Agent({ ca: tls.cert, keepAlive: true }) },
  });
  // dynalite closes its database with its server, under any request still in flight, and throws where nothing
  // catches it (`local/dynamodb-emulator.ts` says more): a stop waits for the requests received to be answered.
  const inFlight = new Set();
  server.on('request', (_request, response) => {
    const answered = new Promise((resolve) => response.once('close', resolve));
    inFlight.add(answered);
    answered.then(() => inFlight.delete(answered));
  });
  const stop = async () => {
    client.destroy();
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  };
  try {
    await client.send(
      new CreateTableCommand({
        TableName: BENCH_TABLE_NAME,
        ...TABLE_DEFINITION,
        AttributeDefinitions: [...TABLE_DEFINITION.AttributeDefinitions],
        KeySchema: [...TABLE_DEFINITION.KeySchema],
        GlobalSecondaryIndexes: TABLE_DEFINITION.GlobalSecondaryIndexes.map((index) => ({ ...index, KeySchema: [...index.KeySchema] })),
      }),
    );
    // dynalite answers CreateTable while the table is CREATING, and item calls with ResourceNotFoundException until it is ACTIVE.
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: BENCH_TABLE_NAME });
    await writeAvailable(client, record);
  } catch (error) {
    await stop();
    throw error;
  }
  /** Writes one more `available` record (a delete's cold start needs a file of its own each time). */
  const addAvailable = (another) => writeAvailable(client, another);
  return { endpoint, stop, addAvailable };
}

async function writeAvailable(client, record) {
  const records = fileRecords(client, BENCH_TABLE_NAME);
  await records.createPending({ ...record, createdAt: new Date().toISOString(), urlExpiresAt: Date.now() + 3600_000 });
  const written = await records.recordVerdict(record.id, {
    status: 'available',
    verifiedAt: new Date().toISOString(),
    sequencer: '0000000000000001',
  });
  if (!written) throw new Error(`the bench could not mark its record ${record.id} available`);
}
