import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createDownloadsHandler } from '../../lambdas/downloads';
import type { FileServiceSettingsInput } from '../../lambdas/shared/settings';
import type { HeadRequest } from '../../lambdas/shared/object-head';
import {
  ALICE,
  BOB,
  LEAKED_DETAIL,
  NOW,
  aContext,
  aKey,
  anApiEvent,
  answerOf,
  stsCredentials,
  stsFailures,
  testDependencies,
} from '../builders';
import { captureMetrics, metricNamesOf } from '../emf';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
let logs: jest.SpyInstance;
let emf: ReturnType<typeof captureMetrics>;

beforeEach(() => {
  sts.reset();
  s3.reset();
  sts.on(AssumeRoleCommand).resolves(stsCredentials());
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  emf = captureMetrics();
});
afterEach(() => {
  logs.mockRestore();
  emf.restore();
});

/** A fake S3 answering HEAD requests, recording what was asked. */
function fakeS3Head(status = 200, headers: Record<string, string> = {}) {
  const requests: { url: string }[] = [];
  const sendHead: HeadRequest = jest.fn((url: string) => {
    requests.push({ url });
    return Promise.resolve({
      status,
      headers: {
        'content-length': '5000',
        'content-type': 'image/jpeg',
        'last-modified': 'Mon, 23 Nov 2026 09:00:00 GMT',
        'x-amz-meta-filename': 'F%C3%A9rias%20%282026%29.jpg',
        ...headers,
      },
    });
  });
  return { sendHead, requests };
}

interface DownloadOptions {
  sub?: string;
  settings?: FileServiceSettingsInput;
  sendHead?: HeadRequest;
}

async function download(body: unknown, options: DownloadOptions = {}) {
  const handler = createDownloadsHandler({
    ...testDependencies({ settings: options.settings }),
    sendHead: options.sendHead ?? fakeS3Head().sendHead,
  });
  return answerOf(await handler(anApiEvent({ routeKey: 'POST /downloads', body, sub: options.sub }), aContext));
}

async function list(query: Record<string, string> = {}, sub = ALICE) {
  const handler = createDownloadsHandler(testDependencies());
  return answerOf(await handler(anApiEvent({ routeKey: 'GET /files', query, sub }), aContext));
}

