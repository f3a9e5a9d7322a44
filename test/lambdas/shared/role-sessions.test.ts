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

const CALLER_IP = '203.0.113.10';

function callerOf(sub: string, sourceIp = CALLER_IP) {
  return { sub, sourceIp };
}

function sessions(options: { now?: () => number; maxCachedUsers?: number; bindToSourceIp?: boolean } = {}) {
  return assumeRoleSessions({ sts: new STSClient({}), roleArn, now: () => NOW, ...options });
}

describe('assumeRoleSessions', () => {
  it('shares one AssumeRole among concurrent requests of one user', async () => {
    const source = sessions();

    const [first, second] = await Promise.all([source.sessionFor(callerOf(ALICE), 600), source.sessionFor(callerOf(ALICE), 600)]);

    expect(first).toBe(second);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('names the session after the user, so CloudTrail and S3 access logs show who signed', async () => {
    await sessions().sessionFor(callerOf(ALICE), 600);

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleSessionName).toBe(`u-${ALICE}`);
  });

  it('drops the least recently used user when the cache is full', async () => {
    const source = sessions({ maxCachedUsers: 1 });

    await source.sessionFor(callerOf(ALICE), 600);
    await source.sessionFor(callerOf(BOB), 600);
    await source.sessionFor(callerOf(ALICE), 600);

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });

  it('does not keep a failed AssumeRole', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(new Error('AccessDenied')).resolves(stsCredentials());
    const source = sessions();

    await expect(source.sessionFor(callerOf(ALICE), 600)).rejects.toMatchObject({ code: 'SIGNING_UNAVAILABLE', status: 503 });
    await expect(source.sessionFor(callerOf(ALICE), 600)).resolves.toMatchObject({ userId: ALICE });
  });

  it('answers 503 when STS answers without credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});

    await expect(sessions().sessionFor(callerOf(ALICE), 600)).rejects.toMatchObject({ code: 'SIGNING_UNAVAILABLE' });
  });

  it('returns a fresh session even when it cannot cover the whole URL lifetime', async () => {
    sts.on(AssumeRoleCommand).resolves(stsCredentials(120));

    const session = await sessions().sessionFor(callerOf(ALICE), 600);

    expect(session.expiresAt).toBe(NOW + 120_000);
  });
});

describe('assumeRoleSessions bound to the source IP', () => {
  it('assumes the role with no session policy when binding is off', async () => {
    await sessions().sessionFor(callerOf(ALICE), 600);

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Policy).toBeUndefined();
  });

  it("assumes the role with a session policy allowing only the caller's address", async () => {
    const session = await sessions({ bindToSourceIp: true }).sessionFor(callerOf(ALICE), 600);

    const policy = JSON.parse(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Policy ?? '{}') as unknown;
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyFromTheCallersAddress',
          Effect: 'Allow',
          Action: 's3:*',
          Resource: '*',
          Condition: { IpAddress: { 'aws:SourceIp': `${CALLER_IP}/32` } },
        },
      ],
    });
    expect(session.boundToIp).toBe(CALLER_IP);
  });

  it('binds an IPv6 caller to its one address (/128)', async () => {
    await sessions({ bindToSourceIp: true }).sessionFor(callerOf(ALICE, '2001:db8::7'), 600);

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Policy).toContain('"2001:db8::7/128"');
  });

  it('never reuses a session bound to one address for a request from another', async () => {
    const source = sessions({ bindToSourceIp: true });

    const first = await source.sessionFor(callerOf(ALICE, '203.0.113.10'), 600);
    const second = await source.sessionFor(callerOf(ALICE, '198.51.100.20'), 600);
    const again = await source.sessionFor(callerOf(ALICE, '203.0.113.10'), 600);

    expect(second).not.toBe(first);
    expect(again).toBe(first);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it("leaves the function's own S3 calls unbound: they come from the Lambda's address", async () => {
    const source = sessions({ bindToSourceIp: true });

    const session = await source.sessionFor(callerOf(ALICE), 60, 'server');

    expect(session.boundToIp).toBeUndefined();
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Policy).toBeUndefined();
  });

  it('refuses to bind to a source that is not an IP address, rather than sign unbound', async () => {
    await expect(sessions({ bindToSourceIp: true }).sessionFor(callerOf(ALICE, 'unknown'), 600)).rejects.toMatchObject({
      code: 'SIGNING_UNAVAILABLE',
    });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});

describe('assumeRoleSessions metrics', () => {
  let emf: ReturnType<typeof captureMetrics>;

  beforeEach(() => {
    metrics.clearMetrics();
    emf = captureMetrics();
  });
  afterEach(() => emf.restore());

  /** The metrics the handler's middleware would flush at the end of the invocation, by name. */
  function flushedCounts(): Record<string, unknown> {
    metrics.publishStoredMetrics();
    const [batch] = emf.lines();
    const names = batch?._aws.CloudWatchMetrics.flatMap(({ Metrics }) => Metrics.map(({ Name }) => Name)) ?? [];
    return Object.fromEntries(names.filter((name) => name !== 'StsLatency').map((name) => [name, batch?.[name]]));
  }

  it('counts one STS call per AssumeRole, and nothing for a session served from the cache', async () => {
    const source = sessions();

    await Promise.all([source.sessionFor(callerOf(ALICE), 600), source.sessionFor(callerOf(ALICE), 600)]);
    await source.sessionFor(callerOf(ALICE), 600);
    await source.sessionFor(callerOf(BOB), 600);

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(flushedCounts()).toEqual({ StsCalls: [1, 1] });
  });

  it('counts a refresh of a session about to expire as an STS call', async () => {
    let now = NOW;
    const source = sessions({ now: () => now });
    await source.sessionFor(callerOf(ALICE), 600);

    now = NOW + 3600 * 1000;
    await source.sessionFor(callerOf(ALICE), 600);

    expect(flushedCounts()).toEqual({ StsCalls: [1, 1] });
  });

  it('times the AssumeRole call, failed or not', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(new Error('AccessDenied')).resolves(stsCredentials());
    const source = sessions();

    await source.sessionFor(callerOf(ALICE), 600).catch(() => undefined);
    await source.sessionFor(callerOf(ALICE), 600);

    metrics.publishStoredMetrics();
    expect(emf.lines()[0]?.StsLatency).toEqual([expect.any(Number), expect.any(Number)]);
  });
});
