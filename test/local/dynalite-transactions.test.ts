/**
 * TransactWriteItems and TransactGetItems in local mode's DynamoDB: dynalite 4.0.0 lacks them, and
 * `patches/dynalite+4.0.0.patch` adds them. Driven by the SDK's own client over HTTP, as the handlers
 * drive DynamoDB on AWS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateTableCommand,
  GetItemCommand,
  IdempotentParameterMismatchException,
  PutItemCommand,
  ResourceNotFoundException,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../local/dynamodb-emulator';

const FILES = 'tx-files';
const USAGE = 'tx-usage';
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'dynalite-transactions-'));
let emulator: DynamoDbEmulator;
let counter = 0;

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ port: 0, directory, tableName: 'tx-unused', region: 'eu-west-1' });
  for (const TableName of [FILES, USAGE]) {
    await emulator.client.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

/** A key no other test uses. */
function aKey(name: string): string {
  counter += 1;
  return `${name}-${counter}`;
}

const key = (pk: string) => ({ pk: { S: pk } });

async function put(table: string, pk: string, attributes: Record<string, AttributeValue> = {}): Promise<void> {
  await emulator.client.send(new PutItemCommand({ TableName: table, Item: { ...key(pk), ...attributes } }));
}

async function get(table: string, pk: string): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await emulator.client.send(new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }));
  return Item;
}

function transact(TransactItems: TransactWriteItem[], ClientRequestToken?: string) {
  return emulator.client.send(new TransactWriteItemsCommand({ TransactItems, ClientRequestToken }));
}

/** Adds one to a usage counter while it is below `max` (the quota's shape). */
function addOne(pk: string, max = 1000): TransactWriteItem {
  return {
    Update: {
      TableName: USAGE,
      Key: key(pk),
      UpdateExpression: 'ADD #n :one',
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: String(max) } },
    },
  };
}

