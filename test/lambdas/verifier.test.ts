import type { Context, SQSEvent } from 'aws-lambda';
import type { StoredRecord } from '../../lambdas/shared/records';
import { createVerifierHandler, type VerifiedObjects } from '../../lambdas/verifier';
import { ALICE, OBJECT_ID, TEST_LOCATION } from '../builders';
import { captureMetrics } from '../emf';
import { HTML_BYTES, PNG_BYTES } from '../e2e/file-bytes';
import { memoryRecords } from '../memory-records';

const KEY = `users/${ALICE}/${OBJECT_ID}/photo.png`;
const context = { awsRequestId: 'verifier-1' } as Context;
let logs: jest.SpyInstance;
let emf: ReturnType<typeof captureMetrics>;

beforeEach(() => {
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  emf = captureMetrics();
});
afterEach(() => {
  logs.mockRestore();
  emf.restore();
});

function aPendingRecord(): StoredRecord {
  return {
    id: OBJECT_ID,
    owner: ALICE,
    key: KEY,
    name: 'photo.png',
    size: PNG_BYTES.length,
    contentType: 'image/png',
    createdAt: '2026-11-23T10:00:00.000Z',
    status: 'pending',
    storedStatus: 'pending',
  };
}

/** An object event as EventBridge delivers it. */
function anEvent(detailType: 'Object Created' | 'Object Deleted', sequencer: string, key = KEY) {
  return {
    version: '0',
    id: `event-${sequencer}`,
    'detail-type': detailType,
    source: 'aws.s3',
    account: '111122223333',
    time: '2026-11-23T10:00:05Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${TEST_LOCATION.bucket}`],
    detail: {
      version: '0',
      bucket: { name: TEST_LOCATION.bucket },
      object: { key, size: PNG_BYTES.length, sequencer },
      reason: detailType === 'Object Created' ? 'PutObject' : 'DeleteObject',
      ...(detailType === 'Object Deleted' && { 'deletion-type': 'Delete Marker Created' }),
    },
  };
}

function sqsEvent(...bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({ messageId: `m${index}`, body: typeof body === 'string' ? body : JSON.stringify(body) })),
  } as SQSEvent;
}

/** A bucket of one object, its tags recorded. */
function fakeObjects(bytes: Uint8Array | undefined, failures: { read?: Error } = {}) {
  const tags: string[] = [];
  const objects: VerifiedObjects = {
    readHead: async (_key, count) => {
      if (failures.read) throw failures.read;
      return bytes && { head: bytes.subarray(0, count), size: bytes.length };
    },
    tag: async (_key, status) => {
      tags.push(status);
      return bytes !== undefined;
    },
  };
  return { objects, tags };
}

function verifierWith(bytes: Uint8Array | undefined, record: StoredRecord | null = aPendingRecord(), failures = {}) {
  const records = memoryRecords();
  if (record) records.records.set(record.id, record);
  const { objects, tags } = fakeObjects(bytes, failures);
  const handler = createVerifierHandler({ records, objects, location: TEST_LOCATION, now: () => new Date('2026-11-23T10:00:06Z') });
  return { handler, records, tags };
}