describe('POST /downloads', () => {
  it('checks the object with a HEAD, then answers a GET URL with its size, type and date', async () => {
    const s3Head = fakeS3Head();

    const { status, body } = await download({ key: aKey() }, { sendHead: s3Head.sendHead });

    expect(status).toBe(200);
    expect(s3Head.requests).toEqual([{ url: expect.stringContaining(`/${aKey()}?`) }]);
    expect(body).toEqual({
      key: aKey(),
      url: expect.stringMatching(/^https:\/\/test-files\.s3\.eu-west-1\.amazonaws\.com\//),
      expiresAt: new Date(NOW + 300_000).toISOString(),
      size: 5000,
      contentType: 'image/jpeg',
      lastModified: '2026-11-23T09:00:00.000Z',
    });
    expect(new URL(body.url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });

  it('names the download with the original Unicode name (RFC 5987) and a safe ASCII fallback', async () => {
    const { body } = await download({ key: aKey(ALICE, 'Ferias-2026.jpg') });

    expect(new URL(body.url).searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="Ferias-2026.jpg"; filename*=UTF-8''F%C3%A9rias%20%282026%29.jpg`,
    );
  });

  it('asks for inline display when requested', async () => {
    const { body } = await download({ key: aKey(), disposition: 'inline' });

    expect(new URL(body.url).searchParams.get('response-content-disposition')).toMatch(/^inline; /);
  });

  it('clamps a requested lifetime to the configured maximum', async () => {
    const { body } = await download({ key: aKey(), expiresIn: 86_400 }, { settings: { maxDownloadUrlTtlSeconds: 1800 } });

    expect(new URL(body.url).searchParams.get('X-Amz-Expires')).toBe('1800');
    expect(body.expiresAt).toBe(new Date(NOW + 1_800_000).toISOString());
  });

  it('signs with a reader role session tagged with the caller’s sub and audits the URL', async () => {
    await download({ key: aKey() });

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Tags).toEqual([{ Key: 'userId', Value: ALICE }]);
    const auditLines = logs.mock.calls.map(([line]) => JSON.parse(String(line))).filter((line) => line.audit);
    expect(auditLines).toEqual([expect.objectContaining({ operation: 'download', userId: ALICE, key: aKey(), requestId: 'req-123' })]);
  });

  it.each([
    ['a missing object (404)', 404],
    ['an object IAM hides (403)', 403],
  ])('answers 404 for %s', async (_, s3Status) => {
    const { status, body } = await download({ key: aKey() }, { sendHead: fakeS3Head(s3Status).sendHead });

    expect(status).toBe(404);
    expect(body.error.code).toBe('NOT_FOUND');
  });

  it('refuses another user’s key with 403 when read access is owner', async () => {
    const s3Head = fakeS3Head();

    const { status, body } = await download({ key: aKey(BOB) }, { sendHead: s3Head.sendHead });

    expect(status).toBe(403);
    expect(body.error.code).toBe('FORBIDDEN_KEY');
    expect(s3Head.requests).toHaveLength(0);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('lets any signed-in user read another user’s key when read access is authenticated', async () => {
    const { status } = await download({ key: aKey(BOB) }, { settings: { readAccess: 'authenticated' } });

    expect(status).toBe(200);
  });

  it.each([
    ['a key outside users/', 'public/photo.jpg'],
    ['a key with traversal', `users/${ALICE}/${'0f8fad5b-d9cb-469f-a165-70867728950e'}/../../${BOB}/x.jpg`],
    ['a key with a double slash', `users/${ALICE}//photo.jpg`],
    ['a key with a leading slash', `/users/${ALICE}/0f8fad5b-d9cb-469f-a165-70867728950e/photo.jpg`],
    ['an empty key', ''],
  ])('refuses %s with 400 INVALID_KEY', async (_, key) => {
    const { status, body } = await download({ key });

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_KEY');
  });

  it.each([
    ['an unknown disposition', { key: aKey(), disposition: 'download' }],
    ['a negative lifetime', { key: aKey(), expiresIn: -5 }],
    ['a key that is not a string', { key: 42 }],
  ])('refuses %s with 400 INVALID_REQUEST', async (_, request) => {
    const { status, body } = await download(request);

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REQUEST');
  });

  it.each([
    ['S3 cannot be reached', () => Promise.reject(new Error('connect ECONNREFUSED'))],
    ['S3 answers 500', () => Promise.resolve({ status: 500, headers: {} })],
  ])('answers 503 STORAGE_UNAVAILABLE when %s', async (_, sendHead: HeadRequest) => {
    const { status, body } = await download({ key: aKey() }, { sendHead });

    expect(status).toBe(503);
    expect(body.error.code).toBe('STORAGE_UNAVAILABLE');
  });
});

describe('GET /files', () => {
  it('lists only the caller’s prefix and answers name, size and date of each file', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: aKey(ALICE, 'a.jpg'), Size: 10, LastModified: new Date('2026-11-20T00:00:00Z') }],
      NextContinuationToken: 'next-page',
    });

    const { status, body } = await list({ limit: '10' });

    expect(status).toBe(200);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: 'test-files',
      Prefix: `users/${ALICE}/`,
      MaxKeys: 10,
      ContinuationToken: undefined,
    });
    expect(body).toEqual({
      files: [{ key: aKey(ALICE, 'a.jpg'), name: 'a.jpg', size: 10, lastModified: '2026-11-20T00:00:00.000Z' }],
      nextCursor: 'next-page',
    });
  });

  it('passes the cursor on and omits nextCursor on the last page', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });

    const { body } = await list({ cursor: 'next-page' });

    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input.ContinuationToken).toBe('next-page');
    expect(body).toEqual({ files: [] });
  });

  it.each([['0'], ['1001'], ['ten'], ['-1']])('refuses limit=%s with 400', async (limit) => {
    const { status, body } = await list({ limit });

    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^limit: /);
  });

  it('answers 400 INVALID_CURSOR when S3 rejects the cursor', async () => {
    s3.on(ListObjectsV2Command).rejects(
      Object.assign(new Error('The continuation token provided is incorrect'), {
        name: 'InvalidArgument',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const { status, body } = await list({ cursor: 'forged' });

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_CURSOR');
  });

  it('answers 503 STORAGE_UNAVAILABLE when S3 fails', async () => {
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));

    const { status, body } = await list();

    expect(status).toBe(503);
    expect(body.error).toEqual({ code: 'STORAGE_UNAVAILABLE', message: expect.any(String), requestId: 'req-123' });
  });
});

