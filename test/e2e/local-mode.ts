/** Local mode for tests: free ports, a fresh data folder, signed-in clients. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileClient, signInWithPassword, type FileClient } from '../../client';
import type { FileServiceLimits } from '../../lambdas/shared/limits';
import { startLocalStack, type LocalStack } from '../../local/local-stack';

/** A running local mode and ways to talk to it. */
export interface TestLocalMode {
  readonly stack: LocalStack;
  readonly apiUrl: string;
  /** A fresh ID token of a seeded user. */
  token(username: 'alice' | 'bob'): Promise<string>;
  /** The typed client, signed in as a seeded user. */
  client(username: 'alice' | 'bob'): FileClient;
  /** Calls the API with a token, returning status and parsed body. */
  api(
    method: string,
    route: string,
    options?: { token?: string | null; body?: unknown; rawBody?: string },
  ): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- bodies vary per route; tests assert their shape
  stop(): Promise<void>;
}

/** Starts local mode on free ports with its data in a temporary folder. */
export async function startTestLocalMode(limits: Partial<FileServiceLimits> = {}): Promise<TestLocalMode> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'file-service-e2e-'));
  const stack = await startLocalStack({ apiPort: 0, s3Port: 0, cognitoPort: 0, directory, limits });
  const tokens = new Map<string, Promise<string>>();
  const token = (username: string) => {
    let pending = tokens.get(username);
    if (!pending) {
      pending = signInWithPassword({
        endpoint: stack.outputs.CognitoEndpoint,
        clientId: stack.outputs.UserPoolClientId,
        username,
        password: stack.users.find((user) => user.username === username)?.password ?? '',
      }).then((result) => result.idToken);
      tokens.set(username, pending);
    }
    return pending;
  };
  return {
    stack,
    apiUrl: stack.outputs.ApiUrl,
    token,
    client: (username) => createFileClient({ apiUrl: stack.outputs.ApiUrl, getToken: () => token(username) }),
    async api(method, route, options = {}) {
      const bearer = options.token === null ? undefined : (options.token ?? (await token('alice')));
      const response = await fetch(`${stack.outputs.ApiUrl}${route}`, {
        method,
        headers: { ...(bearer && { authorization: `Bearer ${bearer}` }), 'content-type': 'application/json' },
        body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
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