describe('the verifier', () => {
  it('tags PNG bytes declared as image/png available, then makes the record available', async () => {
    const { handler, records, tags } = verifierWith(PNG_BYTES);

    const answer = await handler(sqsEvent(anEvent('Object Created', '0A')), context);

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(tags).toEqual(['available']);
    expect(records.records.get(OBJECT_ID)).toMatchObject({ status: 'available', verifiedAt: '2026-11-23T10:00:06.000Z' });
  });

  it('tags an HTML page declared as image/png rejected, with its reason', async () => {
    const record = { ...aPendingRecord(), size: HTML_BYTES.length };
    const { handler, records, tags } = verifierWith(HTML_BYTES, record);

    await handler(sqsEvent(anEvent('Object Created', '0A')), context);

    expect(tags).toEqual(['rejected']);
    expect(records.records.get(OBJECT_ID)).toMatchObject({ status: 'rejected', rejectedReason: 'TYPE_MISMATCH' });
  });

  it('changes nothing and counts nothing again when the same event comes twice', async () => {
    const { handler, records, tags } = verifierWith(PNG_BYTES);
    await handler(sqsEvent(anEvent('Object Created', '0A')), context);
    const after = records.records.get(OBJECT_ID);

    await handler(sqsEvent(anEvent('Object Created', '0A'), anEvent('Object Created', '0A')), context);

    expect(records.records.get(OBJECT_ID)).toEqual(after);
    expect(tags).toEqual(['available']);
    expect(emf.datapoints().filter((point) => point.metric === 'Verifications' && !('outcome' in point.dimensions))).toHaveLength(1);
  });

  it('counts each decision by outcome with its latency from the object’s creation, and never a user or file id', async () => {
    const { handler } = verifierWith(PNG_BYTES);

    await handler(sqsEvent(anEvent('Object Created', '0A')), context);

    expect(emf.datapoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'Verifications', value: 1, dimensions: expect.objectContaining({ outcome: 'available' }) }),
        expect.objectContaining({ metric: 'VerificationLatency', unit: 'Milliseconds', value: 1000 }),
      ]),
    );
    const written = JSON.stringify(emf.lines());
    for (const secret of [ALICE, OBJECT_ID, KEY]) expect(written).not.toContain(secret);
  });

  it('tags an object without a record rejected, so it never becomes readable', async () => {
    const { handler, tags } = verifierWith(PNG_BYTES, null);

    await handler(sqsEvent(anEvent('Object Created', '0A')), context);

    expect(tags).toEqual(['rejected']);
  });

  it('removes the record when the object is deleted, and a late creation event then changes nothing', async () => {
    const { handler, records, tags } = verifierWith(undefined);

    await handler(sqsEvent(anEvent('Object Deleted', '0B')), context);
    await handler(sqsEvent(anEvent('Object Created', '0A')), context);

    expect(records.records.has(OBJECT_ID)).toBe(false);
    expect(tags).toEqual([]);
  });

  it('reports only the message that failed, for SQS to deliver again', async () => {
    const { handler } = verifierWith(PNG_BYTES, aPendingRecord(), { read: new Error('socket hang up') });

    const answer = await handler(sqsEvent('not json', anEvent('Object Created', '0A')), context);

    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });

  it('drops, without retrying, a message that is not an object event of its bucket', async () => {
    const { handler, tags } = verifierWith(PNG_BYTES);
    const otherBucket = anEvent('Object Created', '0A');
    otherBucket.detail.bucket.name = 'someone-elses';

    const answer = await handler(sqsEvent('{}', otherBucket, anEvent('Object Created', '0A', 'public/x.png')), context);

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(tags).toEqual([]);
  });
});

describe("the verifier and the storage quota's ledger", () => {
  /** A ledger that records its calls; `failFirst` makes the first call throw, as a crash between the two writes would. */
  function fakeLedger(failFirst = false) {
    const calls: string[] = [];
    let failing = failFirst;
    const record = (name: string) => async (_sub: string, id: string, size: number) => {
      if (failing) {
        failing = false;
        throw new Error('table unavailable');
      }
      calls.push(`${name} ${id} ${size}`);
      return true;
    };
    const usage = { confirm: record('confirm'), release: record('release'), reserve: jest.fn(), extend: jest.fn(), read: jest.fn() };
    return { usage, calls };
  }

  it('turns the reservation into usage when the file becomes available, and releases it when it is rejected', async () => {
    for (const [bytes, expected] of [
      [PNG_BYTES, 'confirm'],
      [HTML_BYTES, 'release'],
    ] as const) {
      const records = memoryRecords();
      records.records.set(OBJECT_ID, { ...aPendingRecord(), size: bytes.length });
      const { usage, calls } = fakeLedger();
      const handler = createVerifierHandler({ records, usage, objects: fakeObjects(bytes).objects, location: TEST_LOCATION });

      await handler(sqsEvent(anEvent('Object Created', '0A')), context);

      expect(calls).toEqual([`${expected} ${OBJECT_ID} ${bytes.length}`]);
    }
  });

  it('still settles the usage when the event is retried after a failure between the record write and the ledger write', async () => {
    const records = memoryRecords();
    records.records.set(OBJECT_ID, aPendingRecord());
    const { usage, calls } = fakeLedger(true);
    const handler = createVerifierHandler({ records, usage, objects: fakeObjects(PNG_BYTES).objects, location: TEST_LOCATION });

    const first = await handler(sqsEvent(anEvent('Object Created', '0A')), context);
    const retried = await handler(sqsEvent(anEvent('Object Created', '0A')), context);

    expect(first.batchItemFailures).toHaveLength(1);
    expect(records.records.get(OBJECT_ID)).toMatchObject({ status: 'available' });
    expect(retried.batchItemFailures).toHaveLength(0);
    expect(calls).toEqual([`confirm ${OBJECT_ID} ${PNG_BYTES.length}`]);
  });
});
