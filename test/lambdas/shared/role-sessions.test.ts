import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { metrics } from '../../../lambdas/shared/metrics';
import { assumeRoleSessions } from '../../../lambdas/shared/role-sessions';
import { ALICE, BOB, NOW, stsCredentials } from '../../builders';
import { captureMetrics } from '../../emf';

const sts = mockClient(STSClient);
const roleArn = 'arn:aws:iam::111122223333:role/signer';

beforeEach(() => {
  sts.reset();
  sts.on(AssumeRoleCommand).resolves(stsCredentials());
});

function sessions(options: { now?: () => number; maxCachedUsers?: number } = {}) {
  return assumeRoleSessions({ sts: new STSClient({}), roleArn, now: () => NOW, ...options });
}

describe('assumeRoleSessions', () => {
  it('shares one AssumeRole among concurrent requests of one user', async () => {
    const source = sessions();

    const [first, second] = await Promise.all([source.sessionFor(ALICE, 600), source.sessionFor(ALICE, 600)]);

    expect(first).toBe(second);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('names the session after the user, so CloudTrail and S3 access logs show who signed', async () => {
    await sessions().sessionFor(ALICE, 600);

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleSessionName).toBe(`u-${ALICE}`);
  });

  it('drops the least recently used user when the cache is full', async () => {
    const source = sessions({ maxCachedUsers: 1 });

    await source.sessionFor(ALICE, 600);
    await source.sessionFor(BOB, 600);
    await source.sessionFor(ALICE, 600);

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });

  it('does not keep a failed AssumeRole', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(new Error('AccessDenied')).resolves(stsCredentials());
    const source = sessions();

    await expect(source.sessionFor(ALICE, 600)).rejects.toMatchObject({ code: 'SIGNING_UNAVAILABLE', status: 503 });
    await expect(source.sessionFor(ALICE, 600)).resolves.toMatchObject({ userId: ALICE });
  });

  it('answers 503 when STS answers without credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});

    await expect(sessions().sessionFor(ALICE, 600)).rejects.toMatchObject({ code: 'SIGNING_UNAVAILABLE' });
  });

  it('returns a fresh session even when it cannot cover the whole URL lifetime', async () => {
    sts.on(AssumeRoleCommand).resolves(stsCredentials(120));

    const session = await sessions().sessionFor(ALICE, 600);

    expect(session.expiresAt).toBe(NOW + 120_000);
  });
});

describe('assumeRoleSessions metrics', () => {
  let emf: ReturnType<typeof captureMetrics>;

  beforeEach(() => {
    metrics.clearMetrics();
    emf = captureMetrics();
  });
  afterEach(() => emf.restore());

  /** What the handler's middleware would flush at the end of the invocation. */
  function flushedCounts(): Record<string, unknown> {
    metrics.publishStoredMetrics();
    const [batch] = emf.lines();
    return { SessionCacheHits: batch?.SessionCacheHits, StsCalls: batch?.StsCalls };
  }

  it('counts one STS call per AssumeRole and a cache hit per session served without one', async () => {
    const source = sessions();

    await Promise.all([source.sessionFor(ALICE, 600), source.sessionFor(ALICE, 600)]);
    await source.sessionFor(ALICE, 600);
    await source.sessionFor(BOB, 600);

    expect(flushedCounts()).toEqual({ SessionCacheHits: [1, 1], StsCalls: [1, 1] });
  });

  it('counts a refresh of a session about to expire as an STS call', async () => {
    let now = NOW;
    const source = sessions({ now: () => now });
    await source.sessionFor(ALICE, 600);

    now = NOW + 3600 * 1000;
    await source.sessionFor(ALICE, 600);

    expect(flushedCounts()).toEqual({ SessionCacheHits: undefined, StsCalls: [1, 1] });
  });

  it('times the AssumeRole call, failed or not', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(new Error('AccessDenied')).resolves(stsCredentials());
    const source = sessions();

    await source.sessionFor(ALICE, 600).catch(() => undefined);
    await source.sessionFor(ALICE, 600);

    metrics.publishStoredMetrics();
    expect(emf.lines()[0]?.StsLatency).toEqual([expect.any(Number), expect.any(Number)]);
  });
});
