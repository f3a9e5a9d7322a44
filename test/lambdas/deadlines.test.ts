/**
 * One deadline per request: with any dependency stalled (STS, an S3 call, the HEAD), every route
 * answers 503 with that dependency's code when the deadline passes, a margin before the function
 * would time out, and never middy's early-timeout 500. The clock is Jest's: no real waiting.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createDownloadsHandler } from '../../lambdas/downloads';
import { DEADLINE_MARGIN_MS } from '../../lambdas/shared/deadline';
import type { HeadRequest } from '../../lambdas/shared/object-head';
import { createUploadsHandler } from '../../lambdas/uploads';
import { aKey, anApiEvent, anUploadRequest, answerOf, lambdaContext, stsCredentials, testDependencies } from '../builders';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const MiB = 1024 ** 2;
const UPLOAD_ID = 'VXBsb2FkIElEIGZvciBlbHZpbmc';
const multipartKey = `users/11111111-aaaa-4aaa-8aaa-111111111111/0f8fad5b-d9cb-469f-a165-70867728950e.${100 * MiB + 1}/film.mp4`;
const allParts = Array.from({ length: 13 }, (_, index) => ({ partNumber: index + 1, etag: `"etag${index + 1}"` }));
/** Lambda's remaining time at the start of the invocation: the downloads function's 10 s. */
const FUNCTION_TIME_MS = 10_000;

/** Never answers, and never looks at its signal: the deadline must not depend on the SDK honouring it. */
const never = () => new Promise<never>(() => undefined);
const answeringHead: HeadRequest = () => Promise.resolve({ status: 200, headers: { 'content-length': '5', 'content-type': 'text/plain' } });
/** A HEAD that answers only when aborted, as `node:https` does. */
const stalledHead: HeadRequest = (_, signal) =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

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
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  logs.mockRestore();
  jest.useRealTimers();
});

type Stall = 'STS' | 'CreateMultipartUpload' | 'ListParts' | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'ListObjectsV2' | 'HEAD';

function stall(dependency: Stall): void {
  const commands = {
    CreateMultipartUpload: CreateMultipartUploadCommand,
    ListParts: ListPartsCommand,
    CompleteMultipartUpload: CompleteMultipartUploadCommand,
    AbortMultipartUpload: AbortMultipartUploadCommand,
    ListObjectsV2: ListObjectsV2Command,
  } as const;
  if (dependency === 'STS') sts.on(AssumeRoleCommand).callsFake(never);
  else if (dependency !== 'HEAD') s3.on(commands[dependency] as typeof ListPartsCommand).callsFake(never);
}

const requests: [string, Stall, 'uploads' | 'downloads', string, unknown, string][] = [
  ['POST /uploads (single PUT)', 'STS', 'uploads', 'POST /uploads', anUploadRequest(), 'SIGNING_UNAVAILABLE'],
  [
    'POST /uploads (multipart)',
    'STS',
    'uploads',
    'POST /uploads',
    anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 100 * MiB + 1 }),
    'SIGNING_UNAVAILABLE',
  ],
  [
    'POST /uploads (multipart)',
    'CreateMultipartUpload',
    'uploads',
    'POST /uploads',
    anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 100 * MiB + 1 }),
    'STORAGE_UNAVAILABLE',
  ],
  [
    'POST /uploads/parts',
    'STS',
    'uploads',
    'POST /uploads/parts',
    { key: multipartKey, uploadId: UPLOAD_ID, partNumbers: [1] },
    'SIGNING_UNAVAILABLE',
  ],
  [
    'POST /uploads/parts',
    'ListParts',
    'uploads',
    'POST /uploads/parts',
    { key: multipartKey, uploadId: UPLOAD_ID, partNumbers: [1] },
    'STORAGE_UNAVAILABLE',
  ],
  [
    'POST /uploads/complete',
    'STS',
    'uploads',
    'POST /uploads/complete',
    { key: multipartKey, uploadId: UPLOAD_ID, parts: allParts },
    'SIGNING_UNAVAILABLE',
  ],
  [
    'POST /uploads/complete',
    'CompleteMultipartUpload',
    'uploads',
    'POST /uploads/complete',
    { key: multipartKey, uploadId: UPLOAD_ID, parts: allParts },
    'STORAGE_UNAVAILABLE',
  ],
  ['POST /uploads/abort', 'STS', 'uploads', 'POST /uploads/abort', { key: multipartKey, uploadId: UPLOAD_ID }, 'SIGNING_UNAVAILABLE'],
  [
    'POST /uploads/abort',
    'AbortMultipartUpload',
    'uploads',
    'POST /uploads/abort',
    { key: multipartKey, uploadId: UPLOAD_ID },
    'STORAGE_UNAVAILABLE',
  ],
  ['POST /downloads', 'STS', 'downloads', 'POST /downloads', { key: aKey() }, 'SIGNING_UNAVAILABLE'],
  ['POST /downloads', 'HEAD', 'downloads', 'POST /downloads', { key: aKey() }, 'STORAGE_UNAVAILABLE'],
  ['GET /files', 'STS', 'downloads', 'GET /files', undefined, 'SIGNING_UNAVAILABLE'],
  ['GET /files', 'ListObjectsV2', 'downloads', 'GET /files', undefined, 'STORAGE_UNAVAILABLE'],
];

describe('with a dependency that never answers', () => {
  it.each(
    requests.map(
      ([name, dependency, functionName, routeKey, body, code]) => [name, dependency, code, functionName, routeKey, body] as const,
    ),
  )('%s with %s stalled answers 503 %s at the deadline, never 500', async (_, dependency, code, functionName, routeKey, body) => {
    stall(dependency);
    const dependencies = testDependencies();
    const handler =
      functionName === 'uploads'
        ? createUploadsHandler(dependencies)
        : createDownloadsHandler({ ...dependencies, sendHead: dependency === 'HEAD' ? stalledHead : answeringHead });
    let answer: APIGatewayProxyStructuredResultV2 | undefined;

    void Promise.resolve(handler(anApiEvent({ routeKey, body }), lambdaContext(FUNCTION_TIME_MS))).then((result) => {
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
    const handler = createDownloadsHandler({ ...testDependencies(), sendHead: answeringHead });
    const answers: (APIGatewayProxyStructuredResultV2 | undefined)[] = [];

    // The first request starts the STS call with 10 s left; the second shares it, with only 2 s left.
    void Promise.resolve(handler(anApiEvent({ routeKey: 'GET /files' }), lambdaContext(FUNCTION_TIME_MS))).then((result) => {
      answers[0] = result;
    });
    void Promise.resolve(handler(anApiEvent({ routeKey: 'GET /files' }), lambdaContext(2000))).then((result) => {
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
