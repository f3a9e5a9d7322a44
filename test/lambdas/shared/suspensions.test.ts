import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createDeletesHandler } from '../../../lambdas/deletes';
import { createDownloadsHandler } from '../../../lambdas/downloads';
import type { StoredRecord } from '../../../lambdas/shared/records';
import { tableSuspensions } from '../../../lambdas/shared/suspensions';
import { createUploadsHandler } from '../../../lambdas/uploads';
import {
  ALICE,
  BOB,
  OBJECT_ID,
  aContext,
  aKey,
  anApiEvent,
  anUploadRequest,
  answerOf,
  stsCredentials,
  testDependencies,
} from '../../builders';

const sts = mockClient(STSClient);
const dynamoDb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
let logs: jest.SpyInstance;

beforeEach(() => {
  sts.reset();
  dynamoDb.reset();
  s3.reset();
  sts.on(AssumeRoleCommand).resolves(stsCredentials());
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logs.mockRestore());

function anAvailableRecord(owner: string): StoredRecord {
  return {
    id: OBJECT_ID,
    owner,
    key: aKey(owner),
    name: 'photo.jpg',
    size: 5000,
    contentType: 'image/jpeg',
    createdAt: '2026-11-23T09:00:00.000Z',
    status: 'available',
    storedStatus: 'available',
  };
}

const suspendAlice = { sub: ALICE, suspendedAt: '2026-11-23T09:30:00.000Z', reason: 'incident 42' };

describe('a suspended user', () => {
  it('gets 403 SUSPENDED from POST /uploads on the very next request, and no role session', async () => {
    const dependencies = testDependencies();
    const handler = createUploadsHandler(dependencies);
    expect(answerOf(await handler(anApiEvent({ body: anUploadRequest() }), aContext)).status).toBe(200);
    const callsBefore = sts.commandCalls(AssumeRoleCommand).length;

    await dependencies.suspensions.suspend(suspendAlice);
    const answer = answerOf(await handler(anApiEvent({ body: anUploadRequest() }), aContext));

    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'SUSPENDED' } } });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(callsBefore);
  });

  it('gets 403 SUSPENDED for a download of their own file and for a delete', async () => {
    const dependencies = testDependencies();
    dependencies.records.records.set(OBJECT_ID, anAvailableRecord(ALICE));
    await dependencies.suspensions.suspend(suspendAlice);

    const download = answerOf(
      await createDownloadsHandler(dependencies)(anApiEvent({ routeKey: 'POST /downloads', body: { id: OBJECT_ID } }), aContext),
    );
    const deletion = answerOf(
      await createDeletesHandler(dependencies)(anApiEvent({ routeKey: 'DELETE /files/{id}', pathParameters: { id: OBJECT_ID } }), aContext),
    );

    expect(download).toMatchObject({ status: 403, body: { error: { code: 'SUSPENDED' } } });
    expect(deletion).toMatchObject({ status: 403, body: { error: { code: 'SUSPENDED' } } });
    expect(dependencies.records.records.get(OBJECT_ID)?.storedStatus).toBe('available');
  });

  it('may sign again once reinstated', async () => {
    const dependencies = testDependencies();
    await dependencies.suspensions.suspend(suspendAlice);
    await dependencies.suspensions.reinstate(ALICE);

    const answer = answerOf(await createUploadsHandler(dependencies)(anApiEvent({ body: anUploadRequest() }), aContext));

    expect(answer.status).toBe(200);
  });

  it("stops others' downloads of their files when read access is authenticated", async () => {
    const dependencies = testDependencies({ settings: { readAccess: 'authenticated' } });
    dependencies.records.records.set(OBJECT_ID, anAvailableRecord(ALICE));
    const handler = createDownloadsHandler(dependencies);
    const asBob = () => handler(anApiEvent({ routeKey: 'POST /downloads', body: { id: OBJECT_ID }, sub: BOB }), aContext);
    expect(answerOf(await asBob()).status).toBe(200);

    await dependencies.suspensions.suspend(suspendAlice);

    expect(answerOf(await asBob())).toMatchObject({ status: 403, body: { error: { code: 'SUSPENDED' } } });
  });

  it('does not stop other users', async () => {
    const dependencies = testDependencies();
    await dependencies.suspensions.suspend(suspendAlice);

    const answer = answerOf(await createUploadsHandler(dependencies)(anApiEvent({ body: anUploadRequest(), sub: BOB }), aContext));

    expect(answer.status).toBe(200);
  });

  it('is read once per request even when the request takes two role sessions (IP-bound multipart)', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    const dependencies = testDependencies({ settings: { bindUrlsToSourceIp: true } });
    const size = 100 * 1024 * 1024 + 1;

    const answer = answerOf(
      await createUploadsHandler(dependencies)(
        anApiEvent({ body: anUploadRequest({ size, contentType: 'video/mp4', filename: 'a.mp4' }) }),
        aContext,
      ),
    );

    expect(answer.status).toBe(200);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(dependencies.suspensions.reads()).toBe(1);
  });
});

describe('tableSuspensions', () => {
  const suspensions = () => tableSuspensions(new DynamoDBClient({ region: 'eu-west-1' }), 'files');

  it('reads the suspension item strongly consistently, beside the user’s other items', async () => {
    dynamoDb.on(GetItemCommand).resolves({ Item: { suspendedAt: { S: '2026-11-23T09:30:00.000Z' }, reason: { S: 'incident 42' } } });

    const found = await suspensions().find(ALICE);

    expect(found).toEqual(suspendAlice);
    expect(dynamoDb.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'files',
      Key: { pk: { S: `USER#${ALICE}` }, sk: { S: 'SUSPENDED' } },
      ConsistentRead: true,
    });
  });

  it('answers undefined for a user with no suspension item', async () => {
    dynamoDb.on(GetItemCommand).resolves({});

    await expect(suspensions().find(ALICE)).resolves.toBeUndefined();
  });

  it('answers 503 STORAGE_UNAVAILABLE when the table fails, so no one signs unchecked', async () => {
    dynamoDb.on(GetItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    await expect(suspensions().find(ALICE)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
  });

  it('writes and removes the item the operator command manages', async () => {
    dynamoDb
      .on(PutItemCommand)
      .resolves({})
      .on(DeleteItemCommand)
      .resolves({ Attributes: { pk: { S: `USER#${ALICE}` } } });

    await suspensions().suspend(suspendAlice);
    const reinstated = await suspensions().reinstate(ALICE);

    expect(dynamoDb.commandCalls(PutItemCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: { S: `USER#${ALICE}` },
      sk: { S: 'SUSPENDED' },
      reason: { S: 'incident 42' },
    });
    expect(reinstated).toBe(true);
  });
});
