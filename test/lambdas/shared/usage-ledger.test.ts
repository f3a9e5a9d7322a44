/**
 * The storage quota's ledger against a real DynamoDB API (dynalite, as local mode runs it, with
 * the transactions of its patch): exact at the edge under concurrency, and counters that always
 * equal what the records and the pending reservations say, whatever order and however often the
 * events come. The usage item stays the same size however many files are stored.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { ApiError } from '../../../lambdas/shared/errors';
import { planFor } from '../../../lambdas/shared/plans';
import { fileRecords, type FileRecords } from '../../../lambdas/shared/records';
import { resolveSettings } from '../../../lambdas/shared/settings';
import { usageItemKey, usageLedger, type UsageLedger, type UsageState } from '../../../lambdas/shared/usage-ledger';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../local/dynamodb-emulator';

const TABLE = 'usage-test';
let emulator: DynamoDbEmulator;
let ledger: UsageLedger;
let records: FileRecords;
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'usage-'));
const N = 6;
const NOW = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));
const nowSeconds = NOW.getTime() / 1000;
const planOf = (limits: Record<string, number>) => planFor(resolveSettings({ defaultPlan: limits }), []);
let users = 0;
const aUser = () => `user-${(users += 1)}`;
let ids = 0;
/** A fresh 20-character file id (the id grammar's length). */
const anId = () => `f${String((ids += 1)).padStart(19, '0')}`;

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ port: 0, directory, tableName: TABLE, region: 'eu-west-1' });
  ledger = usageLedger(emulator.client, TABLE);
  records = fileRecords(emulator.client, TABLE);
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

async function pendingRecord(sub: string, id: string, size: number): Promise<void> {
  await records.createPending({
    id,
    owner: sub,
    key: `users/${sub}/${id}/a.txt`,
    name: 'a.txt',
    size,
    contentType: 'text/plain',
    createdAt: NOW.toISOString(),
    urlExpiresAt: NOW.getTime() + 600_000,
  });
}

const verdict = (status: 'available' | 'rejected') => ({
  status,
  ...(status === 'rejected' && { rejectedReason: 'SIZE_MISMATCH' as const }),
  verifiedAt: NOW.toISOString(),
  sequencer: '0A',
});

/** Reserves and writes the pending record, as `POST /uploads` does. */
async function reserved(sub: string, size: number, plan = planOf({}), expiresAt = nowSeconds + 3600): Promise<string> {
  const id = anId();
  await ledger.reserve(sub, { id, size, expiresAt }, plan, NOW);
  await pendingRecord(sub, id, size);
  return id;
}

/** Stores a file as the verifier does: the record becomes available, then the file is counted. */
async function stored(sub: string, size: number, plan = planOf({})): Promise<string> {
  const id = await reserved(sub, size, plan);
  await records.recordVerdict(id, verdict('available'));
  await ledger.confirm(sub, id, size);
  return id;
}

async function storm(sub: string, sizes: number[], plan: ReturnType<typeof planOf>) {
  const outcomes = await Promise.allSettled(
    sizes.map((size) => ledger.reserve(sub, { id: anId(), size, expiresAt: nowSeconds + 3600 }, plan, NOW)),
  );
  const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as ApiError] : []));
  return { granted: outcomes.length - refused.length, refused };
}

/** The user's records as they are in the table. */
async function recordsOf(sub: string) {
  const answer = await emulator.client.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  const files = (answer.Items ?? []).filter((item) => item.owner?.S === sub && item.sk?.S === 'FILE');
  return files.map((item) => ({ id: item.id?.S ?? '', size: Number(item.size?.N), counted: item.counted?.BOOL === true }));
}

/** The counters must be exactly what the counted records and the pending reservations add up to, and never negative. */
async function expectTruthful(sub: string, state: UsageState): Promise<void> {
  const counted = (await recordsOf(sub)).filter((record) => record.counted);
  const pending = Object.values(state.entries);
  const usedBytes = counted.reduce((sum, record) => sum + record.size, 0);
  const reservedBytes = pending.reduce((sum, entry) => sum + entry.size, 0);
  expect({
    committedBytes: state.committedBytes,
    reservedBytes: state.reservedBytes,
    fileCount: state.fileCount,
    pendingCount: state.pendingCount,
  }).toEqual({
    committedBytes: usedBytes + reservedBytes,
    reservedBytes,
    fileCount: counted.length + pending.length,
    pendingCount: pending.length,
  });
  for (const counter of [state.committedBytes, state.reservedBytes, state.fileCount, state.pendingCount])
    expect(counter).toBeGreaterThanOrEqual(0);
}

/** The usage item's size as DynamoDB bills it: attribute names and values in UTF-8, numbers about half their digits. */
async function usageItemBytes(sub: string): Promise<number> {
  const item =
    (await emulator.client.send(new GetItemCommand({ TableName: TABLE, Key: usageItemKey(sub), ConsistentRead: true }))).Item ?? {};
  return dynamoItemBytes(item);
}

