/**
 * The verifier with malware scanning on: a verdict in two halves (the content check on the
 * object event, GuardDuty's scan result), arriving in any order, duplicated, or together.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import type { StoredRecord } from '../../lambdas/shared/records';
import type { ScanResultStatus } from '../../lambdas/shared/scan-results';
import { createVerifierHandler, type ScanSettings, type VerifiedObjects } from '../../lambdas/verifier';
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

function aPendingRecord(size = PNG_BYTES.length): StoredRecord {
  return {
    id: OBJECT_ID,
    owner: ALICE,
    key: KEY,
    name: 'photo.png',
    size,
    contentType: 'image/png',
    createdAt: '2026-11-23T10:00:00.000Z',
    status: 'pending',
    storedStatus: 'pending',
  };
}

/** S3's object event, as EventBridge delivers it. */
function anObjectEvent(size = PNG_BYTES.length) {
  return {
    version: '0',
    id: 'object-event',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2026-11-23T10:00:05Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${TEST_LOCATION.bucket}`],
    detail: { version: '0', bucket: { name: TEST_LOCATION.bucket }, object: { key: KEY, size, sequencer: '0A' }, reason: 'PutObject' },
  };
}

/** GuardDuty's scan result, as EventBridge delivers it (the documented shape). */
function aScanResult(status: ScanResultStatus, bucketName = TEST_LOCATION.bucket) {
  return {
    version: '0',
    id: `scan-${status}`,
    'detail-type': 'GuardDuty Malware Protection Object Scan Result',
    source: 'aws.guardduty',
    account: '111122223333',
    time: '2026-11-23T10:00:20Z',
    region: 'eu-west-1',
    resources: ['arn:aws:guardduty:eu-west-1:111122223333:malware-protection-plan/b4c7f464ab3a4example'],
    detail: {
      schemaVersion: '1.0',
      scanStatus: status === 'NO_THREATS_FOUND' || status === 'THREATS_FOUND' ? 'COMPLETED' : 'SKIPPED',
      resourceType: 'S3_OBJECT',
      s3ObjectDetails: { bucketName, objectKey: KEY, eTag: '0123456789abcdef', versionId: 'v1', s3Throttled: false },
      scanResultDetails: { scanResultStatus: status, threats: status === 'THREATS_FOUND' ? [{ name: 'EICAR-Test-File' }] : null },
    },
  };
}

function sqsEvent(...bodies: unknown[]): SQSEvent {
  return { Records: bodies.map((body, index) => ({ messageId: `m${index}`, body: JSON.stringify(body) })) } as SQSEvent;
}

function scanningVerifier(options: { bytes?: Uint8Array; record?: StoredRecord; scanning?: Partial<ScanSettings> } = {}): {
  handler: ReturnType<typeof createVerifierHandler>;
  record: () => StoredRecord | undefined;
  tags: string[];
} {
  const bytes = options.bytes ?? PNG_BYTES;
  const records = memoryRecords();
  const record = options.record ?? aPendingRecord();
  records.records.set(record.id, record);
  const tags: string[] = [];
  const objects: VerifiedObjects = {
    readHead: async (_key, count) => ({ head: bytes.subarray(0, count), size: bytes.length }),
    tag: async (_key, status) => {
      tags.push(status);
      return true;
    },
  };
  const handler = createVerifierHandler({
    records,
    objects,
    location: TEST_LOCATION,
    now: () => new Date('2026-11-23T10:00:21Z'),
    scanning: { malwareScanning: true, scanFailurePolicy: 'reject', ...options.scanning },
  });
  return { handler, record: () => records.records.get(OBJECT_ID), tags };
}

const verifications = () => emf.datapoints().filter((point) => point.metric === 'Verifications' && 'outcome' in point.dimensions);

describe('the verifier with malware scanning on', () => {
  it('leaves a file whose content passed pending and untagged until the scan comes', async () => {
    const { handler, record, tags } = scanningVerifier();

    await handler(sqsEvent(anObjectEvent()), context);

    expect(record()).toMatchObject({ status: 'pending', contentCheckedAt: '2026-11-23T10:00:21.000Z' });
    expect(tags).toEqual([]);
  });

  it('leaves a file with a clean scan pending and untagged until its content is checked', async () => {
    const { handler, record, tags } = scanningVerifier();

    await handler(sqsEvent(aScanResult('NO_THREATS_FOUND')), context);

    expect(record()).toMatchObject({ status: 'pending', scanResult: 'NO_THREATS_FOUND' });
    expect(tags).toEqual([]);
  });

  it.each([
    ['the object event first', [anObjectEvent(), aScanResult('NO_THREATS_FOUND')]],
    ['the scan result first', [aScanResult('NO_THREATS_FOUND'), anObjectEvent()]],
  ])('makes a clean file available once both halves are in, with %s', async (_, [first, second]) => {
    const { handler, record, tags } = scanningVerifier();

    await handler(sqsEvent(first), context);
    await handler(sqsEvent(second), context);

    expect(tags).toEqual(['available']);
    expect(record()).toMatchObject({ status: 'available', scanResult: 'NO_THREATS_FOUND', sequencer: '0A' });
  });

  it('makes a clean file available when both halves come in one batch', async () => {
    const { handler, record, tags } = scanningVerifier();

    await handler(sqsEvent(aScanResult('NO_THREATS_FOUND'), anObjectEvent()), context);

    expect(record()).toMatchObject({ status: 'available' });
    expect(tags).toContain('available');
    expect(tags).not.toContain('rejected');
  });

  it.each([
    ['before the content check', [aScanResult('THREATS_FOUND'), anObjectEvent()]],
    ['after the content check', [anObjectEvent(), aScanResult('THREATS_FOUND')]],
  ])('rejects a file GuardDuty found a threat in, %s, for MALWARE', async (_, [first, second]) => {
    const { handler, record, tags } = scanningVerifier();

    await handler(sqsEvent(first), context);
    await handler(sqsEvent(second), context);

    expect(tags).toEqual(['rejected']);
    expect(record()).toMatchObject({ status: 'rejected', rejectedReason: 'MALWARE', scanResult: 'THREATS_FOUND' });
  });

  it('rejects a file whose content does not match its type, even with a clean scan', async () => {
    const { handler, record, tags } = scanningVerifier({ bytes: HTML_BYTES, record: aPendingRecord(HTML_BYTES.length) });

    await handler(sqsEvent(aScanResult('NO_THREATS_FOUND')), context);
    await handler(sqsEvent(anObjectEvent(HTML_BYTES.length)), context);

    expect(tags).toEqual(['rejected']);
    expect(record()).toMatchObject({ status: 'rejected', rejectedReason: 'TYPE_MISMATCH' });
  });

  it.each(['UNSUPPORTED', 'FAILED', 'ACCESS_DENIED'] as const)(
    'rejects a file the scan could not judge (%s) for SCAN_FAILED, with scanFailurePolicy reject',
    async (status) => {
      const { handler, record, tags } = scanningVerifier();

      await handler(sqsEvent(anObjectEvent()), context);
      await handler(sqsEvent(aScanResult(status)), context);

      expect(tags).toEqual(['rejected']);
      expect(record()).toMatchObject({ status: 'rejected', rejectedReason: 'SCAN_FAILED', scanResult: status });
    },
  );

  it.each(['UNSUPPORTED', 'FAILED', 'ACCESS_DENIED'] as const)(
    'makes a file the scan could not judge (%s) available with the result recorded, with scanFailurePolicy available',
    async (status) => {
      const { handler, record, tags } = scanningVerifier({ scanning: { scanFailurePolicy: 'available' } });

      await handler(sqsEvent(aScanResult(status)), context);
      expect(tags).toEqual([]);
      await handler(sqsEvent(anObjectEvent()), context);

      expect(tags).toEqual(['available']);
      expect(record()).toMatchObject({ status: 'available', scanResult: status });
    },
  );

  it('changes nothing and counts one verdict when every event comes again, in any order', async () => {
    const { handler, record, tags } = scanningVerifier();
    await handler(sqsEvent(anObjectEvent(), anObjectEvent()), context);
    await handler(sqsEvent(aScanResult('NO_THREATS_FOUND')), context);
    const after = record();

    await handler(sqsEvent(aScanResult('NO_THREATS_FOUND'), anObjectEvent()), context);
    await handler(sqsEvent(aScanResult('THREATS_FOUND')), context);

    expect(record()).toEqual(after);
    expect(tags).toEqual(['available']);
    expect(verifications()).toHaveLength(1);
  });

  it('counts the verdict by outcome: MALWARE for a threat', async () => {
    const { handler } = scanningVerifier();

    await handler(sqsEvent(aScanResult('THREATS_FOUND')), context);

    expect(verifications()).toEqual([expect.objectContaining({ value: 1, dimensions: expect.objectContaining({ outcome: 'MALWARE' }) })]);
  });

  it('drops, without retrying, a scan result of another bucket', async () => {
    const { handler, record, tags } = scanningVerifier();

    const answer = await handler(sqsEvent(aScanResult('THREATS_FOUND', 'someone-elses')), context);

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(tags).toEqual([]);
    expect(record()).toMatchObject({ status: 'pending' });
  });

  it('with scanning off, makes a file available on its content check alone and ignores scan results', async () => {
    const { handler, record, tags } = scanningVerifier({ scanning: { malwareScanning: false } });

    await handler(sqsEvent(aScanResult('THREATS_FOUND')), context);
    await handler(sqsEvent(anObjectEvent()), context);

    expect(tags).toEqual(['available']);
    expect(record()).toMatchObject({ status: 'available' });
    expect(record()?.scanResult).toBeUndefined();
  });
});
