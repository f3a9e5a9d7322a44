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
import type { StoredRecord } from '../../lambdas/shared/records';
import type { FileServiceSettingsInput } from '../../lambdas/shared/settings';
import { ALICE, BOB, OBJECT_ID, aContext, anApiEvent, anUploadRequest, answerOf, stsCredentials, testDependencies } from '../builders';
import { captureMetrics } from '../emf';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
let logs: jest.SpyInstance;

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const UPLOAD_ID = 'VXBsb2FkIElEIGZvciBlbHZpbmc.ncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA';
const multipartKey = (owner = ALICE) => `users/${owner}/${OBJECT_ID}/film.mp4`;
/** The record `POST /uploads` wrote for a 100 MiB + 1 B multipart upload: where the key, upload id and size come from. */
const multipartRecord = (overrides: Partial<StoredRecord> = {}): StoredRecord => ({
  id: OBJECT_ID,
  owner: ALICE,
  key: multipartKey(overrides.owner),
  name: 'film.mp4',
  size: 100 * MiB + 1,
  contentType: 'video/mp4',
  createdAt: '2026-11-23T09:00:00.000Z',
  status: 'pending',
  storedStatus: 'pending',
  uploadId: UPLOAD_ID,
  ...overrides,
});
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

async function call(
  routeKey: string,
  body: unknown,
  options: { sub?: string; settings?: FileServiceSettingsInput; record?: StoredRecord | null; id?: string } = {},
) {
  const dependencies = testDependencies({ settings: options.settings });
  const record = options.record === undefined ? multipartRecord() : options.record;
  if (record) dependencies.records.records.set(record.id, record);
  const handler = createUploadsHandler(dependencies);
  const pathParameters = routeKey.includes('{id}') ? { id: options.id ?? OBJECT_ID } : undefined;
  return { ...answerOf(await handler(anApiEvent({ routeKey, body, sub: options.sub, pathParameters }), aContext)), dependencies };
}

const signedLength = (url: string) => new URL(url).searchParams.get('X-Amz-SignedHeaders');

