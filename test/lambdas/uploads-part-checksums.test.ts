/**
 * Per-part SHA-256: a multipart upload started with `partChecksums` is created with S3's SHA256
 * (composite) checksum, each part URL signs its part's `x-amz-checksum-sha256`, and completion
 * hands S3 every part's checksum. Uploads without checksums are unchanged (uploads-multipart.test.ts).
 */
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, ListPartsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createUploadsHandler } from '../../lambdas/uploads';
import type { StoredRecord } from '../../lambdas/shared/records';
import { ALICE, OBJECT_ID, aContext, anApiEvent, anUploadRequest, answerOf, stsCredentials, testDependencies } from '../builders';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
let logs: jest.SpyInstance;

const MiB = 1024 ** 2;
const UPLOAD_ID = 'VXBsb2FkIElEIGZvciBlbHZpbmc.ncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA';
const SHA_A = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
const SHA_B = 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=';
const checksummedRecord = (overrides: Partial<StoredRecord> = {}): StoredRecord => ({
  id: OBJECT_ID,
  owner: ALICE,
  key: `users/${ALICE}/${OBJECT_ID}/film.mp4`,
  name: 'film.mp4',
  size: 16 * MiB,
  contentType: 'video/mp4',
  createdAt: '2026-11-23T09:00:00.000Z',
  status: 'pending',
  storedStatus: 'pending',
  uploadId: UPLOAD_ID,
  partChecksums: true,
  ...overrides,
});

beforeEach(() => {
  sts.reset();
  s3.reset();
  sts.on(AssumeRoleCommand).resolves(stsCredentials());
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: UPLOAD_ID });
  s3.on(ListPartsCommand).resolves({ Parts: [] });
  s3.on(CompleteMultipartUploadCommand).resolves({});
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logs.mockRestore());

async function call(routeKey: string, body: unknown, record: StoredRecord | null = checksummedRecord()) {
  const dependencies = testDependencies();
  if (record) dependencies.records.records.set(record.id, record);
  const handler = createUploadsHandler(dependencies);
  const pathParameters = routeKey.includes('{id}') ? { id: OBJECT_ID } : undefined;
  return { ...answerOf(await handler(anApiEvent({ routeKey, body, pathParameters }), aContext)), dependencies };
}

describe('POST /uploads with partChecksums', () => {
  it('starts a SHA256 composite multipart upload above the threshold, signing no part before its checksum is known', async () => {
    const { status, body, dependencies } = await call(
      'POST /uploads',
      anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 200 * MiB, partChecksums: true }),
      null,
    );

    expect(status).toBe(200);
    expect(body).toMatchObject({ partSize: 8 * MiB, partCount: 25, parts: [] });
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(0);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      ChecksumAlgorithm: 'SHA256',
      ChecksumType: 'COMPOSITE',
    });
    expect(dependencies.records.records.get(body.id)).toMatchObject({ partChecksums: true, uploadId: UPLOAD_ID });
  });

  it('goes in parts above the threshold even with a whole-file checksum, rather than one PUT of up to 5 GiB', async () => {
    const { body } = await call(
      'POST /uploads',
      anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 200 * MiB, checksumSha256: SHA_A, partChecksums: true }),
      null,
    );

    expect(body.method).toBeUndefined();
    expect(body.partCount).toBe(25);
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(1);
  });

  it('keeps a small file with its whole-file checksum in one PUT that signs it', async () => {
    const { body } = await call(
      'POST /uploads',
      anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 3 * MiB, checksumSha256: SHA_A, partChecksums: true }),
      null,
    );

    expect(body.method).toBe('PUT');
    expect(body.headers['x-amz-checksum-sha256']).toBe(SHA_A);
    expect(new URL(body.url).searchParams.get('X-Amz-SignedHeaders')).toContain('x-amz-checksum-sha256');
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('creates a multipart upload without a checksum algorithm when none is asked for', async () => {
    await call('POST /uploads', anUploadRequest({ filename: 'a.mp4', contentType: 'video/mp4', size: 200 * MiB }), null);

    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input.ChecksumAlgorithm).toBeUndefined();
  });
});

describe('POST /uploads/{id}/parts with checksums', () => {
  it('signs each part’s SHA-256 into its URL, so S3 refuses a part with other bytes', async () => {
    const { status, body } = await call('POST /uploads/{id}/parts', { partNumbers: [2, 1], checksumsSha256: [SHA_B, SHA_A] });

    expect(status).toBe(200);
    const [second, first] = body.parts;
    expect(first).toMatchObject({ partNumber: 1, headers: { 'content-length': String(8 * MiB), 'x-amz-checksum-sha256': SHA_A } });
    expect(second.headers['x-amz-checksum-sha256']).toBe(SHA_B);
    expect(new URL(first.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host;x-amz-checksum-sha256');
  });

  it('refuses part numbers without one checksum each with 400 INVALID_PARTS, signing nothing', async () => {
    const none = await call('POST /uploads/{id}/parts', { partNumbers: [1, 2] });
    const short = await call('POST /uploads/{id}/parts', { partNumbers: [1, 2], checksumsSha256: [SHA_A] });

    for (const { status, body } of [none, short]) {
      expect(status).toBe(400);
      expect(body.error.code).toBe('INVALID_PARTS');
    }
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('refuses checksums for an upload started without partChecksums with 400, since S3 would refuse its parts', async () => {
    const { status, body } = await call(
      'POST /uploads/{id}/parts',
      { partNumbers: [1], checksumsSha256: [SHA_A] },
      checksummedRecord({ partChecksums: undefined }),
    );

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_PARTS');
  });

  it('refuses a malformed checksum with 400 INVALID_REQUEST', async () => {
    const { status, body } = await call('POST /uploads/{id}/parts', { partNumbers: [1], checksumsSha256: ['not base64'] });

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REQUEST');
  });
});

describe('POST /uploads/{id}/complete with checksums', () => {
  const parts = [
    { partNumber: 2, etag: '"etag2"', checksumSha256: SHA_B },
    { partNumber: 1, etag: 'etag1', checksumSha256: SHA_A },
  ];

  it('hands S3 every part’s checksum with its ETag, in order', async () => {
    const { status } = await call('POST /uploads/{id}/complete', { parts });

    expect(status).toBe(200);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts).toEqual([
      { PartNumber: 1, ETag: '"etag1"', ChecksumSHA256: SHA_A },
      { PartNumber: 2, ETag: '"etag2"', ChecksumSHA256: SHA_B },
    ]);
  });

  it('refuses a part without its checksum with 400 INVALID_PARTS before asking S3', async () => {
    const { status, body } = await call('POST /uploads/{id}/complete', { parts: [parts[0], { partNumber: 1, etag: 'etag1' }] });

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_PARTS');
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('passes no checksums to S3 for an upload started without them', async () => {
    await call('POST /uploads/{id}/complete', { parts }, checksummedRecord({ partChecksums: undefined }));

    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts).toEqual([
      { PartNumber: 1, ETag: '"etag1"' },
      { PartNumber: 2, ETag: '"etag2"' },
    ]);
  });
});
