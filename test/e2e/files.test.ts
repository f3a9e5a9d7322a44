/**
 * End to end over real HTTP: local mode's API in front of the deployed handler modules, the
 * S3 emulator checking every signature, Cognito issuing the tokens.
 */
import { FileApiError } from '../../client';
import { captureMetrics, metricNamesOf } from '../emf';
import { mp4Bytes, patternedBytes, startTestLocalMode, textBytes, type TestLocalMode } from './local-mode';
import { jumpWallClock } from './wall-clock';

jest.setTimeout(30_000);

let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode();
});
afterAll(() => local?.stop());

/** Asks for an upload URL as Alice. */
async function uploadPlan(body: Record<string, unknown>) {
  const { status, body: plan } = await local.api('POST', '/uploads', { body });
  expect(status).toBe(200);
  return plan as { id: string; key: string; url: string; headers: Record<string, string> };
}

async function put(url: string, body: Uint8Array<ArrayBuffer>, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'PUT', body, headers });
  return { status: response.status, text: await response.text() };
}

describe('a file round trip', () => {
  const bytes = mp4Bytes(300_000);
  let id: string;

  beforeAll(async () => {
    ({ id } = await local.client('alice').upload(bytes, { filename: 'Été à Paris (1).mp4', contentType: 'video/mp4' }));
    await local.stack.events.idle();
  });

  it('is available once the verifier has read it', async () => {
    expect(await local.client('alice').get(id)).toMatchObject({ id, status: 'available', name: 'Été à Paris (1).mp4' });
  });

  it('downloads exactly the bytes uploaded', async () => {
    const { url, size, contentType } = await local.client('alice').getDownloadUrl(id);

    const downloaded = new Uint8Array(await (await fetch(url)).arrayBuffer());

    expect(size).toBe(bytes.length);
    expect(contentType).toBe('video/mp4');
    expect(Buffer.compare(downloaded, bytes)).toBe(0);
  });

  it('serves byte ranges, so video can seek', async () => {
    const { url } = await local.client('alice').getDownloadUrl(id, { disposition: 'inline' });

    const response = await fetch(url, { headers: { range: 'bytes=1000-1999' } });

    expect(response.status).toBe(206);
    expect(Buffer.compare(new Uint8Array(await response.arrayBuffer()), bytes.subarray(1000, 2000))).toBe(0);
  });

  it('names the download after the original file', async () => {
    const { url } = await local.client('alice').getDownloadUrl(id, { disposition: 'attachment' });

    const response = await fetch(url);

    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Ete-a-Paris-1.mp4"; filename*=UTF-8''%C3%89t%C3%A9%20%C3%A0%20Paris%20%281%29.mp4`,
    );
  });

  it('lists the file for its owner only', async () => {
    const alices = await local.client('alice').list();
    const bobs = await local.client('bob').list();

    expect(alices.files.map((file) => file.id)).toContain(id);
    expect(bobs.files.map((file) => file.id)).not.toContain(id);
  });

  it("answers Bob 404 for Alice's id, so its existence is not revealed", async () => {
    await expect(local.client('bob').getDownloadUrl(id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('listing page by page', () => {
  it('follows the cursor to the next page, and the last page has none', async () => {
    const bob = local.client('bob');
    const uploaded = [
      await bob.upload(patternedBytes(5), { filename: 'first.txt', contentType: 'text/plain' }),
      await bob.upload(patternedBytes(5), { filename: 'second.txt', contentType: 'text/plain' }),
    ];

    const first = await bob.list({ limit: 1 });
    const second = await bob.list({ limit: 1, cursor: first.nextCursor });

    expect(first.nextCursor).toEqual(expect.any(String));
    expect(second.nextCursor).toBeUndefined();
    expect([...first.files, ...second.files].map((file) => file.id).sort()).toEqual(uploaded.map((file) => file.id).sort());
  });
});

describe('the API refuses', () => {
  it.each([
    ['no token', null],
    ['a token that is not a JWT', 'not-a-token'],
    ['a token with a forged signature', 'forged'],
  ])('a request with %s: 401 like API Gateway', async (_, token) => {
    const forged = token === 'forged' ? `${(await local.token('alice')).slice(0, -10)}AAAAAAAAAA` : token;

    const { status, body } = await local.api('POST', '/uploads', {
      token: forged,
      body: { filename: 'a.jpg', contentType: 'image/jpeg', size: 1 },
    });

    expect(status).toBe(401);
    expect(body).toEqual({ message: 'Unauthorized' });
  });

  it.each([
    ['a forbidden type', { filename: 'page.html', contentType: 'text/html', size: 10 }, 415, 'UNSUPPORTED_TYPE'],
    ['a file too large', { filename: 'big.mp4', contentType: 'video/mp4', size: 6 * 1024 ** 3 }, 413, 'FILE_TOO_LARGE'],
    ['a type that disagrees with the name', { filename: 'a.png', contentType: 'image/jpeg', size: 10 }, 415, 'TYPE_MISMATCH'],
  ])('%s', async (_, body, status, code) => {
    const answer = await local.api('POST', '/uploads', { body });

    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });

  it('malformed JSON with 400', async () => {
    const answer = await local.api('POST', '/uploads', { rawBody: '{"filename": "a.jpg",' });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_JSON');
  });

  it('an unknown route with 404', async () => {
    const answer = await local.api('DELETE', '/files');

    expect(answer.status).toBe(404);
  });

  it('surfaces as a typed FileApiError in the client', async () => {
    const upload = local.client('alice').upload(new Uint8Array(3), { filename: 'a.exe', contentType: 'application/x-msdownload' });

    await expect(upload).rejects.toBeInstanceOf(FileApiError);
    await expect(upload).rejects.toMatchObject({ status: 415, code: 'UNSUPPORTED_TYPE' });
  });
});

describe('S3 (the emulator) refuses a presigned URL used differently than signed', () => {
  const bytes = textBytes(1000);

  it('accepts it used exactly as signed', async () => {
    const plan = await uploadPlan({ filename: 'ok.txt', contentType: 'text/plain', size: bytes.length });

    expect((await put(plan.url, bytes, plan.headers)).status).toBe(200);
  });

  it('refuses a tampered signature', async () => {
    const plan = await uploadPlan({ filename: 'a.txt', contentType: 'text/plain', size: bytes.length });
    const tampered = plan.url.replace(/X-Amz-Signature=([0-9a-f])/, (_, first) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`);

    const answer = await put(tampered, bytes, plan.headers);

    expect(answer.status).toBe(403);
    expect(answer.text).toContain('SignatureDoesNotMatch');
  });

  it('refuses a key changed in the URL', async () => {
    const plan = await uploadPlan({ filename: 'a.txt', contentType: 'text/plain', size: bytes.length });

    expect((await put(plan.url.replace('/a.txt?', '/b.txt?'), bytes, plan.headers)).status).toBe(403);
  });

  it('refuses another content type', async () => {
    const plan = await uploadPlan({ filename: 'a.txt', contentType: 'text/plain', size: bytes.length });

    expect((await put(plan.url, bytes, { ...plan.headers, 'content-type': 'text/html' })).status).toBe(403);
  });

  it('refuses another size', async () => {
    const plan = await uploadPlan({ filename: 'a.txt', contentType: 'text/plain', size: bytes.length });

    expect(
      (await put(plan.url, patternedBytes(bytes.length + 1), { ...plan.headers, 'content-length': String(bytes.length + 1) })).status,
    ).toBe(403);
  });

  it('refuses the PUT without a signed header', async () => {
    const plan = await uploadPlan({ filename: 'a.txt', contentType: 'text/plain', size: bytes.length });
    const { 'if-none-match': _, ...withoutCondition } = plan.headers;

    expect((await put(plan.url, bytes, withoutCondition)).status).toBe(403);
  });

  it('refuses a second PUT through the same URL: an upload URL never overwrites', async () => {
    const plan = await uploadPlan({ filename: 'once.txt', contentType: 'text/plain', size: bytes.length });
    await put(plan.url, bytes, plan.headers);

    const again = await put(plan.url, patternedBytes(bytes.length, 99), plan.headers);

    expect(again.status).toBe(412);
  });

  it('refuses bytes that do not match the signed SHA-256, and keeps nothing', async () => {
    const checksumSha256 = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('base64');
    const plan = await uploadPlan({ filename: 'sum.txt', contentType: 'text/plain', size: bytes.length, checksumSha256 });

    const answer = await put(plan.url, patternedBytes(bytes.length, 99), plan.headers);

    expect(answer.status).toBe(400);
    expect(answer.text).toContain('BadDigest');
    await local.stack.events.idle();
    expect(await local.storedObjects()).not.toContainEqual(expect.stringContaining(plan.key));
    const download = await local.api('POST', '/downloads', { body: { id: plan.id } });
    expect(download).toMatchObject({ status: 409, body: { error: { code: 'PENDING' } } });
  });

  it('refuses an expired URL', async () => {
    const plan = await uploadPlan({ filename: 'soon.txt', contentType: 'text/plain', size: bytes.length });
    await put(plan.url, bytes, plan.headers);
    await local.stack.events.idle();
    const { url } = await local.client('alice').getDownloadUrl(plan.id, { expiresIn: 1 });

    jumpWallClock(2_000);
    const response = await fetch(url).finally(() => jest.useRealTimers());

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Request has expired');
  });
});

describe('CORS', () => {
  const origin = () => local.apiUrl.replace('127.0.0.1', 'localhost');

  it('lets the configured origins call the API, and no other', async () => {
    const preflight = (from: string) =>
      fetch(`${local.apiUrl}/uploads`, {
        method: 'OPTIONS',
        headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });

    expect((await preflight(origin())).headers.get('access-control-allow-origin')).toBe(origin());
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the page PUT to the bucket with the signed headers and read the ETag', async () => {
    const plan = await uploadPlan({ filename: 'cors.txt', contentType: 'text/plain', size: 3 });
    const preflight = await fetch(plan.url, {
      method: 'OPTIONS',
      headers: {
        origin: origin(),
        'access-control-request-method': 'PUT',
        'access-control-request-headers': Object.keys(plan.headers).join(','),
      },
    });
    const response = await fetch(plan.url, { method: 'PUT', body: 'abc', headers: { ...plan.headers, origin: origin() } });

    expect(preflight.status).toBe(200);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/etag/i);
  });
});

describe('metrics in local mode', () => {
  it('prints the same EMF lines for a local upload as Lambda would, and they parse', async () => {
    const metrics = captureMetrics();
    try {
      await local.client('alice').upload(patternedBytes(10), { filename: 'metrics.txt', contentType: 'text/plain' });
    } finally {
      metrics.restore();
    }

    expect(metricNamesOf(metrics.datapoints())).toEqual(expect.arrayContaining(['UploadBytes', 'UrlsIssued']));
    expect([...new Set(metrics.lines().map((line) => line._aws.CloudWatchMetrics[0]?.Namespace))]).toEqual(['SecureFileService']);
    expect([...new Set(metrics.lines().map((line) => line.service))]).toEqual(['SecureFileService/local']);
  });
});
