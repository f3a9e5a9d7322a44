/** The client's own logic (retries, re-signing, progress, abort, errors) against a scripted fake API and S3. */
import { cognitoTokenSource, createFileClient, FileApiError, sha256Base64, type UploadProgress } from '../../client';
import { aFileRecord, API, FILE_ID, fakeFetch, json, multipartPlan, partUrl, S3, s3Refusal, type Script } from './fake-api';

/** The id of the `count`th upload plan: 22 URL-safe characters, as the API makes them. */
const idOf = (count: number) => `${'A'.repeat(21)}${count}`;
/** `GET /files/{id}` answers the record of that id. */
const recordOf = (url: string) => {
  const id = /\/files\/([A-Za-z0-9_-]{22})$/.exec(url)?.[1];
  return id ? json(aFileRecord({ id })) : undefined;
};

const MiB = 1024 * 1024;
const bytes = (size: number) => new Uint8Array(size);

// The retries' full jitter drawn at zero: a retry here waits no real time.
beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(0));
afterEach(() => jest.restoreAllMocks());

function clientWith(script: Script, getToken: () => string = () => 'token', retries?: number) {
  const fake = fakeFetch(script);
  return { client: createFileClient({ apiUrl: `${API}/`, getToken, fetch: fake.fetch, retries }), requests: fake.requests };
}

const singlePut = {
  id: FILE_ID,
  key: `users/alice/${FILE_ID}/a.txt`,
  status: 'pending',
  method: 'PUT',
  url: `${S3}/a.txt?X-Amz-Signature=s`,
  headers: { 'content-type': 'text/plain', 'content-length': '3' },
  expiresAt: '',
};

const RECORD_PATH = `/files/${FILE_ID}`;
const UPLOAD_PATH = `/uploads/${FILE_ID}`;

/** Routes API requests by path; S3 requests fall through to 200 with an ETag. */
function api(routes: Record<string, (count: number, body: unknown) => Response>): Script {
  return (request, count) => {
    const path = request.url.startsWith(API) ? request.url.slice(API.length).split('?')[0] : undefined;
    return path && routes[path] ? routes[path](count, request.body) : undefined;
  };
}

