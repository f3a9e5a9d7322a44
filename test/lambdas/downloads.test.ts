import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { createDownloadsHandler } from '../../lambdas/downloads';
import { ApiError } from '../../lambdas/shared/errors';
import type { StoredRecord } from '../../lambdas/shared/records';
import type { FileServiceSettingsInput } from '../../lambdas/shared/settings';
import {
  ALICE,
  BOB,
  LEAKED_DETAIL,
  NOW,
  OBJECT_ID,
  aContext,
  aKey,
  anApiEvent,
  answerOf,
  stsFailures,
  testDependencies,
} from '../builders';
import { metricNamesOf } from '../emf';
import { watchHandlerOutput } from '../handler-output';

const output = watchHandlerOutput();
const { sts } = output;

/** A record in the table, `available` unless told otherwise. */
function aRecord(overrides: Partial<StoredRecord> = {}): StoredRecord {
  const owner = overrides.owner ?? ALICE;
  const id = overrides.id ?? OBJECT_ID;
  const status = overrides.status ?? 'available';
  return {
    id,
    owner,
    key: aKey(owner, 'Ferias-2026.jpg').replace(OBJECT_ID, id),
    name: 'Férias (2026).jpg',
    size: 5000,
    contentType: 'image/jpeg',
    createdAt: '2026-11-23T09:00:00.000Z',
    status,
    storedStatus: overrides.storedStatus ?? status,
    ...overrides,
  };
}

function handlerWith(records: StoredRecord[], settings?: FileServiceSettingsInput) {
  const dependencies = testDependencies({ settings });
  for (const record of records) dependencies.records.records.set(record.id, record);
  return { handler: createDownloadsHandler(dependencies), dependencies };
}

async function download(body: unknown, options: { sub?: string; records?: StoredRecord[]; settings?: FileServiceSettingsInput } = {}) {
  const { handler } = handlerWith(options.records ?? [aRecord()], options.settings);
  return answerOf(await handler(anApiEvent({ routeKey: 'POST /downloads', body, sub: options.sub }), aContext));
}

