import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createUploadsHandler } from '../../lambdas/uploads';
import type { FileServiceSettingsInput } from '../../lambdas/shared/settings';
import { ALICE, BOB, aContext, anApiEvent, anUploadRequest, answerOf, lambdaContext, stsCredentials, testDependencies } from '../builders';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
let logs: jest.SpyInstance;

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const UPLOAD_ID = 'VXBsb2FkIElEIGZvciBlbHZpbmc.ncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA';
const multipartKey = (owner = ALICE, size = 100 * MiB + 1) => `users/${owner}/0f8fad5b-d9cb-469f-a165-70867728950e.${size}/film.mp4`;
const s3Error = (name: string, status = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

beforeEach(() => {
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
afterEach(() => logs.mockRestore());

async function call(routeKey: string, body: unknown, options: { sub?: string; settings?: FileServiceSettingsInput } = {}) {
  const handler = createUploadsHandler(testDependencies({ settings: options.settings }));
  return answerOf(await handler(anApiEvent({ routeKey, body, sub: options.sub }), aContext));
}

const signedLength = (url: string) => new URL(url).searchParams.get('X-Amz-SignedHeaders');

describe('POST /uploads above the multipart threshold', () => {
  it('starts a multipart upload under the caller’s prefix, binding the declared size into the key', async () => {
    const { status, body } = await call(
      'POST /uploads',
      anUploadRequest({ filename: 'Film (4K).mp4', contentType: 'video/mp4', size: 100 * MiB + 1 }),
    );

    expect(status).toBe(200);
    expect(body).toMatchObject({ uploadId: UPLOAD_ID, partSize: 8 * MiB, partCount: 13 });
    expect(body.key).toMatch(new RegExp(`^users/${ALICE}/[0-9a-f-]{36}\\.104857601/Film-4K\\.mp4$`));
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'test-files',
      Key: body.key,
      ContentType: 'video/mp4',
      Metadata: { filename: 'Film%20%284K%29.mp4' },
    });
  });

  it('signs every first-batch part URL with its exact length, the last one shorter', async () => {
    const { body } = await call('POST /uploads', anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 100 * MiB + 1 }));

    expect(body.parts).toHaveLength(13);
    expect(body.parts.map((part: { headers: Record<string, string> }) => part.headers['content-length'])).toEqual([
      ...Array(12).fill(String(8 * MiB)),
      String(100 * MiB + 1 - 12 * 8 * MiB),
    ]);
    const last = new URL(body.parts[12].url);
    expect(Object.fromEntries(last.searchParams)).toMatchObject({
      partNumber: '13',
      uploadId: UPLOAD_ID,
      'X-Amz-SignedHeaders': 'content-length;host',
    });
    expect(last.pathname).toBe(`/${body.key}`);
  });

  it('answers at most 100 part URLs at once, so the JSON stays small', async () => {
    const { body } = await call('POST /uploads', anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 5 * GiB }));

    expect(body.partCount).toBe(640);
    expect(body.parts.map((part: { partNumber: number }) => part.partNumber)).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
  });

  it('refuses 5 TiB under the default 5 GiB limit with 413, and plans it when allowed', async () => {
    const refused = await call('POST /uploads', anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 5 * 1024 ** 4 }));
    const allowed = await call('POST /uploads', anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 5 * 1024 ** 4 }), {
      settings: { maxUploadBytes: 5 * 1024 ** 4 },
    });

    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('FILE_TOO_LARGE');
    expect(allowed.body).toMatchObject({ partCount: 9987, partSize: 525 * MiB });
  });

  it('keeps a checksummed file in one PUT, where S3 can verify the whole object', async () => {
    const checksumSha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';

    const { body } = await call(
      'POST /uploads',
      anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 200 * MiB, checksumSha256 }),
    );

    expect(body.method).toBe('PUT');
    expect(body.headers['x-amz-checksum-sha256']).toBe(checksumSha256);
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('answers 503 when S3 cannot start the upload', async () => {
    s3.on(CreateMultipartUploadCommand).rejects(s3Error('InternalError', 500));

    const { status, body } = await call('POST /uploads', anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 200 * MiB }));

    expect(status).toBe(503);
    expect(body.error.code).toBe('STORAGE_UNAVAILABLE');
  });
});

