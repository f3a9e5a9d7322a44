/**
 * Per-part SHA-256 over real HTTP in local mode: each part URL signs its part's checksum, so
 * local S3 (like S3) refuses a part with other bytes; the client hashes each part from its own
 * slice and never reads the whole file.
 */
import { createHash } from 'node:crypto';
import { S3_EMULATOR_CREDENTIALS } from '../../local/s3-emulator';
import { mp4Bytes, startTestLocalMode, type TestLocalMode } from './local-mode';
import { headerSigned } from './s3-requests';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode({ multipartThresholdBytes: 5 * MiB });
});
afterAll(() => local?.stop());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

/** A file that refuses to be read whole, and records how many bytes each read of a slice took. */
class WholeReadRefusingBlob extends Blob {
  readonly reads: number[] = [];

  override arrayBuffer(): Promise<ArrayBuffer> {
    throw new Error('the whole file was read into memory');
  }

  override slice(start?: number, end?: number, contentType?: string): Blob {
    const reads = this.reads;
    const part = super.slice(start, end, contentType);
    return new (class extends Blob {
      override arrayBuffer(): Promise<ArrayBuffer> {
        reads.push(this.size);
        return super.arrayBuffer();
      }
    })([part]);
  }
}

describe('a multipart upload with per-part checksums', () => {
  it('is hashed part by part through the client, never whole, and completes with identical bytes', async () => {
    const bytes = mp4Bytes(17 * MiB + 5);
    const file = new WholeReadRefusingBlob([bytes]);

    const uploaded = await local.client('alice').upload(file, { filename: 'film.mp4', contentType: 'video/mp4', checksum: true });
    await local.stack.events.idle();
    const { url } = await local.client('alice').getDownloadUrl(uploaded.id);
    const downloaded = new Uint8Array(await (await fetch(url)).arrayBuffer());

    const head = await headerSigned(local, S3_EMULATOR_CREDENTIALS, {
      method: 'HEAD',
      key: uploaded.key,
      headers: { 'x-amz-checksum-mode': 'ENABLED' },
    });
    const partDigests = [0, 1, 2].map((index) =>
      createHash('sha256')
        .update(bytes.subarray(index * 8 * MiB, (index + 1) * 8 * MiB))
        .digest(),
    );
    const composite = `${createHash('sha256').update(Buffer.concat(partDigests)).digest('base64')}-3`;

    expect(file.reads).toEqual([8 * MiB, 8 * MiB, MiB + 5]);
    expect(head.headers.get('x-amz-checksum-sha256')).toBe(composite);
    expect(head.headers.get('x-amz-checksum-type')).toBe('COMPOSITE');
    expect(await local.client('alice').get(uploaded.id)).toMatchObject({ status: 'available' });
    expect(Buffer.compare(downloaded, bytes)).toBe(0);
    expect(local.pendingUploads()).toEqual([]);
  });

  it('has a part URL that local S3 refuses 400 BadDigest for other bytes, and accepts for the signed ones', async () => {
    const bytes = mp4Bytes(6 * MiB);
    const started = await local.api('POST', '/uploads', {
      body: { filename: 'film.mp4', contentType: 'video/mp4', size: bytes.length, partChecksums: true },
    });
    expect(started.body).toMatchObject({ partCount: 1, parts: [] });
    const signed = await local.api('POST', `/uploads/${started.body.id}/parts`, {
      body: { partNumbers: [1], checksumsSha256: [sha256(bytes)] },
    });
    const [part] = signed.body.parts as { url: string; headers: Record<string, string> }[];
    const tampered = Uint8Array.from(bytes);
    tampered[1234] = (tampered[1234] ?? 0) ^ 0xff;

    const refused = await fetch(part?.url ?? '', { method: 'PUT', headers: part?.headers, body: tampered });
    const accepted = await fetch(part?.url ?? '', { method: 'PUT', headers: part?.headers, body: bytes });
    const completed = await local.api('POST', `/uploads/${started.body.id}/complete`, {
      body: { parts: [{ partNumber: 1, etag: accepted.headers.get('etag'), checksumSha256: sha256(bytes) }] },
    });

    expect(part?.headers['x-amz-checksum-sha256']).toBe(sha256(bytes));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<Code>BadDigest</Code>');
    expect(accepted.status).toBe(200);
    expect(completed.status).toBe(200);
  });

  it('refuses a part sent without its signed checksum header: the signature covers it', async () => {
    const bytes = mp4Bytes(6 * MiB);
    const started = await local.api('POST', '/uploads', {
      body: { filename: 'film.mp4', contentType: 'video/mp4', size: bytes.length, partChecksums: true },
    });
    const signed = await local.api('POST', `/uploads/${started.body.id}/parts`, {
      body: { partNumbers: [1], checksumsSha256: [sha256(bytes)] },
    });
    const [part] = signed.body.parts as { url: string; headers: Record<string, string> }[];

    const answer = await fetch(part?.url ?? '', { method: 'PUT', headers: { 'content-length': String(bytes.length) }, body: bytes });

    expect(answer.status).toBe(403);
    await local.api('DELETE', `/uploads/${started.body.id}`);
  });

  it('refuses to complete with a part checksum other than the one S3 verified: 400 INVALID_PARTS, then completes with the right one', async () => {
    const bytes = mp4Bytes(6 * MiB);
    const started = await local.api('POST', '/uploads', {
      body: { filename: 'film.mp4', contentType: 'video/mp4', size: bytes.length, partChecksums: true },
    });
    const signed = await local.api('POST', `/uploads/${started.body.id}/parts`, {
      body: { partNumbers: [1], checksumsSha256: [sha256(bytes)] },
    });
    const [part] = signed.body.parts as { url: string; headers: Record<string, string> }[];
    const etag = (await fetch(part?.url ?? '', { method: 'PUT', headers: part?.headers, body: bytes })).headers.get('etag');
    const complete = (checksumSha256: string) =>
      local.api('POST', `/uploads/${started.body.id}/complete`, { body: { parts: [{ partNumber: 1, etag, checksumSha256 }] } });

    const refused = await complete(sha256(new Uint8Array([1, 2, 3])));
    const completed = await complete(sha256(bytes));

    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_PARTS');
    expect(completed.status).toBe(200);
  });

  it('resumes after a reload: the parts S3 holds are hashed again from their slices for completion, the others sent', async () => {
    const bytes = mp4Bytes(17 * MiB);
    const firstPart = bytes.subarray(0, 8 * MiB);
    const started = await local.api('POST', '/uploads', {
      body: { filename: 'film.mp4', contentType: 'video/mp4', size: bytes.length, partChecksums: true },
    });
    const signed = await local.api('POST', `/uploads/${started.body.id}/parts`, {
      body: { partNumbers: [1], checksumsSha256: [sha256(firstPart)] },
    });
    const [part] = signed.body.parts as { url: string; headers: Record<string, string> }[];
    expect((await fetch(part?.url ?? '', { method: 'PUT', headers: part?.headers, body: firstPart })).status).toBe(200);
    const file = new WholeReadRefusingBlob([bytes]);

    const uploaded = await local.client('alice').upload(file, {
      filename: 'film.mp4',
      contentType: 'video/mp4',
      checksum: true,
      resume: { id: started.body.id, name: 'film.mp4', size: bytes.length },
    });
    await local.stack.events.idle();

    expect(uploaded.id).toBe(started.body.id);
    expect([...file.reads].sort((a, b) => a - b)).toEqual([MiB, 8 * MiB, 8 * MiB]);
    expect(await local.client('alice').get(uploaded.id)).toMatchObject({ status: 'available' });
  });
});