describe('when STS fails', () => {
  it.each(stsFailures())('POST /downloads answers 503 SIGNING_UNAVAILABLE when STS %s, showing nothing of it', async (_, failure) => {
    sts.on(AssumeRoleCommand).rejects(failure);
    const s3Head = fakeS3Head();

    const answer = await download({ key: aKey() }, { sendHead: s3Head.sendHead });

    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: { code: 'SIGNING_UNAVAILABLE', message: expect.any(String), requestId: 'req-123' } });
    expect(JSON.stringify(answer.body)).not.toMatch(LEAKED_DETAIL);
    expect(s3Head.requests).toHaveLength(0);
  });

  it.each(stsFailures())('GET /files answers 503 SIGNING_UNAVAILABLE when STS %s, showing nothing of it', async (_, failure) => {
    sts.on(AssumeRoleCommand).rejects(failure);

    const answer = await list();

    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: { code: 'SIGNING_UNAVAILABLE', message: expect.any(String), requestId: 'req-123' } });
    expect(JSON.stringify(answer.body)).not.toMatch(LEAKED_DETAIL);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });
});

describe('downloads metrics', () => {
  const service = 'test-file-service';

  it('counts a download URL issued, with the STS call and the S3 HEAD latency', async () => {
    await download({ key: aKey() });

    expect(emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'UrlsIssued', unit: 'Count', value: 1, dimensions: { service } }),
        expect.objectContaining({ metric: 'UrlsIssued', unit: 'Count', value: 1, dimensions: { service, operation: 'download' } }),
        expect.objectContaining({ metric: 'StsCalls', value: 1, dimensions: { service } }),
        expect.objectContaining({ metric: 'S3Latency', unit: 'Milliseconds', value: expect.any(Number), dimensions: { service } }),
      ]),
    );
    expect(metricNamesOf(emf.datapoints())).toEqual(['S3Latency', 'StsCalls', 'StsLatency', 'UrlsIssued']);
  });

  it('counts a listing’s S3 latency and no URL issued', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: aKey(), Size: 10 }] });

    await list();

    expect(emf.datapoints()).toEqual(
      expect.arrayContaining([expect.objectContaining({ metric: 'S3Latency', value: expect.any(Number), dimensions: { service } })]),
    );
    expect(metricNamesOf(emf.datapoints())).toEqual(['S3Latency', 'StsCalls', 'StsLatency']);
  });

  it.each([
    ['a foreign key', 'FORBIDDEN_KEY', { key: aKey(BOB) }, fakeS3Head()],
    ['a missing object', 'NOT_FOUND', { key: aKey() }, fakeS3Head(404)],
    ['S3 answering 500', 'STORAGE_UNAVAILABLE', { key: aKey() }, fakeS3Head(500)],
  ])('counts the refusal of %s by its code, and no URL issued', async (_, code, body, s3Head) => {
    await download(body, { sendHead: s3Head.sendHead });

    expect(emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'Refusals', value: 1, dimensions: { service } }),
        expect.objectContaining({ metric: 'Refusals', value: 1, dimensions: { service, code } }),
      ]),
    );
    expect(metricNamesOf(emf.datapoints())).not.toContain('UrlsIssued');
  });

  it('times a failed listing and counts it as STORAGE_UNAVAILABLE', async () => {
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));

    await list();

    expect(emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'S3Latency', value: expect.any(Number) }),
        expect.objectContaining({ metric: 'Refusals', dimensions: { service, code: 'STORAGE_UNAVAILABLE' } }),
      ]),
    );
  });

  it('never puts the user id or a key in a metric line', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: aKey(), Size: 10 }] });

    await download({ key: aKey() });
    await list();
    await download({ key: aKey(BOB) });

    const written = JSON.stringify(emf.lines());
    expect(emf.lines().length).toBeGreaterThan(0);
    for (const secret of [ALICE, BOB, aKey(), 'photo.jpg']) expect(written).not.toContain(secret);
  });
});
