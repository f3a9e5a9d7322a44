/**
 * `GET /usage` (answered by the downloads function): the caller's plan, their storage against it
 * (expired reservations released first) and both URL rate windows, read without counting.
 */
import type { Usage } from '../contract/answers';
import type { RecordDependencies } from './shared/dependencies';
import { ApiError } from './shared/errors';
import type { ApiResult, Caller } from './shared/http';
import { planFor } from './shared/plans';
import { quotaFigures } from './shared/usage-ledger';

/** The caller's usage answer. */
export async function usageAnswer(deps: RecordDependencies, caller: Caller): Promise<ApiResult> {
  const { usage, rates } = deps;
  if (!usage || !rates) throw new ApiError('STORAGE_UNAVAILABLE', 'Usage is not available right now; try again shortly.');
  const plan = planFor(deps.settings, caller.groups);
  const now = deps.now?.() ?? new Date();
  const [state, upload, download] = await Promise.all([
    usage.read(caller.sub, now, caller.signal),
    rates.peek(caller.sub, 'upload', plan, now, caller.signal),
    rates.peek(caller.sub, 'download', plan, now, caller.signal),
  ]);
  const answer: Usage = {
    plan: plan.name,
    ...quotaFigures(state, plan),
    maxFileBytes: plan.maxFileBytes,
    pendingUploads: state.pendingCount,
    maxPendingUploads: plan.maxPendingUploads,
    maxDownloadUrlTtlSeconds: plan.maxDownloadUrlTtlSeconds,
    rate: { upload, download },
  };
  return { status: 200, body: answer };
}
