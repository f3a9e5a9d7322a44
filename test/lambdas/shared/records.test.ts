/**
 * The file records against a real DynamoDB API (dynalite, as local mode runs it): every
 * transition is one conditional write that only moves forward.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileRecords, type FileRecords, type NewRecord } from '../../../lambdas/shared/records';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../local/dynamodb-emulator';
import { sweepExpiredRecords } from '../../../local/record-sweeper';
import { ALICE, BOB } from '../../builders';

let emulator: DynamoDbEmulator;
let records: FileRecords;
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'records-'));
let counter = 0;

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ port: 0, directory, tableName: 'records-test', region: 'eu-west-1' });
  records = fileRecords(emulator.client, 'records-test');
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

/** A new record with a fresh id, created one second after the previous one. */
function aNewRecord(overrides: Partial<NewRecord> = {}): NewRecord {
  counter += 1;
  const id = `R${String(counter).padStart(21, '0')}`;
  return {
    id,
    owner: ALICE,
    key: `users/${overrides.owner ?? ALICE}/${id}/a.png`,
    name: 'a.png',
    size: 10,
    contentType: 'image/png',
    createdAt: new Date(Date.UTC(2026, 10, 23, 10, 0, counter)).toISOString(),
    urlExpiresAt: Date.UTC(2026, 10, 23, 10, 10),
    ...overrides,
  };
}

const verdict = (sequencer: string) => ({ status: 'available' as const, verifiedAt: '2026-11-23T10:11:00.000Z', sequencer });

