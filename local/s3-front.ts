/**
 * Local S3's front door: an HTTP server in front of `@20minutes/s3rver` that refuses what S3
 * refuses before the emulator sees a byte, and enforces IAM as AWS would.
 *
 * - CORS: preflights answered from the bucket's CORS rule (the origin echoed, as S3 does);
 *   actual requests get the CORS headers of the matching rule.
 * - Authentication: unsigned requests are anonymous and the bucket is private (403); SigV4 is
 *   verified with the secret of the STS session the key names (see sigv4-verification.ts).
 * - Authorization: a session's request is evaluated against its role's synthesized policies and
 *   the bucket policy by the IAM simulator (see s3-authorization.ts).
 * - Bodies: spooled to a file first and forwarded only when complete, of the declared length,
 *   and matching `x-amz-content-sha256`, `Content-MD5` and `x-amz-checksum-sha256`; a short or
 *   cancelled body leaves nothing behind.
 * - Writes to one key are serialized, so the emulator's conditional checks are atomic.
 * - Keys that the emulator's file store cannot hold safely are refused (dot or empty segments,
 *   over-long segments): nothing is written outside the data folder.
 * - `Range` is resolved per RFC 9110 as S3 does (see byte-range.ts).
 *
 * The emulator listens on a Unix socket in a private folder, reachable only through this front;
 * requests reach it with their authentication stripped (it would otherwise check a signature
 * made for this front's host), so it acts as storage only.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CorsRule } from '../lambdas/shared/settings';
import { resolveRange } from './byte-range';
import { PartChecksumLedger } from './part-checksums';
import type { LocalPolicies } from './policies';
import { authorizeS3Request, policiesReadObjectTags, s3OperationOf, type S3Operation } from './s3-authorization';
import { accessDenied, S3ErrorAnswer } from './s3-error';
import { authenticationOf, QUERY_AUTH_PARAMETERS, verifySigV4, type SigningIdentity, type VerifiedRequest } from './sigv4-verification';
import type { RoleSessionRecord } from './sts-stand-in';

/** Who signed a request: a role session, or local S3's own administrator (tests, tools). */
type S3Principal = { readonly kind: 'session'; readonly session: RoleSessionRecord } | { readonly kind: 'administrator' };

/** What the front needs. */
export interface S3FrontOptions {
  /** 0 for a free one. */
  readonly port: number;
  /** The emulator's Unix socket. */
  readonly upstreamSocket: string;
  readonly bucket: string;
  readonly region: string;
  readonly cors: CorsRule;
  readonly policies: LocalPolicies;
  /** The STS stand-in's session for an access key id. */
  readonly sessions: (accessKeyId: string) => RoleSessionRecord | undefined;
  /** Long-term keys that may do anything IAM aside (the bucket owner's), still signature-checked. */
  readonly administrator: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Where bodies wait until they are complete. */
  readonly spoolDirectory: string;
  readonly now: () => number;
  /** Called with each IAM decision (tests read why a request was refused). */
  readonly onDecision?: (decision: { action: string | undefined; resource: string; result: string }) => void;
}

/** A running front. */
export interface S3Front {
  readonly port: number;
  stop(): Promise<void>;
}

/** S3's largest single PUT. */
const MAX_PUT_BYTES = 5 * 1024 ** 3;
/** S3's longest key. */
const MAX_KEY_BYTES = 1024;
/** s3rver stores `{segment}._S3rver_metadata.json`; file systems allow 255 bytes per name. */
const MAX_STORABLE_SEGMENT_BYTES = 255 - '._S3rver_metadata.json'.length;
const CORS_RESPONSE_HEADERS = /^access-control-/i;

/** Starts the front on 127.0.0.1. */
export async function startS3Front(options: S3FrontOptions): Promise<S3Front> {
  fs.mkdirSync(options.spoolDirectory, { recursive: true });
  const locks = new Map<string, Promise<unknown>>();
  const readsTags = policiesReadObjectTags(options.policies);
  const checksums = new PartChecksumLedger();
  const server = http.createServer((request, response) => {
    request.on('error', () => undefined);
    response.on('error', () => undefined);
    handle({ options, locks, readsTags, checksums }, request, response).catch((error: unknown) => {
      const answer =
        error instanceof S3ErrorAnswer
          ? error
          : new S3ErrorAnswer(500, 'InternalError', 'We encountered an internal error. Please try again.');
      sendError(request, response, answer, {});
    });
  });
  // A client that never finishes its headers or body is dropped, as S3 does (RequestTimeout), without holding memory.
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface FrontState {
  readonly options: S3FrontOptions;
  readonly locks: Map<string, Promise<unknown>>;
  readonly readsTags: boolean;
  /** Per-part and composite SHA-256s, which the emulator does not keep. */
  readonly checksums: PartChecksumLedger;
}

interface ParsedRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly query: readonly (readonly [string, string])[];
  readonly queryMap: ReadonlyMap<string, string>;
  readonly headers: Record<string, string>;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
}