describe('POST /downloads', () => {
  it('answers a GET URL with the size, type and name of the record, asking S3 nothing', async () => {
    const { status, body } = await download({ id: OBJECT_ID });

    expect(status).toBe(200);
    expect(body).toEqual({
      id: OBJECT_ID,
      url: expect.stringMatching(/^https:\/\/test-files\.s3\.eu-west-1\.amazonaws\.com\//),
      expiresAt: new Date(NOW + 300_000).toISOString(),
      size: 5000,
      contentType: 'image/jpeg',
      name: 'Férias (2026).jpg',
    });
    expect(new URL(body.url).pathname).toBe(`/${aRecord().key}`);
    expect(new URL(body.url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });

  it('names the download with the original Unicode name (RFC 5987) and a safe ASCII fallback', async () => {
    const { body } = await download({ id: OBJECT_ID });

    expect(new URL(body.url).searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="Ferias-2026.jpg"; filename*=UTF-8''F%C3%A9rias%20%282026%29.jpg`,
    );
  });

  it('asks for inline display when requested', async () => {
    const { body } = await download({ id: OBJECT_ID, disposition: 'inline' });

    expect(new URL(body.url).searchParams.get('response-content-disposition')).toMatch(/^inline; /);
  });

  it('clamps a requested lifetime to the configured maximum', async () => {
    const { body } = await download({ id: OBJECT_ID, expiresIn: 86_400 }, { settings: { maxDownloadUrlTtlSeconds: 1800 } });

    expect(new URL(body.url).searchParams.get('X-Amz-Expires')).toBe('1800');
    expect(body.expiresAt).toBe(new Date(NOW + 1_800_000).toISOString());
  });

  it('signs with a reader role session tagged with the caller’s sub and audits the URL', async () => {
    await download({ id: OBJECT_ID });

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Tags).toEqual([{ Key: 'userId', Value: ALICE }]);
    const auditLines = output.lines().filter((line) => line.audit);
    expect(auditLines).toEqual([
      expect.objectContaining({ operation: 'download', userId: ALICE, fileId: OBJECT_ID, expiresIn: 300, requestId: 'req-123' }),
    ]);
    for (const field of ['key', 'expiresAt']) expect(auditLines[0]).not.toHaveProperty(field);
  });

  it('answers 409 PENDING with Retry-After for a file not verified yet, signing nothing', async () => {
    const { handler } = handlerWith([aRecord({ status: 'pending' })]);

    const result = await handler(anApiEvent({ routeKey: 'POST /downloads', body: { id: OBJECT_ID } }), aContext);

    expect(answerOf(result)).toMatchObject({ status: 409, body: { error: { code: 'PENDING' } } });
    expect(result.headers).toMatchObject({ 'retry-after': expect.stringMatching(/^\d+$/) });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('answers 422 REJECTED for a rejected file, signing nothing', async () => {
    const answer = await download({ id: OBJECT_ID }, { records: [aRecord({ status: 'rejected', rejectedReason: 'TYPE_MISMATCH' })] });

    expect(answer).toMatchObject({ status: 422, body: { error: { code: 'REJECTED' } } });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it.each([
    ['no such id', []],
    ['a deleted file', [aRecord({ storedStatus: 'deleted' })]],
    ['another user’s file when read access is owner', [aRecord({ owner: BOB })]],
  ])('answers 404 for %s, so existence is not revealed', async (_, records) => {
    const answer = await download({ id: OBJECT_ID }, { records });

    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('lets any signed-in user download another user’s available file when read access is authenticated, and no other', async () => {
    const settings = { readAccess: 'authenticated' as const };

    const available = await download({ id: OBJECT_ID }, { records: [aRecord({ owner: BOB })], settings });
    const pending = await download({ id: OBJECT_ID }, { records: [aRecord({ owner: BOB, status: 'pending' })], settings });

    expect(available.status).toBe(200);
    expect(pending.status).toBe(404);
  });

  it.each([
    ['a key instead of an id', { id: aKey() }],
    ['an id with traversal', { id: `../${OBJECT_ID}` }],
    ['an empty id', { id: '' }],
    ['an id that is not a string', { id: 42 }],
  ])('refuses %s with 400 INVALID_ID', async (_, request) => {
    const { status, body } = await download(request);

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_ID');
  });

  it.each([
    ['an unknown disposition', { id: OBJECT_ID, disposition: 'download' }],
    ['a negative lifetime', { id: OBJECT_ID, expiresIn: -5 }],
    ['a key field', { id: OBJECT_ID, key: aKey() }],
  ])('refuses %s with 400 INVALID_REQUEST', async (_, request) => {
    const { status, body } = await download(request);

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REQUEST');
  });

  it('answers 503 STORAGE_UNAVAILABLE when the file table fails, showing nothing of it', async () => {
    const { handler, dependencies } = handlerWith([]);
    jest.spyOn(dependencies.records, 'own').mockRejectedValue(new ApiError('STORAGE_UNAVAILABLE', 'File storage is unavailable.'));

    const answer = answerOf(await handler(anApiEvent({ routeKey: 'POST /downloads', body: { id: OBJECT_ID } }), aContext));

    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'STORAGE_UNAVAILABLE', requestId: 'req-123' } } });
  });
});

describe('GET /files/{id}', () => {
  it('answers the caller’s own record without what never leaves the server', async () => {
    const { handler } = handlerWith([aRecord({ uploadId: 'secret-upload-id', checksumSha256: 'x', sequencer: '0A' })]);

    const answer = answerOf(await handler(anApiEvent({ routeKey: 'GET /files/{id}', pathParameters: { id: OBJECT_ID } }), aContext));

    expect(answer.body).toEqual({
      id: OBJECT_ID,
      key: aRecord().key,
      name: 'Férias (2026).jpg',
      size: 5000,
      contentType: 'image/jpeg',
      status: 'available',
      createdAt: '2026-11-23T09:00:00.000Z',
    });
  });

  it('answers 404 for another user’s record and 400 INVALID_ID for a malformed id', async () => {
    const { handler } = handlerWith([aRecord({ owner: BOB })]);
    const get = async (id: string) =>
      answerOf(await handler(anApiEvent({ routeKey: 'GET /files/{id}', pathParameters: { id } }), aContext)).status;

    expect(await get(OBJECT_ID)).toBe(404);
    expect(await get('nope')).toBe(400);
  });
});

describe('GET /files', () => {
  it('lists only the caller’s files, newest first, with their status', async () => {
    const { handler } = handlerWith([
      aRecord({ id: 'A'.repeat(22), createdAt: '2026-11-20T00:00:00.000Z' }),
      aRecord({ id: 'B'.repeat(22), createdAt: '2026-11-21T00:00:00.000Z', status: 'pending' }),
      aRecord({ id: 'C'.repeat(22), owner: BOB }),
    ]);

    const answer = answerOf(await handler(anApiEvent({ routeKey: 'GET /files', query: { limit: '10' } }), aContext));

    expect(answer.status).toBe(200);
    expect(answer.body.files.map((file: { id: string; status: string }) => `${file.id[0]} ${file.status}`)).toEqual([
      'B pending',
      'A available',
    ]);
  });

  it.each([['0'], ['1001'], ['ten'], ['-1']])('refuses limit=%s with 400', async (limit) => {
    const { handler } = handlerWith([]);

    const { status, body } = answerOf(await handler(anApiEvent({ routeKey: 'GET /files', query: { limit } }), aContext));

    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^limit: /);
  });

  it('refuses an unknown status filter with 400', async () => {
    const { handler } = handlerWith([]);

    const { status, body } = answerOf(await handler(anApiEvent({ routeKey: 'GET /files', query: { status: 'deleted' } }), aContext));

    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^status: /);
  });

  it('needs no role session: listing reads the table only', async () => {
    const { handler } = handlerWith([aRecord()]);

    await handler(anApiEvent({ routeKey: 'GET /files' }), aContext);

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});

describe('when STS fails', () => {
  it.each(stsFailures())('POST /downloads answers 503 SIGNING_UNAVAILABLE when STS %s, showing nothing of it', async (_, failure) => {
    sts.on(AssumeRoleCommand).rejects(failure);

    const answer = await download({ id: OBJECT_ID });

    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: { code: 'SIGNING_UNAVAILABLE', message: expect.any(String), requestId: 'req-123' } });
    expect(JSON.stringify(answer.body)).not.toMatch(LEAKED_DETAIL);
  });
});

describe('downloads metrics', () => {
  const service = 'test-file-service';

  it('counts a download URL issued, with the STS call', async () => {
    await download({ id: OBJECT_ID });

    expect(output.emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'UrlsIssued', unit: 'Count', value: 1, dimensions: { service } }),
        expect.objectContaining({ metric: 'UrlsIssued', unit: 'Count', value: 1, dimensions: { service, operation: 'download' } }),
        expect.objectContaining({ metric: 'StsCalls', value: 1, dimensions: { service } }),
      ]),
    );
    expect(metricNamesOf(output.emf.datapoints())).toEqual(['StsCalls', 'StsLatency', 'UrlsIssued']);
  });

  it.each([
    ['a foreign id', 'NOT_FOUND', [aRecord({ owner: BOB })]],
    ['a pending file', 'PENDING', [aRecord({ status: 'pending' })]],
    ['a rejected file', 'REJECTED', [aRecord({ status: 'rejected' })]],
  ])('counts the refusal of %s by its code, and no URL issued', async (_, code, records) => {
    await download({ id: OBJECT_ID }, { records });

    expect(output.emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'Refusals', value: 1, dimensions: { service } }),
        expect.objectContaining({ metric: 'Refusals', value: 1, dimensions: { service, code } }),
      ]),
    );
    expect(metricNamesOf(output.emf.datapoints())).not.toContain('UrlsIssued');
  });

  it('never puts the user id, a file id or a key in a metric or a dimension', async () => {
    await download({ id: OBJECT_ID });
    await download({ id: OBJECT_ID }, { records: [aRecord({ owner: BOB })] });

    const written = JSON.stringify([output.emf.datapoints(), output.emf.lines().map(({ _aws }) => _aws)]);
    expect(output.emf.datapoints().length).toBeGreaterThan(0);
    for (const secret of [ALICE, BOB, OBJECT_ID, aRecord().key, 'Ferias']) expect(written).not.toContain(secret);
  });
});
