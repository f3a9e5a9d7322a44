/**
 * The uploads function with its rate windows in a real table (dynalite): the plan the caller's
 * group selects decides the rate and the largest file, and a refusal costs no STS call.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { rateWindows } from '../../lambdas/shared/rate-windows';
import { createUploadsHandler } from '../../lambdas/uploads';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../local/dynamodb-emulator';
import { ALICE, BOB, aContext, anApiEvent, anUploadRequest, answerOf, stsCredentials, testDependencies } from '../builders';

const sts = mockClient(STSClient);
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'upload-rates-'));
let emulator: DynamoDbEmulator;
let logs: jest.SpyInstance;
const settings = {
  defaultPlan: { uploadUrlsPerMinute: 3, maxFileBytes: 1000 },
  plans: { pro: { uploadUrlsPerMinute: 6, maxFileBytes: 5000 } },
};

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ port: 0, directory, tableName: 'upload-rates', region: 'eu-west-1' });
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});
beforeEach(() => {
  sts.reset();
  sts.on(AssumeRoleCommand).resolves(stsCredentials());
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logs.mockRestore());

function uploadsHandler() {
  const dependencies = testDependencies({ settings });
  let sessions = 0;
  const handler = createUploadsHandler({
    ...dependencies,
    rates: rateWindows(emulator.client, 'upload-rates'),
    sessions: { sessionFor: (...args) => ((sessions += 1), dependencies.sessions.sessionFor(...args)) },
  });
  const upload = async (sub: string, body: Record<string, unknown>, groups?: string) => {
    const event = anApiEvent({ routeKey: 'POST /uploads', body, sub });
    if (groups) event.requestContext.authorizer.jwt.claims['cognito:groups'] = groups;
    return answerOf(await handler(event, aContext));
  };
  return { upload, sessions: () => sessions };
}

describe('POST /uploads with rate windows', () => {
  it('answers 429 RATE_LIMITED past the plan rate, with Retry-After, the RateLimit headers and retryAfter in the body, before any STS call', async () => {
    const { upload, sessions } = uploadsHandler();
    const granted = [];
    for (let request = 0; request < 3; request += 1) granted.push(await upload(ALICE, anUploadRequest({ size: 10 })));

    const refused = await upload(ALICE, anUploadRequest({ size: 10 }));

    expect(granted.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(refused.headers).toMatchObject({
      'retry-after': String(refused.body.error.retryAfter),
      'ratelimit-policy': '"upload";q=3;w=60',
      ratelimit: `"upload";r=0;t=${refused.body.error.retryAfter}`,
    });
    expect(sessions()).toBe(3);
  });

  it("applies the pro plan's larger file limit and rate to a user in group pro, not to a user in none", async () => {
    const { upload } = uploadsHandler();

    const bobs = [];
    for (let request = 0; request < 6; request += 1) bobs.push((await upload(BOB, anUploadRequest({ size: 4000 }), '[pro]')).status);
    const alices = await upload('33333333-cccc-4ccc-8ccc-333333333333', anUploadRequest({ size: 4000 }));

    expect(bobs).toEqual([200, 200, 200, 200, 200, 200]);
    expect(alices.status).toBe(413);
    expect(alices.body.error.code).toBe('FILE_TOO_LARGE');
  });
});
