/**
 * The operator's recount against a real DynamoDB API (dynalite): files stored before quotas were
 * enabled get counted, pending reservations are kept, and running it again changes nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planFor } from '../../lambdas/shared/plans';
import { fileRecords } from '../../lambdas/shared/records';
import { resolveSettings } from '../../lambdas/shared/settings';
import { usageLedger } from '../../lambdas/shared/usage-ledger';
import { recountUsage } from '../../lib/operations/usage-recount';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../local/dynamodb-emulator';

const TABLE = 'recount-test';
const NOW = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));
const SUB = 'd1b2c3a4-0000-4000-8000-000000000001';
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'recount-'));
let emulator: DynamoDbEmulator;

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ port: 0, directory, tableName: TABLE, region: 'eu-west-1' });
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('recount-usage', () => {
  it('counts files stored before quotas, keeps pending reservations, and is a no-op when run again', async () => {
    const records = fileRecords(emulator.client, TABLE);
    const ledger = usageLedger(emulator.client, TABLE);
    const file = (id: string, size: number) =>
      records.createPending({
        id,
        owner: SUB,
        key: `users/${SUB}/${id}/a.txt`,
        name: 'a.txt',
        size,
        contentType: 'text/plain',
        createdAt: NOW.toISOString(),
        urlExpiresAt: NOW.getTime() + 600_000,
      });
    const available = { status: 'available' as const, verifiedAt: NOW.toISOString(), sequencer: '0A' };
    // Two files stored before quotas: records, no usage.
    for (const [id, size] of [
      ['old00000000000000001', 100],
      ['old00000000000000002', 250],
    ] as const) {
      await file(id, size);
      await records.recordVerdict(id, available);
    }
    // One upload pending under quotas, and one rejected.
    await ledger.reserve(
      SUB,
      { id: 'new00000000000000001', size: 7, expiresAt: NOW.getTime() / 1000 + 3600 },
      planFor(resolveSettings({}), []),
      NOW,
    );
    await file('new00000000000000001', 7);
    await file('bad00000000000000001', 9);
    await records.recordVerdict('bad00000000000000001', { ...available, status: 'rejected', rejectedReason: 'SIZE_MISMATCH' });

    const first = await recountUsage(emulator.client, TABLE, SUB, NOW);
    const second = await recountUsage(emulator.client, TABLE, SUB, NOW);

    expect(first.before).toMatchObject({ committedBytes: 7, fileCount: 1 });
    expect(first.after).toEqual({
      committedBytes: 357,
      reservedBytes: 7,
      fileCount: 3,
      pendingCount: 1,
      entries: { new00000000000000001: { size: 7, expiresAt: NOW.getTime() / 1000 + 3600 } },
    });
    expect(first.newlyCounted).toBe(2);
    expect(second).toEqual({ before: first.after, after: first.after, newlyCounted: 0 });
    expect(await ledger.read(SUB, NOW)).toEqual(first.after);
    // Counted now: deleting one releases its bytes.
    await records.markDeleted('old00000000000000001', SUB, NOW);
    expect(await ledger.release(SUB, 'old00000000000000001', 100)).toBe(true);
    expect(await ledger.read(SUB, NOW)).toMatchObject({ committedBytes: 257, fileCount: 2 });
  });
});
