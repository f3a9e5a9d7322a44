/**
 * Rate windows against a real DynamoDB API (dynalite, as local mode runs it): one conditional
 * write per request, exact under concurrency, reset by the clock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiError } from '../../../lambdas/shared/errors';
import { planFor } from '../../../lambdas/shared/plans';
import { rateWindows, type RateWindows } from '../../../lambdas/shared/rate-windows';
import { resolveSettings } from '../../../lambdas/shared/settings';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../local/dynamodb-emulator';
import { ALICE, BOB } from '../../builders';

let emulator: DynamoDbEmulator;
let rates: RateWindows;
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'rates-'));
const N = 8;
const plan = planFor(resolveSettings({ defaultPlan: { uploadUrlsPerMinute: N, downloadUrlsPerMinute: 2 * N } }), []);
const atSecond = (second: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, 0) + second * 1000);

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ port: 0, directory, tableName: 'rates-test', region: 'eu-west-1' });
  rates = rateWindows(emulator.client, 'rates-test');
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

async function storm(sub: string, requests: number, now: Date): Promise<{ granted: number; refused: ApiError[] }> {
  const outcomes = await Promise.allSettled(Array.from({ length: requests }, () => rates.take(sub, 'upload', plan, now)));
  const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as ApiError] : []));
  return { granted: outcomes.filter((outcome) => outcome.status === 'fulfilled').length, refused };
}

describe('rate windows', () => {
  it(`grant exactly ${N} of ${5 * N} concurrent requests in one window and refuse the rest with 429 RATE_LIMITED`, async () => {
    const { granted, refused } = await storm(ALICE, 5 * N, atSecond(10));

    expect(granted).toBe(N);
    expect(refused).toHaveLength(4 * N);
    expect(refused.every((error) => error instanceof ApiError && error.code === 'RATE_LIMITED' && error.status === 429)).toBe(true);
  });

  it('state Retry-After, RateLimit-Policy and RateLimit on a refusal, counted to the end of the window', async () => {
    await storm(BOB, N, atSecond(0));

    const { refused } = await storm(BOB, 1, atSecond(43));

    expect(refused[0]?.headers).toEqual({
      'retry-after': '17',
      'ratelimit-policy': `"upload";q=${N};w=60`,
      ratelimit: '"upload";r=0;t=17',
    });
    expect(refused[0]?.retryAfter).toBe(17);
  });

  it('grant again once the clock reaches the next window', async () => {
    const sub = 'c0c0c0c0-0000-4000-8000-000000000003';
    await storm(sub, 2 * N, atSecond(120));

    const next = await storm(sub, 2 * N, atSecond(180));

    expect(next.granted).toBe(N);
  });

  it('count each operation and each user apart, and say what remains', async () => {
    const sub = 'c0c0c0c0-0000-4000-8000-000000000004';
    await storm(sub, N, atSecond(240));

    const download = await rates.take(sub, 'download', plan, atSecond(240));
    const other = await rates.take('c0c0c0c0-0000-4000-8000-000000000005', 'upload', plan, atSecond(240));

    expect(download).toEqual({ limit: 2 * N, remaining: 2 * N - 1, resetAt: atSecond(300).toISOString() });
    expect(other.remaining).toBe(N - 1);
  });
});