describe('POST /uploads/parts', () => {
  it('checks the upload exists for the key, then signs the requested parts', async () => {
    const { status, body } = await call('POST /uploads/parts', { key: multipartKey(), uploadId: UPLOAD_ID, partNumbers: [13, 2] });

    expect(status).toBe(200);
    expect(s3.commandCalls(ListPartsCommand)[0]?.args[0].input).toMatchObject({ Key: multipartKey(), UploadId: UPLOAD_ID });
    expect(
      body.parts.map((part: { partNumber: number; headers: Record<string, string> }) => [part.partNumber, part.headers['content-length']]),
    ).toEqual([
      [13, String(100 * MiB + 1 - 12 * 8 * MiB)],
      [2, String(8 * MiB)],
    ]);
    expect(signedLength(body.parts[0].url)).toBe('content-length;host');
  });

  it.each([
    ['a part number beyond the plan', { partNumbers: [14] }, 'INVALID_PARTS'],
    ['part number 0', { partNumbers: [0] }, 'INVALID_REQUEST'],
    ['more than 100 parts', { partNumbers: Array.from({ length: 101 }, (_, index) => index + 1) }, 'INVALID_REQUEST'],
    ['a repeated part', { partNumbers: [1, 1] }, 'INVALID_REQUEST'],
    ['no parts', { partNumbers: [] }, 'INVALID_REQUEST'],
    ['an upload id with a space', { uploadId: 'a b' }, 'INVALID_REQUEST'],
  ])('refuses %s with 400', async (_, override, code) => {
    const { status, body } = await call('POST /uploads/parts', { key: multipartKey(), uploadId: UPLOAD_ID, partNumbers: [1], ...override });

    expect(status).toBe(400);
    expect(body.error.code).toBe(code);
    expect(s3.commandCalls(ListPartsCommand)).toHaveLength(0);
  });

  it('refuses another user’s upload with 403 before asking S3', async () => {
    const { status, body } = await call('POST /uploads/parts', { key: multipartKey(BOB), uploadId: UPLOAD_ID, partNumbers: [1] });

    expect(status).toBe(403);
    expect(body.error.code).toBe('FORBIDDEN_KEY');
    expect(s3.calls()).toHaveLength(0);
  });

  it.each([
    ['S3 knows no such upload for the key', () => s3.on(ListPartsCommand).rejects(s3Error('NoSuchUpload', 404)), multipartKey()],
    ['the key is a single PUT’s', () => undefined, `users/${ALICE}/0f8fad5b-d9cb-469f-a165-70867728950e/film.mp4`],
  ])('answers 404 when %s', async (_, arrange, key) => {
    arrange();

    const { status, body } = await call('POST /uploads/parts', { key, uploadId: UPLOAD_ID, partNumbers: [1] });

    expect(status).toBe(404);
    expect(body.error.code).toBe('NOT_FOUND');
  });
});