function dynamoItemBytes(item: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue>): number {
  const value = (attribute: import('@aws-sdk/client-dynamodb').AttributeValue): number => {
    if (attribute.S !== undefined) return Buffer.byteLength(attribute.S);
    if (attribute.N !== undefined) return Math.ceil(attribute.N.replace(/^-/, '').length / 2) + 1;
    if (attribute.BOOL !== undefined) return 1;
    if (attribute.M !== undefined)
      return 3 + Object.entries(attribute.M).reduce((sum, [name, inner]) => sum + Buffer.byteLength(name) + 1 + value(inner), 0);
    return 1;
  };
  return Object.entries(item).reduce((sum, [name, attribute]) => sum + Buffer.byteLength(name) + value(attribute), 0);
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
    await expectTruthful(sub, await ledger.read(sub, NOW));
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
      ledger.reserve(sub, { id: anId(), size: 101, expiresAt: nowSeconds + 60 }, planOf({ storageQuotaBytes: 100 }), NOW),
    ).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: { usedBytes: 0, reservedBytes: 0, files: 0 },
    });
    expect((await ledger.read(sub, NOW)).entries).toEqual({});
  });

  it('answers the figures after a granted reservation from the write itself', async () => {
    const sub = aUser();
    await stored(sub, 30);
    const state = await ledger.reserve(sub, { id: anId(), size: 12, expiresAt: nowSeconds + 60 }, planOf({}), NOW);

    expect(state).toMatchObject({ committedBytes: 42, reservedBytes: 12, fileCount: 2, pendingCount: 1 });
  });

  it('confirms an available file once: the reservation becomes usage and the record is counted, duplicates change nothing', async () => {
    const sub = aUser();
    const id = await reserved(sub, 25);
    await records.recordVerdict(id, verdict('available'));

    expect(await Promise.all([ledger.confirm(sub, id, 25), ledger.confirm(sub, id, 25), ledger.confirm(sub, id, 25)])).toEqual(
      expect.arrayContaining([true, false, false]),
    );
    expect(await ledger.read(sub, NOW)).toEqual({ committedBytes: 25, reservedBytes: 0, fileCount: 1, pendingCount: 0, entries: {} });
    expect((await records.get(id))?.counted).toBe(true);
  });

  it('never confirms a record that is not available: pending, rejected or gone', async () => {
    const sub = aUser();
    const pending = await reserved(sub, 5);
    const rejected = await reserved(sub, 6);
    await records.recordVerdict(rejected, verdict('rejected'));

    expect(await ledger.confirm(sub, pending, 5)).toBe(false);
    expect(await ledger.confirm(sub, rejected, 6)).toBe(false);
    expect(await ledger.confirm(sub, anId(), 7)).toBe(false);
    expect(await ledger.read(sub, NOW)).toMatchObject({ committedBytes: 11, reservedBytes: 11, pendingCount: 2 });
  });

  it('counts a file that becomes available after its reservation expired, once', async () => {
    const sub = aUser();
    const id = await reserved(sub, 9, planOf({}), nowSeconds + 60);
    await ledger.read(sub, new Date(NOW.getTime() + 61_000));
    await records.recordVerdict(id, verdict('available'));

    expect(await ledger.confirm(sub, id, 9)).toBe(true);
    expect(await ledger.confirm(sub, id, 9)).toBe(false);
    expect(await ledger.read(sub, NOW)).toMatchObject({ committedBytes: 9, reservedBytes: 0, fileCount: 1, pendingCount: 0 });
  });

  it('releases a counted file on delete in one transaction, and a second release changes nothing', async () => {
    const sub = aUser();
    const id = await stored(sub, 40);
    await stored(sub, 2);
    await records.markDeleted(id, sub, NOW);

    expect(await ledger.release(sub, id, 40)).toBe(true);
    expect(await ledger.release(sub, id, 40)).toBe(false);
    expect(await ledger.read(sub, NOW)).toMatchObject({ committedBytes: 2, fileCount: 1 });
    expect((await records.get(id))?.counted).toBeUndefined();
  });

  it('releases a reservation on rejected and abort, once', async () => {
    const sub = aUser();
    const rejected = await reserved(sub, 3);
    const aborted = await reserved(sub, 4);
    await records.recordVerdict(rejected, verdict('rejected'));
    await records.removePending(aborted, sub);

    expect(await Promise.all([ledger.release(sub, rejected, 3), ledger.release(sub, rejected, 3)])).toEqual(
      expect.arrayContaining([true, false]),
    );
    expect(await ledger.release(sub, aborted, 4)).toBe(true);
    expect(await ledger.read(sub, NOW)).toEqual({ committedBytes: 0, reservedBytes: 0, fileCount: 0, pendingCount: 0, entries: {} });
  });

  it("releases a never-used URL's reservation once its record has expired: on read, and when a reserve would be refused", async () => {
    const sub = aUser();
    const plan = planOf({ maxFiles: 1 });
    await ledger.reserve(sub, { id: anId(), size: 50, expiresAt: nowSeconds + 60 }, plan, NOW);
    const later = new Date(NOW.getTime() + 61_000);

    await expect(ledger.reserve(sub, { id: anId(), size: 50, expiresAt: nowSeconds + 600 }, plan, NOW)).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
    expect(await ledger.read(sub, NOW)).toMatchObject({ reservedBytes: 50, fileCount: 1 });
    const id = anId();
    const granted = await ledger.reserve(sub, { id, size: 40, expiresAt: nowSeconds + 600 }, plan, later);

    expect(granted).toMatchObject({ committedBytes: 40, reservedBytes: 40, fileCount: 1, pendingCount: 1 });
    expect(Object.keys(granted.entries)).toEqual([id]);
    await ledger.reserve(sub, { id: anId(), size: 5, expiresAt: nowSeconds + 60 }, planOf({}), NOW);
    expect(await ledger.read(sub, new Date(NOW.getTime() + 601_000))).toMatchObject({ committedBytes: 0, fileCount: 0, entries: {} });
  });

  it('extends a reservation with its record, and never expires a counted file', async () => {
    const sub = aUser();
    await stored(sub, 7);
    const id = await reserved(sub, 9, planOf({}), nowSeconds + 60);
    await ledger.extend(sub, id, nowSeconds + 600);

    expect(await ledger.read(sub, new Date(NOW.getTime() + 120_000))).toMatchObject({ committedBytes: 16, reservedBytes: 9, fileCount: 2 });
    expect(await ledger.read(sub, new Date(NOW.getTime() + 601_000))).toMatchObject({ committedBytes: 7, reservedBytes: 0, fileCount: 1 });
  });

  it('keeps the usage item the same size, under 1 KB, with 0 and with 200 stored files', async () => {
    const empty = aUser();
    const full = aUser();
    const plan = planOf({ maxFiles: 2000 });
    for (let n = 0; n < 200; n += 20) await Promise.all(Array.from({ length: 20 }, () => stored(full, 1_000_000 + n)));
    await reserved(empty, 1_000_000, plan);
    await reserved(full, 1_000_000, plan);

    const [emptyBytes, fullBytes] = [await usageItemBytes(empty), await usageItemBytes(full)];
    // Only the counters' digits differ (1 vs 201 files, 1 MB vs 200 MB): a few bytes, never a per-file entry.
    expect(Math.abs(fullBytes - emptyBytes)).toBeLessThanOrEqual(8);
    expect(fullBytes).toBeLessThan(1024);
    expect(await ledger.read(full, NOW)).toMatchObject({ fileCount: 201, pendingCount: 1 });
  }, 120_000);

  it('keeps its counters equal to the records and reservations, never negative, under random duplicate and out-of-order events', async () => {
    const files = 6;
    const operation = fc.record({
      kind: fc.constantFrom('reserve', 'available', 'rejected', 'abort', 'expire', 'delete'),
      file: fc.integer({ min: 0, max: files - 1 }),
      // Some events arrive together: a batch runs concurrently.
      together: fc.boolean(),
    });
    const sizes = Array.from({ length: files }, (_, n) => 10 ** (n % 4) + n);
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
        const sub = aUser();
        const plan = planOf({ maxFiles: 4, maxPendingUploads: 3, storageQuotaBytes: 2500 });
        const fileIds = Array.from({ length: files }, () => anId());
        const reservedOnce = new Set<number>();
        const run = async ({ kind, file }: (typeof operations)[number]): Promise<unknown> => {
          const size = sizes[file] ?? 1;
          const id = fileIds[file] ?? '';
          switch (kind) {
            case 'reserve':
              // A file id is reserved once (POST /uploads makes a fresh one); its events come any number of times.
              if (reservedOnce.has(file)) return;
              reservedOnce.add(file);
              try {
                await ledger.reserve(sub, { id, size, expiresAt: nowSeconds + 60 * (file + 1) }, plan, NOW);
              } catch (error) {
                if (error instanceof ApiError && error.code === 'QUOTA_EXCEEDED') return;
                throw error;
              }
              return pendingRecord(sub, id, size);
            case 'available':
              // The verifier: the record's verdict, then the usage, however often the event comes.
              await records.recordVerdict(id, verdict('available'));
              if ((await records.get(id))?.storedStatus === 'available') await ledger.confirm(sub, id, size);
              return;
            case 'rejected':
              await records.recordVerdict(id, verdict('rejected'));
              if ((await records.get(id))?.storedStatus === 'rejected') await ledger.release(sub, id, size);
              return;
            case 'abort':
              await records.removePending(id, sub);
              if (!(await records.get(id))) await ledger.release(sub, id, size);
              return;
            case 'expire':
              return ledger.read(sub, new Date(NOW.getTime() + 60_000 * (file + 1)));
            case 'delete': {
              const before = await records.own(id, sub);
              if (!before) return;
              await records.markDeleted(id, sub, NOW);
              return ledger.release(sub, id, before.size);
            }
          }
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
        await expectTruthful(sub, state);
        expect(state.fileCount).toBeLessThanOrEqual(4);
        expect(state.pendingCount).toBeLessThanOrEqual(3);
      }),
      { numRuns: 30 },
    );
  }, 180_000);
});
