/**
 * Ownership does not depend on our code, locally too: with a bug injected into the handlers' key
 * handling (through jest's module seam, not a flag in production code), the URLs they sign for
 * another user's prefix are still refused by local S3, because it evaluates every request
 * against the synthesized signing-role and bucket policies as IAM would.
 */
import { startTestLocalMode, textBytes, type TestLocalMode } from './local-mode';
import { subOf } from './s3-requests';

jest.setTimeout(60_000);

/** The injected bug: while on, keys are made for, and accepted as, the victim's. */
const mockBug = { on: false, victim: '' };

jest.mock('../../lambdas/shared/keys', () => {
  const actual = jest.requireActual<typeof import('../../lambdas/shared/keys')>('../../lambdas/shared/keys');
  return {
    ...actual,
    objectKeyOf: (sub: string, fileId: string, safeName: string) => actual.objectKeyOf(mockBug.on ? mockBug.victim : sub, fileId, safeName),
  };
});

// The same bug on reads: while on, any user's record counts as the caller's own.
jest.mock('../../lambdas/shared/records', () => {
  const actual = jest.requireActual<typeof import('../../lambdas/shared/records')>('../../lambdas/shared/records');
  return {
    ...actual,
    fileRecords: (...args: Parameters<typeof actual.fileRecords>) => {
      const records = actual.fileRecords(...args);
      return { ...records, own: (id: string, sub: string) => (mockBug.on ? records.get(id) : records.own(id, sub)) };
    },
  };
});

let local: TestLocalMode;
const decisions: { action: string | undefined; resource: string; result: string }[] = [];
let aliceFile: { id: string; key: string };

beforeAll(async () => {
  local = await startTestLocalMode({}, { onS3Decision: (decision) => decisions.push(decision) });
  mockBug.victim = await subOf(local, 'alice');
  aliceFile = await local.client('alice').upload(textBytes(100), { filename: 'secret.txt', contentType: 'text/plain' });
  await local.stack.events.idle();
});

afterAll(() => local.stop());
afterEach(() => {
  mockBug.on = false;
});

const deniedOn = (action: string, key: string) =>
  decisions.filter((decision) => decision.action === action && decision.resource.endsWith(`/${key}`) && decision.result !== 'Allowed');

it('without the bug, the handler itself refuses a download of another user’s file (404: its existence is not revealed)', async () => {
  const answer = await local.api('POST', '/downloads', { token: await local.token('bob'), body: { id: aliceFile.id } });

  expect([answer.status, answer.body.error.code]).toEqual([404, 'NOT_FOUND']);
});

it("with the handler's key check broken, an upload URL signed for Bob under Alice's prefix is refused 403 AccessDenied and stores nothing", async () => {
  mockBug.on = true;
  const plan = await local.api('POST', '/uploads', {
    token: await local.token('bob'),
    body: { filename: 'planted.txt', contentType: 'text/plain', size: 5 },
  });
  expect(plan.status).toBe(200);
  expect(plan.body.key.startsWith(`users/${mockBug.victim}/`)).toBe(true);

  const put = await fetch(plan.body.url, { method: 'PUT', headers: plan.body.headers, body: 'owned' });

  expect(put.status).toBe(403);
  expect(await put.text()).toContain('<Code>AccessDenied</Code>');
  expect(deniedOn('s3:PutObject', plan.body.key)).toHaveLength(1);
  expect((await local.storedObjects()).some((line) => line.startsWith(plan.body.key))).toBe(false);
});

it("with the handler's record check broken, the URL Bob gets for Alice's file is refused by local S3: his reader session may not read her prefix", async () => {
  mockBug.on = true;
  const answer = await local.api('POST', '/downloads', { token: await local.token('bob'), body: { id: aliceFile.id } });
  expect(answer.status).toBe(200);

  const response = await fetch(answer.body.url);

  expect(response.status).toBe(403);
  expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  expect(deniedOn('s3:GetObject', aliceFile.key).length).toBeGreaterThan(0);
});
