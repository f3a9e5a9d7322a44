/**
 * The local DynamoDB: `dynalite`, DynamoDB's HTTP API over LevelDB, reached by the same SDK
 * client the handlers use on AWS (`DYNAMODB_ENDPOINT`). The file table is created from the same
 * `table.ts` the construct reads. Data is kept under the given folder across restarts.
 *
 * dynalite has no TTL: `record-sweeper.ts` deletes expired items instead.
 */
import * as fs from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLE_DEFINITION } from '../lambdas/shared/table';

/** A running local DynamoDB with the file table. */
export interface DynamoDbEmulator {
  /** Base URL, e.g. `http://127.0.0.1:4567`. */
  readonly endpoint: string;
  readonly tableName: string;
  /** A client of it, for local mode's own work (the sweeper) and tests. */
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

/** Where and how the emulator runs. */
export interface DynamoDbEmulatorOptions {
  /** 0 for a free one. */
  readonly port: number;
  /** Where LevelDB keeps the table. */
  readonly directory: string;
  readonly tableName: string;
  readonly region: string;
}

/** Starts dynalite on 127.0.0.1 and creates the file table unless it exists. */
export async function startDynamoDbEmulator(options: DynamoDbEmulatorOptions): Promise<DynamoDbEmulator> {
  fs.mkdirSync(options.directory, { recursive: true });
  const server = dynalite({ path: options.directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: options.region,
    endpoint,
    // dynalite checks that requests are signed, not by whom.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const requests = answeredBeforeClose(server);
  const stop = async () => {
    client.destroy();
    await requests.settled();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({}));
    if (!TableNames.includes(options.tableName)) {
      await client.send(
        new CreateTableCommand({
          TableName: options.tableName,
          ...TABLE_DEFINITION,
          AttributeDefinitions: [...TABLE_DEFINITION.AttributeDefinitions],
          KeySchema: [...TABLE_DEFINITION.KeySchema],
          GlobalSecondaryIndexes: TABLE_DEFINITION.GlobalSecondaryIndexes.map((index) => ({ ...index, KeySchema: [...index.KeySchema] })),
        }),
      );
      // dynalite answers CreateTable while the table is still CREATING, and item calls until it is ACTIVE with
      // ResourceNotFoundException: on a busy machine the first calls came too soon.
      await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: options.tableName });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, tableName: options.tableName, client, stop };
}

/**
 * dynalite closes its database as soon as its server closes, between the steps of a request it
 * is still working on (a lock, a read, a write), and throws the failure where nothing can catch
 * it: a stop while any request is in flight would crash the process. So a stop waits for the
 * requests already received to be answered first.
 */
function answeredBeforeClose(server: Server): { settled(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    const answered = new Promise<void>((resolve) => response.once('close', resolve));
    inFlight.add(answered);
    void answered.then(() => inFlight.delete(answered));
  });
  return {
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