describe('file records', () => {
  it.each([
    ['the content check first', ['content', 'scan'] as const],
    ['the scan first', ['scan', 'content'] as const],
  ])('keep both halves of a scanned verdict with %s, the second write answering the record with both', async (_, order) => {
    const record = aNewRecord();
    await records.createPending(record);
    const halves = {
      content: { half: 'content', checkedAt: '2026-11-23T10:11:00.000Z', sequencer: '0A' },
      scan: { half: 'scan', scanResult: 'NO_THREATS_FOUND', scannedAt: '2026-11-23T10:11:30.000Z' },
    } as const;

    const first = await records.recordVerdictHalf(record.id, halves[order[0]]);
    const second = await records.recordVerdictHalf(record.id, halves[order[1]]);

    expect(first?.[order[1] === 'scan' ? 'scanResult' : 'contentCheckedAt']).toBeUndefined();
    expect(second).toMatchObject({
      status: 'pending',
      contentCheckedAt: '2026-11-23T10:11:00.000Z',
      scanResult: 'NO_THREATS_FOUND',
      scannedAt: '2026-11-23T10:11:30.000Z',
    });
  });

  it('store no half on a record that is decided, and keep the scan result after the verdict', async () => {
    const record = aNewRecord();
    await records.createPending(record);
    await records.recordVerdictHalf(record.id, { half: 'scan', scanResult: 'FAILED', scannedAt: '2026-11-23T10:11:30.000Z' });
    await records.recordVerdict(record.id, { status: 'rejected', rejectedReason: 'SCAN_FAILED', verifiedAt: '2026-11-23T10:11:31.000Z' });

    const late = await records.recordVerdictHalf(record.id, { half: 'content', checkedAt: '2026-11-23T10:12:00.000Z', sequencer: '0A' });

    expect(late).toBeUndefined();
    expect(await records.get(record.id)).toMatchObject({ status: 'rejected', rejectedReason: 'SCAN_FAILED', scanResult: 'FAILED' });
    expect((await records.get(record.id))?.contentCheckedAt).toBeUndefined();
  });

  it('are written pending and read back by their owner only', async () => {
    const record = aNewRecord({ uploadId: 'upload-1', checksumSha256: 'sum' });
    await records.createPending(record);

    expect(await records.own(record.id, ALICE)).toMatchObject({
      id: record.id,
      status: 'pending',
      uploadId: 'upload-1',
      checksumSha256: 'sum',
    });
    expect(await records.own(record.id, BOB)).toBeUndefined();
  });

  it('move from pending to a verdict once: a second verdict changes nothing', async () => {
    const record = aNewRecord();
    await records.createPending(record);

    const first = await records.recordVerdict(record.id, verdict('0A'));
    const second = await records.recordVerdict(record.id, {
      status: 'rejected',
      rejectedReason: 'TYPE_MISMATCH',
      verifiedAt: 'later',
      sequencer: '0B',
    });

    expect([first, second]).toEqual([true, false]);
    expect(await records.get(record.id)).toMatchObject({ status: 'available', verifiedAt: '2026-11-23T10:11:00.000Z' });
  });

  it('leave the owner’s list at once when deleted, and cannot be deleted twice', async () => {
    const record = aNewRecord({ owner: 'lister' });
    await records.createPending(record);

    const deleted = await records.markDeleted(record.id, 'lister', new Date());
    const again = await records.markDeleted(record.id, 'lister', new Date());
    const listed = await records.list('lister', { limit: 10 });

    expect(deleted?.id).toBe(record.id);
    expect(again).toBeUndefined();
    expect(listed.records).toEqual([]);
    expect(await records.own(record.id, 'lister')).toBeUndefined();
  });

  it('ignore a delete event older than the creation they were verified with', async () => {
    const record = aNewRecord();
    await records.createPending(record);
    await records.recordVerdict(record.id, verdict('00000000000000B0'));

    const older = await records.removeAfterObjectDeleted(record.id, '00000000000000A0');
    const newer = await records.removeAfterObjectDeleted(record.id, '00000000000000C0');

    expect([older, newer]).toEqual([false, true]);
    expect(await records.get(record.id)).toBeUndefined();
  });

  it('keep the record of a current object when only an old version is removed for good', async () => {
    const record = aNewRecord();
    await records.createPending(record);
    await records.recordVerdict(record.id, verdict('10'));

    expect(await records.removeAfterObjectDeleted(record.id, '20', { onlyIfMarkedDeleted: true })).toBe(false);
    expect(await records.get(record.id)).toBeDefined();
  });

  it('list newest first, a page at a time, with a cursor that another user cannot turn into theirs', async () => {
    const created = [aNewRecord({ owner: 'pager' }), aNewRecord({ owner: 'pager' }), aNewRecord({ owner: 'pager' })];
    for (const record of created) await records.createPending(record);

    const first = await records.list('pager', { limit: 2 });
    const second = await records.list('pager', { limit: 2, cursor: first.nextCursor });
    const foreign = await records.list('someone-else', { limit: 2, cursor: first.nextCursor });

    expect([...first.records, ...second.records].map((record) => record.id)).toEqual(created.map((record) => record.id).reverse());
    expect(second.nextCursor).toBeUndefined();
    expect(foreign.records).toEqual([]);
  });

  it('refuse a forged cursor with INVALID_CURSOR', async () => {
    await expect(records.list(ALICE, { limit: 2, cursor: Buffer.from('FILE#x').toString('base64url') })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
    });
  });

  it('filter a list by status', async () => {
    const pending = aNewRecord({ owner: 'filter' });
    const available = aNewRecord({ owner: 'filter' });
    for (const record of [pending, available]) await records.createPending(record);
    await records.recordVerdict(available.id, verdict('01'));

    const listed = await records.list('filter', { limit: 10, status: 'available' });

    expect(listed.records.map((record) => record.id)).toEqual([available.id]);
  });

  it('expire a pending record a margin after its URL, when the sweeper runs at a later clock', async () => {
    const record = aNewRecord({ urlExpiresAt: Date.UTC(2026, 10, 23, 10, 10) });
    await records.createPending(record);

    const early = await sweepExpiredRecords(emulator.client, 'records-test', new Date(Date.UTC(2026, 10, 23, 12)));
    const stillThere = await records.get(record.id);
    const late = await sweepExpiredRecords(emulator.client, 'records-test', new Date(Date.UTC(2026, 10, 25)));

    expect(early).toBe(0);
    expect(stillThere).toBeDefined();
    expect(late).toBeGreaterThanOrEqual(1);
    expect(await records.get(record.id)).toBeUndefined();
  });

  it('keep a verified record from the sweeper: the verdict removed its expiry', async () => {
    const record = aNewRecord();
    await records.createPending(record);
    await records.recordVerdict(record.id, verdict('02'));

    await sweepExpiredRecords(emulator.client, 'records-test', new Date(Date.UTC(2030, 0, 1)));

    expect(await records.get(record.id)).toMatchObject({ status: 'available' });
  });
});
