/**
 * The storage quota's ledger against a real DynamoDB API (dynalite, as local mode runs it): exact
 * at the edge under concurrency, and counters that always equal the sum of the ledger's entries,
 * whatever order and however often the events come.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ApiError } from '../../../lambdas/shared/errors';
import { planFor } from '../../../lambdas/shared/plans';
import { resolveSettings } from '../../../lambdas/shared/settings';
import { usageLedger, type UsageLedger, type UsageState } from '../../../lambdas/shared/usage-ledger';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../local/dynamodb-emulator';

let emulator: DynamoDbEmulator;
let ledger: UsageLedger;
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'usage-'));
const N = 6;
const NOW = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));
const nowSeconds = NOW.getTime() / 1000;
const planOf = (limits: Record<string, number>) => planFor(resolveSettings({ defaultPlan: limits }), []);
let users = 0;
const aUser = () => `user-${(users += 1)}`;
const anId = (n: number) => `file${String(n).padStart(18, '0')}`;

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ port: 0, directory, tableName: 'usage-test', region: 'eu-west-1' });
  ledger = usageLedger(emulator.client, 'usage-test');
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

async function storm(sub: string, sizes: number[], plan: ReturnType<typeof planOf>) {
  const outcomes = await Promise.allSettled(
    sizes.map((size, n) => ledger.reserve(sub, { id: anId(n), size, expiresAt: nowSeconds + 3600 }, plan, NOW)),
  );
  const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as ApiError] : []));
  return { granted: outcomes.length - refused.length, refused };
}

/** The counters must be exactly what the entries add up to, and never negative. */
function expectConsistent(state: UsageState): void {
  const entries = Object.values(state.entries);
  const reserved = entries.filter((entry) => entry.state === 'reserved');
  expect({
    committedBytes: state.committedBytes,
    reservedBytes: state.reservedBytes,
    fileCount: state.fileCount,
    pendingCount: state.pendingCount,
  }).toEqual({
    committedBytes: entries.reduce((sum, entry) => sum + entry.size, 0),
    reservedBytes: reserved.reduce((sum, entry) => sum + entry.size, 0),
    fileCount: entries.length,
    pendingCount: reserved.length,
  });
  for (const counter of [state.committedBytes, state.reservedBytes, state.fileCount, state.pendingCount])
    expect(counter).toBeGreaterThanOrEqual(0);
}

