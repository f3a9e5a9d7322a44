/**
 * Security options over real HTTP in local mode: IP-bound URLs (the STS stand-in keeps the
 * session policy, local S3 evaluates it with `aws:SourceIp` from the connecting socket) and a
 * suspension written by the operator command against local mode's dynalite.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { promisify } from 'node:util';
const TEXT_BYTES = Buffer.from('meeting notes, plain UTF-8 text\n');
import { startTestLocalMode, type TestLocalMode } from './local-mode';

jest.setTimeout(60_000);

let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode({ bindUrlsToSourceIp: true });
});
afterAll(async () => {
  await local?.stop();
});

/** Sends a presigned request from `localAddress`: any 127.0.0.0/8 address is loopback on Linux, so S3 sees another source. */
function requestFrom(localAddress: string, url: string, method: string, headers: Record<string, string>, body?: Buffer) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(url, { method, headers, localAddress }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function issueUpload(user: 'alice' | 'bob' = 'alice') {
  const { status, body } = await local.api('POST', '/uploads', {
    token: await local.token(user),
    body: { filename: 'notes.txt', contentType: 'text/plain', size: TEXT_BYTES.length },
  });
  expect(status).toBe(200);
  return body as { id: string; key: string; url: string; headers: Record<string, string> };
}

describe('with bindUrlsToSourceIp on', () => {
  it('refuses an upload URL from another source address with 403, and accepts it from the caller’s', async () => {
    const plan = await issueUpload();

    const elsewhere = await requestFrom('127.0.0.2', plan.url, 'PUT', plan.headers, TEXT_BYTES);
    const fromCaller = await requestFrom('127.0.0.1', plan.url, 'PUT', plan.headers, TEXT_BYTES);

    expect(elsewhere.status).toBe(403);
    expect(elsewhere.text).toContain('AccessDenied');
    expect(fromCaller.status).toBe(200);
  });

  it('refuses a download URL from another source address, and serves it to the caller’s', async () => {
    const plan = await issueUpload();
    expect((await requestFrom('127.0.0.1', plan.url, 'PUT', plan.headers, TEXT_BYTES)).status).toBe(200);
    await local.stack.events.idle();
    const { status, body } = await local.api('POST', '/downloads', { token: await local.token('alice'), body: { id: plan.id } });
    expect(status).toBe(200);

    const elsewhere = await requestFrom('127.0.0.3', body.url as string, 'GET', {});
    const fromCaller = await requestFrom('127.0.0.1', body.url as string, 'GET', {});

    expect(elsewhere.status).toBe(403);
    expect(fromCaller).toEqual({ status: 200, text: TEXT_BYTES.toString('utf8') });
  });
});

describe('a user suspended with bin/suspend-user.ts', () => {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'bin', 'suspend-user.ts'), ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
    });

  it('gets 403 SUSPENDED on the next request, and can sign again once reinstated', async () => {
    const sub = (await issueUpload()).key.split('/')[1] ?? '';
    const table = ['--table', local.stack.outputs.TableName, '--endpoint', local.stack.outputs.DynamoDbEndpoint];

    await run('suspend', sub, ...table, '--reason', 'e2e');
    const refused = await local.api('POST', '/uploads', {
      token: await local.token('alice'),
      body: { filename: 'notes.txt', contentType: 'text/plain', size: 5 },
    });
    const bob = await local.api('POST', '/uploads', {
      token: await local.token('bob'),
      body: { filename: 'notes.txt', contentType: 'text/plain', size: 5 },
    });
    await run('reinstate', sub, ...table);
    const again = await local.api('POST', '/uploads', {
      token: await local.token('alice'),
      body: { filename: 'notes.txt', contentType: 'text/plain', size: 5 },
    });

    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'SUSPENDED' } } });
    expect(bob.status).toBe(200);
    expect(again.status).toBe(200);
  });
});
