/** An in-memory `FileRecords` for handler unit tests: the same forward-only transitions, no table. */
import type { FileRecords, StoredRecord } from '../lambdas/shared/records';

/** A fake table; `records` is the state, to arrange and assess. */
export function memoryRecords(): FileRecords & { readonly records: Map<string, StoredRecord> } {
  const records = new Map<string, StoredRecord>();
  const update = (id: string, change: Partial<StoredRecord>) => {
    const record = records.get(id);
    if (record) records.set(id, { ...record, ...change });
  };
  return {
    records,
    async createPending(record) {
      records.set(record.id, { ...record, status: 'pending', storedStatus: 'pending' });
    },
    async get(id) {
      return records.get(id);
    },
    async own(id, sub) {
      const record = records.get(id);
      return record && record.owner === sub && record.storedStatus !== 'deleted' ? record : undefined;
    },
    async list(sub, options) {
      const own = [...records.values()]
        .filter(
          (record) => record.owner === sub && record.storedStatus !== 'deleted' && (!options.status || record.status === options.status),
        )
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return { records: own.slice(0, options.limit) };
    },
    async extendExpiry() {},
    async recordVerdict(id, verdict) {
      if (records.get(id)?.storedStatus !== 'pending') return false;
      update(id, { ...verdict, storedStatus: verdict.status });
      return true;
    },
    async recordVerdictHalf(id, half) {
      if (records.get(id)?.storedStatus !== 'pending') return undefined;
      update(
        id,
        half.half === 'content'
          ? { contentCheckedAt: half.checkedAt, sequencer: half.sequencer }
          : { scanResult: half.scanResult, scannedAt: half.scannedAt },
      );
      return records.get(id);
    },
    async markDeleted(id, sub) {
      const record = records.get(id);
      if (!record || record.owner !== sub || record.storedStatus === 'deleted') return undefined;
      update(id, { storedStatus: 'deleted' });
      return record;
    },
    async removePending(id, sub) {
      const record = records.get(id);
      if (!record || record.owner !== sub || record.storedStatus !== 'pending') return false;
      return records.delete(id);
    },
    async removeAfterObjectDeleted(id) {
      return records.delete(id);
    },
  };
}