describe('the usage ledger', () => {
  it(`grants exactly ${N} of ${5 * N} concurrent reservations with maxFiles ${N}, and refuses the rest with 403 QUOTA_EXCEEDED and the figures`, async () => {
    const sub = aUser();
    const { granted, refused } = await storm(sub, Array(5 * N).fill(10), planOf({ maxFiles: N, maxPendingUploads: 1000 }));

    expect(granted).toBe(N);
    expect(refused).toHaveLength(4 * N);
    for (const error of refused) {
      expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 403 });
      expect(error.quota).toEqual({ usedBytes: 0, reservedBytes: 10 * N, quotaBytes: 10 * 2 ** 30, files: N, maxFiles: N });
      expect(error.message).toMatch(/files: 6 of 6/);
    }
    expectConsistent(await ledger.read(sub, NOW));
  });

  it('grants exactly as many concurrent reservations as fit in a quota of B bytes, and names the storage limit', async () => {
    const sub = aUser();
    const { granted, refused } = await storm(sub, Array(5 * N).fill(100), planOf({ storageQuotaBytes: 100 * N + 99 }));

    expect(granted).toBe(N);
    expect(refused).toHaveLength(4 * N);
    expect(refused[0]?.quota).toMatchObject({ reservedBytes: 100 * N, quotaBytes: 100 * N + 99 });
    expect(refused[0]?.message).toMatch(/storage: 0 bytes used and 600 reserved of 699/);
  });

  it('refuses past maxPendingUploads even with room left, and names pending uploads', async () => {
    const sub = aUser();
    const { granted, refused } = await storm(sub, Array(10).fill(1), planOf({ maxPendingUploads: 3 }));

    expect(granted).toBe(3);
    expect(refused[0]?.message).toMatch(/pending uploads: 3 of 3/);
  });

  it('refuses a file larger than the whole quota without writing anything', async () => {
    const sub = aUser();
    await expect(
      ledger.reserve(sub, { id: anId(1), size: 101, expiresAt: nowSeconds + 60 }, planOf({ storageQuotaBytes: 100 }), NOW),
    ).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: { usedBytes: 0, reservedBytes: 0, files: 0 },
    });
    expect((await ledger.read(sub, NOW)).entries).toEqual({});
  });

  it("releases a never-used URL's reservation once its record has expired: on read, and when a reserve would be refused", async () => {
    const sub = aUser();
    const plan = planOf({ maxFiles: 1 });
    await ledger.reserve(sub, { id: anId(1), size: 50, expiresAt: nowSeconds + 60 }, plan, NOW);
    const later = new Date(NOW.getTime() + 61_000);

    await expect(ledger.reserve(sub, { id: anId(2), size: 50, expiresAt: nowSeconds + 600 }, plan, NOW)).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
    expect(await ledger.read(sub, NOW)).toMatchObject({ reservedBytes: 50, fileCount: 1 });
    const granted = await ledger.reserve(sub, { id: anId(2), size: 40, expiresAt: nowSeconds + 600 }, plan, later);

    expect(granted).toMatchObject({ committedBytes: 40, reservedBytes: 40, fileCount: 1, pendingCount: 1 });
    expect(Object.keys(granted.entries)).toEqual([anId(2)]);
    await ledger.release(sub, anId(2), 40);
    await ledger.reserve(sub, { id: anId(3), size: 5, expiresAt: nowSeconds + 60 }, planOf({}), NOW);
    expect(await ledger.read(sub, later)).toMatchObject({ committedBytes: 0, fileCount: 0, entries: {} });
  });

  it('never expires a confirmed file, and extends a reservation with its record', async () => {
    const sub = aUser();
    const plan = planOf({});
    await ledger.reserve(sub, { id: anId(1), size: 7, expiresAt: nowSeconds + 60 }, plan, NOW);
    await ledger.reserve(sub, { id: anId(2), size: 9, expiresAt: nowSeconds + 60 }, plan, NOW);
    await ledger.confirm(sub, anId(1), 7);
    await ledger.extend(sub, anId(2), nowSeconds + 600);

    expect(await ledger.read(sub, new Date(NOW.getTime() + 120_000))).toMatchObject({ committedBytes: 16, reservedBytes: 9, fileCount: 2 });
    expect(await ledger.read(sub, new Date(NOW.getTime() + 601_000))).toMatchObject({ committedBytes: 7, reservedBytes: 0, fileCount: 1 });
  });

  it('keeps its counters equal to the sum of its entries, never negative, under random duplicate and out-of-order events', async () => {
    const files = 6;
    const operation = fc.record({
      kind: fc.constantFrom('reserve', 'confirm', 'release', 'expire-read'),
      file: fc.integer({ min: 0, max: files - 1 }),
      // Some events arrive together: a batch runs concurrently.
      together: fc.boolean(),
    });
    const sizes = Array.from({ length: files }, (_, n) => 10 ** (n % 4) + n);
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
        const sub = aUser();
        const plan = planOf({ maxFiles: 4, maxPendingUploads: 3, storageQuotaBytes: 2500 });
        const reserved = new Set<number>();
        const run = ({ kind, file }: (typeof operations)[number]): Promise<unknown> => {
          const size = sizes[file] ?? 1;
          if (kind === 'reserve') {
            // A file id is reserved once (POST /uploads makes a fresh one); its events come any number of times.
            if (reserved.has(file)) return Promise.resolve();
            reserved.add(file);
            return ledger
              .reserve(sub, { id: anId(file), size, expiresAt: nowSeconds + 60 * (file + 1) }, plan, NOW)
              .catch((error: unknown) => {
                if (!(error instanceof ApiError && error.code === 'QUOTA_EXCEEDED')) throw error;
              });
          }
          if (kind === 'confirm') return ledger.confirm(sub, anId(file), size);
          if (kind === 'release') return ledger.release(sub, anId(file), size);
          return ledger.read(sub, new Date(NOW.getTime() + 60_000 * file));
        };
        let batch: Promise<unknown>[] = [];
        for (const op of operations) {
          batch.push(run(op));
          if (!op.together) {
            await Promise.all(batch);
            batch = [];
          }
        }
        await Promise.all(batch);
        const state = await ledger.read(sub, NOW);
        expectConsistent(state);
        expect(state.fileCount).toBeLessThanOrEqual(4);
        expect(state.pendingCount).toBeLessThanOrEqual(3);
        expect(state.committedBytes).toBeLessThanOrEqual(2500);
      }),
      { numRuns: 30 },
    );
  }, 120_000);
});
