/**
 * One deadline per request: with any dependency stalled (STS, an S3 call), every route
 * answers 503 with that dependency's code when the deadline passes, a margin before the function
 * would time out, and never middy's early-timeout 500. The clock is Jest's: no real waiting.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createDownloadsHandler } from '../../lambdas/downloads';
import { DEADLINE_MARGIN_MS } from '../../lambdas/shared/deadline';
import type { StoredRecord } from '../../lambdas/shared/records';
import { createUploadsHandler } from '../../lambdas/uploads';
import {
  ALICE,
  aKey,
  anApiEvent,
  anUploadRequest,
  answerOf,
  lambdaContext,
  OBJECT_ID,
  stsCredentials,
  testDependencies,
} from '../builders';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const MiB = 1024 ** 2;
const UPLOAD_ID = 'VXBsb2FkIElEIGZvciBlbHZpbmc';
/** The records the routes find: a multipart upload in progress, and a verified file. */
const RECORDS: Record<'multipart' | 'available', StoredRecord> = {
  multipart: {
    id: OBJECT_ID,
    owner: ALICE,
    key: aKey(ALICE, 'film.mp4'),
    name: 'film.mp4',
    size: 100 * MiB + 1,
    contentType: 'video/mp4',
    createdAt: '2026-11-23T09:00:00.000Z',
    status: 'pending',
    storedStatus: 'pending',
    uploadId: UPLOAD_ID,
  },
  available: {
    id: OBJECT_ID,
    owner: ALICE,
    key: aKey(ALICE, 'photo.jpg'),
    name: 'photo.jpg',
    size: 5000,
    contentType: 'image/jpeg',
    createdAt: '2026-11-23T09:00:00.000Z',
    status: 'available',
    storedStatus: 'available',
  },
};
const allParts = Array.from({ length: 13 }, (_, index) => ({ partNumber: index + 1, etag: `"etag${index + 1}"` }));
/** Lambda's remaining time at the start of the invocation: the downloads function's 10 s. */
const FUNCTION_TIME_MS = 10_000;

/** Never answers, and never looks at its signal: the deadline must not depend on the SDK honouring it. */
const never = () => new Promise<never>(() => undefined);

let logs: jest.SpyInstance;
beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  sts.reset();
  s3.reset();
  sts.on(AssumeRoleCommand).resolves(stsCredentials());
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: UPLOAD_ID });
  s3.on(ListPartsCommand).resolves({ Parts: [] });
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(AbortMultipartUploadCommand).resolves({});
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  logs.mockRestore();
  jest.useRealTimers();
});

type Stall = 'STS' | 'CreateMultipartUpload' | 'ListParts' | 'CompleteMultipartUpload' | 'AbortMultipartUpload';

function stall(dependency: Stall): void {
  const commands = {
    CreateMultipartUpload: CreateMultipartUploadCommand,
    ListParts: ListPartsCommand,
    CompleteMultipartUpload: CompleteMultipartUploadCommand,
    AbortMultipartUpload: AbortMultipartUploadCommand,
  } as const;
  if (dependency === 'STS') sts.on(AssumeRoleCommand).callsFake(never);
  else s3.on(commands[dependency] as typeof ListPartsCommand).callsFake(never);
}

