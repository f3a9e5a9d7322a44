/**
 * Hostile inputs over real HTTP, through local mode's API Gateway stand-in and the deployed
 * handler modules: every request of the matrix gets its specified 4xx and error code, none a
 * 5xx, and the bucket holds exactly what it held before.
 */
import { createHmac, createPublicKey, createSign, generateKeyPairSync } from 'node:crypto';
import cognitoLocalKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import { signInWithPassword } from '../../client';
import type { ErrorCode } from '../../contract/errors';
import { anUploadRequest } from '../builders';
import { startTestLocalMode, type TestLocalMode } from './local-mode';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
/** A well-formed id no file has. */
const UNUSED_ID = 'ZZZZZZZZZZZZZZZZZZZZZZ';

/** What the requests of the matrix refer to: made by Alice before the matrix runs. */
interface Fixture {
  readonly aliceSub: string;
  readonly bobSub: string;
  /** A file Alice uploaded: its id and its key. */
  readonly aliceFile: { readonly id: string; readonly key: string };
  /** A multipart upload Alice started and left open. */
  readonly aliceUpload: { readonly id: string; readonly partCount: number };
}

/** Tokens the matrix sends: the seeded users' own, and forgeries. */
type TokenName =
  | 'alice'
  | 'bob'
  | 'tampered payload'
  | 'expired'
  | 'not yet valid'
  | 'alg none'
  | 'wrong audience'
  | 'wrong issuer'
  | 'signed by another key'
  | 'HS256 keyed with the public key'
  | 'refresh token'
  | 'unusable sub'
  | 'no sub'
  | 'control: re-signed as issued';

/** A request body as JSON.stringify takes it. */
type JsonBody = Record<string, unknown> | readonly unknown[] | string | number | boolean | null;

/** API Gateway's own answers, which carry `{message}` instead of our error body. */
type GatewayMessage = 'Unauthorized' | 'Not Found' | 'Request Entity Too Large';

interface HostileRequest {
  readonly name: string;
  readonly method: string;
  /** The path and query; a function of the fixture where it names one of Alice's files. */
  readonly route: string | ((fixture: Fixture) => string);
  /** Whose token goes in `Authorization: Bearer`; `null` for none. @default 'alice' */
  readonly token?: TokenName | null;
  /** Headers sent as they are (an `Authorization` of another scheme). */
  readonly headers?: Record<string, string>;
  /** Sent as JSON. */
  readonly body?: JsonBody | ((fixture: Fixture) => JsonBody);
  /** Sent as it is. */
  readonly rawBody?: string;
  readonly status: number;
  readonly error: ErrorCode | GatewayMessage;
  /** Fields of the error body beside code and message (a refusal's figures). */
  readonly errorFields?: Record<string, unknown>;
  /** Brings the caller to the state the row needs, just before it is sent (a full rate window). */
  readonly prime?: (local: TestLocalMode, tokens: Record<TokenName, string>) => Promise<void>;
}

/** Bob (plan `pro`, one upload URL a minute here) asks for upload URLs until one is refused: his window is full. */
async function fillBobsUploadWindow(local: TestLocalMode, tokens: Record<TokenName, string>): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const answer = await local.api('POST', '/uploads', { token: tokens.bob, body: anUploadRequest() });
    if (answer.status === 429) return;
  }
}

const upload = (overrides: Record<string, unknown>): HostileRequest['body'] => anUploadRequest(overrides);
const fileId = (fixture: Fixture) => fixture.aliceFile.id;
const uploadRoute =
  (suffix = '') =>
  (fixture: Fixture) =>
    `/uploads/${fixture.aliceUpload.id}${suffix}`;