async function handle(state: FrontState, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const { options } = state;
  const parsed = parse(request);
  const cors = corsHeaders(options.cors, parsed);

  if (parsed.method === 'OPTIONS') {
    request.resume();
    preflight(options.cors, parsed, request, response);
    return;
  }
  if (parsed.bucket !== undefined && parsed.bucket !== options.bucket) {
    throw new S3ErrorAnswer(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: parsed.bucket });
  }
  try {
    checkStorableKey(parsed.key);
    const principal = await authenticate(options, parsed);
    if (parsed.method === 'POST' && parsed.key === undefined && !parsed.queryMap.has('delete')) {
      // Browser form uploads (POST policies): the service never issues them, so local S3 serves none.
      throw accessDenied('Local S3 serves no POST object (browser form) uploads: the service never issues POST policies.');
    }
    if (parsed.bucket === undefined && principal.kind === 'session') throw accessDenied();
    const operation = s3OperationOf({ ...parsed, bucket: options.bucket, query: parsed.queryMap });
    if (principal.kind === 'session') await authorize(state, principal.session, operation, parsed, request);

    const hasBody = parsed.method === 'PUT' || parsed.method === 'POST';
    if (parsed.method === 'PUT' && parsed.headers['content-length'] === undefined) {
      throw new S3ErrorAnswer(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    }
    const declared = Number(parsed.headers['content-length'] ?? 0);
    if (declared > MAX_PUT_BYTES) {
      throw new S3ErrorAnswer(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        ProposedSize: String(declared),
        MaxSizeAllowed: String(MAX_PUT_BYTES),
      });
    }
    const forwardHeaders = await upstreamHeaders(state, parsed);
    if (!hasBody) {
      request.resume();
      const checksumHeaders = state.checksums.headersFor(parsed.key, parsed.headers['x-amz-checksum-mode']);
      const status = await forward(state, parsed, forwardHeaders, undefined, request, response, { ...cors, ...checksumHeaders });
      if (parsed.method === 'DELETE' && status < 300) endUploadOrObject(state, parsed);
      return;
    }
    const spoolFile = path.join(options.spoolDirectory, randomUUID());
    try {
      const body = await spool(request, spoolFile);
      if (body === undefined) return; // The client went away: nothing was kept, and nobody is left to answer.
      checkBody(parsed, principal.kind === 'session' || parsed.headers.authorization !== undefined, body, declared);
      const write = isWrite(parsed);
      const uploadId = parsed.queryMap.get('uploadId');
      const composite =
        parsed.method === 'POST' && uploadId !== undefined
          ? state.checksums.completion(uploadId, await fs.promises.readFile(spoolFile, 'utf8'))
          : undefined;
      const run = () => forward(state, parsed, forwardHeaders, spoolFile, request, response, cors);
      const status = await (write ? serialized(state.locks, `${parsed.bucket}/${parsed.key}`, run) : run());
      if (status < 300) keepChecksums(state, parsed, composite);
    } finally {
      fs.rm(spoolFile, { force: true }, () => undefined);
    }
  } catch (error) {
    if (!(error instanceof S3ErrorAnswer)) throw error;
    sendError(request, response, error, cors);
  }
}

