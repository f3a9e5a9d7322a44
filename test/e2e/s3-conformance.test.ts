/**
 * S3 conformance: every S3 behaviour this service relies on, one line each with the S3
 * documentation that states it, run against local mode's S3 over real HTTP. A deviation is a
 * failing line here. The README's "What local mode checks" list is this table.
 * (Lines tagged D1–D10 pin the deviations found in issue 17.)
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { S3_EMULATOR_CREDENTIALS } from '../../local/s3-emulator';
import { startTestLocalMode, textBytes, type TestLocalMode } from './local-mode';
import { headerSigned, presignedUrl, rawRequest, roleSession, subOf, type SessionCredentials } from './s3-requests';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
const DOCS = 'https://docs.aws.amazon.com/AmazonS3/latest';
const admin: SessionCredentials = S3_EMULATOR_CREDENTIALS;
let clockOffsetMs = 0;
let local: TestLocalMode;
let alice: string;
let bob: string;
let aliceUploader: SessionCredentials;
let aliceReader: SessionCredentials;
let bobReader: SessionCredentials;
/** An object of Alice's, 1,000 patterned bytes. */
// Text, so the verifier finds it is what it claims and tags it available: only then may a reader session GET it.
const stored = { key: '', etag: '', bytes: textBytes(1000) };
let serial = 0;

beforeAll(async () => {
  local = await startTestLocalMode({ multipartThresholdBytes: 5 * MiB }, { now: () => Date.now() + clockOffsetMs });
  [alice, bob] = await Promise.all([subOf(local, 'alice'), subOf(local, 'bob')]);
  [aliceUploader, aliceReader, bobReader] = await Promise.all([
    roleSession(local, 'uploads', alice),
    roleSession(local, 'downloads', alice),
    roleSession(local, 'downloads', bob),
  ]);
  const upload = await local.client('alice').upload(stored.bytes, { filename: 'stored.txt', contentType: 'text/plain' });
  stored.key = upload.key;
  await local.stack.events.idle();
  stored.etag = (await headerSigned(local, admin, { method: 'HEAD', key: upload.key })).headers.get('etag') ?? '';
});

afterAll(() => local.stop());
afterEach(() => {
  clockOffsetMs = 0;
});

/** A fresh key under Alice's prefix, which her uploader session may write. */
function aliceKey(): string {
  serial += 1;
  return `users/${alice}/conformance/${serial}-${Date.now()}.bin`;
}

const objectUrl = (key: string) => `${local.stack.outputs.S3Endpoint}/${local.stack.outputs.BucketName}/${key}`;
const storedKeys = async () => (await local.storedObjects()).map((line) => line.split(' ')[0]);
const getStored = (headers: Record<string, string> = {}) =>
  presignedUrl(local, aliceReader, { method: 'GET', key: stored.key }).then((url) => fetch(url, { headers }));

async function putWithUrl(key: string, body: Buffer, signed: Record<string, string> = {}, sent: Record<string, string> = signed) {
  const url = await presignedUrl(local, aliceUploader, {
    method: 'PUT',
    key,
    headers: { 'content-length': String(body.length), ...signed },
  });
  return fetch(url, { method: 'PUT', headers: sent, body: new Uint8Array(body) });
}

async function codeOf(response: Response): Promise<string> {
  return `${response.status} ${/<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1] ?? ''}`.trim();
}

type Line = readonly [behaviour: string, source: string, check: () => Promise<void>];