// A table reads best one request per line.
// prettier-ignore
const MATRIX: readonly HostileRequest[] = [
  // Malformed and oversized bodies.
  { name: 'malformed JSON', method: 'POST', route: '/uploads', rawBody: '{"filename": "a.jpg",', status: 400, error: 'INVALID_JSON' },
  { name: 'NaN, which JSON does not have', method: 'POST', route: '/uploads', rawBody: '{"size": NaN}', status: 400, error: 'INVALID_JSON' },
  { name: 'a byte-order mark before the JSON', method: 'POST', route: '/uploads', rawBody: `\ufeff${JSON.stringify(anUploadRequest())}`, status: 400, error: 'INVALID_JSON' },
  { name: 'no body', method: 'POST', route: '/uploads', status: 400, error: 'INVALID_JSON' },
  { name: 'a form-encoded body', method: 'POST', route: '/uploads', headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: 'filename=a.jpg&contentType=image%2Fjpeg&size=5', status: 400, error: 'INVALID_JSON' },
  { name: 'a JSON array', method: 'POST', route: '/uploads', body: [anUploadRequest()], status: 400, error: 'INVALID_REQUEST' },
  { name: 'JSON null', method: 'POST', route: '/uploads', rawBody: 'null', status: 400, error: 'INVALID_REQUEST' },
  { name: 'a JSON string', method: 'POST', route: '/uploads', body: 'photo.jpg', status: 400, error: 'INVALID_REQUEST' },
  { name: 'JSON nested 50,000 deep', method: 'POST', route: '/uploads', rawBody: `${'['.repeat(50_000)}${']'.repeat(50_000)}`, status: 400, error: 'INVALID_REQUEST' },
  { name: 'a body over 1 MiB', method: 'POST', route: '/uploads', body: upload({ filename: `${'a'.repeat(MiB)}.jpg` }), status: 413, error: 'BODY_TOO_LARGE' },
  { name: 'a body over 10 MiB', method: 'POST', route: '/uploads', rawBody: `"${'a'.repeat(10 * MiB)}"`, status: 413, error: 'Request Entity Too Large' },
  // Missing, extra and mistyped fields.
  { name: 'an empty object', method: 'POST', route: '/uploads', body: {}, status: 400, error: 'INVALID_REQUEST' },
  { name: 'no filename', method: 'POST', route: '/uploads', body: upload({ filename: undefined }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'no size', method: 'POST', route: '/uploads', body: upload({ size: undefined }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a filename that is a number', method: 'POST', route: '/uploads', body: upload({ filename: 42 }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a size that is a string', method: 'POST', route: '/uploads', body: upload({ size: '1234' }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a size that is a boolean', method: 'POST', route: '/uploads', body: upload({ size: true }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a content type that is a list', method: 'POST', route: '/uploads', body: upload({ contentType: ['image/jpeg'] }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a key smuggled into a new upload', method: 'POST', route: '/uploads', body: (fixture: Fixture) => anUploadRequest({ key: `users/${fixture.bobSub}/x.jpg` }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a __proto__ field', method: 'POST', route: '/uploads', rawBody: `{"__proto__":{"isAdmin":true},${JSON.stringify(anUploadRequest()).slice(1)}`, status: 400, error: 'INVALID_REQUEST' },
  { name: 'a malformed checksum', method: 'POST', route: '/uploads', body: upload({ checksumSha256: 'not-base64' }), status: 400, error: 'INVALID_REQUEST' },
  // Sizes.
  { name: 'a negative size', method: 'POST', route: '/uploads', body: upload({ size: -1 }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a size of zero', method: 'POST', route: '/uploads', body: upload({ size: 0 }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a fractional size', method: 'POST', route: '/uploads', body: upload({ size: 1.5 }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a size of 1e400 (Infinity)', method: 'POST', route: '/uploads', rawBody: JSON.stringify(anUploadRequest()).replace('1234', '1e400'), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a size beyond 2^53', method: 'POST', route: '/uploads', body: upload({ size: 2 ** 53 + 2 }), status: 413, error: 'FILE_TOO_LARGE' },
  { name: 'a size one byte over 5 GiB', method: 'POST', route: '/uploads', body: upload({ size: 5 * 1024 * MiB + 1 }), status: 413, error: 'FILE_TOO_LARGE' },
  // Content types: forbidden, spoofed, mismatched.
  { name: 'HTML', method: 'POST', route: '/uploads', body: upload({ filename: 'page.html', contentType: 'text/html' }), status: 415, error: 'UNSUPPORTED_TYPE' },
  { name: 'SVG', method: 'POST', route: '/uploads', body: upload({ filename: 'logo.svg', contentType: 'image/svg+xml' }), status: 415, error: 'UNSUPPORTED_TYPE' },
  { name: 'JavaScript', method: 'POST', route: '/uploads', body: upload({ filename: 'app.js', contentType: 'application/javascript' }), status: 415, error: 'UNSUPPORTED_TYPE' },
  { name: 'an allowed type with parameters', method: 'POST', route: '/uploads', body: upload({ contentType: 'image/jpeg; charset=utf-8' }), status: 415, error: 'UNSUPPORTED_TYPE' },
  { name: 'a header injected into the type', method: 'POST', route: '/uploads', body: upload({ contentType: 'image/jpeg\r\nx-amz-acl: public-read' }), status: 415, error: 'UNSUPPORTED_TYPE' },
  { name: 'the type __proto__', method: 'POST', route: '/uploads', body: upload({ contentType: '__proto__' }), status: 415, error: 'UNSUPPORTED_TYPE' },
  { name: 'a type of 300 characters', method: 'POST', route: '/uploads', body: upload({ contentType: `image/${'x'.repeat(294)}` }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'an image type for an HTML file', method: 'POST', route: '/uploads', body: upload({ filename: 'index.html', contentType: 'image/png' }), status: 415, error: 'TYPE_MISMATCH' },
  { name: 'a PDF type for an .exe', method: 'POST', route: '/uploads', body: upload({ filename: 'invoice.pdf.exe', contentType: 'application/pdf' }), status: 415, error: 'TYPE_MISMATCH' },
  { name: 'a file name without extension', method: 'POST', route: '/uploads', body: upload({ filename: 'photo' }), status: 415, error: 'TYPE_MISMATCH' },
  // File names.
  { name: 'an empty filename', method: 'POST', route: '/uploads', body: upload({ filename: '' }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'a filename of spaces', method: 'POST', route: '/uploads', body: upload({ filename: '   ' }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'a 1,000-character filename', method: 'POST', route: '/uploads', body: upload({ filename: `${'a'.repeat(996)}.jpg` }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'a filename with NUL', method: 'POST', route: '/uploads', body: upload({ filename: 'photo\u0000.jpg' }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'a filename with a right-to-left override', method: 'POST', route: '/uploads', body: upload({ filename: 'invoice\u202Egpj.exe.jpg' }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'a filename with a bidi isolate', method: 'POST', route: '/uploads', body: upload({ filename: 'a\u2066b.jpg' }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'a filename with a lone surrogate', method: 'POST', route: '/uploads', body: upload({ filename: 'a\ud800.jpg' }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'a filename too long for S3 metadata', method: 'POST', route: '/uploads', body: upload({ filename: `${'報'.repeat(230)}.jpg` }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'path traversal in the filename', method: 'POST', route: '/uploads', body: upload({ filename: '../../etc/passwd.jpg' }), status: 400, error: 'INVALID_FILENAME' },
  { name: 'Windows path traversal in the filename', method: 'POST', route: '/uploads', body: upload({ filename: '..\\..\\boot.jpg' }), status: 400, error: 'INVALID_FILENAME' },
  // Ids: another user's, malformed, keys in their place, traversal.
  { name: "another user's id", method: 'POST', route: '/downloads', token: 'bob', body: (fixture: Fixture) => ({ id: fileId(fixture) }), status: 404, error: 'NOT_FOUND' },
  { name: "another user's id, to read its record", method: 'GET', route: (fixture: Fixture) => `/files/${fileId(fixture)}`, token: 'bob', status: 404, error: 'NOT_FOUND' },
  { name: "another user's id, to delete it", method: 'DELETE', route: (fixture: Fixture) => `/files/${fileId(fixture)}`, token: 'bob', status: 404, error: 'NOT_FOUND' },
  { name: 'a key instead of an id', method: 'POST', route: '/downloads', body: (fixture: Fixture) => ({ id: fixture.aliceFile.key }), status: 400, error: 'INVALID_ID' },
  { name: 'a key field beside the id', method: 'POST', route: '/downloads', body: (fixture: Fixture) => ({ id: fileId(fixture), key: fixture.aliceFile.key }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'an empty id', method: 'POST', route: '/downloads', body: { id: '' }, status: 400, error: 'INVALID_ID' },
  { name: 'path traversal in the id', method: 'POST', route: '/downloads', body: (fixture: Fixture) => ({ id: `../${fileId(fixture)}` }), status: 400, error: 'INVALID_ID' },
  { name: 'an id with NUL', method: 'POST', route: '/downloads', body: (fixture: Fixture) => ({ id: `${fileId(fixture).slice(1)}\u0000` }), status: 400, error: 'INVALID_ID' },
  { name: 'an id of 2,000 characters', method: 'POST', route: '/downloads', body: { id: 'a'.repeat(2000) }, status: 400, error: 'INVALID_ID' },
  { name: 'an id that is a number', method: 'POST', route: '/downloads', body: { id: 42 }, status: 400, error: 'INVALID_ID' },
  { name: 'no id', method: 'POST', route: '/downloads', body: { disposition: 'inline' }, status: 400, error: 'INVALID_ID' },
  { name: 'an id no file has', method: 'POST', route: '/downloads', body: { id: UNUSED_ID }, status: 404, error: 'NOT_FOUND' },
  { name: 'percent-encoded traversal in the path id', method: 'GET', route: '/files/..%2F..%2Fadmin', status: 400, error: 'INVALID_ID' },
  { name: 'a key in the path', method: 'DELETE', route: (fixture: Fixture) => `/files/${encodeURIComponent(fixture.aliceFile.key)}`, status: 400, error: 'INVALID_ID' },
  { name: 'a NUL in the path id', method: 'GET', route: '/files/%00', status: 400, error: 'INVALID_ID' },
  { name: 'a header injected into the disposition', method: 'POST', route: '/downloads', body: (fixture: Fixture) => ({ id: fileId(fixture), disposition: 'inline\r\nSet-Cookie: a=b' }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a lifetime as a string', method: 'POST', route: '/downloads', body: (fixture: Fixture) => ({ id: fileId(fixture), expiresIn: '3600' }), status: 400, error: 'INVALID_REQUEST' },
  // Listing.
  { name: 'a limit of 0', method: 'GET', route: '/files?limit=0', status: 400, error: 'INVALID_REQUEST' },
  { name: 'a limit over 1000', method: 'GET', route: '/files?limit=1001', status: 400, error: 'INVALID_REQUEST' },
  { name: 'a limit given twice', method: 'GET', route: '/files?limit=1&limit=2', status: 400, error: 'INVALID_REQUEST' },
  { name: 'a forged cursor', method: 'GET', route: '/files?cursor=bm90LWEtY3Vyc29yLWF0LWFsbC1yZWFsbHktbm90', status: 400, error: 'INVALID_CURSOR' },
  { name: 'a cursor of 2,000 characters', method: 'GET', route: `/files?cursor=${'a'.repeat(2000)}`, status: 400, error: 'INVALID_REQUEST' },
  { name: 'a status filter of deleted', method: 'GET', route: '/files?status=deleted', status: 400, error: 'INVALID_REQUEST' },
  { name: "an alias type with another type's extension", method: 'POST', route: '/uploads', body: anUploadRequest({ contentType: 'audio/x-m4a', filename: 'song.mp3' }), status: 415, error: 'TYPE_MISMATCH' },
  // Multipart uploads: another user's, tampered, out of plan.
  { name: "the state of another user's upload", method: 'GET', route: uploadRoute(), token: 'bob', status: 404, error: 'NOT_FOUND' },
  { name: "more parts of another user's upload", method: 'POST', route: uploadRoute('/parts'), token: 'bob', body: { partNumbers: [1] }, status: 404, error: 'NOT_FOUND' },
  { name: "completing another user's upload", method: 'POST', route: uploadRoute('/complete'), token: 'bob', body: { parts: [{ partNumber: 1, etag: 'a'.repeat(32) }] }, status: 404, error: 'NOT_FOUND' },
  { name: "aborting another user's upload", method: 'DELETE', route: uploadRoute(), token: 'bob', status: 404, error: 'NOT_FOUND' },
  { name: 'an upload id in the body', method: 'POST', route: uploadRoute('/parts'), body: { uploadId: 'abc', partNumbers: [1] }, status: 400, error: 'INVALID_REQUEST' },
  { name: 'a single-PUT file as a multipart upload', method: 'POST', route: (fixture: Fixture) => `/uploads/${fileId(fixture)}/parts`, body: { partNumbers: [1] }, status: 404, error: 'NOT_FOUND' },
  { name: 'path traversal in the upload path', method: 'POST', route: '/uploads/..%2F..%2Fetc/parts', body: { partNumbers: [1] }, status: 400, error: 'INVALID_ID' },
  { name: 'a malformed id before a malformed body', method: 'POST', route: '/uploads/x/complete', body: { parts: 'none' }, status: 400, error: 'INVALID_ID' },
  { name: 'part number 0', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [0] }, status: 400, error: 'INVALID_REQUEST' },
  { name: 'a repeated part number', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [1, 1] }, status: 400, error: 'INVALID_REQUEST' },
  { name: '101 part numbers at once', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: Array.from({ length: 101 }, (_, index) => index + 1) }, status: 400, error: 'INVALID_REQUEST' },
  { name: 'a part number beyond the plan', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [10_000] }, status: 400, error: 'INVALID_PARTS' },
  { name: 'completing with parts missing', method: 'POST', route: uploadRoute('/complete'), body: { parts: [{ partNumber: 1, etag: 'a'.repeat(32) }] }, status: 400, error: 'INVALID_PARTS' },
  { name: 'completing with parts never uploaded', method: 'POST', route: uploadRoute('/complete'), body: (fixture: Fixture) => ({ parts: allParts(fixture) }), status: 400, error: 'INVALID_PARTS' },
  { name: 'markup in an ETag', method: 'POST', route: uploadRoute('/complete'), body: { parts: [{ partNumber: 1, etag: '"<script>"' }] }, status: 400, error: 'INVALID_REQUEST' },
  // Per-part checksums: malformed, mistyped, or for an upload started without them.
  { name: 'partChecksums that is a string', method: 'POST', route: '/uploads', body: upload({ partChecksums: 'yes' }), status: 400, error: 'INVALID_REQUEST' },
  { name: 'a part checksum that is not base64', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [1], checksumsSha256: ['not base64!'] }, status: 400, error: 'INVALID_REQUEST' },
  { name: 'a part checksum that is a number', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [1], checksumsSha256: [42] }, status: 400, error: 'INVALID_REQUEST' },
  { name: 'part checksums that are a map', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [1], checksumsSha256: { 1: 'x' } }, status: 400, error: 'INVALID_REQUEST' },
  { name: 'a part checksum of 100 kB', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [1], checksumsSha256: ['A'.repeat(100_000)] }, status: 400, error: 'INVALID_REQUEST' },
  { name: '101 part checksums', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [1], checksumsSha256: Array(101).fill(`${'A'.repeat(43)}=`) }, status: 400, error: 'INVALID_REQUEST' },
  { name: 'part checksums for an upload started without them', method: 'POST', route: uploadRoute('/parts'), body: { partNumbers: [1], checksumsSha256: [`${'A'.repeat(43)}=`] }, status: 400, error: 'INVALID_PARTS' },
  { name: 'a completed part’s checksum that is an object', method: 'POST', route: uploadRoute('/complete'), body: { parts: [{ partNumber: 1, etag: 'a'.repeat(32), checksumSha256: {} }] }, status: 400, error: 'INVALID_REQUEST' },
  // Routes and methods API Gateway does not have.
  { name: 'GET on an upload route', method: 'GET', route: '/uploads', status: 404, error: 'Not Found' },
  { name: 'DELETE on the file list', method: 'DELETE', route: '/files', status: 404, error: 'Not Found' },
  { name: 'PUT on downloads', method: 'PUT', route: '/downloads', body: {}, status: 404, error: 'Not Found' },
  { name: 'POST on the file list', method: 'POST', route: '/files', body: {}, status: 404, error: 'Not Found' },
  { name: 'a trailing slash', method: 'POST', route: '/uploads/', body: anUploadRequest(), status: 404, error: 'Not Found' },
  { name: 'another case', method: 'POST', route: '/Uploads', body: anUploadRequest(), status: 404, error: 'Not Found' },
  { name: 'an unknown route', method: 'GET', route: '/admin', status: 404, error: 'Not Found' },
  { name: 'POST on the config', method: 'POST', route: '/config', body: {}, status: 404, error: 'Not Found' },
  { name: 'a dotfile', method: 'GET', route: '/.env', token: null, status: 404, error: 'Not Found' },
  // Tokens: missing, malformed, forged, expired, for someone else.
  { name: 'no token', method: 'POST', route: '/uploads', token: null, body: anUploadRequest(), status: 401, error: 'Unauthorized' },
  { name: 'an empty bearer token', method: 'POST', route: '/uploads', token: null, headers: { authorization: 'Bearer ' }, body: anUploadRequest(), status: 401, error: 'Unauthorized' },
  { name: 'Basic credentials', method: 'POST', route: '/uploads', token: null, headers: { authorization: `Basic ${Buffer.from('alice:Passw0rd!local').toString('base64')}` }, body: anUploadRequest(), status: 401, error: 'Unauthorized' },
  { name: 'a token that is not a JWT', method: 'POST', route: '/uploads', token: null, headers: { authorization: 'Bearer not-a-jwt' }, body: anUploadRequest(), status: 401, error: 'Unauthorized' },
  { name: 'a token in the query string', method: 'GET', route: '/files?access_token=x', token: null, status: 401, error: 'Unauthorized' },
  { name: 'the config without a token', method: 'GET', route: '/config', token: null, status: 401, error: 'Unauthorized' },
  { name: 'a tampered payload', method: 'POST', route: '/uploads', token: 'tampered payload', body: anUploadRequest(), status: 401, error: 'Unauthorized' },
  { name: 'an expired token', method: 'POST', route: '/uploads', token: 'expired', body: anUploadRequest(), status: 401, error: 'Unauthorized' },
  { name: 'a token not yet valid', method: 'POST', route: '/uploads', token: 'not yet valid', body: anUploadRequest(), status: 401, error: 'Unauthorized' },
  { name: 'an alg:none token', method: 'GET', route: '/files', token: 'alg none', status: 401, error: 'Unauthorized' },
  { name: 'a token for another app client', method: 'GET', route: '/files', token: 'wrong audience', status: 401, error: 'Unauthorized' },
  { name: 'a token of another issuer', method: 'GET', route: '/files', token: 'wrong issuer', status: 401, error: 'Unauthorized' },
  { name: 'a token signed by another key', method: 'GET', route: '/files', token: 'signed by another key', status: 401, error: 'Unauthorized' },
  { name: 'an HS256 token keyed with the public key', method: 'GET', route: '/files', token: 'HS256 keyed with the public key', status: 401, error: 'Unauthorized' },
  { name: 'a refresh token', method: 'GET', route: '/files', token: 'refresh token', status: 401, error: 'Unauthorized' },
  { name: 'a valid signature over a sub that is a path', method: 'GET', route: '/files', token: 'unusable sub', status: 401, error: 'UNAUTHORIZED' },
  // Plans: over the storage quota (1 GiB here), over the rate (Bob's window filled first).
  { name: 'a file larger than the storage left', method: 'POST', route: '/uploads', body: upload({ filename: 'film.mp4', contentType: 'video/mp4', size: 2 * 1024 * MiB }), status: 403, error: 'QUOTA_EXCEEDED', errorFields: { quota: expect.objectContaining({ quotaBytes: 1024 * MiB }) } },
  { name: 'an upload URL past the rate', method: 'POST', route: '/uploads', token: 'bob', body: anUploadRequest(), status: 429, error: 'RATE_LIMITED', errorFields: { retryAfter: expect.any(Number) }, prime: fillBobsUploadWindow },
  { name: 'a valid signature over no sub', method: 'POST', route: '/uploads', token: 'no sub', body: anUploadRequest(), status: 401, error: 'UNAUTHORIZED' },
];

function allParts(fixture: Fixture) {
  return Array.from({ length: fixture.aliceUpload.partCount }, (_, index) => ({ partNumber: index + 1, etag: 'a'.repeat(32) }));
}

const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

/** A JWT over `claims`, signed RS256 with `privateKey` (the local pool's own unless given). */
function signedToken(claims: Record<string, unknown>, privateKey: string = cognitoLocalKey.pem): string {
  const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal' })}.${base64url(claims)}`;
  return `${signingInput}.${createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url')}`;
}

/** The seeded users' tokens, and forgeries made from Alice's claims. */
async function tokensFor(local: TestLocalMode): Promise<Record<TokenName, string>> {
  const alice = await local.token('alice');
  const bob = await local.token('bob');
  const claims = claimsOf(alice);
  const now = Math.floor(Date.now() / 1000);
  const [header, , signature] = alice.split('.');
  const { refreshToken } = await signInWithPassword({
    endpoint: local.stack.outputs.CognitoEndpoint,
    clientId: local.stack.outputs.UserPoolClientId,
    username: 'alice',
    password: local.stack.users[0]?.password ?? '',
  });
  const { sub: _, ...withoutSub } = claims;
  // The classic algorithm confusion: an HMAC keyed with the RSA public key, which anyone can fetch.
  const publicKeyPem = createPublicKey({ key: cognitoLocalKey.jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  const hs256Input = `${base64url({ alg: 'HS256', typ: 'JWT', kid: 'CognitoLocal' })}.${base64url(claims)}`;
  return {
    alice,
    bob,
    'tampered payload': `${header}.${base64url({ ...claims, sub: claimsOf(bob).sub })}.${signature}`,
    expired: signedToken({ ...claims, iat: now - 7200, exp: now - 3600 }),
    'not yet valid': signedToken({ ...claims, nbf: now + 3600 }),
    'alg none': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`,
    'wrong audience': signedToken({ ...claims, aud: 'another-app-client' }),
    'wrong issuer': signedToken({ ...claims, iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_attacker' }),
    'signed by another key': signedToken(
      claims,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ),
    'HS256 keyed with the public key': `${hs256Input}.${createHmac('sha256', publicKeyPem).update(hs256Input).digest('base64url')}`,
    'refresh token': refreshToken ?? '',
    'unusable sub': signedToken({ ...claims, sub: `../${String(claimsOf(bob).sub)}` }),
    'no sub': signedToken(withoutSub),
    'control: re-signed as issued': signedToken(claims),
  };
}

/**
 * Primes, then sends. A rate window is the wall clock's minute: if one ended between filling it
 * and the request, it is filled again and the request sent once more.
 */
async function primedAndSent<Answer>(prime: NonNullable<HostileRequest['prime']>, send: () => Promise<Answer>): Promise<Answer> {
  const minuteOf = () => Math.floor(Date.now() / 60_000);
  const minute = minuteOf();
  await prime(local, tokens);
  const answer = await send();
  if (minuteOf() === minute) return answer;
  await prime(local, tokens);
  return send();
}

let local: TestLocalMode;
let fixture: Fixture;
let tokens: Record<TokenName, string>;
let storedBefore: { objects: string[]; uploads: string[] };
const answered: { name: string; status: number }[] = [];

beforeAll(async () => {
  local = await startTestLocalMode({
    defaultPlan: { storageQuotaBytes: 1024 * MiB },
    plans: { pro: { uploadUrlsPerMinute: 1 } },
  });
  tokens = await tokensFor(local);
  const { id, key } = await local.client('alice').upload(new Uint8Array(5), { filename: 'photo.jpg', contentType: 'image/jpeg' });
  const started = await local.api('POST', '/uploads', { body: { filename: 'film.mp4', contentType: 'video/mp4', size: 200 * MiB } });
  fixture = {
    aliceSub: String(claimsOf(tokens.alice).sub),
    bobSub: String(claimsOf(tokens.bob).sub),
    aliceFile: { id, key },
    aliceUpload: { id: started.body.id, partCount: started.body.partCount },
  };
  storedBefore = { objects: await local.storedObjects(), uploads: local.pendingUploads() };
});
afterAll(() => local?.stop());

describe('the hostile-input matrix', () => {
  it('has at least 40 distinct requests', () => {
    expect(new Set(MATRIX.map(({ name }) => name)).size).toBe(MATRIX.length);
    expect(MATRIX.length).toBeGreaterThanOrEqual(40);
  });

  const titled = MATRIX.map(
    (request) =>
      [
        `${request.method} ${typeof request.route === 'string' ? request.route.split('?')[0] : 'an id route'} with ${request.name} → ${request.status} ${request.error}`,
        request,
      ] as const,
  );

  it.each(titled)('%s', async (_, request) => {
    const body = typeof request.body === 'function' ? request.body(fixture) : request.body;
    const token = request.token === undefined ? tokens.alice : request.token === null ? null : tokens[request.token];

    const route = typeof request.route === 'string' ? request.route : request.route(fixture);

    const send = () => local.api(request.method, route, { token, body, rawBody: request.rawBody, headers: request.headers });
    const answer = request.prime ? await primedAndSent(request.prime, send) : await send();
    answered.push({ name: request.name, status: answer.status });

    expect(answer.status).toBe(request.status);
    if (/^[A-Z_]+$/.test(request.error))
      expect(answer.body.error).toEqual({ code: request.error, message: expect.any(String), ...request.errorFields });
    else expect(answer.body).toEqual({ message: request.error });
  });

  it('answered every request of the matrix, none with a 5xx', () => {
    expect(answered).toHaveLength(MATRIX.length);
    expect(answered.filter(({ status }) => status >= 500)).toEqual([]);
  });

  it('left the bucket holding exactly what it held before: no object and no multipart upload more or less', async () => {
    expect(storedBefore.objects).toEqual(expect.arrayContaining([expect.stringContaining(fixture.aliceFile.key)]));
    expect(await local.storedObjects()).toEqual(storedBefore.objects);
    expect(local.pendingUploads()).toEqual(storedBefore.uploads);
  });
});

describe('the forged tokens', () => {
  it('are refused for the reason they are named after: the same claims signed the same way are accepted', async () => {
    const answer = await local.api('GET', '/files', { token: tokens['control: re-signed as issued'] });

    expect(answer.status).toBe(200);
  });
});

describe('listing cannot enumerate another prefix', () => {
  it("ignores a prefix in the query and lists only the caller's own files", async () => {
    const answer = await local.api('GET', `/files?prefix=${encodeURIComponent(`users/${fixture.aliceSub}/`)}`, { token: tokens.bob });

    expect(answer.status).toBe(200);
    expect(answer.body.files.map((file: { id: string }) => file.id)).not.toContain(fixture.aliceFile.id);
  });
});
