import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHealthHandler, HEALTH_CACHE_MS } from '../../lambdas/health';

const event = {} as APIGatewayProxyEventV2;
let logs: jest.SpyInstance;
beforeEach(() => {
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logs.mockRestore());

function healthWith(table: () => Promise<unknown>, bucket: () => Promise<unknown> = async () => ({})) {
  let now = 1_000_000;
  const checks = { table: 0, bucket: 0 };
  const handler = createHealthHandler({
    checkTable: () => {
      checks.table += 1;
      return table();
    },
    checkBucket: () => {
      checks.bucket += 1;
      return bucket();
    },
    now: () => now,
  });
  return { handler, checks, advance: (ms: number) => (now += ms) };
}

describe('GET /health', () => {
  it('answers 200 {"status":"ok"} and nothing else when the table and the bucket answer', async () => {
    const { handler } = healthWith(async () => ({}));

    const answer = await handler(event);

    expect(answer).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: '{"status":"ok"}',
    });
  });

  it.each([
    ['the table', () => Promise.reject(new Error('ResourceNotFoundException: table arn:aws:dynamodb:... not found')), async () => ({})],
    ['the bucket', async () => ({}), () => Promise.reject(new Error('AccessDenied for arn:aws:s3:::bucket'))],
  ])('answers 503 {"status":"degraded"} when %s fails, naming nothing', async (_, table, bucket) => {
    const { handler } = healthWith(table, bucket);

    const answer = await handler(event);

    expect(answer.statusCode).toBe(503);
    expect(answer.body).toBe('{"status":"degraded"}');
  });

  it('checks once per cache period, however many requests come, and sees a recovery soon', async () => {
    let tableUp = false;
    const { handler, checks, advance } = healthWith(() => (tableUp ? Promise.resolve({}) : Promise.reject(new Error('down'))));

    await Promise.all([handler(event), handler(event), handler(event)]);
    tableUp = true;
    const cached = await handler(event);
    advance(HEALTH_CACHE_MS.degraded);
    const recovered = await handler(event);
    advance(HEALTH_CACHE_MS.ok - 1);
    await handler(event);

    expect(checks).toEqual({ table: 2, bucket: 2 });
    expect(cached.statusCode).toBe(503);
    expect(recovered.statusCode).toBe(200);
  });
});