function parse(request: http.IncomingMessage): ParsedRequest {
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      const value = equals === -1 ? '' : pair.slice(equals + 1);
      return [decode(name), decode(value)] as const;
    });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const segments = rawPath.split('/').slice(1);
  const bucket = segments[0] ? decode(segments[0]) : undefined;
  const keyPart = segments.slice(1).join('/');
  const key = bucket !== undefined && segments.length > 1 && keyPart !== '' ? decode(keyPart) : undefined;
  return { method: request.method ?? 'GET', rawPath, query, queryMap: new Map(query), headers, bucket, key };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3ErrorAnswer(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/** Refuses keys S3 refuses, and keys the emulator's file store would resolve outside the bucket's folder or cannot name. */
function checkStorableKey(key: string | undefined): void {
  if (key === undefined) return;
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new S3ErrorAnswer(400, 'KeyTooLongError', 'Your key is too long', { MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
  const segments = key.split('/');
  const inner = key.endsWith('/') ? segments.slice(0, -1) : segments;
  const unsafe = key.includes('\0') || inner.some((segment) => segment === '' || segment === '.' || segment === '..');
  const tooLong = segments.some((segment) => Buffer.byteLength(segment, 'utf8') > MAX_STORABLE_SEGMENT_BYTES);
  if (unsafe || tooLong) {
    // S3 would store these keys; the emulator's file store cannot without leaving its folder or
    // exceeding a file name's length. Refused (a listed deviation) rather than stored elsewhere.
    throw new S3ErrorAnswer(
      400,
      'InvalidArgument',
      'Local S3 cannot store this key: it has a dot or empty path segment, or a segment too long for a file name.',
      {
        ArgumentName: 'key',
      },
    );
  }
}

async function authenticate(options: S3FrontOptions, parsed: ParsedRequest): Promise<S3Principal> {
  const mechanism = authenticationOf(parsed);
  // Anonymous and SigV2 requests: the bucket is private, and its policy denies SigV2 outright.
  if (mechanism === 'none' || mechanism === 'sigv2') throw accessDenied();
  const verified: VerifiedRequest<S3Principal> = await verifySigV4<S3Principal>(
    parsed,
    (accessKeyId): SigningIdentity<S3Principal> | undefined => {
      if (accessKeyId === options.administrator.accessKeyId) {
        return { secretAccessKey: options.administrator.secretAccessKey, principal: { kind: 'administrator' } };
      }
      const session = options.sessions(accessKeyId);
      return (
        session && {
          secretAccessKey: session.secretAccessKey,
          sessionToken: session.sessionToken,
          expiresAt: session.expiresAt,
          principal: { kind: 'session', session },
        }
      );
    },
    { region: options.region, now: options.now() },
  );
  signatures.set(parsed, verified);
  return verified.principal;
}

/** The verified signature of each request in flight, for the condition keys that come from it. */
const signatures = new WeakMap<ParsedRequest, VerifiedRequest<S3Principal>>();

async function authorize(
  state: FrontState,
  session: RoleSessionRecord,
  operation: S3Operation,
  parsed: ParsedRequest,
  request: http.IncomingMessage,
): Promise<void> {
  const { options } = state;
  const verified = signatures.get(parsed);
  const now = options.now();
  const existingObjectTags =
    state.readsTags && operation.objectLevel && parsed.key !== undefined ? await objectTags(state, parsed.key) : undefined;
  const decision = await authorizeS3Request(options.policies, session, operation, {
    authType: verified?.authType ?? 'REST-HEADER',
    signatureAgeMs: now - (verified?.signedAt ?? now),
    payloadHash: verified?.payloadHash ?? 'UNSIGNED-PAYLOAD',
    sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    now,
    existingObjectTags,
  });
  options.onDecision?.({ action: operation.action, resource: operation.resourceArn, result: decision.result });
  if (!decision.allowed) throw accessDenied();
}

/** The object's tags, read from the emulator; none when it does not exist. */
async function objectTags(state: FrontState, key: string): Promise<Record<string, string>> {
  const answer = await upstream(state.options, {
    method: 'GET',
    path: `${upstreamPath({ method: 'GET', rawPath: '', query: [], queryMap: new Map(), headers: {}, bucket: state.options.bucket, key })}?tagging=`,
    headers: {},
  });
  if (answer.status !== 200) return {};
  const tags: Record<string, string> = {};
  for (const match of answer.body.matchAll(/<Tag>\s*<Key>([^<]*)<\/Key>\s*<Value>([^<]*)<\/Value>\s*<\/Tag>/g)) {
    tags[unescapeXml(match[1] ?? '')] = unescapeXml(match[2] ?? '');
  }
  return tags;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The headers the emulator gets: the request's, without authentication or CORS, with `Range` resolved. */
async function upstreamHeaders(state: FrontState, parsed: ParsedRequest): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.headers)) {
    if (
      [
        'authorization',
        'x-amz-security-token',
        'x-amz-date',
        'origin',
        'host',
        'connection',
        'transfer-encoding',
        'expect',
        'keep-alive',
      ].includes(name)
    )
      continue;
    if (name.startsWith('access-control-request-')) continue;
    headers[name] = value;
  }
  const range = headers.range;
  if (range === undefined || (parsed.method !== 'GET' && parsed.method !== 'HEAD') || parsed.key === undefined) return headers;
  delete headers.range;
  const head = await upstream(state.options, {
    method: 'HEAD',
    path: upstreamPath({ ...parsed, query: [], queryMap: new Map() }),
    headers: {},
  });
  const size = Number(head.headers['content-length']);
  if (head.status !== 200 || !Number.isFinite(size)) return headers;
  const resolved = resolveRange(range, size);
  if (resolved.kind === 'unsatisfiable') {
    throw new S3ErrorAnswer(416, 'InvalidRange', 'The requested range is not satisfiable', {
      RangeRequested: range,
      ActualObjectSize: String(size),
    }).withHeaders({
      'content-range': `bytes */${size}`,
    });
  }
  if (resolved.kind === 'partial') headers.range = `bytes=${resolved.start}-${resolved.end}`;
  return headers;
}

/** The emulator's path: the key encoded as SigV4 canonicalizes it (the emulator checks our signature over it). */
function upstreamPath(parsed: ParsedRequest): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const rawPath =
    parsed.bucket === undefined
      ? '/'
      : `/${encode(parsed.bucket)}/${parsed.key === undefined ? '' : parsed.key.split('/').map(encode).join('/')}`;
  const query = parsed.query
    .filter(([name]) => !QUERY_AUTH_PARAMETERS.has(name))
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .join('&');
  return query ? `${rawPath}?${query}` : rawPath;
}

