import { randomUUID } from 'node:crypto';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ApiError } from '../../lambdas/shared/errors';
import { createUploadsHandler } from '../../lambdas/uploads';
import {
  ALICE,
  BOB,
  LEAKED_DETAIL,
  NOW,
  aContext,
  anApiEvent,
  anUploadRequest,
  answerOf,
  stsCredentials,
  stsFailures,
  testDependencies,
} from '../builders';
import { datapointsOf, metricNamesOf } from '../emf';
import { watchHandlerOutput } from '../handler-output';

const output = watchHandlerOutput();
const { sts } = output;

type UploadOptions = Parameters<typeof testDependencies>[0] & { sub?: string | null; rawBody?: string; body?: unknown };

async function upload(body: unknown, options: UploadOptions = {}) {
  const handler = createUploadsHandler(testDependencies(options));
  return answerOf(await handler(anApiEvent({ routeKey: 'POST /uploads', body, sub: options.sub, rawBody: options.rawBody }), aContext));
}

function signedHeadersOf(url: string): string[] {
  return (new URL(url).searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
}

describe('POST /uploads', () => {
  it('answers a presigned PUT whose signed headers are exactly the headers it returns, plus host', async () => {
    const { status, body } = await upload(anUploadRequest({ size: 2048 }));

    expect(status).toBe(200);
    expect(body.method).toBe('PUT');
    expect(body.headers).toEqual({
      'content-type': 'image/jpeg',
      'content-length': '2048',
      'if-none-match': '*',
      'x-amz-meta-filename': 'Holiday%20photo.jpg',
    });
    expect(signedHeadersOf(body.url).sort()).toEqual([...Object.keys(body.headers), 'host'].sort());
  });

  it('signs the checksum header when the client gives a SHA-256', async () => {
    const checksumSha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';

    const { body } = await upload(anUploadRequest({ checksumSha256 }));

    expect(body.headers['x-amz-checksum-sha256']).toBe(checksumSha256);
    expect(signedHeadersOf(body.url)).toContain('x-amz-checksum-sha256');
  });

  it('carries no SDK default checksum parameters that would break browser uploads', async () => {
    const { body } = await upload(anUploadRequest());

    const params = [...new URL(body.url).searchParams.keys()].map((name) => name.toLowerCase());
    expect(params).not.toContain('x-amz-checksum-crc32');
    expect(params).not.toContain('x-amz-sdk-checksum-algorithm');
  });

  it("makes a fresh id and a key under the caller's prefix with a safe name", async () => {
    const first = await upload(anUploadRequest({ filename: 'Résumé (final).JPG' }));
    const second = await upload(anUploadRequest({ filename: 'Résumé (final).JPG' }));

    expect(first.body).toMatchObject({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), status: 'pending' });
    expect(first.body.key).toBe(`users/${ALICE}/${first.body.id}/Resume-final.jpg`);
    expect(second.body.id).not.toBe(first.body.id);
    expect(new URL(first.body.url).pathname).toBe(`/${first.body.key}`);
  });

  it('writes a pending record with the declared name, size, type and checksum, expiring after the URL', async () => {
    const dependencies = testDependencies();
    const handler = createUploadsHandler(dependencies);
    const checksumSha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';

    const { body } = answerOf(
      await handler(anApiEvent({ routeKey: 'POST /uploads', body: anUploadRequest({ checksumSha256 }) }), aContext),
    );

    expect(dependencies.records.records.get(body.id)).toMatchObject({
      id: body.id,
      owner: ALICE,
      key: body.key,
      name: 'Holiday photo.jpg',
      size: 1234,
      contentType: 'image/jpeg',
      checksumSha256,
      status: 'pending',
      createdAt: new Date(NOW).toISOString(),
      urlExpiresAt: Date.parse(body.expiresAt),
    });
  });

  it('answers 503 STORAGE_UNAVAILABLE, and no URL, when the record cannot be written', async () => {
    const dependencies = testDependencies();
    jest
      .spyOn(dependencies.records, 'createPending')
      .mockRejectedValue(new ApiError('STORAGE_UNAVAILABLE', 'File storage is unavailable.'));

    const answer = answerOf(
      await createUploadsHandler(dependencies)(anApiEvent({ routeKey: 'POST /uploads', body: anUploadRequest() }), aContext),
    );

    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'STORAGE_UNAVAILABLE' } } });
    expect(JSON.stringify(answer.body)).not.toContain('X-Amz-Signature');
  });

  it('signs with a session of the uploader role tagged with the caller’s sub, whatever the body says', async () => {
    // Bob's id where the body may carry text (the filename), and the key Bob would get.
    const alice = await upload(anUploadRequest({ filename: `${BOB}.jpg` }), { sub: ALICE });
    const bob = await upload(anUploadRequest({ filename: `${ALICE}.jpg` }), { sub: BOB });

    expect([alice.status, bob.status]).toEqual([200, 200]);
    expect(alice.body.key).toMatch(new RegExp(`^users/${ALICE}/`));
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({
        RoleArn: 'arn:aws:iam::111122223333:role/test-signer',
        Tags: [{ Key: 'userId', Value: ALICE }],
        DurationSeconds: 3600,
      }),
      expect.objectContaining({ Tags: [{ Key: 'userId', Value: BOB }] }),
    ]);
  });

  it.each(['userId', 'sub', 'ownerId', 'key'])(
    'refuses a body naming whose upload it is (%s) with 400, before any role session',
    async (field) => {
      const { status, body } = await upload(anUploadRequest({ [field]: `users/${BOB}/x.jpg` }), { sub: ALICE });

      expect(status).toBe(400);
      expect(body.error.code).toBe('INVALID_REQUEST');
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    },
  );

  it('reuses a user’s role session while it outlives the URL, and assumes one per user', async () => {
    const handler = createUploadsHandler(testDependencies());

    for (const sub of [ALICE, ALICE, BOB, ALICE, BOB]) {
      await handler(anApiEvent({ body: anUploadRequest(), sub }), aContext);
    }

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('assumes the role again when the cached session would expire before the URL plus a margin', async () => {
    let now = NOW;
    const handler = createUploadsHandler(testDependencies({ now: () => now }));
    await handler(anApiEvent({ body: anUploadRequest() }), aContext);

    now = NOW + (3600 - 600 - 60) * 1000 - 1; // 600 s URL + 60 s margin still fit
    await handler(anApiEvent({ body: anUploadRequest() }), aContext);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    now += 2;
    sts.on(AssumeRoleCommand).resolves(stsCredentials(3600, now));
    await handler(anApiEvent({ body: anUploadRequest() }), aContext);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('reports the true expiry: the URL lifetime, or the credentials’ expiry when sooner', async () => {
    const normal = await upload(anUploadRequest());
    expect(normal.body.expiresAt).toBe(new Date(NOW + 600_000).toISOString());
    expect(new URL(normal.body.url).searchParams.get('X-Amz-Expires')).toBe('600');

    sts.on(AssumeRoleCommand).resolves(stsCredentials(300));
    const short = await upload(anUploadRequest());
    expect(short.body.expiresAt).toBe(new Date(NOW + 300_000).toISOString());
    expect(new URL(short.body.url).searchParams.get('X-Amz-Expires')).toBe('300');
    expect(output.emf.lines().map(({ expiresIn }) => expiresIn)).toEqual([600, 300]);
  });

  it('writes one audit record with who, what, until when, from where, and never the URL', async () => {
    const { body } = await upload(anUploadRequest());

    const lines = output.lines();
    const auditLines = lines.filter((line) => line.audit);
    expect(auditLines).toEqual([
      expect.objectContaining({
        operation: 'upload',
        userId: ALICE,
        fileId: body.id,
        // Until when: the line's timestamp plus the URL's X-Amz-Expires, in seconds.
        expiresIn: Number(new URL(body.url).searchParams.get('X-Amz-Expires')),
        sourceIp: '203.0.113.7',
        requestId: 'req-123',
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('X-Amz-Signature');
  });

  it('names the file by its id in the audit record, never by its key or its name: file names are user content', async () => {
    await upload(anUploadRequest({ filename: 'Medical record.pdf', contentType: 'application/pdf' }));

    const lines = output.lines();
    expect(lines.filter((line) => line.audit)).toEqual([expect.not.objectContaining({ key: expect.anything() })]);
    expect(JSON.stringify(lines)).not.toMatch(/Medical|users\//);
  });
});

describe('POST /uploads refuses bad input with a precise error', () => {
  it.each([
    ['a body that is not JSON', 400, 'INVALID_JSON', { rawBody: '{"filename":' }],
    ['no body at all', 400, 'INVALID_JSON', { rawBody: undefined, body: undefined }],
    ['a missing field', 400, 'INVALID_REQUEST', { body: anUploadRequest({ size: undefined }) }],
    ['a field of the wrong type', 400, 'INVALID_REQUEST', { body: anUploadRequest({ size: '12' }) }],
    ['an unknown field', 400, 'INVALID_REQUEST', { body: anUploadRequest({ owner: BOB }) }],
    ['a size of zero', 400, 'INVALID_REQUEST', { body: anUploadRequest({ size: 0 }) }],
    ['a fractional size', 400, 'INVALID_REQUEST', { body: anUploadRequest({ size: 1.5 }) }],
    ['a malformed checksum', 400, 'INVALID_REQUEST', { body: anUploadRequest({ checksumSha256: 'abc' }) }],
    ['an empty filename', 400, 'INVALID_FILENAME', { body: anUploadRequest({ filename: '  ' }) }],
    ['a filename over 255 characters', 400, 'INVALID_FILENAME', { body: anUploadRequest({ filename: `${'a'.repeat(252)}.jpg` }) }],
    ['a filename with a NUL', 400, 'INVALID_FILENAME', { body: anUploadRequest({ filename: 'a\u0000.jpg' }) }],
    ['a filename with a bidi override', 400, 'INVALID_FILENAME', { body: anUploadRequest({ filename: 'invoice\u202Egpj.exe' }) }],
    ['a path as filename', 400, 'INVALID_FILENAME', { body: anUploadRequest({ filename: '../../etc/passwd.jpg' }) }],
    ['a filename with a lone surrogate', 400, 'INVALID_FILENAME', { body: anUploadRequest({ filename: 'a\ud800.jpg' }) }],
    ['a filename too long for S3 metadata', 400, 'INVALID_FILENAME', { body: anUploadRequest({ filename: `${'報'.repeat(230)}.jpg` }) }],
    ['a type off the allow-list', 415, 'UNSUPPORTED_TYPE', { body: anUploadRequest({ contentType: 'text/html', filename: 'a.html' }) }],
    ['an extension that disagrees with the type', 415, 'TYPE_MISMATCH', { body: anUploadRequest({ filename: 'a.pdf' }) }],
    ['a file name without extension', 415, 'TYPE_MISMATCH', { body: anUploadRequest({ filename: 'photo' }) }],
    ['a size above the limit', 413, 'FILE_TOO_LARGE', { body: anUploadRequest({ size: 5 * 1024 ** 3 + 1 }) }],
    ['a body over 1 MiB', 413, 'BODY_TOO_LARGE', { rawBody: JSON.stringify(anUploadRequest({ filename: 'x'.repeat(1024 * 1024) })) }],
    ['a token without a sub', 401, 'UNAUTHORIZED', { body: anUploadRequest(), sub: null }],
    ['a sub that cannot be a key prefix', 401, 'UNAUTHORIZED', { body: anUploadRequest(), sub: '../bob' }],
  ])('%s → %i %s', async (_, status, code, request) => {
    const options: UploadOptions = request;
    const answer = await upload(options.body, options);

    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.error.message).toEqual(expect.any(String));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('names the field at fault', async () => {
    const { body } = await upload(anUploadRequest({ size: -1 }));

    expect(body.error.message).toMatch(/^size: /);
  });

  it('answers a route it does not know with 404', async () => {
    const handler = createUploadsHandler(testDependencies());

    const answer = answerOf(await handler(anApiEvent({ routeKey: 'DELETE /uploads', body: {} }), aContext));

    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers 503 without AWS details when STS fails, and tries again next time', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded arn:aws:iam::111122223333'), { name: 'Throttling' }))
      .resolves(stsCredentials());
    const handler = createUploadsHandler(testDependencies());

    const failed = answerOf(await handler(anApiEvent({ body: anUploadRequest() }), aContext));
    const retried = answerOf(await handler(anApiEvent({ body: anUploadRequest() }), aContext));

    expect(failed.status).toBe(503);
    expect(failed.body.error).toEqual({ code: 'SIGNING_UNAVAILABLE', message: expect.any(String), requestId: 'req-123' });
    expect(JSON.stringify(failed.body)).not.toMatch(/arn:aws|Rate exceeded|at .*\.ts/);
    expect(retried.status).toBe(200);
  });

  it('answers an unexpected failure with 500 and the request id, logging it but showing nothing', async () => {
    const handler = createUploadsHandler({
      ...testDependencies(),
      sessions: { sessionFor: () => Promise.reject(new TypeError('secret internal detail')) },
    });

    const answer = answerOf(await handler(anApiEvent({ body: anUploadRequest() }), aContext));

    expect(answer.status).toBe(500);
    expect(answer.body.error).toEqual({ code: 'INTERNAL', message: expect.any(String), requestId: 'req-123' });
    expect(JSON.stringify(answer.body)).not.toContain('secret internal detail');
    expect(output.logs.mock.calls.map(([line]) => String(line)).join('\n')).toContain('secret internal detail');
  });

  it('answers JSON with no-store caching', async () => {
    const handler = createUploadsHandler(testDependencies());

    const answer = answerOf(await handler(anApiEvent({ body: anUploadRequest() }), aContext));

    expect(answer.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  });
});

describe('POST /uploads when STS fails', () => {
  it.each(stsFailures())('answers 503 SIGNING_UNAVAILABLE when STS %s, showing nothing of it', async (_, failure) => {
    sts.on(AssumeRoleCommand).rejects(failure);

    const answer = await upload(anUploadRequest());

    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: { code: 'SIGNING_UNAVAILABLE', message: expect.any(String), requestId: 'req-123' } });
    expect(JSON.stringify(answer.body)).not.toMatch(LEAKED_DETAIL);
  });

  it('logs the cause for operators, without a stack trace', async () => {
    sts.on(AssumeRoleCommand).rejects(stsFailures()[0]?.[1]);

    await upload(anUploadRequest());

    const lines = output.logs.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', requestId: 'req-123', errorName: 'ApiError', causeName: 'Throttling' }),
    );
    expect(JSON.stringify(lines)).not.toMatch(/\bat .+:\d+:\d+|"stack"/);
  });
});

describe('POST /uploads metrics', () => {
  const service = 'test-file-service';

  it('counts the URL issued and the declared size, in total and by operation', async () => {
    await upload(anUploadRequest({ size: 2048 }));

    expect(output.emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'UrlsIssued', unit: 'Count', value: 1, dimensions: { service } }),
        expect.objectContaining({ metric: 'UrlsIssued', unit: 'Count', value: 1, dimensions: { service, operation: 'upload' } }),
        expect.objectContaining({ metric: 'UploadBytes', unit: 'Bytes', value: 2048, dimensions: { service } }),
        expect.objectContaining({ metric: 'UploadBytes', unit: 'Bytes', value: 2048, dimensions: { service, operation: 'upload' } }),
      ]),
    );
    expect([...new Set(output.emf.datapoints().map(({ namespace }) => namespace))]).toEqual(['SecureFileService']);
  });

  it('writes the content type as the allow-list entry, never the text the client sent, and as a property, never a dimension', async () => {
    await upload(anUploadRequest({ contentType: ' Image/JPEG ' }));

    expect(output.emf.lines()).toEqual([expect.objectContaining({ contentType: 'image/jpeg' })]);
    expect(output.emf.datapoints().flatMap(({ dimensions }) => Object.keys(dimensions))).not.toContain('contentType');
  });

  it('counts the STS call of a new role session and its latency, and no metric of the cache for the next request', async () => {
    const handler = createUploadsHandler(testDependencies());

    await handler(anApiEvent({ body: anUploadRequest() }), aContext);
    const first = output.emf.datapoints();
    output.emf.clear();
    await handler(anApiEvent({ body: anUploadRequest() }), aContext);
    const second = output.emf.datapoints();

    expect(first).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'StsCalls', value: 1, dimensions: { service } }),
        expect.objectContaining({ metric: 'StsLatency', unit: 'Milliseconds', value: expect.any(Number), dimensions: { service } }),
      ]),
    );
    // A hit is a URL issued without an STS call (the dashboard's UrlsIssued - StsCalls): nothing of its own in the line.
    expect(metricNamesOf(second)).toEqual(['UploadBytes', 'UrlsIssued']);
  });

  it('flushes the invocation’s metrics in one batch line, with the request id as a property and not a dimension', async () => {
    await upload(anUploadRequest());

    const batches = output.emf.lines().filter((line) => line.requestId !== undefined);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.requestId).toBe('req-123');
    expect(output.emf.lines().flatMap((line) => line._aws.CloudWatchMetrics.flatMap(({ Dimensions }) => Dimensions.flat()))).not.toContain(
      'requestId',
    );
  });

  it('counts a refused request by its error code, and no URL or upload', async () => {
    await upload(anUploadRequest({ contentType: 'text/html', filename: 'page.html' }));

    expect(output.emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'Refusals', unit: 'Count', value: 1, dimensions: { service } }),
        expect.objectContaining({ metric: 'Refusals', unit: 'Count', value: 1, dimensions: { service, code: 'UNSUPPORTED_TYPE' } }),
      ]),
    );
    expect(metricNamesOf(output.emf.datapoints())).toEqual(['Refusals']);
    expect(JSON.stringify(output.emf.lines())).not.toContain('text/html');
  });

  it('counts a 503 by its code, with the failed STS call and its latency', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await upload(anUploadRequest());

    expect(output.emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'Refusals', dimensions: { service, code: 'SIGNING_UNAVAILABLE' } }),
        expect.objectContaining({ metric: 'StsCalls', value: 1 }),
        expect.objectContaining({ metric: 'StsLatency', value: expect.any(Number) }),
      ]),
    );
    expect(metricNamesOf(output.emf.datapoints())).not.toContain('UrlsIssued');
  });

  it('never counts an unexpected failure as a refusal: the API 5xx metric counts faults', async () => {
    const handler = createUploadsHandler({
      ...testDependencies(),
      sessions: { sessionFor: () => Promise.reject(new TypeError('secret internal detail')) },
    });

    const response = await handler(anApiEvent({ body: anUploadRequest() }), aContext);

    expect(response.statusCode).toBe(500);
    expect(output.emf.lines().length).toBeGreaterThan(0);
    expect(output.emf.datapoints().filter(({ metric }) => metric === 'Refusals')).toEqual([]);
  });

  it('never puts the user id, the key or the file name in a metric or a dimension', async () => {
    const { body } = await upload(anUploadRequest({ filename: 'Medical record.pdf', contentType: 'application/pdf' }), { sub: ALICE });

    const written = JSON.stringify([output.emf.datapoints(), output.emf.lines().map(({ _aws }) => _aws)]);
    expect(output.emf.datapoints().length).toBeGreaterThan(0);
    for (const secret of [ALICE, body.key, 'Medical', 'record']) expect(written).not.toContain(secret);
  });

  it('writes one line for a single PUT in Lambda, with the audit record and every metric CloudWatch extracts from it, in at most 600 B', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'SecureFileService-FileServiceUploadsFunction';
    try {
      // As deployed, the storage quota is reserved first: the caller's plan (10 GiB by default) 37.5 % committed.
      const usage = { committedBytes: 0.375 * 10 * 1024 ** 3, reservedBytes: 0, fileCount: 1, pendingCount: 0, entries: {} };
      const ledger = {
        reserve: async () => usage,
        confirm: async () => true,
        release: async () => true,
        extend: async () => {},
        read: async () => usage,
      };
      const handler = createUploadsHandler({ ...testDependencies(), usage: ledger });
      await handler(anApiEvent({ body: anUploadRequest() }), aContext);
      output.emf.clear();
      output.logs.mockClear();

      // As Lambda's: API Gateway's request id (a REST API's is a UUID, an HTTP API's shorter) and a Cognito sub, both 36 B.
      const event = anApiEvent({ body: anUploadRequest() });
      const requestId = randomUUID();
      event.requestContext.requestId = requestId;
      const { id } = JSON.parse((await handler(event, aContext)).body ?? '{}') as { id: string };

      const [line, ...others] = output.emf.lines();
      expect(others).toEqual([]);
      expect(output.logs).not.toHaveBeenCalled();
      if (!line) throw new Error('no line written');
      // Measured with the deployed service name (the construct's path), as the bench does, and the newline (issue 18: ≤ 600 B).
      const stored = JSON.stringify({ ...line, service: 'SecureFileService/FileService' });
      expect(Buffer.byteLength(`${stored}\n`)).toBeLessThanOrEqual(600);
      expect(line).toMatchObject({ audit: true, operation: 'upload', userId: ALICE, fileId: id, sourceIp: '203.0.113.7', requestId });
      // Nothing twice: the log group names the function, `UploadBytes` is the size; the key's prefix is userId and fileId.
      for (const field of ['function', 'key', 'size', 'expiresAt']) expect(line).not.toHaveProperty(field);
      expect(line).toMatchObject({ expiresIn: 600 });
      expect(line).toMatchObject({ UploadBytes: anUploadRequest().size, contentType: 'image/jpeg', quotaUsedPercent: 37.5 });
      expect(line).not.toHaveProperty('level');
      // Every metric a single PUT documents, with each of its dimension sets, and no other, under one directive.
      expect(datapointsOf(line).map(({ metric, unit, value, dimensions }) => ({ metric, unit, value, dimensions }))).toEqual([
        { metric: 'UploadBytes', unit: 'Bytes', value: anUploadRequest().size, dimensions: { service } },
        { metric: 'UploadBytes', unit: 'Bytes', value: anUploadRequest().size, dimensions: { service, operation: 'upload' } },
        { metric: 'UrlsIssued', unit: 'Count', value: 1, dimensions: { service } },
        { metric: 'UrlsIssued', unit: 'Count', value: 1, dimensions: { service, operation: 'upload' } },
      ]);
      expect(line._aws.CloudWatchMetrics).toHaveLength(1);
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }
  });

  it('names the function in the line outside Lambda, where local mode prints every function’s lines in one stream', async () => {
    await upload(anUploadRequest());

    expect(output.emf.lines()).toEqual([expect.objectContaining({ audit: true, requestId: 'req-123', function: 'uploads' })]);
  });
});
