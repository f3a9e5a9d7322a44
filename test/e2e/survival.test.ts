/**
 * Nothing a client sends can take local mode down: with request logging on (as `npm start`
 * runs), oversized bodies, slow sockets and a flood of bounded requests on loopback leave every
 * listener answering. Bounded: loopback only, fixed counts, fixed concurrency.
 */
import * as net from 'node:net';
import { startTestLocalMode, type TestLocalMode } from './local-mode';

jest.setTimeout(180_000);

let local: TestLocalMode;
const logLines: string[] = [];

beforeAll(async () => {
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => void logLines.push(String(line)));
  local = await startTestLocalMode({}, { logRequests: true });
});

afterAll(async () => {
  await local.stop();
  jest.restoreAllMocks();
});

const listeners = () => ({
  api: local.stack.outputs.ApiUrl,
  s3: local.stack.outputs.S3Endpoint,
  cognito: local.stack.outputs.CognitoEndpoint,
});

/** Every listener still answers: the API (401 without a token), S3 (403 unsigned), Cognito (its JWKS). */
async function everyListenerAnswers(): Promise<number[]> {
  return Promise.all([
    fetch(`${listeners().api}/files`).then((response) => response.status),
    fetch(`${listeners().s3}/${local.stack.outputs.BucketName}/x`).then((response) => response.status),
    fetch(local.stack.cognito.jwksUri).then((response) => response.status),
  ]);
}

/** Sends `count` requests, `concurrency` at a time, and counts the answers by status. */
async function flood(count: number, concurrency: number, request: (index: number) => Promise<number>): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        const status = await request(index).catch(() => 'failed');
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

it('D1 · answers an unauthenticated body one byte over 10 MiB with 413, logs it, and keeps serving', async () => {
  const answer = await fetch(`${listeners().api}/uploads`, { method: 'POST', body: new Uint8Array(10 * 1024 * 1024 + 1) }).catch(
    () => undefined,
  );
  await new Promise((resolve) => setImmediate(resolve));

  expect(answer?.status).toBe(413);
  expect(logLines.some((line) => line.includes('"status":413'))).toBe(true);
  expect(await everyListenerAnswers()).toEqual([401, 403, 200]);
});

it('survives 30 concurrent oversized bodies to the API and to S3', async () => {
  const body = new Uint8Array(10 * 1024 * 1024 + 1);
  const api = Array.from({ length: 30 }, () =>
    fetch(`${listeners().api}/uploads`, { method: 'POST', body }).then(
      (response) => response.status,
      () => 'reset',
    ),
  );
  // S3: unsigned PUTs declaring 6 GiB (over S3's largest single PUT), refused before their bodies are read.
  const s3 = Array.from({ length: 30 }, () => {
    const url = new URL(listeners().s3);
    return new Promise<string>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        socket.write(
          `PUT /${local.stack.outputs.BucketName}/big HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${6 * 1024 ** 3}\r\n\r\n`,
        );
        socket.write(Buffer.alloc(1024 * 1024));
      });
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString();
        socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    });
  });
  const [apiStatuses, s3Statuses] = await Promise.all([Promise.all(api), Promise.all(s3)]);

  expect(apiStatuses.every((status) => status === 413 || status === 'reset')).toBe(true);
  expect(apiStatuses.filter((status) => status === 413).length).toBeGreaterThan(0);
  expect(new Set(s3Statuses)).toEqual(new Set(['HTTP/1.1 403 Forbidden']));
  expect(await everyListenerAnswers()).toEqual([401, 403, 200]);
});

it('survives 200 slow sockets that never finish their request, and serves others meanwhile', async () => {
  const sockets: net.Socket[] = [];
  for (const endpoint of [listeners().api, listeners().s3]) {
    const url = new URL(endpoint);
    for (let index = 0; index < 100; index += 1) {
      const socket = net.connect(Number(url.port), url.hostname, () =>
        socket.write(`POST /uploads HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 1000\r\nX-Slow: `),
      );
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
  }
  await Promise.all(
    sockets.map((socket) => new Promise((resolve) => (socket.connecting ? socket.once('connect', resolve) : resolve(undefined)))),
  );

  expect(sockets).toHaveLength(200);
  expect(await everyListenerAnswers()).toEqual([401, 403, 200]);
  for (const socket of sockets) socket.destroy();
});

it('survives 10,000 bounded requests (50 at a time) across the API and S3, answering each with a 4xx', async () => {
  const statuses = await flood(10_000, 50, (index) => {
    const target = index % 2 === 0 ? `${listeners().api}/files` : `${listeners().s3}/${local.stack.outputs.BucketName}/?list-type=2`;
    return fetch(target).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    });
  });

  expect(statuses).toEqual({ 401: 5000, 403: 5000 });
  expect(await everyListenerAnswers()).toEqual([401, 403, 200]);
});
