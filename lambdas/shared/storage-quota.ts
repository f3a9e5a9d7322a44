/**
 * The storage quota as the handlers apply it: a reservation made before an upload URL is issued
 * (and released if issuing it fails), then settled by what becomes of the file's record.
 */
import { recordQuotaUsed } from './metrics';
import type { Plan } from './plans';
import { expiryOf, type StoredStatus } from './records';
import type { UsageLedger } from './usage-ledger';

/**
 * Reserves room for a new file, then runs `issue`; if it fails, the reservation is released, so
 * a failed request never holds room. Without a ledger (unit tests of other logic), just `issue`.
 */
export async function withReservation<Result>(
  usage: UsageLedger | undefined,
  request: { sub: string; id: string; size: number; plan: Plan; now: Date; urlTtlSeconds: number; signal?: AbortSignal },
  issue: () => Promise<Result>,
): Promise<Result> {
  if (!usage) return issue();
  const { sub, id, size, plan, now } = request;
  // The record expires a margin after its URL; its entry expires with it.
  const expiresAt = expiryOf(now.getTime() + request.urlTtlSeconds * 1000);
  const state = await usage.reserve(sub, { id, size, expiresAt }, plan, now, request.signal);
  if (plan.storageQuotaBytes > 0) recordQuotaUsed((100 * state.committedBytes) / plan.storageQuotaBytes);
  try {
    return await issue();
  } catch (error) {
    await usage.release(sub, id, size).catch(() => undefined);
    throw error;
  }
}

/**
 * Settles a file's entry by its record's status after a transition: `available` turns the
 * reservation into usage; `rejected`, `deleted` and `gone` (aborted, removed) release it.
 * Called after the record's own write, whether or not that write moved it, so a retry after a
 * crash between the two still settles it; the ledger makes repeats harmless.
 */
export async function settleUsage(
  usage: UsageLedger | undefined,
  record: { owner: string; id: string; size: number },
  status: StoredStatus | 'gone',
): Promise<void> {
  if (!usage || status === 'pending') return;
  if (status === 'available') await usage.confirm(record.owner, record.id, record.size);
  else await usage.release(record.owner, record.id, record.size);
}