type Route = [
  name: string,
  stall: Stall,
  fn: 'uploads' | 'downloads',
  routeKey: string,
  body: unknown,
  code: string,
  record?: keyof typeof RECORDS,
];
const multipart = anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 100 * MiB + 1 });
const requests: Route[] = [
  ['POST /uploads (single PUT)', 'STS', 'uploads', 'POST /uploads', anUploadRequest(), 'SIGNING_UNAVAILABLE'],
  ['POST /uploads (multipart)', 'STS', 'uploads', 'POST /uploads', multipart, 'SIGNING_UNAVAILABLE'],
  ['POST /uploads (multipart)', 'CreateMultipartUpload', 'uploads', 'POST /uploads', multipart, 'STORAGE_UNAVAILABLE'],
  ['GET /uploads/{id}', 'ListParts', 'uploads', 'GET /uploads/{id}', undefined, 'STORAGE_UNAVAILABLE', 'multipart'],
  ['POST /uploads/{id}/parts', 'STS', 'uploads', 'POST /uploads/{id}/parts', { partNumbers: [1] }, 'SIGNING_UNAVAILABLE', 'multipart'],
  [
    'POST /uploads/{id}/parts',
    'ListParts',
    'uploads',
    'POST /uploads/{id}/parts',
    { partNumbers: [1] },
    'STORAGE_UNAVAILABLE',
    'multipart',
  ],
  ['POST /uploads/{id}/complete', 'STS', 'uploads', 'POST /uploads/{id}/complete', { parts: allParts }, 'SIGNING_UNAVAILABLE', 'multipart'],
  [
    'POST /uploads/{id}/complete',
    'CompleteMultipartUpload',
    'uploads',
    'POST /uploads/{id}/complete',
    { parts: allParts },
    'STORAGE_UNAVAILABLE',
    'multipart',
  ],
  ['DELETE /uploads/{id}', 'STS', 'uploads', 'DELETE /uploads/{id}', undefined, 'SIGNING_UNAVAILABLE', 'multipart'],
  ['DELETE /uploads/{id}', 'AbortMultipartUpload', 'uploads', 'DELETE /uploads/{id}', undefined, 'STORAGE_UNAVAILABLE', 'multipart'],
  ['POST /downloads', 'STS', 'downloads', 'POST /downloads', { id: OBJECT_ID }, 'SIGNING_UNAVAILABLE', 'available'],
];

describe('with a dependency that never answers', () => {
  it.each(
    requests.map(
      ([name, dependency, functionName, routeKey, body, code, record]) =>
        [name, dependency, code, functionName, routeKey, body, record] as const,
    ),
  )('%s with %s stalled answers 503 %s at the deadline, never 500', async (_, dependency, code, functionName, routeKey, body, record) => {
    stall(dependency);
    const dependencies = testDependencies();
    if (record) dependencies.records.records.set(OBJECT_ID, RECORDS[record]);
    const handler = functionName === 'uploads' ? createUploadsHandler(dependencies) : createDownloadsHandler(dependencies);
    const pathParameters = routeKey.includes('{id}') ? { id: OBJECT_ID } : undefined;
    let answer: APIGatewayProxyStructuredResultV2 | undefined;

    void Promise.resolve(handler(anApiEvent({ routeKey, body, pathParameters }), lambdaContext(FUNCTION_TIME_MS))).then((result) => {
      answer = result;
    });
    await jest.advanceTimersByTimeAsync(FUNCTION_TIME_MS - DEADLINE_MARGIN_MS - 1);
    const beforeDeadline = answer;
    await jest.advanceTimersByTimeAsync(1);

    expect(beforeDeadline).toBeUndefined();
    expect(answerOf(answer)).toMatchObject({ status: 503, body: { error: { code, requestId: 'req-123' } } });
  });
});

describe('the deadline', () => {
  it('leaves far more than middy’s 5 ms early timeout, so the 503 always comes first', () => {
    expect(DEADLINE_MARGIN_MS).toBeGreaterThanOrEqual(500);
  });
});

describe('a request that finds another request’s STS call in flight', () => {
  it('waits for it no longer than its own deadline', async () => {
    sts.on(AssumeRoleCommand).callsFake(never);
    const dependencies = testDependencies();
    dependencies.records.records.set(OBJECT_ID, RECORDS.available);
    const handler = createDownloadsHandler(dependencies);
    // One event each: middy parses the body in place.
    const download = () => anApiEvent({ routeKey: 'POST /downloads', body: { id: OBJECT_ID } });
    const answers: (APIGatewayProxyStructuredResultV2 | undefined)[] = [];

    // The first request starts the STS call with 10 s left; the second shares it, with only 2 s left.
    void Promise.resolve(handler(download(), lambdaContext(FUNCTION_TIME_MS))).then((result) => {
      answers[0] = result;
    });
    void Promise.resolve(handler(download(), lambdaContext(2000))).then((result) => {
      answers[1] = result;
    });
    await jest.advanceTimersByTimeAsync(2000 - DEADLINE_MARGIN_MS);

    const first = answers[0];
    await jest.advanceTimersByTimeAsync(FUNCTION_TIME_MS - 2000);

    expect(first).toBeUndefined();
    expect(answerOf(answers[1])).toMatchObject({ status: 503, body: { error: { code: 'SIGNING_UNAVAILABLE' } } });
    // …and the first one at its own.
    expect(answerOf(answers[0])).toMatchObject({ status: 503, body: { error: { code: 'SIGNING_UNAVAILABLE' } } });
  });
});
