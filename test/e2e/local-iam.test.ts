/**
 * Ownership does not depend on our code, locally too: with a bug injected into the handlers' key
 * handling (through jest's module seam, not a flag in production code), the URLs they sign for
 * another user's prefix are still refused by local S3, because it evaluates every request
 * against the synthesized signing-role and bucket policies as IAM would.
 */
import { patternedBytes, startTestLocalMode, type TestLocalMode } from './local-mode';
import { subOf } from './s3-requests';

jest.setTimeout(60_000);

/** The injected bug: while on, keys are made for, and accepted as, the victim's. */
const mockBug = { on: false, victim: '' };

jest.mock('../../lambdas/shared/keys', () => {
  const actual = jest.requireActual<typeof import('../../lambdas/shared/keys')>('../../lambdas/shared/keys');
  return {
    ...actual,
    newObjectKey: (sub: string, safeName: string, declaredSize?: number) =>
      actual.newObjectKey(mockBug.on ? mockBug.victim : sub, safeName, declaredSize),
    authorizeKey: (key: string, sub: string, access: Parameters<typeof actual.authorizeKey>[2]) =>
      actual.authorizeKey(key, mockBug.on ? (actual.parseObjectKey(key)?.ownerId ?? sub) : sub, access),
  };
});

let local: TestLocalMode;
const decisions: { action: string | undefined; resource: string; result: string }[] = [];
let aliceKey: string;

beforeAll(async () => {
  local = await startTestLocalMode({}, { onS3Decision: (decision) => decisions.push(decision) });
  mockBug.victim = await subOf(local, 'alice');
  ({ key: aliceKey } = await local.client('alice').upload(patternedBytes(100), { filename: 'secret.txt', contentType: 'text/plain' }));
});

afterAll(() => local.stop());
afterEach(() => {
  mockBug.on = false;
});

const deniedOn = (action: string, key: string) =>
  decisions.filter((decision) => decision.action === action && decision.resource.endsWith(`/${key}`) && decision.result !== 'Allowed');

it('without the bug, the handler itself refuses a download of another user’s key (403 FORBIDDEN_KEY)', async () => {
  const answer = await local.api('POST', '/downloads', { token: await local.token('bob'), body: { key: aliceKey } });

  expect([answer.status, answer.body.error.code]).toEqual([403, 'FORBIDDEN_KEY']);
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

it("with the handler's key check broken, Bob gets no working URL for Alice's file: local S3 refuses his reader session", async () => {
  mockBug.on = true;
  const answer = await local.api('POST', '/downloads', { token: await local.token('bob'), body: { key: aliceKey } });

  // The handler HEADs the object with Bob's reader session first: local S3 denies it, so the file is not found for him.
  expect(deniedOn('s3:GetObject', aliceKey).length).toBeGreaterThan(0);
  expect([answer.status, answer.body.error.code]).toEqual([404, 'NOT_FOUND']);
});
