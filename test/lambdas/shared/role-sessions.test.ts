import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { assumeRoleSessions } from '../../../lambdas/shared/role-sessions';
import { ALICE, BOB, NOW, stsCredentials } from '../../builders';

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