const AUTHENTICATION: Line[] = [
  [
    'D2 · an unsigned GET of an object is refused 403 AccessDenied (the bucket is private)',
    `${DOCS}/userguide/access-control-block-public-access.html`,
    async () => expect(await codeOf(await fetch(objectUrl(stored.key)))).toBe('403 AccessDenied'),
  ],
  [
    'D2 · an unsigned listing is refused 403 AccessDenied',
    `${DOCS}/API/API_ListObjectsV2.html`,
    async () => expect(await codeOf(await fetch(`${objectUrl('')}?list-type=2`))).toBe('403 AccessDenied'),
  ],
  [
    'D2 · an unsigned PUT is refused 403 and stores nothing',
    `${DOCS}/API/API_PutObject.html`,
    async () => {
      const key = aliceKey();
      const answer = await fetch(objectUrl(key), { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<script>' });
      expect(await codeOf(answer)).toBe('403 AccessDenied');
      expect(await storedKeys()).not.toContain(key);
    },
  ],
  [
    'D2 · an unsigned DELETE is refused 403 and the object stays',
    `${DOCS}/API/API_DeleteObject.html`,
    async () => {
      expect(await codeOf(await fetch(objectUrl(stored.key), { method: 'DELETE' }))).toBe('403 AccessDenied');
      expect(await storedKeys()).toContain(stored.key);
    },
  ],
  [
    'D10 · an empty Authorization header is anonymous: 403 AccessDenied',
    `${DOCS}/API/sig-v4-authenticating-requests.html`,
    async () => expect(await codeOf(await fetch(objectUrl(stored.key), { headers: { authorization: '' } }))).toBe('403 AccessDenied'),
  ],
  [
    'a URL whose signature was altered is refused 403 SignatureDoesNotMatch',
    `${DOCS}/API/sigv4-query-string-auth.html`,
    async () => {
      const url = (await presignedUrl(local, aliceReader, { method: 'GET', key: stored.key })).replace(
        /X-Amz-Signature=([0-9a-f])/,
        (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
      );
      expect(await codeOf(await fetch(url))).toBe('403 SignatureDoesNotMatch');
    },
  ],
  [
    'a key id STS never issued is refused 403 InvalidAccessKeyId',
    `${DOCS}/API/ErrorResponses.html`,
    async () => {
      const url = await presignedUrl(
        local,
        { accessKeyId: 'ASIANOTISSUED000000', secretAccessKey: 'x', sessionToken: 'x' },
        { method: 'GET', key: stored.key },
      );
      expect(await codeOf(await fetch(url))).toBe('403 InvalidAccessKeyId');
    },
  ],
  [
    "a session's key with another session's token is refused 400 InvalidToken",
    `${DOCS}/API/ErrorResponses.html`,
    async () => {
      const url = await presignedUrl(local, { ...aliceReader, sessionToken: bobReader.sessionToken }, { method: 'GET', key: stored.key });
      expect(await codeOf(await fetch(url))).toBe('400 InvalidToken');
    },
  ],
  [
    'SigV2 is refused 403 AccessDenied (the bucket policy denies s3:signatureversion AWS)',
    `${DOCS}/API/bucket-policy-s3-sigv4-conditions.html`,
    async () =>
      expect(await codeOf(await fetch(objectUrl(stored.key), { headers: { authorization: 'AWS S3RVER:c2lnbmF0dXJl' } }))).toBe(
        '403 AccessDenied',
      ),
  ],
];

const SIGNED_HEADERS: Line[] = [
  ...(['x-amz-meta-evil', 'x-amz-website-redirect-location', 'x-amz-acl', 'x-amz-tagging'] as const).map((header): Line => [
    `D6 · a presigned PUT that sends an unsigned ${header} header is refused 403 AccessDenied and stores nothing`,
    `${DOCS}/API/sigv4-query-string-auth.html`,
    async () => {
      const key = aliceKey();
      const answer = await putWithUrl(key, Buffer.from('hello'), {}, { [header]: header === 'x-amz-acl' ? 'public-read' : 'a=b' });
      const text = await answer.text();
      expect(`${answer.status} ${/<Code>([^<]+)/.exec(text)?.[1]}`).toBe('403 AccessDenied');
      expect(text).toContain('HeadersNotSigned');
      expect(await storedKeys()).not.toContain(key);
    },
  ]),
  [
    'a presigned PUT of another size than the signed Content-Length is refused 403 SignatureDoesNotMatch',
    `${DOCS}/API/sigv4-query-string-auth.html`,
    async () => {
      const key = aliceKey();
      const url = await presignedUrl(local, aliceUploader, { method: 'PUT', key, headers: { 'content-length': '5' } });
      expect(await codeOf(await fetch(url, { method: 'PUT', body: 'hello world' }))).toBe('403 SignatureDoesNotMatch');
      expect(await storedKeys()).not.toContain(key);
    },
  ],
  [
    'a presigned PUT with another Content-Type than signed is refused 403 SignatureDoesNotMatch',
    `${DOCS}/API/sigv4-query-string-auth.html`,
    async () => {
      const answer = await putWithUrl(aliceKey(), Buffer.from('hello'), { 'content-type': 'image/png' }, { 'content-type': 'text/html' });
      expect(await codeOf(answer)).toBe('403 SignatureDoesNotMatch');
    },
  ],
  [
    'a header-signed PUT whose body does not match x-amz-content-sha256 is refused 400 XAmzContentSHA256Mismatch',
    `${DOCS}/API/sig-v4-header-based-auth.html`,
    async () => {
      const key = aliceKey();
      const answer = await headerSigned(local, aliceUploader, {
        method: 'PUT',
        key,
        body: Buffer.from('hello'),
        payloadHash: 'a'.repeat(64),
      });
      expect(await codeOf(answer)).toBe('400 XAmzContentSHA256Mismatch');
      expect(await storedKeys()).not.toContain(key);
    },
  ],
  [
    'a body that does not match its signed x-amz-checksum-sha256 is refused 400 BadDigest and stores nothing',
    `${DOCS}/userguide/checking-object-integrity.html`,
    async () => {
      const key = aliceKey();
      const checksum = 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=';
      const answer = await putWithUrl(key, Buffer.from('hellO'), { 'x-amz-checksum-sha256': checksum });
      expect(await codeOf(answer)).toBe('400 BadDigest');
      expect(await storedKeys()).not.toContain(key);
    },
  ],
  [
    'a body that does not match its Content-MD5 is refused 400 BadDigest',
    `${DOCS}/API/API_PutObject.html`,
    async () => {
      const answer = await putWithUrl(aliceKey(), Buffer.from('hello'), { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' });
      expect(await codeOf(answer)).toBe('400 BadDigest');
    },
  ],
];

const BODIES: Line[] = [
  [
    'D4 · a PUT whose body ends before its Content-Length stores nothing',
    `${DOCS}/API/API_PutObject.html`,
    async () => {
      const key = aliceKey();
      const url = new URL(await presignedUrl(local, aliceUploader, { method: 'PUT', key, headers: { 'content-length': '1000' } }));
      const head = `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 1000\r\n\r\n`;
      await rawRequest(local.stack.outputs.S3Endpoint, head, Buffer.alloc(500, 1), { halfClose: true });
      expect(await storedKeys()).not.toContain(key);
    },
  ],
  [
    'D10 · a PUT without Content-Length (chunked) is refused 411 MissingContentLength',
    `${DOCS}/API/ErrorResponses.html`,
    async () => {
      const key = aliceKey();
      const url = new URL(await presignedUrl(local, aliceUploader, { method: 'PUT', key }));
      const head = `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const status = await rawRequest(local.stack.outputs.S3Endpoint, head, Buffer.from('5\r\nhello\r\n0\r\n\r\n'));
      expect(status).toBe('HTTP/1.1 411 Length Required');
      expect(await storedKeys()).not.toContain(key);
    },
  ],
];

const CONDITIONAL_WRITES: Line[] = [
  [
    'D5 · of 12 concurrent PUTs with If-None-Match: * to one key exactly one succeeds, the others 412',
    `${DOCS}/userguide/conditional-writes.html`,
    async () => {
      const key = aliceKey();
      const body = Buffer.from('first');
      const url = await presignedUrl(local, aliceUploader, {
        method: 'PUT',
        key,
        headers: { 'content-length': '5', 'if-none-match': '*' },
      });
      const statuses = await Promise.all(
        Array.from({ length: 12 }, () => fetch(url, { method: 'PUT', headers: { 'if-none-match': '*' }, body }).then((r) => r.status)),
      );
      expect(statuses.sort()).toEqual([200, ...Array<number>(11).fill(412)]);
    },
  ],
  [
    'D10 · a PUT with If-Match of another ETag is refused 412 PreconditionFailed',
    `${DOCS}/userguide/conditional-writes.html`,
    async () => {
      const answer = await headerSigned(local, admin, {
        method: 'PUT',
        key: stored.key,
        body: Buffer.from('x'),
        headers: { 'if-match': '"0123456789abcdef0123456789abcdef"' },
      });
      expect(await codeOf(answer)).toBe('412 PreconditionFailed');
    },
  ],
  [
    'D10 · a PUT with If-Match to a missing key is refused 404 NoSuchKey',
    `${DOCS}/userguide/conditional-writes.html`,
    async () => {
      const answer = await headerSigned(local, admin, {
        method: 'PUT',
        key: aliceKey(),
        body: Buffer.from('x'),
        headers: { 'if-match': '*' },
      });
      expect(await codeOf(answer)).toBe('404 NoSuchKey');
    },
  ],
  [
    'a PUT with If-Match of the current ETag replaces the object',
    `${DOCS}/userguide/conditional-writes.html`,
    async () => {
      const key = aliceKey();
      const first = await headerSigned(local, admin, { method: 'PUT', key, body: Buffer.from('one') });
      const answer = await headerSigned(local, admin, {
        method: 'PUT',
        key,
        body: Buffer.from('two'),
        headers: { 'if-match': first.headers.get('etag') ?? '' },
      });
      expect(answer.status).toBe(200);
    },
  ],
];

const EXPIRY: Line[] = [
  [
    'a presigned URL used after X-Amz-Expires is refused 403 AccessDenied "Request has expired"',
    `${DOCS}/API/sigv4-query-string-auth.html`,
    async () => {
      const url = await presignedUrl(local, aliceReader, { method: 'GET', key: stored.key, expiresIn: 60 });
      clockOffsetMs = 61_000;
      const answer = await fetch(url);
      expect(answer.status).toBe(403);
      expect(await answer.text()).toContain('Request has expired');
    },
  ],
  [
    'a presigned URL is accepted until X-Amz-Expires',
    `${DOCS}/API/sigv4-query-string-auth.html`,
    async () => {
      const url = await presignedUrl(local, aliceReader, { method: 'GET', key: stored.key, expiresIn: 60 });
      clockOffsetMs = 59_000;
      expect((await fetch(url)).status).toBe(200);
    },
  ],
  [
    'X-Amz-Expires over 7 days (604800 s) is refused 400 AuthorizationQueryParametersError',
    `${DOCS}/API/sigv4-query-string-auth.html`,
    async () => {
      const url = (await presignedUrl(local, aliceReader, { method: 'GET', key: stored.key })).replace(
        /X-Amz-Expires=\d+/,
        'X-Amz-Expires=604801',
      );
      expect(await codeOf(await fetch(url))).toBe('400 AuthorizationQueryParametersError');
    },
  ],
  [
    'a URL signed with session credentials stops working when the session expires: 400 ExpiredToken',
    `${DOCS}/userguide/ShareObjectPreSignedURL.html`,
    async () => {
      const url = await presignedUrl(local, aliceReader, { method: 'GET', key: stored.key, expiresIn: 604_800 });
      clockOffsetMs = 3601_000;
      expect(await codeOf(await fetch(url))).toBe('400 ExpiredToken');
    },
  ],
  [
    'a URL older than the bucket policy allows (s3:signatureAge) is refused 403 AccessDenied',
    `${DOCS}/API/bucket-policy-s3-sigv4-conditions.html`,
    async () => {
      // Signed 57 minutes ago for an hour: within its own lifetime, beyond the longest TTL plus margin the policy allows.
      const url = await presignedUrl(local, aliceReader, {
        method: 'GET',
        key: stored.key,
        expiresIn: 3600,
        signingDate: new Date(Date.now() - 57 * 60_000),
      });
      expect(await codeOf(await fetch(url))).toBe('403 AccessDenied');
    },
  ],
];

const RANGES: Line[] = [
  ...(
    [
      ['bytes=0-0', 206, [0, 1]],
      ['bytes=-1', 206, [999, 1000]],
      ['bytes=100-199', 206, [100, 200]],
      ['bytes=990-', 206, [990, 1000]],
      ['bytes=990-5000', 206, [990, 1000]],
      ['bytes=-5000', 206, [0, 1000]],
      ['bytes=200-100', 200, [0, 1000]],
      ['bytes=0-1,5-6', 200, [0, 1000]],
      ['items=0-1', 200, [0, 1000]],
    ] as const
  ).map(([range, status, [start, end]]): Line => [
    `${range === 'bytes=0-0' || range === 'bytes=-1' ? 'D9/D10 · ' : ''}Range: ${range} answers ${status} with bytes ${start}–${end - 1}`,
    'https://www.rfc-editor.org/rfc/rfc9110#section-14.1.2',
    async () => {
      const answer = await getStored({ range });
      const body = Buffer.from(await answer.arrayBuffer());
      expect(answer.status).toBe(status);
      expect(Buffer.compare(body, stored.bytes.subarray(start, end))).toBe(0);
      if (status === 206) expect(answer.headers.get('content-range')).toBe(`bytes ${start}-${end - 1}/1000`);
    },
  ]),
  ...(['bytes=-0', 'bytes=1000-', 'bytes=5000-6000'] as const).map((range): Line => [
    `${range === 'bytes=-0' ? 'D9 · ' : ''}Range: ${range} is refused 416 InvalidRange`,
    `${DOCS}/API/API_GetObject.html`,
    async () => {
      const answer = await getStored({ range });
      expect(answer.headers.get('content-range')).toBe('bytes */1000');
      expect(await codeOf(answer)).toBe('416 InvalidRange');
    },
  ]),
];

const READS: Line[] = [
  [
    'HEAD answers 200 with Content-Length and ETag, and no body',
    `${DOCS}/API/API_HeadObject.html`,
    async () => {
      const url = await presignedUrl(local, aliceReader, { method: 'HEAD', key: stored.key });
      const answer = await fetch(url, { method: 'HEAD' });
      expect([answer.status, answer.headers.get('content-length'), answer.headers.get('etag'), (await answer.text()).length]).toEqual([
        200,
        '1000',
        stored.etag,
        0,
      ]);
    },
  ],
  [
    'D10 · GET with If-None-Match of the current ETag answers 304 carrying the ETag',
    `${DOCS}/API/API_GetObject.html`,
    async () => {
      const answer = await getStored({ 'if-none-match': stored.etag });
      expect([answer.status, answer.headers.get('etag')]).toEqual([304, stored.etag]);
    },
  ],
  [
    'D10 · GET with If-Match of another ETag is refused 412 PreconditionFailed',
    `${DOCS}/API/API_GetObject.html`,
    async () => expect(await codeOf(await getStored({ 'if-match': '"0123456789abcdef0123456789abcdef"' }))).toBe('412 PreconditionFailed'),
  ],
  [
    'D10 · HEAD with If-Match of another ETag answers 412',
    `${DOCS}/API/API_HeadObject.html`,
    async () => {
      const url = await presignedUrl(local, aliceReader, { method: 'HEAD', key: stored.key });
      expect((await fetch(url, { method: 'HEAD', headers: { 'if-match': '"0123456789abcdef0123456789abcdef"' } })).status).toBe(412);
    },
  ],
  [
    'GET with If-Match of the current ETag answers 200',
    `${DOCS}/API/API_GetObject.html`,
    async () => expect((await getStored({ 'if-match': stored.etag })).status).toBe(200),
  ],
  [
    'a signed GET of a missing key answers 403 AccessDenied, not 404, to a role without s3:ListBucket (the reader lists nothing: listings come from the table)',
    `${DOCS}/API/API_GetObject.html`,
    async () => {
      const url = await presignedUrl(local, aliceReader, { method: 'GET', key: `users/${alice}/missing.bin` });
      expect(await codeOf(await fetch(url))).toBe('403 AccessDenied');
    },
  ],
];

const IAM: Line[] = [
  [
    "a reader session's URL for another user's object is refused 403 AccessDenied (users/${aws:PrincipalTag/userId}/*)",
    `${DOCS}/userguide/tagging-and-policies.html`,
    async () => {
      const url = await presignedUrl(local, bobReader, { method: 'GET', key: stored.key });
      expect(await codeOf(await fetch(url))).toBe('403 AccessDenied');
    },
  ],
  [
    'an uploader session cannot read, even its own prefix: 403 AccessDenied',
    `${DOCS}/userguide/using-with-s3-policy-actions.html`,
    async () => {
      const url = await presignedUrl(local, aliceUploader, { method: 'GET', key: stored.key });
      expect(await codeOf(await fetch(url))).toBe('403 AccessDenied');
    },
  ],
  [
    'a reader session cannot write its own prefix: 403 AccessDenied',
    `${DOCS}/userguide/using-with-s3-policy-actions.html`,
    async () => {
      const key = aliceKey();
      const url = await presignedUrl(local, aliceReader, { method: 'PUT', key, headers: { 'content-length': '2' } });
      expect(await codeOf(await fetch(url, { method: 'PUT', body: 'hi' }))).toBe('403 AccessDenied');
    },
  ],
  [
    'no signing session may delete: 403 AccessDenied',
    `${DOCS}/userguide/using-with-s3-policy-actions.html`,
    async () => {
      const url = await presignedUrl(local, aliceUploader, { method: 'DELETE', key: stored.key });
      expect(await codeOf(await fetch(url, { method: 'DELETE' }))).toBe('403 AccessDenied');
      expect(await storedKeys()).toContain(stored.key);
    },
  ],
  [
    "the uploader's listing of its own prefix is allowed (s3:prefix users/${aws:PrincipalTag/userId}/*, for an idempotent completion), and shows only it",
    `${DOCS}/API/API_ListObjectsV2.html`,
    async () => {
      const answer = await headerSigned(local, aliceUploader, { method: 'GET', query: { 'list-type': '2', prefix: `users/${alice}/` } });
      const text = await answer.text();
      expect(answer.status).toBe(200);
      expect(text).toContain(stored.key);
    },
  ],
  [
    "listing another user's prefix, or the whole bucket, is refused 403 AccessDenied",
    `${DOCS}/API/API_ListObjectsV2.html`,
    async () => {
      for (const prefix of [`users/${bob}/`, '']) {
        expect(await codeOf(await headerSigned(local, aliceUploader, { method: 'GET', query: { 'list-type': '2', prefix } }))).toBe(
          '403 AccessDenied',
        );
      }
    },
  ],
];

const CORS: Line[] = [
  [
    'D10 · a preflight from an allowed origin answers 200, echoing the origin, with the allowed methods and requested headers',
    `${DOCS}/userguide/cors.html`,
    async () => {
      const answer = await fetch(objectUrl(stored.key), {
        method: 'OPTIONS',
        headers: {
          origin: local.apiUrl,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type,x-amz-checksum-sha256',
        },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe(local.apiUrl);
      expect(answer.headers.get('access-control-allow-methods')).toBe('GET, HEAD, PUT');
      expect(answer.headers.get('access-control-allow-headers')).toBe('content-type, x-amz-checksum-sha256');
    },
  ],
  [
    'a preflight from another origin is refused 403 AccessForbidden',
    `${DOCS}/userguide/cors.html`,
    async () => {
      const answer = await fetch(objectUrl(stored.key), {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(await codeOf(answer)).toBe('403 AccessForbidden');
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    },
  ],
  [
    'a preflight for a method the rule does not allow is refused 403 AccessForbidden',
    `${DOCS}/userguide/cors.html`,
    async () => {
      const answer = await fetch(objectUrl(stored.key), {
        method: 'OPTIONS',
        headers: { origin: local.apiUrl, 'access-control-request-method': 'DELETE' },
      });
      expect(await codeOf(answer)).toBe('403 AccessForbidden');
    },
  ],
  [
    'D10 · a cross-origin GET from an allowed origin carries Access-Control-Allow-Origin, -Methods and the exposed ETag',
    `${DOCS}/userguide/cors.html`,
    async () => {
      const answer = await getStored({ origin: local.apiUrl });
      expect(answer.headers.get('access-control-allow-origin')).toBe(local.apiUrl);
      expect(answer.headers.get('access-control-allow-methods')).toBe('GET, HEAD, PUT');
      expect(answer.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('etag');
    },
  ],
];

const KEYS: Line[] = [
  [
    'D3 · a browser form POST upload is refused 403 and writes nothing, inside the data folder or out',
    `${DOCS}/API/RESTObjectPOST.html`,
    async () => {
      const form = new FormData();
      form.append('key', '../../../../escaped-by-form');
      form.append('file', new Blob(['<html>']), 'x.html');
      expect(await codeOf(await fetch(objectUrl(''), { method: 'POST', body: form }))).toBe('403 AccessDenied');
      expect(fs.existsSync(path.join(local.stack.s3.directory, '..', '..', 'escaped-by-form'))).toBe(false);
    },
  ],
  [
    'D3 · a signed PUT to a key with ../ segments is refused and writes nothing outside the data folder',
    `${DOCS}/userguide/object-keys.html`,
    async () => {
      // Encoded, as an attacker sends it: fetch would resolve a literal ../ before sending.
      const answer = await headerSigned(local, admin, { method: 'PUT', encodedKey: '..%2F..%2Fescaped-by-put', body: Buffer.from('x') });
      expect(answer.status).toBe(400);
      expect(fs.existsSync(path.join(local.stack.s3.directory, '..', 'escaped-by-put'))).toBe(false);
      expect(fs.existsSync(path.join(local.stack.s3.directory, 'escaped-by-put'))).toBe(false);
    },
  ],
  [
    'D7 · a key over 1,024 bytes is refused 400 KeyTooLongError',
    `${DOCS}/userguide/object-keys.html`,
    async () => {
      const answer = await headerSigned(local, admin, { method: 'PUT', key: `users/${alice}/${'k'.repeat(1100)}`, body: Buffer.from('x') });
      expect(await codeOf(answer)).toBe('400 KeyTooLongError');
    },
  ],
  [
    'D7 · a key with a segment over 233 bytes answers 400, never 5xx (local S3 cannot name such a file; listed deviation)',
    `${DOCS}/userguide/object-keys.html`,
    async () => {
      const answer = await headerSigned(local, admin, { method: 'PUT', key: `users/${alice}/${'k'.repeat(300)}`, body: Buffer.from('x') });
      expect(await codeOf(answer)).toBe('400 InvalidArgument');
    },
  ],
];

/** Creates a multipart upload of Alice's with the admin keys and uploads parts of the given sizes. */
async function multipartUpload(partSizes: readonly number[]) {
  const key = aliceKey();
  const created = await (await headerSigned(local, admin, { method: 'POST', key, query: { uploads: '' } })).text();
  const uploadId = /<UploadId>([^<]+)</.exec(created)?.[1] ?? '';
  const etags: string[] = [];
  for (const [index, size] of partSizes.entries()) {
    const part = await headerSigned(local, admin, {
      method: 'PUT',
      key,
      query: { partNumber: String(index + 1), uploadId },
      body: Buffer.alloc(size, index),
    });
    etags.push(part.headers.get('etag') ?? '');
  }
  const complete = (order: readonly number[]) =>
    headerSigned(local, admin, {
      method: 'POST',
      key,
      query: { uploadId },
      body: Buffer.from(
        `<CompleteMultipartUpload>${order.map((n) => `<Part><PartNumber>${n}</PartNumber><ETag>${etags[n - 1]}</ETag></Part>`).join('')}</CompleteMultipartUpload>`,
      ),
    });
  return { key, uploadId, complete };
}

/** A one-part upload whose part was sent with its `x-amz-checksum-sha256`; `complete` names it with the checksum given ('' for none). */
async function checksummedUpload(body: Buffer) {
  const key = aliceKey();
  const created = await (await headerSigned(local, admin, { method: 'POST', key, query: { uploads: '' } })).text();
  const uploadId = /<UploadId>([^<]+)</.exec(created)?.[1] ?? '';
  const checksum = createHash('sha256').update(body).digest('base64');
  const part = await headerSigned(local, admin, {
    method: 'PUT',
    key,
    query: { partNumber: '1', uploadId },
    body,
    headers: { 'x-amz-checksum-sha256': checksum },
  });
  const etag = part.headers.get('etag') ?? '';
  const complete = (named: string) =>
    headerSigned(local, admin, {
      method: 'POST',
      key,
      query: { uploadId },
      body: Buffer.from(
        `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag>${named ? `<ChecksumSHA256>${named}</ChecksumSHA256>` : ''}</Part></CompleteMultipartUpload>`,
      ),
    });
  return { key, checksum, complete };
}

const MULTIPART: Line[] = [
  [
    'a part other than the last smaller than 5 MiB fails completion 400 EntityTooSmall',
    `${DOCS}/userguide/qfacts.html`,
    async () => {
      const upload = await multipartUpload([1024, 1024]);
      expect(await codeOf(await upload.complete([1, 2]))).toBe('400 EntityTooSmall');
    },
  ],
  [
    'parts listed out of order fail completion 400 InvalidPartOrder',
    `${DOCS}/API/API_CompleteMultipartUpload.html`,
    async () => {
      const upload = await multipartUpload([5 * MiB, 5 * MiB]);
      expect(await codeOf(await upload.complete([2, 1]))).toBe('400 InvalidPartOrder');
    },
  ],
  [
    'D10 · completing an upload a second time is acknowledged 200 with the same ETag',
    `${DOCS}/API/API_CompleteMultipartUpload.html`,
    async () => {
      const upload = await multipartUpload([5 * MiB, 1024]);
      const first = await (await upload.complete([1, 2])).text();
      const again = await upload.complete([1, 2]);
      const etagOf = (text: string) => /<ETag>([^<]+)</.exec(text)?.[1];
      expect(again.status).toBe(200);
      expect(etagOf(await again.text())).toBe(etagOf(first));
    },
  ],
  [
    'a part whose body does not match its x-amz-checksum-sha256 is refused 400 BadDigest',
    `${DOCS}/userguide/checking-object-integrity.html`,
    async () => {
      const key = aliceKey();
      const created = await (await headerSigned(local, admin, { method: 'POST', key, query: { uploads: '' } })).text();
      const uploadId = /<UploadId>([^<]+)</.exec(created)?.[1] ?? '';
      const part = await headerSigned(local, admin, {
        method: 'PUT',
        key,
        query: { partNumber: '1', uploadId },
        body: Buffer.from('hellO'),
        headers: { 'x-amz-checksum-sha256': 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=' },
      });
      expect(await codeOf(part)).toBe('400 BadDigest');
    },
  ],
  [
    'a completion that does not name a part with the x-amz-checksum-sha256 it was verified with is refused 400 InvalidPart',
    `${DOCS}/API/API_CompleteMultipartUpload.html`,
    async () => {
      const upload = await checksummedUpload(Buffer.from('hello'));
      expect(await codeOf(await upload.complete(''))).toBe('400 InvalidPart');
      expect(await codeOf(await upload.complete(upload.checksum.replace(/^./, (first) => (first === 'A' ? 'B' : 'A'))))).toBe(
        '400 InvalidPart',
      );
      expect((await upload.complete(upload.checksum)).status).toBe(200);
    },
  ],
  [
    "a completed upload's composite checksum (SHA-256 of the parts' SHA-256s, -N) is answered with x-amz-checksum-mode: ENABLED",
    `${DOCS}/userguide/checking-object-integrity.html`,
    async () => {
      const upload = await checksummedUpload(Buffer.from('hello'));
      await upload.complete(upload.checksum);
      const head = (headers: Record<string, string> = {}) => headerSigned(local, admin, { method: 'HEAD', key: upload.key, headers });
      const composite = `${createHash('sha256').update(Buffer.from(upload.checksum, 'base64')).digest('base64')}-1`;
      expect((await head({ 'x-amz-checksum-mode': 'ENABLED' })).headers.get('x-amz-checksum-sha256')).toBe(composite);
      expect((await head()).headers.get('x-amz-checksum-sha256')).toBeNull();
    },
  ],
  [
    'a part of an upload that does not exist is refused 404 NoSuchUpload',
    `${DOCS}/API/API_UploadPart.html`,
    async () => {
      const answer = await headerSigned(local, admin, {
        method: 'PUT',
        key: aliceKey(),
        query: { partNumber: '1', uploadId: 'deadbeef' },
        body: Buffer.from('x'),
      });
      expect(await codeOf(answer)).toBe('404 NoSuchUpload');
    },
  ],
];

const TABLE = [
  ['authentication', AUTHENTICATION],
  ['signed headers and bodies', SIGNED_HEADERS],
  ['short and unsized bodies', BODIES],
  ['conditional writes', CONDITIONAL_WRITES],
  ['expiry', EXPIRY],
  ['ranges', RANGES],
  ['reads', READS],
  ['IAM (the synthesized role and bucket policies)', IAM],
  ['CORS', CORS],
  ['keys and form uploads', KEYS],
  ['multipart rules', MULTIPART],
] as const;

describe.each(TABLE)('S3 conformance: %s', (_, lines) => {
  it('has lines', () => expect(lines.length).toBeGreaterThan(0));
  it.each(lines.map(([behaviour, source, check]) => [behaviour, source, check] as const))('%s — %s', async (_behaviour, _source, check) => {
    await check();
  });
});

it("is, line for line, the README's list of what local mode checks", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### What local mode checks'), readme.indexOf('### What local mode does not check'));
  const listed = [...section.matchAll(/^- (.*) \(\[source\]\((.*)\)\)$/gm)].map(([, behaviour, source]) => `${behaviour} — ${source}`);
  const tested = TABLE.flatMap(([, lines]) => lines.map(([behaviour, source]) => `${behaviour} — ${source}`));

  expect(tested.length).toBeGreaterThan(0);
  expect(listed).toEqual(tested);
});
