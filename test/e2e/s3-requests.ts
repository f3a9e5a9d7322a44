/**
 * Requests to local S3 made by hand, for the conformance suite: a role session assumed from the
 * STS stand-in as the handlers assume it, URLs presigned with the SDK's own signer however a
 * test needs (a past date, extra headers), and raw HTTP where fetch would hide the behaviour.
 */
import * as net from 'node:net';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { TestLocalMode } from './local-mode';

/** Temporary credentials of a signing role's session. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The `sub` claim of a seeded user's ID token. */
export async function subOf(local: TestLocalMode, username: 'alice' | 'bob'): Promise<string> {
  const payload = (await local.token(username)).split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string }).sub;
}

/** A session of the role a function signs with (`uploads`, `downloads`), tagged with a user's id. */
export async function roleSession(local: TestLocalMode, signer: 'uploads' | 'downloads', userId: string): Promise<SessionCredentials> {
  const sts = new STSClient({
    endpoint: process.env.AWS_ENDPOINT_URL_STS,
    region: local.stack.outputs.Region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const answer = await sts.send(
    new AssumeRoleCommand({
      RoleArn: local.stack.signingRoles[signer],
      RoleSessionName: `u-${userId}`,
      DurationSeconds: 3600,
      Tags: [{ Key: 'userId', Value: userId }],
    }),
  );
  sts.destroy();
  const credentials = answer.Credentials;
  return {
    accessKeyId: credentials?.AccessKeyId ?? '',
    secretAccessKey: credentials?.SecretAccessKey ?? '',
    sessionToken: credentials?.SessionToken,
  };
}

/** What to presign. */
export interface PresignInput {
  readonly method: string;
  /** Object key (unencoded), or `undefined` for the bucket. */
  readonly key?: string;
  /** Signed headers, lower-case. */
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** @default 300 */
  readonly expiresIn?: number;
  /** @default now */
  readonly signingDate?: Date;
}

/** A presigned URL of local S3, made by the SDK's SigV4 signer. */
export async function presignedUrl(local: TestLocalMode, credentials: SessionCredentials, input: PresignInput): Promise<string> {
  const endpoint = new URL(local.stack.outputs.S3Endpoint);
  const headers = { host: endpoint.host, ...input.headers };
  const signer = new SignatureV4({
    credentials,
    region: local.stack.outputs.Region,
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  });
  const path = `/${local.stack.outputs.BucketName}/${(input.key ?? '').split('/').map(encodeRfc3986).join('/')}`;
  const signed = await signer.presign(
    {
      method: input.method,
      protocol: 'http:',
      hostname: endpoint.hostname,
      port: Number(endpoint.port),
      path,
      query: { ...input.query },
      headers: { ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    {
      expiresIn: input.expiresIn ?? 300,
      signingDate: input.signingDate ?? new Date(),
      signableHeaders: new Set(Object.keys(headers)),
      unsignableHeaders: new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set([...Object.keys(headers), 'x-amz-content-sha256']),
    },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(String(value))}`)
    .join('&');
  return `${local.stack.outputs.S3Endpoint}${path}?${query}`;
}

/** A header-signed request of local S3 (as SDK clients send), answered as status, headers and text. */
export async function headerSigned(
  local: TestLocalMode,
  credentials: SessionCredentials,
  input: {
    method: string;
    key?: string;
    encodedKey?: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: Buffer;
    payloadHash?: string;
  },
): Promise<Response> {
  const endpoint = new URL(local.stack.outputs.S3Endpoint);
  const body = input.body ?? Buffer.alloc(0);
  const signer = new SignatureV4({
    credentials,
    region: local.stack.outputs.Region,
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  });
  const path = `/${local.stack.outputs.BucketName}/${input.encodedKey ?? (input.key ?? '').split('/').map(encodeRfc3986).join('/')}`;
  const signed = await signer.sign({
    method: input.method,
    protocol: 'http:',
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path,
    query: { ...input.query },
    headers: {
      host: endpoint.host,
      ...(input.method === 'PUT' && { 'content-length': String(body.length) }),
      'x-amz-content-sha256': input.payloadHash ?? (await sha256Hex(body)),
      ...input.headers,
    },
    body,
  });
  const query = Object.entries(input.query ?? {})
    .map(([name, value]) => (value === '' ? encodeRfc3986(name) : `${encodeRfc3986(name)}=${encodeRfc3986(value)}`))
    .join('&');
  const { host: _host, ...headers } = signed.headers;
  return fetch(`${local.stack.outputs.S3Endpoint}${path}${query ? `?${query}` : ''}`, {
    method: input.method,
    headers,
    ...(input.method === 'PUT' || input.method === 'POST' ? { body: new Uint8Array(body) } : {}),
  });
}

async function sha256Hex(body: Buffer): Promise<string> {
  const hash = new Hash('sha256');
  hash.update(body);
  return Buffer.from(await hash.digest()).toString('hex');
}

/**
 * Sends a request over a raw socket, optionally ending early (a short body), and answers the
 * status line, or `closed` when the server closed without answering.
 */
export function rawRequest(endpoint: string, head: string, body: Buffer, options: { halfClose?: boolean } = {}): Promise<string> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.write(head);
      socket.write(body);
      if (options.halfClose) socket.end();
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n')) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer.split('\r\n')[0] || 'closed'));
  });
}

/** SigV4's URI encoding (RFC 3986 unreserved characters kept). */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