describe('POST /uploads/complete', () => {
  const allParts = (count = 13) =>
    Array.from({ length: count }, (_, index) => ({ partNumber: count - index, etag: `"etag${count - index}"` }));

  it('completes with every part in order, the declared size, and no overwrite; answers key and size', async () => {
    const { status, body } = await call('POST /uploads/complete', { key: multipartKey(), uploadId: UPLOAD_ID, parts: allParts() });

    expect(status).toBe(200);
    expect(body).toEqual({ key: multipartKey(), size: 100 * MiB + 1 });
    const input = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Key: multipartKey(), UploadId: UPLOAD_ID, MpuObjectSize: 100 * MiB + 1, IfNoneMatch: '*' });
    expect(input?.MultipartUpload?.Parts?.map((part) => part.PartNumber)).toEqual(Array.from({ length: 13 }, (_, index) => index + 1));
  });

  it('accepts ETags with or without their quotes', async () => {
    await call('POST /uploads/complete', {
      key: multipartKey(),
      uploadId: UPLOAD_ID,
      parts: allParts().map((part) => ({ ...part, etag: part.etag.replace(/"/g, '') })),
    });

    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts?.[0]?.ETag).toBe('"etag1"');
  });

  it.each([
    ['a missing part', allParts().slice(1), /missing 13/],
    ['a repeated part', [...allParts(), { partNumber: 1, etag: '"x"' }], /each part once/],
    ['a part beyond the plan', [...allParts(), { partNumber: 14, etag: '"x"' }], /all 13 parts/],
  ])('refuses %s with 400 and the reason', async (_, parts, reason) => {
    const { status, body } = await call('POST /uploads/complete', { key: multipartKey(), uploadId: UPLOAD_ID, parts });

    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'INVALID_PARTS', message: expect.stringMatching(reason) });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it.each([
    ['InvalidPart', 400, 'INVALID_PARTS'],
    ['EntityTooSmall', 400, 'INVALID_PARTS'],
    ['InvalidRequest', 400, 'INVALID_PARTS'],
    ['NoSuchUpload', 404, 'NOT_FOUND'],
    ['PreconditionFailed', 409, 'ALREADY_EXISTS'],
    ['InternalError', 503, 'STORAGE_UNAVAILABLE'],
  ])('maps S3’s %s to %i %s', async (s3Code, status, code) => {
    s3.on(CompleteMultipartUploadCommand).rejects(s3Error(s3Code, s3Code === 'InternalError' ? 500 : 400));

    const answer = await call('POST /uploads/complete', { key: multipartKey(), uploadId: UPLOAD_ID, parts: allParts() });

    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });

  it('completes in a single attempt: a retry of a completion S3 finished could only meet 412 or NoSuchUpload', async () => {
    await call('POST /uploads/complete', { key: multipartKey(), uploadId: UPLOAD_ID, parts: allParts() });

    const [completion] = s3.commandCalls(CompleteMultipartUploadCommand);
    expect(await (completion?.thisValue as S3Client).config.maxAttempts()).toBe(1);
  });

  it.each([
    ['412 PreconditionFailed (the object exists)', 'PreconditionFailed', 412],
    ['NoSuchUpload (the upload is gone)', 'NoSuchUpload', 404],
  ])('answers success when a retried completion meets %s and the object it made has the declared size', async (_, s3Code, httpStatus) => {
    // The first completion succeeded on S3's side, but its answer was lost (a timeout, a dropped connection).
    s3.on(CompleteMultipartUploadCommand).rejects(s3Error(s3Code, httpStatus));
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: multipartKey(), Size: 100 * MiB + 1 }] });

    const answer = await call('POST /uploads/complete', { key: multipartKey(), uploadId: UPLOAD_ID, parts: allParts() });

    expect(answer).toMatchObject({ status: 200, body: { key: multipartKey(), size: 100 * MiB + 1 } });
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({ Bucket: 'test-files', Prefix: multipartKey(), MaxKeys: 1 });
  });

  it.each([
    ['412 with an object of another size under the key', 'PreconditionFailed', 412, [{ Key: multipartKey(), Size: 5 }], 409],
    ['412 with only a longer key under the prefix', 'PreconditionFailed', 412, [{ Key: `${multipartKey()}x`, Size: 100 * MiB + 1 }], 409],
    ['NoSuchUpload with no object (the upload was aborted)', 'NoSuchUpload', 404, [], 404],
  ])('keeps the error for %s', async (_, s3Code, httpStatus, contents, status) => {
    s3.on(CompleteMultipartUploadCommand).rejects(s3Error(s3Code, httpStatus));
    s3.on(ListObjectsV2Command).resolves({ Contents: contents });

    const answer = await call('POST /uploads/complete', { key: multipartKey(), uploadId: UPLOAD_ID, parts: allParts() });

    expect(answer.status).toBe(status);
  });

  it('answers success for a completion slower than any other call may be, within the request’s deadline', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      s3.on(CompleteMultipartUploadCommand).callsFake(() => new Promise((resolve) => setTimeout(() => resolve({}), 20_000)));
      const handler = createUploadsHandler(testDependencies());
      const event = anApiEvent({
        routeKey: 'POST /uploads/complete',
        body: { key: multipartKey(), uploadId: UPLOAD_ID, parts: allParts() },
      });

      const answering = handler(event, lambdaContext(29_000));
      await jest.advanceTimersByTimeAsync(20_000);

      expect(answerOf(await answering).status).toBe(200);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses to complete another user’s upload with 403 before asking S3', async () => {
    const { status } = await call('POST /uploads/complete', { key: multipartKey(BOB), uploadId: UPLOAD_ID, parts: allParts() });

    expect(status).toBe(403);
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('POST /uploads/abort', () => {
  it('aborts the upload and answers 204 without a body', async () => {
    const { status, body } = await call('POST /uploads/abort', { key: multipartKey(), uploadId: UPLOAD_ID });

    expect(status).toBe(204);
    expect(body).toBeUndefined();
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'test-files',
      Key: multipartKey(),
      UploadId: UPLOAD_ID,
    });
  });

  it('refuses to abort another user’s upload with 403 before asking S3', async () => {
    const { status } = await call('POST /uploads/abort', { key: multipartKey(BOB), uploadId: UPLOAD_ID });

    expect(status).toBe(403);
    expect(s3.calls()).toHaveLength(0);
  });

  it('answers 404 for an upload S3 does not know', async () => {
    s3.on(AbortMultipartUploadCommand).rejects(s3Error('NoSuchUpload', 404));

    const { status } = await call('POST /uploads/abort', { key: multipartKey(), uploadId: UPLOAD_ID });

    expect(status).toBe(404);
  });
});