/** Puts an item unless it exists. */
function putNew(table: string, pk: string, attributes: Record<string, AttributeValue> = {}): TransactWriteItem {
  return { Put: { TableName: table, Item: { ...key(pk), ...attributes }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

describe('TransactWriteItems in local DynamoDB', () => {
  it('applies a Put, an Update, a Delete and a ConditionCheck across two tables together', async () => {
    const [created, deleted, checked, usage] = [aKey('created'), aKey('deleted'), aKey('checked'), aKey('usage')];
    await put(FILES, deleted);
    await put(FILES, checked, { status: { S: 'available' } });
    await put(USAGE, usage, { n: { N: '4' } });

    await transact([
      putNew(FILES, created, { counted: { BOOL: true } }),
      addOne(usage),
      { Delete: { TableName: FILES, Key: key(deleted), ConditionExpression: 'attribute_exists(pk)' } },
      {
        ConditionCheck: {
          TableName: FILES,
          Key: key(checked),
          ConditionExpression: '#s = :available',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':available': { S: 'available' } },
        },
      },
    ]);

    expect(await get(FILES, created)).toEqual({ ...key(created), counted: { BOOL: true } });
    expect(await get(USAGE, usage)).toEqual({ ...key(usage), n: { N: '5' } });
    expect(await get(FILES, deleted)).toBeUndefined();
    expect(await get(FILES, checked)).toEqual({ ...key(checked), status: { S: 'available' } });
  });

  it('writes nothing when one condition fails, and gives a reason per action with the old item where ALL_OLD was asked', async () => {
    const [existing, fresh, usage] = [aKey('existing'), aKey('fresh'), aKey('usage')];
    await put(FILES, existing, { name: { S: 'a.png' } });
    await put(USAGE, usage, { n: { N: '1' } });

    const cancelled = transact([
      addOne(usage),
      putNew(FILES, fresh),
      { Put: { ...putNew(FILES, existing).Put!, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
    ]);

    await expect(cancelled).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(cancelled).rejects.toMatchObject({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, ConditionalCheckFailed]',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { ...key(existing), name: { S: 'a.png' } } },
      ],
    });
    expect(await get(USAGE, usage)).toEqual({ ...key(usage), n: { N: '1' } });
    expect(await get(FILES, fresh)).toBeUndefined();
  });

  it('leaves the old item out of the reason without ALL_OLD', async () => {
    const existing = aKey('existing');
    await put(FILES, existing);

    const cancelled = transact([putNew(FILES, existing)]);

    await expect(cancelled).rejects.toHaveProperty('CancellationReasons', [
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
  });

  it('cancels the Put beside a ConditionCheck that fails on its own', async () => {
    const [suspended, fresh] = [aKey('suspended'), aKey('fresh')];
    await put(USAGE, suspended, { suspended: { BOOL: true } });

    const cancelled = transact([
      putNew(FILES, fresh),
      { ConditionCheck: { TableName: USAGE, Key: key(suspended), ConditionExpression: 'attribute_not_exists(suspended)' } },
    ]);

    await expect(cancelled).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    });
    expect(await get(FILES, fresh)).toBeUndefined();
  });

  it('cancels with a ValidationError reason when an update cannot apply to the item it finds', async () => {
    const [usage, fresh] = [aKey('usage'), aKey('fresh')];
    await put(USAGE, usage, { n: { S: 'not a number' } });

    const cancelled = transact([
      putNew(FILES, fresh),
      { Update: { TableName: USAGE, Key: key(usage), UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
    ]);

    await expect(cancelled).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'ValidationError', Message: 'An operand in the update expression has an incorrect data type' },
      ],
    });
    expect(await get(FILES, fresh)).toBeUndefined();
  });

  const item = (pk: string): TransactWriteItem => ({ Put: { TableName: FILES, Item: key(pk) } });
  it.each<[string, () => TransactWriteItem[], string]>([
    [
      'an empty list',
      () => [],
      "Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'more than 100 actions',
      () => Array.from({ length: 101 }, (_, index) => item(`many-${index}`)),
      "at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
    ],
    [
      'two actions on one item',
      () => [item('twice'), { Delete: { TableName: FILES, Key: key('twice') } }],
      'Transaction request cannot include multiple operations on one item',
    ],
    ['an action with no operation', () => [{}], 'TransactItems can only contain one of Check, Put, Update or Delete'],
    [
      'an action with two operations',
      () => [{ ...item('both'), Delete: { TableName: FILES, Key: key('both') } }],
      'TransactItems can only contain one of Check, Put, Update or Delete',
    ],
    ['a Put without the key', () => [{ Put: { TableName: FILES, Item: { name: { S: 'a' } } } }], 'Missing the key pk in the item'],
    [
      'a key that does not match the schema',
      () => [{ Delete: { TableName: FILES, Key: { id: { S: 'a' } } } }],
      'The provided key element does not match the schema',
    ],
    [
      'an Update without an UpdateExpression',
      () => [{ Update: { TableName: FILES, Key: key('u') } as never }],
      "Value null at 'transactItems.1.member.update.updateExpression' failed to satisfy constraint: Member must not be null",
    ],
    [
      'a ConditionCheck without a ConditionExpression',
      () => [{ ConditionCheck: { TableName: FILES, Key: key('c') } as never }],
      "Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null",
    ],
    [
      'a condition with an undefined value',
      () => [{ Put: { TableName: FILES, Item: key('v'), ConditionExpression: 'n < :max' } }],
      'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :max',
    ],
    [
      'an unknown ReturnValuesOnConditionCheckFailure',
      () => [{ Put: { TableName: FILES, Item: key('r'), ReturnValuesOnConditionCheckFailure: 'ALL_NEW' as never } }],
      'failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]',
    ],
  ])('refuses %s with a ValidationException, writing nothing', async (_, actions, message) => {
    const refused = transact(actions());

    // The SDK has no class of its own for ValidationException: it is a ServiceException by name.
    await expect(refused).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    await expect(refused).rejects.toThrow(message);
    const putKeys = actions().flatMap((action) => action.Put?.Item?.pk?.S ?? []);
    expect(await Promise.all(putKeys.map((pk) => get(FILES, pk)))).toEqual(putKeys.map(() => undefined));
  });

  it('refuses an action on a table that does not exist with ResourceNotFoundException, writing nothing', async () => {
    const fresh = aKey('fresh');

    const refused = transact([putNew(FILES, fresh), { Put: { TableName: 'tx-missing', Item: key(fresh) } }]);

    await expect(refused).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(await get(FILES, fresh)).toBeUndefined();
  });

  it('lets exactly as many of 50 concurrent transactions through as the counter allows, each with its marker', async () => {
    const usage = aKey('usage');
    await put(USAGE, usage, { n: { N: '0' } });
    const markers = Array.from({ length: 50 }, () => aKey('marker'));

    const outcomes = await Promise.allSettled(markers.map((marker) => transact([addOne(usage, 10), putNew(FILES, marker)])));

    const cancelled = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
    expect(cancelled).toHaveLength(40);
    expect(cancelled.every((outcome) => outcome.reason instanceof TransactionCanceledException)).toBe(true);
    expect(await get(USAGE, usage)).toEqual({ ...key(usage), n: { N: '10' } });
    const written = await Promise.all(markers.map((marker) => get(FILES, marker)));
    expect(written.filter(Boolean)).toHaveLength(10);
  });

  it('serializes with plain UpdateItem calls on the same item: no increment is lost', async () => {
    const [shared, own] = [aKey('shared'), aKey('own')];
    const plainAdd = () =>
      emulator.client.send(
        new UpdateItemCommand({
          TableName: USAGE,
          Key: key(shared),
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );

    await Promise.all(Array.from({ length: 20 }, () => [transact([addOne(shared), addOne(own)]), plainAdd()]).flat());

    expect(await get(USAGE, shared)).toEqual({ ...key(shared), n: { N: '40' } });
    expect(await get(USAGE, own)).toEqual({ ...key(own), n: { N: '20' } });
  });

  it('applies a transaction once when it is sent again with the same ClientRequestToken', async () => {
    const usage = aKey('usage');
    const token = `token-${usage}`;

    await transact([addOne(usage)], token);
    await transact([addOne(usage)], token);

    expect(await get(USAGE, usage)).toEqual({ ...key(usage), n: { N: '1' } });
  });

  it('refuses a ClientRequestToken sent again with other parameters with IdempotentParameterMismatchException', async () => {
    const [usage, other] = [aKey('usage'), aKey('other')];
    const token = `token-${usage}`;
    await transact([addOne(usage)], token);

    const refused = transact([addOne(other)], token);

    await expect(refused).rejects.toBeInstanceOf(IdempotentParameterMismatchException);
    expect(await get(USAGE, other)).toBeUndefined();
  });
});

describe('TransactGetItems in local DynamoDB', () => {
  it('reads items of two tables in order, projected, with an empty answer for a missing one', async () => {
    const [file, usage, missing] = [aKey('file'), aKey('usage'), aKey('missing')];
    await put(FILES, file, { name: { S: 'a.png' }, size: { N: '10' } });
    await put(USAGE, usage, { n: { N: '3' } });

    const { Responses } = await emulator.client.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: FILES, Key: key(file), ProjectionExpression: '#name', ExpressionAttributeNames: { '#name': 'name' } } },
          { Get: { TableName: USAGE, Key: key(missing) } },
          { Get: { TableName: USAGE, Key: key(usage) } },
        ],
      }),
    );

    expect(Responses).toEqual([{ Item: { name: { S: 'a.png' } } }, {}, { Item: { ...key(usage), n: { N: '3' } } }]);
  });
});