describe('a single-PUT upload', () => {
  it('sends exactly the signed headers and reports progress by phase, 100 % only once S3 answered', async () => {
    const progress: UploadProgress[] = [];
    const { client, requests } = clientWith(api({ '/uploads': () => json(singlePut), [RECORD_PATH]: () => json(aFileRecord()) }));

    const uploaded = await client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain', onProgress: (p) => progress.push(p) });

    const put = requests.find((request) => request.method === 'PUT');
    expect(uploaded).toEqual(aFileRecord());
    expect(put?.headers).toEqual(singlePut.headers);
    expect(progress.at(0)).toEqual({ phase: 'preparing', loaded: 0, total: 3 });
    expect(progress.filter((p) => p.phase === 'uploading').every((p) => p.loaded < 3)).toBe(true);
    expect(progress.slice(-2)).toEqual([
      { phase: 'completing', loaded: 3, total: 3 },
      { phase: 'done', loaded: 3, total: 3 },
    ]);
  });

  it('asks the API with the bearer token from getToken, every time', async () => {
    let calls = 0;
    const { client, requests } = clientWith(api({ '/uploads': () => json(singlePut) }), () => `token-${++calls}`);

    await client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain' });
    await client.list();

    // The plan, the record once the bytes are sent, the list.
    expect(requests.filter((request) => request.url.startsWith(API)).map((request) => request.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
      'Bearer token-3',
    ]);
  });

  it('retries a PUT that failed with 503, then succeeds', async () => {
    const { client, requests } = clientWith((request, count) =>
      request.url.startsWith(API)
        ? json(singlePut)
        : count === 1
          ? s3Refusal(503, 'SlowDown', 'Please reduce your request rate.')
          : undefined,
    );

    await client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain', retries: 2 });

    expect(requests.filter((request) => request.method === 'PUT')).toHaveLength(2);
  });

  it('does not retry a refusal that retrying cannot fix', async () => {
    const { client, requests } = clientWith((request) =>
      request.url.startsWith(API)
        ? json(singlePut)
        : s3Refusal(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match'),
    );

    const upload = client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain' });

    await expect(upload).rejects.toMatchObject({ status: 403, code: 'S3_SignatureDoesNotMatch' });
    expect(requests.filter((request) => request.method === 'PUT')).toHaveLength(1);
  });

  it('asks for a fresh upload when its URL expired', async () => {
    const { client, requests } = clientWith((request, count) =>
      request.url.includes('/files/')
        ? json(aFileRecord({ id: request.url.split('/').at(-1) }))
        : request.url.startsWith(API)
          ? json({ ...singlePut, id: count === 1 ? FILE_ID : 'B'.repeat(22) })
          : count === 1
            ? s3Refusal(403, 'AccessDenied', 'Request has expired')
            : undefined,
    );

    const uploaded = await client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain' });

    expect(uploaded.id).toBe('B'.repeat(22));
    expect(requests.filter((request) => request.url.endsWith('/uploads'))).toHaveLength(2);
  });

  it('asks for a fresh upload, without trying the PUT, when its URL would expire before the bytes got there', async () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    const fake = fakeFetch((request, count) => {
      const record = recordOf(request.url);
      if (record) return record;
      return request.url.startsWith(API)
        ? json({ ...singlePut, id: idOf(count), expiresAt: new Date(now + (count === 1 ? 10_000 : 600_000)).toISOString() })
        : undefined;
    });
    const client = createFileClient({ apiUrl: API, getToken: () => 't', fetch: fake.fetch, now: () => now });

    const uploaded = await client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain' });

    expect(uploaded.id).toBe(idOf(2));
    expect(fake.requests.filter((request) => request.method === 'PUT')).toHaveLength(1);
  });

  it('asks for a fresh upload when the PUT fails without an answer after its URL expired (S3’s 403 may come without CORS headers)', async () => {
    let clock = Date.parse('2026-11-23T10:00:00Z');
    const fake = fakeFetch((request, count) => {
      const record = recordOf(request.url);
      if (record) return record;
      if (request.url.startsWith(API)) {
        return json({ ...singlePut, id: idOf(count), expiresAt: new Date(clock + 600_000).toISOString() });
      }
      if (count === 1) {
        clock += 601_000; // the laptop slept past expiresAt
        throw new TypeError('Failed to fetch');
      }
      return undefined;
    });
    const client = createFileClient({ apiUrl: API, getToken: () => 't', fetch: fake.fetch, now: () => clock, retries: 0 });

    const uploaded = await client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain' });

    expect(uploaded.id).toBe(idOf(2));
  });

  it('sends the SHA-256 when asked for a checksum', async () => {
    const { client, requests } = clientWith(api({ '/uploads': () => json(singlePut) }));

    await client.upload(new TextEncoder().encode('abc'), { filename: 'a.txt', contentType: 'text/plain', checksum: true });

    expect(requests[0]?.body).toMatchObject({ checksumSha256: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=' });
  });

  it('needs a filename and a type for raw bytes, before any request', async () => {
    const { client, requests } = clientWith(() => undefined);

    await expect(client.upload(bytes(3), { contentType: 'text/plain' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(client.upload(bytes(3), { filename: 'a.txt' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(requests).toEqual([]);
  });
});

describe('a multipart upload', () => {
  const size = 20 * MiB;
  const plan = multipartPlan(size);

  it('sends every part, completes with their ETags in order, and reports monotonic progress to the size', async () => {
    const progress: number[] = [];
    const { client, requests } = clientWith(
      api({ '/uploads': () => json(plan), [`${UPLOAD_PATH}/complete`]: () => json(aFileRecord({ size, name: 'film.mp4' })) }),
    );

    const uploaded = await client.upload(bytes(size), {
      filename: 'film.mp4',
      contentType: 'video/mp4',
      onProgress: ({ loaded }) => progress.push(loaded),
    });

    const complete = requests.find((request) => request.url.endsWith(`${UPLOAD_PATH}/complete`));
    expect(uploaded).toMatchObject({ id: FILE_ID, size, status: 'pending' });
    expect(complete?.body).toEqual({
      parts: [1, 2, 3].map((partNumber) => ({ partNumber, etag: `"etag-${partNumber}"` })),
    });
    expect(progress.at(-1)).toBe(size);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('sends each part with its own signed length', async () => {
    const { client, requests } = clientWith(
      api({ '/uploads': () => json(plan), [`${UPLOAD_PATH}/complete`]: () => json(aFileRecord({ size })) }),
    );

    await client.upload(bytes(size), { filename: 'film.mp4', contentType: 'video/mp4' });

    const puts = requests.filter((request) => request.method === 'PUT').sort((a, b) => a.url.localeCompare(b.url));
    expect(puts.map((put) => [put.headers['content-length'], (put.body as ArrayBuffer).byteLength])).toEqual([
      [String(8 * MiB), 8 * MiB],
      [String(8 * MiB), 8 * MiB],
      [String(4 * MiB), 4 * MiB],
    ]);
  });

  it('re-signs a part whose URL expired and resends it', async () => {
    let refused = false;
    const { client, requests } = clientWith((request) => {
      if (request.url.endsWith('/uploads')) return json(plan);
      if (request.url.endsWith(`${UPLOAD_PATH}/parts`))
        return json({
          id: FILE_ID,
          parts: [partUrl(2, 8 * MiB, 'fresh')],
          expiresAt: new Date(Date.now() + 600_000).toISOString(),
        });
      if (request.url.endsWith(`${UPLOAD_PATH}/complete`)) return json(aFileRecord({ size }));
      if (request.url.includes('partNumber=2') && request.url.includes('=sig') && !refused) {
        refused = true;
        return s3Refusal(403, 'AccessDenied', 'Request has expired');
      }
      return undefined;
    });

    await client.upload(bytes(size), { filename: 'film.mp4', contentType: 'video/mp4' });

    expect(requests.find((request) => request.url.endsWith(`${UPLOAD_PATH}/parts`))?.body).toMatchObject({ partNumbers: [2] });
    expect(requests.some((request) => request.url.includes('X-Amz-Signature=fresh'))).toBe(true);
  });

  it('re-signs a part whose PUT failed without an answer after its URL expired, and resends it', async () => {
    let clock = Date.now();
    const fake = fakeFetch((request) => {
      if (request.url.endsWith('/uploads')) return json({ ...plan, expiresAt: new Date(clock + 600_000).toISOString() });
      if (request.url.endsWith(`${UPLOAD_PATH}/parts`)) {
        return json({ id: FILE_ID, parts: [partUrl(2, 8 * MiB, 'fresh')], expiresAt: new Date(clock + 600_000).toISOString() });
      }
      if (request.url.endsWith(`${UPLOAD_PATH}/complete`)) return json(aFileRecord({ size }));
      if (request.url.includes('partNumber=2') && request.url.includes('=sig')) {
        clock += 601_000;
        throw new TypeError('Failed to fetch');
      }
      return undefined;
    });
    const client = createFileClient({ apiUrl: API, getToken: () => 't', fetch: fake.fetch, now: () => clock, retries: 0 });

    await client.upload(bytes(size), { filename: 'film.mp4', contentType: 'video/mp4', concurrency: 1 });

    expect(fake.requests.some((request) => request.url.includes('X-Amz-Signature=fresh'))).toBe(true);
  });

  it('asks for the URLs of later parts in batches as it needs them', async () => {
    const big = { ...plan, partCount: 3, parts: plan.parts.slice(0, 1) };
    const { client, requests } = clientWith((request) => {
      if (request.url.endsWith('/uploads')) return json(big);
      if (request.url.endsWith(`${UPLOAD_PATH}/parts`)) {
        const { partNumbers } = request.body as { partNumbers: number[] };
        return json({ id: FILE_ID, parts: partNumbers.map((n) => plan.parts[n - 1]), expiresAt: big.expiresAt });
      }
      if (request.url.endsWith(`${UPLOAD_PATH}/complete`)) return json(aFileRecord({ size }));
      return undefined;
    });

    await client.upload(bytes(size), { filename: 'film.mp4', contentType: 'video/mp4', concurrency: 1 });

    expect(requests.filter((request) => request.url.endsWith(`${UPLOAD_PATH}/parts`)).map((request) => request.body)).toEqual([
      { partNumbers: [2, 3] },
    ]);
  });

  it('aborts the upload when a part fails for good, and surfaces the error', async () => {
    const { client, requests } = clientWith((request) => {
      if (request.url.endsWith('/uploads')) return json(plan);
      if (request.method === 'DELETE' && request.url.endsWith(UPLOAD_PATH)) return new Response(null, { status: 204 });
      if (request.url.includes('partNumber=3')) return s3Refusal(403, 'SignatureDoesNotMatch', 'no');
      return undefined;
    });

    await expect(client.upload(bytes(size), { filename: 'film.mp4', contentType: 'video/mp4' })).rejects.toMatchObject({
      code: 'S3_SignatureDoesNotMatch',
    });
    expect(requests.find((request) => request.method === 'DELETE')?.url).toBe(`${API}${UPLOAD_PATH}`);
    expect(requests.some((request) => request.url.endsWith('/complete'))).toBe(false);
  });

  it('aborts the upload when cancelled, and rejects with ABORTED', async () => {
    const controller = new AbortController();
    const { client, requests } = clientWith((request) => {
      if (request.url.endsWith('/uploads')) return json(plan);
      if (request.method === 'DELETE' && request.url.endsWith(UPLOAD_PATH)) return new Response(null, { status: 204 });
      if (request.url.includes('partNumber=1')) controller.abort();
      return undefined;
    });

    await expect(
      client.upload(bytes(size), { filename: 'film.mp4', contentType: 'video/mp4', concurrency: 1, signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(requests.some((request) => request.method === 'DELETE' && request.url.endsWith(UPLOAD_PATH))).toBe(true);
  });

  it('refuses a part answer without an ETag, as when CORS does not expose it', async () => {
    const { client } = clientWith((request) => {
      if (request.url.endsWith('/uploads')) return json(plan);
      if (request.url.startsWith(S3)) return new Response(null, { status: 200 });
      return new Response(null, { status: 204 });
    });

    await expect(client.upload(bytes(size), { filename: 'film.mp4', contentType: 'video/mp4' })).rejects.toMatchObject({
      code: 'MISSING_ETAG',
    });
  });
});

describe('files by id', () => {
  it('asks for a download URL by id, gets a record, and deletes by id', async () => {
    const { client, requests } = clientWith(
      api({ '/downloads': () => json({ id: FILE_ID, url: `${S3}/a.txt` }), [RECORD_PATH]: () => new Response(null, { status: 204 }) }),
    );

    await client.getDownloadUrl(FILE_ID, { disposition: 'inline' });
    await client.remove(FILE_ID);

    expect(requests.map((request) => `${request.method} ${request.url.slice(API.length)}`)).toEqual([
      'POST /downloads',
      `DELETE ${RECORD_PATH}`,
    ]);
    expect(requests[0]?.body).toEqual({ id: FILE_ID, disposition: 'inline' });
  });

  it('surfaces 409 PENDING as a retryable-later FileApiError with its code', async () => {
    const { client } = clientWith(() => json({ error: { code: 'PENDING', message: 'being verified' } }, 409), undefined, 0);

    await expect(client.getDownloadUrl(FILE_ID)).rejects.toMatchObject({ status: 409, code: 'PENDING' });
  });

  it('lists with a status filter', async () => {
    const { client, requests } = clientWith(() => json({ files: [] }));

    await client.list({ status: 'available', limit: 10 });

    expect(requests[0]?.url).toBe(`${API}/files?limit=10&status=available`);
  });
});

describe('errors', () => {
  it.each([
    [
      'the API’s own error',
      json({ error: { code: 'UNSUPPORTED_TYPE', message: 'no', requestId: 'r1' } }, 415),
      { status: 415, code: 'UNSUPPORTED_TYPE', requestId: 'r1' },
    ],
    ['API Gateway’s authorizer', json({ message: 'Unauthorized' }, 401), { status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' }],
    ['API Gateway’s throttling', json({ message: 'Too Many Requests' }, 429), { status: 429, code: 'TOO_MANY_REQUESTS' }],
    ['a body that is not JSON', new Response('<html>bad gateway</html>', { status: 502 }), { status: 502, code: 'HTTP_502' }],
  ])('turns %s into a FileApiError', async (_, response, expected) => {
    const { client } = clientWith(() => response, undefined, 0);

    const error = await client.list().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FileApiError);
    expect(error).toMatchObject(expected);
  });

  it.each([
    ['429 (throttled)', 429, { message: 'Too Many Requests' }],
    ['500 (a failed function)', 500, { error: { code: 'INTERNAL_ERROR', message: 'Internal error', requestId: 'r1' } }],
    ['503 (STS or S3 unavailable)', 503, { error: { code: 'STORAGE_UNAVAILABLE', message: 'Storage is unavailable' } }],
  ])('retries the API when it answers %s, then uploads', async (_, status, body) => {
    const { client, requests } = clientWith((request, count) =>
      request.url.endsWith('/uploads') ? (count === 1 ? json(body, status) : json(singlePut)) : recordOf(request.url),
    );

    await expect(client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain' })).resolves.toMatchObject({ size: 3 });
    expect(requests.filter((request) => request.url.endsWith('/uploads'))).toHaveLength(2);
  });

  it('does not retry a 4xx refusal: it is the same answer next time', async () => {
    const { client, requests } = clientWith(() => json({ error: { code: 'TYPE_MISMATCH', message: 'no' } }, 415));

    await expect(client.upload(bytes(3), { filename: 'a.txt', contentType: 'text/plain' })).rejects.toMatchObject({
      status: 415,
      code: 'TYPE_MISMATCH',
    });
    expect(requests).toHaveLength(1);
  });

  it('retries a read that was throttled', async () => {
    const { client, requests } = clientWith((_, count) =>
      count === 1 ? json({ message: 'Too Many Requests' }, 429) : json({ files: [] }),
    );

    await expect(client.list()).resolves.toEqual({ files: [] });
    expect(requests).toHaveLength(2);
  });

  it('refreshes the token and asks once more when the API refuses it with 401', async () => {
    const asked: boolean[] = [];
    const fake = fakeFetch((request, count) => (count === 1 ? json({ message: 'Unauthorized' }, 401) : json({ files: [] })));
    const client = createFileClient({
      apiUrl: API,
      getToken: ({ forceRefresh }) => {
        asked.push(forceRefresh);
        return forceRefresh ? 'fresh' : 'stale';
      },
      fetch: fake.fetch,
      retries: 0,
    });

    await expect(client.list()).resolves.toEqual({ files: [] });
    expect(asked).toEqual([false, true]);
    expect(fake.requests.map((request) => request.headers.authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
  });

  it('refreshes the token before calling a failed request a network error: a 401 without CORS headers looks like one', async () => {
    const fake = fakeFetch((request) => {
      if (request.headers.authorization === 'Bearer stale') throw new TypeError('Failed to fetch');
      return json({ files: [] });
    });
    const client = createFileClient({
      apiUrl: API,
      getToken: ({ forceRefresh }) => (forceRefresh ? 'fresh' : 'stale'),
      fetch: fake.fetch,
      retries: 0,
    });

    await expect(client.list()).resolves.toEqual({ files: [] });
  });

  it('says NETWORK_ERROR when nothing answers', async () => {
    const client = createFileClient({
      apiUrl: API,
      getToken: () => 't',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
      retries: 0,
    });

    await expect(client.list()).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR', retryable: true });
  });
});

it('computes the SHA-256 S3 expects, base64', async () => {
  expect(await sha256Base64(new Blob(['abc']))).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
});

describe('cognitoTokenSource', () => {
  const signedIn = (expiresAt: number) => ({
    accessToken: 'access-1',
    idToken: 'id-1',
    refreshToken: 'refresh',
    expiresIn: 3600,
    expiresAt,
  });

  function cognito() {
    const flows: string[] = [];
    const fetch = ((_: unknown, init: RequestInit) => {
      const body = JSON.parse(init.body as string) as { AuthFlow: string };
      flows.push(body.AuthFlow);
      return Promise.resolve(json({ AuthenticationResult: { AccessToken: `access-${flows.length + 1}`, IdToken: 'id', ExpiresIn: 3600 } }));
    }) as typeof globalThis.fetch;
    return { fetch, flows };
  }

  it('hands out the access token, never the ID token, while it is fresh', async () => {
    const { fetch, flows } = cognito();
    const getToken = cognitoTokenSource(signedIn(Date.now() + 3_600_000), { endpoint: 'https://cognito', clientId: 'c', fetch });

    expect(await getToken()).toBe('access-1');
    expect(flows).toEqual([]);
  });

  it('refreshes shortly before expiry, and when asked to, keeping the refresh token', async () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    const { fetch, flows } = cognito();
    const getToken = cognitoTokenSource(signedIn(now + 30_000), { endpoint: 'https://cognito', clientId: 'c', fetch, now: () => now });

    expect(await getToken()).toBe('access-2');
    expect(await getToken({ forceRefresh: true })).toBe('access-3');
    expect(flows).toEqual(['REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN_AUTH']);
  });

  it('shares one refresh among concurrent callers', async () => {
    const { fetch, flows } = cognito();
    const getToken = cognitoTokenSource(signedIn(0), { endpoint: 'https://cognito', clientId: 'c', fetch });

    expect(await Promise.all([getToken(), getToken(), getToken()])).toEqual(['access-2', 'access-2', 'access-2']);
    expect(flows).toHaveLength(1);
  });
});
