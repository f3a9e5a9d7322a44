import { groupsOfClaim, planFor } from '../../../lambdas/shared/plans';
import { resolveSettings } from '../../../lambdas/shared/settings';

const settings = resolveSettings({
  plans: { pro: { storageQuotaBytes: 100 * 2 ** 30, maxFileBytes: 2 ** 32 }, team: { maxFiles: 4000 } },
});

describe('plans', () => {
  it('give a user in no planned group the default plan', () => {
    expect(planFor(settings, ['staff'])).toMatchObject({ name: 'default', storageQuotaBytes: 10 * 2 ** 30, maxFiles: 1000 });
  });

  it("give a group's plan its own limits, the default plan's for the fields it leaves unset", () => {
    expect(planFor(settings, ['pro'])).toMatchObject({
      name: 'pro',
      storageQuotaBytes: 100 * 2 ** 30,
      maxFiles: 1000,
      maxFileBytes: 2 ** 32,
    });
  });

  it('give a user in several groups the plan listed first in the settings, whatever the claim order', () => {
    expect(planFor(settings, ['team', 'pro']).name).toBe('pro');
  });

  it('read the cognito:groups claim as API Gateway passes it, and as a list', () => {
    expect(groupsOfClaim('[team pro]')).toEqual(['team', 'pro']);
    expect(groupsOfClaim(['pro'])).toEqual(['pro']);
    expect(groupsOfClaim(undefined)).toEqual([]);
  });

  it('are refused when a limit is out of range or a group name looks like a number', () => {
    expect(() => resolveSettings({ defaultPlan: { maxPendingUploads: 0 } })).toThrow(/maxPendingUploads must be from 1/);
    expect(() => resolveSettings({ plans: { '42': {} } })).toThrow(/Cognito group name/);
    expect(() => resolveSettings({ plans: { pro: { maxFiles: 10, colour: 'red' } as never } })).toThrow(/colour is not a setting/);
  });
});