interface SpooledBody {
  readonly bytes: number;
  readonly sha256: Buffer;
  readonly md5: Buffer;
}

/** Writes the body to `file`, hashing it; `undefined` when the client went away before the end. */
async function spool(request: http.IncomingMessage, file: string): Promise<SpooledBody | undefined> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      sha256.update(chunk);
      md5.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(request, hashing, fs.createWriteStream(file, { mode: 0o600 }));
  } catch {
    return undefined;
  }
  // A body that ended before its Content-Length (the client half-closed) is incomplete.
  if (!request.complete) return undefined;
  return { bytes, sha256: sha256.digest(), md5: md5.digest() };
}

/** S3 keeps nothing of a body that is not the one declared and signed. */
function checkBody(parsed: ParsedRequest, signed: boolean, body: SpooledBody, declared: number): void {
  if (body.bytes !== declared) {
    throw new S3ErrorAnswer(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
  }
  const payloadHash = parsed.headers['x-amz-content-sha256'];
  if (signed && payloadHash && /^[0-9a-f]{64}$/.test(payloadHash) && payloadHash !== body.sha256.toString('hex')) {
    throw new S3ErrorAnswer(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      {
        ClientComputedContentSHA256: payloadHash,
        S3ComputedContentSHA256: body.sha256.toString('hex'),
      },
    );
  }
  const contentMd5 = parsed.headers['content-md5'];
  if (contentMd5 !== undefined && contentMd5 !== body.md5.toString('base64')) {
    throw new S3ErrorAnswer(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const checksum = parsed.headers['x-amz-checksum-sha256'];
  if (checksum !== undefined && checksum !== body.sha256.toString('base64')) {
    throw new S3ErrorAnswer(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
  }
}

/** After a write S3 accepted: a part's checksum, a completed upload's composite one, or an object replaced. */
function keepChecksums(state: FrontState, parsed: ParsedRequest, composite: string | undefined): void {
  const uploadId = parsed.queryMap.get('uploadId');
  if (parsed.key === undefined) return;
  if (parsed.method === 'PUT' && uploadId !== undefined) {
    state.checksums.partStored(uploadId, Number(parsed.queryMap.get('partNumber')), parsed.headers['x-amz-checksum-sha256']);
  } else if (parsed.method === 'POST' && uploadId !== undefined) {
    state.checksums.objectGone(parsed.key);
    state.checksums.uploadEnded(uploadId, parsed.key, composite);
  } else if (parsed.method === 'PUT' && !isSubresource(parsed)) {
    state.checksums.objectGone(parsed.key);
  }
}

/** A request on an object's tags or ACL, which leaves its bytes and checksum as they are. */
function isSubresource(parsed: ParsedRequest): boolean {
  return parsed.queryMap.has('tagging') || parsed.queryMap.has('acl');
}

/** After a DELETE S3 accepted: an aborted upload's part checksums, or a deleted object's composite one, are gone. */
function endUploadOrObject(state: FrontState, parsed: ParsedRequest): void {
  const uploadId = parsed.queryMap.get('uploadId');
  if (uploadId !== undefined) state.checksums.uploadEnded(uploadId);
  else if (parsed.key !== undefined && !isSubresource(parsed)) state.checksums.objectGone(parsed.key);
}

/** Requests whose outcome depends on the key's current state, made atomic by running one at a time per key. */
function isWrite(parsed: ParsedRequest): boolean {
  if (parsed.key === undefined) return false;
  if (parsed.method === 'PUT') return !parsed.queryMap.has('partNumber');
  return parsed.method === 'POST' && parsed.queryMap.has('uploadId');
}

async function serialized<T>(locks: Map<string, Promise<unknown>>, name: string, run: () => Promise<T>): Promise<T> {
  const previous = locks.get(name) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(run);
  locks.set(name, current);
  try {
    return await current;
  } finally {
    if (locks.get(name) === current) locks.delete(name);
  }
}

/** Sends the request to the emulator and its answer to the client, with S3's CORS headers. */
function forward(
  state: FrontState,
  parsed: ParsedRequest,
  headers: Record<string, string>,
  bodyFile: string | undefined,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  cors: Record<string, string>,
): Promise<number> {
  return signedForEmulator(state.options, parsed.method, upstreamPath(parsed), headers).then(
    (target) =>
      new Promise((resolve, reject) => {
        const outgoing = http.request(
          { socketPath: state.options.upstreamSocket, method: parsed.method, path: target.path, headers: target.headers },
          (answer) => {
            const answerHeaders: Record<string, string | string[]> = {};
            for (const [name, value] of Object.entries(answer.headers)) {
              if (value !== undefined && !CORS_RESPONSE_HEADERS.test(name) && name !== 'connection' && name !== 'keep-alive')
                answerHeaders[name] = value;
            }
            const status = answer.statusCode ?? 502;
            response.writeHead(status, { ...answerHeaders, ...cors });
            pipeline(answer, response).then(
              () => resolve(status),
              () => resolve(status),
            );
          },
        );
        outgoing.on('error', () => reject(new S3ErrorAnswer(503, 'ServiceUnavailable', 'Please reduce your request rate.')));
        // The client went away mid-answer: stop the emulator's side too.
        response.on('close', () => {
          if (!response.writableFinished) outgoing.destroy();
        });
        if (bodyFile === undefined) outgoing.end();
        else pipeline(fs.createReadStream(bodyFile), outgoing).catch(() => outgoing.destroy());
      }),
  );
}

/**
 * The request re-signed with the administrator's keys for the emulator's own SigV4 check (it
 * serves `response-*` overrides to signed requests only, as S3 does): the client's signature
 * was made for this front's host and is already verified.
 */
async function signedForEmulator(
  options: S3FrontOptions,
  method: string,
  pathAndQuery: string,
  headers: Record<string, string>,
): Promise<{ path: string; headers: Record<string, string> }> {
  const queryStart = pathAndQuery.indexOf('?');
  const rawPath = queryStart === -1 ? pathAndQuery : pathAndQuery.slice(0, queryStart);
  const query: Record<string, string | string[]> = {};
  for (const pair of (queryStart === -1 ? '' : pathAndQuery.slice(queryStart + 1)).split('&').filter(Boolean)) {
    const [name = '', value = ''] = pair.split('=').map((part) => decodeURIComponent(part));
    const existing = query[name];
    query[name] = existing === undefined ? value : [...[existing].flat(), value];
  }
  const signed = await emulatorSigner(options).sign(
    {
      method,
      protocol: 'http:',
      hostname: 'localhost',
      path: rawPath,
      query,
      headers: { ...headers, host: 'localhost', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    { signableHeaders: new Set(['host', 'x-amz-content-sha256', 'x-amz-date']) },
  );
  return { path: pathAndQuery, headers: signed.headers };
}

const signers = new WeakMap<S3FrontOptions, SignatureV4>();
function emulatorSigner(options: S3FrontOptions): SignatureV4 {
  let signer = signers.get(options);
  if (!signer) {
    signer = new SignatureV4({
      credentials: options.administrator,
      region: options.region,
      service: 's3',
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
      applyChecksum: false,
    });
    signers.set(options, signer);
  }
  return signer;
}

/** One request to the emulator, read whole (small answers only: heads, tags). */
function upstream(
  options: S3FrontOptions,
  request: { method: string; path: string; headers: Record<string, string> },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return signedForEmulator(options, request.method, request.path, request.headers).then(
    (target) =>
      new Promise((resolve, reject) => {
        const outgoing = http.request(
          { socketPath: options.upstreamSocket, method: request.method, path: target.path, headers: target.headers },
          (answer) => {
            let body = '';
            answer.setEncoding('utf8');
            answer.on('data', (chunk: string) => (body += chunk));
            answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body }));
            answer.on('error', reject);
          },
        );
        outgoing.on('error', () => reject(new S3ErrorAnswer(503, 'ServiceUnavailable', 'Please reduce your request rate.')));
        outgoing.end();
      }),
  );
}

function sendError(request: http.IncomingMessage, response: http.ServerResponse, error: S3ErrorAnswer, cors: Record<string, string>): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = request.method === 'HEAD' ? '' : error.toXml(request.url?.split('?')[0] ?? '/');
  // A refused body is not read: close the connection rather than drain what the client still sends.
  const unread = !request.complete;
  response.writeHead(error.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    ...error.headers,
    ...cors,
    ...(unread && { connection: 'close' }),
  });
  response.end(body);
  if (unread) request.resume();
}

/** The CORS rule's verdict on an origin, method and requested headers. */
function corsMatch(rule: CorsRule, origin: string, method: string, requestedHeaders: readonly string[]): boolean {
  const matches = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .toLowerCase()
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(value.toLowerCase());
  return (
    rule.allowedOrigins.some((allowed) => matches(allowed, origin)) &&
    rule.allowedMethods.includes(method as (typeof rule.allowedMethods)[number]) &&
    requestedHeaders.every((header) => rule.allowedHeaders.some((allowed) => matches(allowed, header)))
  );
}

function corsCommonHeaders(rule: CorsRule, origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    'access-control-allow-credentials': 'true',
    ...(rule.exposedHeaders.length > 0 && { 'access-control-expose-headers': rule.exposedHeaders.join(', ') }),
    'access-control-max-age': String(rule.maxAgeSeconds),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}

/** S3 adds the matching rule's CORS headers to every answer of a cross-origin request. */
function corsHeaders(rule: CorsRule, parsed: ParsedRequest): Record<string, string> {
  const origin = parsed.headers.origin;
  if (!origin || parsed.method === 'OPTIONS' || !corsMatch(rule, origin, parsed.method, [])) return {};
  return corsCommonHeaders(rule, origin);
}

/** A CORS preflight, answered as S3 does: the origin echoed when a rule allows it, 403 otherwise. */
function preflight(rule: CorsRule, parsed: ParsedRequest, request: http.IncomingMessage, response: http.ServerResponse): void {
  const origin = parsed.headers.origin;
  const method = parsed.headers['access-control-request-method'];
  if (!origin) {
    sendError(request, response, new S3ErrorAnswer(400, 'BadRequest', 'Insufficient information. Origin request header needed.'), {});
    return;
  }
  if (!method) {
    sendError(request, response, new S3ErrorAnswer(400, 'BadRequest', 'Invalid Access-Control-Request-Method: null'), {});
    return;
  }
  const requested = (parsed.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((header) => header.trim().toLowerCase())
    .filter(Boolean);
  if (!corsMatch(rule, origin, method, requested)) {
    sendError(
      request,
      response,
      new S3ErrorAnswer(
        403,
        'AccessForbidden',
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        { Method: method, ResourceType: parsed.key === undefined ? 'BUCKET' : 'OBJECT' },
      ),
      {},
    );
    return;
  }
  response.writeHead(200, {
    ...corsCommonHeaders(rule, origin),
    ...(requested.length > 0 && { 'access-control-allow-headers': requested.join(', ') }),
    'content-length': 0,
  });
  response.end();
}
