/** Local mode for tests: free ports, a fresh data folder, signed-in clients. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createFileClient, signInWithPassword, type CognitoTokens, type FileClient } from '../../client';
import type { FileServiceSettingsInput } from '../../lambdas/shared/settings';
import { startLocalMode, type LocalMode, type LocalModeOptions } from '../../local/local-mode';
import { S3_EMULATOR_CREDENTIALS } from '../../local/s3-emulator';

/** A running local mode and ways to talk to it. */
export interface TestLocalMode {
  readonly stack: LocalMode;
  readonly apiUrl: string;
  /** A fresh access token of a seeded user (what the API accepts). */
  token(username: 'alice' | 'bob'): Promise<string>;
  /** A fresh ID token of a seeded user (which the API refuses). */
  idToken(username: 'alice' | 'bob'): Promise<string>;
  /** The typed client, signed in as a seeded user. */
  client(username: 'alice' | 'bob'): FileClient;
  /** Calls the API with a token, returning status and parsed body. */
  api(
    method: string,
    route: string,
    options?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- bodies vary per route; tests assert their shape
  /** Every object in the bucket as `key size etag`, listed through the emulator with its own credentials, not a user's. */
  storedObjects(): Promise<string[]>;
  /** Multipart uploads the emulator still holds (s3rver has no ListMultipartUploads: it keeps each in a folder of its own). */
  pendingUploads(): string[];
  stop(): Promise<void>;
}

/** Starts local mode on free ports with its data in a temporary folder. */
export async function startTestLocalMode(
  settings: FileServiceSettingsInput = {},
  options: Pick<LocalModeOptions, 'now' | 'onS3Decision' | 'logRequests'> = {},
): Promise<TestLocalMode> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'file-service-e2e-'));
  const stack = await startLocalMode({ apiPort: 0, s3Port: 0, cognitoPort: 0, dynamoDbPort: 0, directory, settings, ...options });
  const signedIn = new Map<string, Promise<CognitoTokens>>();
  const signIn = (username: string) => {
    let pending = signedIn.get(username);
    if (!pending) {
      pending = signInWithPassword({
        endpoint: stack.outputs.CognitoEndpoint,
        clientId: stack.outputs.UserPoolClientId,
        username,
        password: stack.users.find((user) => user.username === username)?.password ?? '',
      });
      signedIn.set(username, pending);
    }
    return pending;
  };
  const token = async (username: string) => (await signIn(username)).accessToken;
  return {
    stack,
    apiUrl: stack.outputs.ApiUrl,
    token,
    idToken: async (username) => (await signIn(username)).idToken,
    client: (username) => createFileClient({ apiUrl: stack.outputs.ApiUrl, getToken: () => token(username) }),
    async api(method, route, options = {}) {
      const bearer = options.token === null ? undefined : (options.token ?? (await token('alice')));
      const response = await fetch(`${stack.outputs.ApiUrl}${route}`, {
        method,
        headers: { ...(bearer && { authorization: `Bearer ${bearer}` }), 'content-type': 'application/json', ...options.headers },
        body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async storedObjects() {
      const s3 = new S3Client({
        endpoint: stack.outputs.S3Endpoint,
        region: stack.outputs.Region,
        credentials: S3_EMULATOR_CREDENTIALS,
        forcePathStyle: true,
      });
      const objects: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.outputs.BucketName, ContinuationToken: cursor }));
        objects.push(...(page.Contents ?? []).map(({ Key, Size, ETag }) => `${Key} ${Size} ${ETag}`));
        cursor = page.NextContinuationToken;
      } while (cursor);
      s3.destroy();
      return objects;
    },
    pendingUploads() {
      const bucketDirectory = path.join(stack.s3.directory, stack.outputs.BucketName);
      const uploads = fs.readdirSync(bucketDirectory).find((entry) => entry.includes('uploads'));
      return uploads ? fs.readdirSync(path.join(bucketDirectory, uploads)) : [];
    },
    async stop() {
      await stack.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Bytes that differ at every position, so a misplaced slice shows. */
export function patternedBytes(size: number, seed = 7): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index += 1) bytes[index] = (index * 31 + seed) % 251;
  return bytes;
}

/** An MP4 of `size` bytes as the verifier sees it: an ISO media `ftyp` box, then patterned bytes. */
export function mp4Bytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = patternedBytes(size);
  bytes.set([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')]);
  return bytes;
}

/** UTF-8 text of `size` bytes, different at every line. */
export function textBytes(size: number): Uint8Array<ArrayBuffer> {
  const text = Array.from({ length: Math.ceil(size / 8) }, (_, line) => `${String(line).padStart(7, '0')}\n`).join('');
  return new Uint8Array(Buffer.from(text.slice(0, size)));
}