describe('POST /uploads above the multipart threshold', () => {
  it('starts a multipart upload under the caller’s prefix and keeps its upload id in the record, never in the answer', async () => {
    const { status, body, dependencies } = await call(
      'POST /uploads',
      anUploadRequest({ filename: 'Film (4K).mp4', contentType: 'video/mp4', size: 100 * MiB + 1 }),
    );

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'pending', partSize: 8 * MiB, partCount: 13 });
    expect(body.key).toBe(`users/${ALICE}/${body.id}/Film-4K.mp4`);
    expect(JSON.stringify(body)).not.toContain(`"uploadId"`);
    expect(dependencies.records.records.get(body.id)).toMatchObject({ uploadId: UPLOAD_ID, size: 100 * MiB + 1, status: 'pending' });
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

  it('audits the multipart start and its re-signed parts by file id, never by key or file name', async () => {
    const emf = captureMetrics();
    try {
      const { body } = await call(
        'POST /uploads',
        anUploadRequest({ filename: 'Film (4K).mp4', contentType: 'video/mp4', size: 100 * MiB + 1 }),
      );
      await call('POST /uploads/{id}/parts', { partNumbers: [2] });

      expect(emf.lines().filter((line) => line.audit)).toEqual([
        expect.objectContaining({ action: 'upload-multipart', userId: ALICE, fileId: body.id, partCount: 13, expiresIn: 600 }),
        expect.objectContaining({ action: 'upload-parts', userId: ALICE, fileId: OBJECT_ID, partNumbers: [2], expiresIn: 600 }),
      ]);
      expect(JSON.stringify(emf.lines())).not.toMatch(/Film|film|users\//);
    } finally {
      emf.restore();
    }
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

describe('POST /uploads/{id}/parts', () => {
  it('checks the record’s upload exists, then signs the requested parts with the lengths the record’s size implies', async () => {
    const { status, body } = await call('POST /uploads/{id}/parts', { partNumbers: [13, 2] });

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
    ['an upload id from the client', { uploadId: UPLOAD_ID }, 'INVALID_REQUEST'],
    ['a key from the client', { key: multipartKey() }, 'INVALID_REQUEST'],
  ])('refuses %s with 400', async (_, override, code) => {
    const { status, body } = await call('POST /uploads/{id}/parts', { partNumbers: [1], ...override });

    expect(status).toBe(400);
    expect(body.error.code).toBe(code);
    expect(s3.commandCalls(ListPartsCommand)).toHaveLength(0);
  });

  it('answers 404 for another user’s upload before asking S3, so its existence is not revealed', async () => {
    const { status, body } = await call('POST /uploads/{id}/parts', { partNumbers: [1] }, { record: multipartRecord({ owner: BOB }) });

    expect(status).toBe(404);
    expect(body.error.code).toBe('NOT_FOUND');
    expect(s3.calls()).toHaveLength(0);
  });

  it('refuses a malformed id with 400 INVALID_ID before reading the body', async () => {
    const { status, body } = await call('POST /uploads/{id}/parts', { nonsense: true }, { id: '../x' });

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_ID');
  });

  it.each([
    ['S3 knows no such upload', () => s3.on(ListPartsCommand).rejects(s3Error('NoSuchUpload', 404)), multipartRecord()],
    ['the file is a single PUT’s', () => undefined, multipartRecord({ uploadId: undefined })],
    ['the file is verified already', () => undefined, multipartRecord({ status: 'available', storedStatus: 'available' })],
  ])('answers 404 when %s', async (_, arrange, record) => {
    arrange();

    const { status, body } = await call('POST /uploads/{id}/parts', { partNumbers: [1] }, { record });

    expect(status).toBe(404);
    expect(body.error.code).toBe('NOT_FOUND');
  });
});

describe('POST /uploads/{id}/complete', () => {
  const allParts = (count = 13) =>
    Array.from({ length: count }, (_, index) => ({ partNumber: count - index, etag: `"etag${count - index}"` }));

  it('completes with every part in order, the declared size, and no overwrite; answers the pending record', async () => {
    const { status, body } = await call('POST /uploads/{id}/complete', { parts: allParts() });

    expect(status).toBe(200);
    expect(body).toEqual({
      id: OBJECT_ID,
      key: multipartKey(),
      name: 'film.mp4',
      size: 100 * MiB + 1,
      contentType: 'video/mp4',
      status: 'pending',
      createdAt: '2026-11-23T09:00:00.000Z',
    });
    const input = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Key: multipartKey(), UploadId: UPLOAD_ID, MpuObjectSize: 100 * MiB + 1, IfNoneMatch: '*' });
    expect(input?.MultipartUpload?.Parts?.map((part) => part.PartNumber)).toEqual(Array.from({ length: 13 }, (_, index) => index + 1));
  });

  it('accepts ETags with or without their quotes', async () => {
    await call('POST /uploads/{id}/complete', { parts: allParts().map((part) => ({ ...part, etag: part.etag.replace(/"/g, '') })) });

    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts?.[0]?.ETag).toBe('"etag1"');
  });

  it.each([
    ['a missing part', allParts().slice(1), /missing 13/],
    ['a repeated part', [...allParts(), { partNumber: 1, etag: '"x"' }], /each part once/],
    ['a part beyond the plan', [...allParts(), { partNumber: 14, etag: '"x"' }], /all 13 parts/],
  ])('refuses %s with 400 and the reason', async (_, parts, reason) => {
    const { status, body } = await call('POST /uploads/{id}/complete', { parts });

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

    const answer = await call('POST /uploads/{id}/complete', { parts: allParts() });

    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });

  it('refuses to complete another user’s upload with 404 before asking S3', async () => {
    const { status } = await call('POST /uploads/{id}/complete', { parts: allParts() }, { record: multipartRecord({ owner: BOB }) });

    expect(status).toBe(404);
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('DELETE /uploads/{id}', () => {
  it('aborts the upload, removes its record and answers 204 without a body', async () => {
    const { status, body, dependencies } = await call('DELETE /uploads/{id}', undefined);

    expect(status).toBe(204);
    expect(body).toBeUndefined();
    expect(dependencies.records.records.has(OBJECT_ID)).toBe(false);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'test-files',
      Key: multipartKey(),
      UploadId: UPLOAD_ID,
    });
  });

  it('refuses to abort another user’s upload with 404 before asking S3', async () => {
    const { status } = await call('DELETE /uploads/{id}', undefined, { record: multipartRecord({ owner: BOB }) });

    expect(status).toBe(404);
    expect(s3.calls()).toHaveLength(0);
  });

  it('answers 404 for an upload S3 does not know', async () => {
    s3.on(AbortMultipartUploadCommand).rejects(s3Error('NoSuchUpload', 404));

    const { status } = await call('DELETE /uploads/{id}', undefined);

    expect(status).toBe(404);
  });
});

describe('GET /uploads/{id}', () => {
  it('answers the plan and the parts S3 holds, to resume after a reload', async () => {
    s3.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"etag1"', Size: 8 * MiB }], IsTruncated: false });

    const { status, body } = await call('GET /uploads/{id}', undefined);

    expect(status).toBe(200);
    expect(body).toEqual({
      id: OBJECT_ID,
      partSize: 8 * MiB,
      partCount: 13,
      uploadedParts: [{ partNumber: 1, etag: 'etag1', size: 8 * MiB }],
    });
    expect(s3.commandCalls(ListPartsCommand)[0]?.args[0].input).toMatchObject({ Key: multipartKey(), UploadId: UPLOAD_ID });
  });

  it('answers 404 for another user’s upload, asking S3 nothing', async () => {
    const { status } = await call('GET /uploads/{id}', undefined, { record: multipartRecord({ owner: BOB }) });

    expect(status).toBe(404);
    expect(s3.calls()).toHaveLength(0);
  });
});
