/**
 * Issue 13's extra warm latency per URL issued: the table writes the quota adds before a URL is
 * signed, through the handlers' own modules (`rate-windows.ts`, `usage-ledger.ts`) against a
 * loopback dynalite, as local mode runs it.
 *
 * - `download`: the rate window's one conditional `UpdateItem`;
 * - `upload`: the rate window, then the reservation's conditional `UpdateItem` (which answers
 *   the figures itself: no read follows);
 * - `upload, 1,000 files stored`: the same for a user who already stores 1,000 files, which
 *   must cost the same (the usage item holds no per-file entry).
 *
 * Each URL's user is one of a few hundred, with a plan roomy enough that nothing is refused;
 * variants alternate within each round so the machine's noise falls on all of them alike.
 * Run by `bench/run.mjs` (under tsx, which lets it import the TypeScript modules), or alone:
 * `npx tsx bench/quota-writes.mjs [--quick]`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { medianAndP99 } from './percentiles.mjs';
import { startDynamoDbEmulator } from '../local/dynamodb-emulator.ts';
import { planFor } from '../lambdas/shared/plans.ts';
import { rateWindows } from '../lambdas/shared/rate-windows.ts';
import { fileRecords } from '../lambdas/shared/records.ts';
import { resolveSettings } from '../lambdas/shared/settings.ts';
import { usageLedger } from '../lambdas/shared/usage-ledger.ts';

const TABLE = 'bench-quota-writes';
const SIZE = 1_000_000;

/** Median and p99 (µs) of the quota's writes per URL issued. */
export async function measureQuotaWrites({ quick = false } = {}) {
  const iterations = quick ? 50 : 1000;
  const storedFiles = quick ? 20 : 1000;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-quota-'));
  const emulator = await startDynamoDbEmulator({ port: 0, directory, tableName: TABLE, region: 'eu-west-1' });
  try {
    const rates = rateWindows(emulator.client, TABLE);
    const usage = usageLedger(emulator.client, TABLE);
    const records = fileRecords(emulator.client, TABLE);
    const plan = planFor(
      resolveSettings({
        defaultPlan: {
          storageQuotaBytes: 2 ** 52,
          maxFiles: 10_000_000,
          maxPendingUploads: 1000,
          uploadUrlsPerMinute: 100_000,
          downloadUrlsPerMinute: 100_000,
        },
      }),
      [],
    );
    let ids = 0;
    const anId = () => `b${String((ids += 1)).padStart(19, '0')}`;
    const now = () => new Date();
    const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
    const full = 'b0000000-0000-4000-8000-00000000f111';
    for (let n = 0; n < storedFiles; n += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const id = anId();
          await usage.reserve(full, { id, size: SIZE, expiresAt }, plan, now());
          await records.createPending({
            id,
            owner: full,
            key: `users/${full}/${id}/a.jpg`,
            name: 'a.jpg',
            size: SIZE,
            contentType: 'image/jpeg',
            createdAt: now().toISOString(),
            urlExpiresAt: Date.now() + 600_000,
          });
          await records.recordVerdict(id, { status: 'available', verifiedAt: now().toISOString(), sequencer: '0A' });
          await usage.confirm(full, id, SIZE);
        }),
      );
    }
    const users = Array.from({ length: 300 }, (_, n) => `b0000000-0000-4000-8000-${String(n).padStart(12, '0')}`);
    const variants = {
      download: async (sub) => {
        await rates.take(sub, 'download', plan, now());
      },
      upload: async (sub) => {
        await rates.take(sub, 'upload', plan, now());
        await usage.reserve(sub, { id: anId(), size: SIZE, expiresAt }, plan, now());
      },
      'upload, 1,000 files stored': async () => {
        await rates.take(full, 'upload', plan, now());
        await usage.reserve(full, { id: anId(), size: SIZE, expiresAt }, plan, now());
      },
    };
    const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    // Warm the client's connections and dynalite's code paths first.
    for (let n = 0; n < 20; n += 1) for (const run of Object.values(variants)) await run(users[n % users.length]);
    for (let n = 0; n < iterations; n += 1) {
      for (const [name, run] of Object.entries(variants)) {
        const started = performance.now();
        await run(users[n % users.length]);
        samples[name].push((performance.now() - started) * 1000);
      }
      // Reservations of the full user are released again, so its pending entries stay few (as in use).
      if (n % 10 === 9) await usage.read(full, new Date(Date.now() + 2 * 86_400_000));
    }
    return {
      unit: 'µs',
      storedFiles,
      perUrlMicroseconds: Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, medianAndP99(values)])),
    };
  } finally {
    await emulator.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measureQuotaWrites({ quick: process.argv.includes('--quick') }), null, 2));
}
