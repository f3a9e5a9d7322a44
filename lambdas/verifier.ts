/**
 * The `verifier` function: S3's object events (EventBridge → SQS, in batches) → each new object's
 * first bytes read with a ranged GET, checked against its record (`verification.ts`), the object
 * tagged `status=available|rejected`, and the record moved on. A deleted object's record is
 * removed.
 *
 * Events arrive at least once, late and out of order. Every write is conditional and moves a
 * record only forward (a decided record is never decided again; a delete older than the
 * creation is ignored, by S3's `sequencer`), so replaying any events changes nothing. The tag is
 * written before the record: a failure between the two is retried, and the record is only ever
 * `available` for an object whose tag says so. Failures are reported per message, so only those
 * are retried (then dead-lettered).
 *
 * With malware scanning on, GuardDuty's scan results come through the same queue, and a file's
 * verdict has two halves: the content check and the scan. Each is stored on the pending record
 * as it comes, in either order; the write that completes the pair tags the object available and
 * moves the record. A failed content check, or a scan that found a threat, rejects at once; a
 * scan that could not judge the file goes by `scanFailurePolicy`.
 *
 * It runs with its own execution role (ranged GET, tagging), signs nothing, and runs unchanged
 * in local mode, fed by the emulator's events.
 */
import { GetObjectCommand, GetObjectTaggingCommand, PutObjectTaggingCommand, S3Client, type Tag } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { recordDependencies, type RecordDependencies } from './shared/dependencies';
import type { BucketLocation } from './shared/object-urls';
import { parseObjectKey } from './shared/keys';
import { describeError, log, withRequestLogContext } from './shared/logs';
import { publishMetricLine } from './shared/metric-line';
import { metrics, recordVerification } from './shared/metrics';
import { OBJECT_EVENT_TYPES, parseObjectEvent, type ObjectEvent } from './shared/object-events';
import { STATUS_TAG, STATUS_TAG_KEY, type StatusTag } from './shared/object-tags';
import { normalizedSequencer, type StoredRecord } from './shared/records';
import { s3ErrorCode } from './shared/s3-client';
import { parseScanResultEvent, type ScanResultEvent } from './shared/scan-results';
import type { HandlerSettings } from './shared/settings';
import { settleUsage } from './shared/storage-quota';
import { SNIFF_BYTES, verifyContent } from './shared/verification';

/** The verifier's view of the bucket. */
export interface VerifiedObjects {
  /** The object's first `bytes` and its stored size; `undefined` when it is gone. */
  readHead(key: string, bytes: number): Promise<{ head: Uint8Array; size: number } | undefined>;
  /** Sets the status tag; `false` when the object is gone. */
  tag(key: string, status: StatusTag): Promise<boolean>;
}

/** Whether the verifier waits for GuardDuty's scan, and what a scan that could not judge a file does. */
export type ScanSettings = Pick<HandlerSettings, 'malwareScanning' | 'scanFailurePolicy'>;

/** What the verifier depends on; tests pass fakes. */
export interface VerifierDependencies extends Pick<RecordDependencies, 'records' | 'location' | 'now' | 'usage'> {
  readonly objects: VerifiedObjects;
  /** @default scanning off */
  readonly scanning?: ScanSettings;
  /** The `contentTypeAliases` setting: bytes named by an alias pass as the type it stands for. @default none */
  readonly contentTypeAliases?: Readonly<Record<string, string>>;
}

/** Creates the verifier's handler: an SQS batch in, the failed messages out. */
export function createVerifierHandler(dependencies: VerifierDependencies) {
  const handler = middy<SQSEvent, SQSBatchResponse>()
    .use(publishMetricLine(metrics))
    .handler(async (event) => {
      const outcomes = await Promise.all(event.Records.map((message) => handleMessage(dependencies, message)));
      return {
        batchItemFailures: outcomes.flatMap((failed, index) => (failed ? [{ itemIdentifier: event.Records[index]?.messageId ?? '' }] : [])),
      };
    });
  return (event: SQSEvent, context: Context) =>
    withRequestLogContext({ requestId: context.awsRequestId, function: 'verifier' }, () => handler(event, context));
}

/** Handles one message; `true` when it failed and must be retried. */
async function handleMessage(deps: VerifierDependencies, message: SQSRecord): Promise<boolean> {
  const scan = deps.scanning?.malwareScanning ? parseScanResultEvent(message.body) : undefined;
  if (scan) return handleScanResult(deps, message, scan);
  const event = parseObjectEvent(message.body);
  const object = event && parseObjectKey(event.detail.object.key);
  if (!event || !object || event.detail.bucket.name !== deps.location.bucket) {
    // Retrying cannot make it one of ours: say so once and let it go.
    log('ERROR', 'not an object event of this bucket', { messageId: message.messageId });
    return false;
  }
  try {
    if (event['detail-type'] === OBJECT_EVENT_TYPES.deleted) await objectDeleted(deps, event, object.fileId);
    else await objectCreated(deps, event, object.fileId);
    return false;
  } catch (error) {
    log('ERROR', 'verification failed; the message will be retried', {
      messageId: message.messageId,
      fileId: object.fileId,
      ...describeError(error),
    });
    return true;
  }
}

async function objectCreated(deps: VerifierDependencies, event: ObjectEvent, fileId: string): Promise<void> {
  const key = event.detail.object.key;
  const record = await deps.records.get(fileId);
  if (record && record.key !== key) return; // not this record's object
  if (record && record.storedStatus !== 'pending') {
    // Decided already (a duplicate or a late event): settle its usage, in case a crash came between the two.
    await settleUsage(deps.usage, record, record.storedStatus);
    return;
  }
  const read = await deps.objects.readHead(key, SNIFF_BYTES);
  if (!read) return; // deleted since: its delete event takes care of the record
  if (!record) {
    // No record (expired, or never written): the object must never become readable.
    await deps.objects.tag(key, STATUS_TAG.rejected);
    log('WARN', 'object without a record tagged rejected', { fileId });
    return;
  }
  const verdict = await verifyContent({
    head: read.head,
    storedSize: read.size,
    declaredSize: record.size,
    declaredType: record.contentType,
    declaredTypeAliases: aliasesOf(deps.contentTypeAliases, record.contentType),
  });
  if (verdict.status === 'available' && deps.scanning?.malwareScanning) {
    // Half a verdict: the object stays untagged (unreadable) until the scan says it is clean.
    const now = deps.now?.() ?? new Date();
    const after = await deps.records.recordVerdictHalf(fileId, {
      half: 'content',
      checkedAt: now.toISOString(),
      sequencer: event.detail.object.sequencer,
    });
    if (after?.scanResult) await decideScanned(deps, after, event.time);
    return;
  }
  if (!(await deps.objects.tag(key, verdict.status === 'available' ? STATUS_TAG.available : STATUS_TAG.rejected))) return;
  const now = deps.now?.() ?? new Date();
  const decided = await deps.records.recordVerdict(fileId, {
    status: verdict.status,
    ...(verdict.status === 'rejected' && { rejectedReason: verdict.reason }),
    verifiedAt: now.toISOString(),
    sequencer: event.detail.object.sequencer,
  });
  const settled = decided ? verdict.status : ((await deps.records.get(fileId))?.storedStatus ?? 'gone');
  await settleUsage(deps.usage, record, settled);
  // Counted once: only the write that moved the record counts, however often the event comes.
  if (decided) {
    const outcome = verdict.status === 'available' ? 'available' : verdict.reason;
    recordVerification(outcome, now.getTime() - Date.parse(event.time));
    log('INFO', 'file verified', { fileId, outcome });
  }
}

async function handleScanResult(deps: VerifierDependencies, message: SQSRecord, event: ScanResultEvent): Promise<boolean> {
  const { bucketName, objectKey } = event.detail.s3ObjectDetails;
  const object = parseObjectKey(objectKey);
  if (!object || bucketName !== deps.location.bucket) {
    log('ERROR', 'not a scan result of this bucket', { messageId: message.messageId });
    return false;
  }
  try {
    await objectScanned(deps, event, object.fileId);
    return false;
  } catch (error) {
    log('ERROR', 'recording the scan result failed; the message will be retried', {
      messageId: message.messageId,
      fileId: object.fileId,
      ...describeError(error),
    });
    return true;
  }
}

async function objectScanned(deps: VerifierDependencies, event: ScanResultEvent, fileId: string): Promise<void> {
  const record = await deps.records.get(fileId);
  // No record: the object event tags the object rejected. Decided, or another object: a duplicate or a late result.
  if (!record || record.storedStatus !== 'pending' || record.key !== event.detail.s3ObjectDetails.objectKey) return;
  const after = await deps.records.recordVerdictHalf(fileId, {
    half: 'scan',
    scanResult: event.detail.scanResultDetails.scanResultStatus,
    scannedAt: (deps.now?.() ?? new Date()).toISOString(),
  });
  if (!after) return;
  // A threat, or a failure the policy rejects, decides without the content check; a clean scan waits for it.
  if (after.contentCheckedAt || scanOutcome(deps, after) !== 'available') await decideScanned(deps, after, event.time);
}

/** What a scan result means for the file: `undefined` before there is one. */
function scanOutcome(deps: VerifierDependencies, record: StoredRecord): 'available' | 'MALWARE' | 'SCAN_FAILED' | undefined {
  if (!record.scanResult) return undefined;
  if (record.scanResult === 'NO_THREATS_FOUND') return 'available';
  if (record.scanResult === 'THREATS_FOUND') return 'MALWARE';
  return deps.scanning?.scanFailurePolicy === 'available' ? 'available' : 'SCAN_FAILED';
}

/** Tags and moves a record whose scan is in (and, for `available`, whose content check passed too). */
async function decideScanned(deps: VerifierDependencies, record: StoredRecord, eventTime: string): Promise<void> {
  const outcome = scanOutcome(deps, record);
  if (!outcome || (outcome === 'available' && !record.contentCheckedAt)) return;
  if (!(await deps.objects.tag(record.key, outcome === 'available' ? STATUS_TAG.available : STATUS_TAG.rejected))) return;
  const now = deps.now?.() ?? new Date();
  const decided = await deps.records.recordVerdict(record.id, {
    status: outcome === 'available' ? 'available' : 'rejected',
    ...(outcome !== 'available' && { rejectedReason: outcome }),
    verifiedAt: now.toISOString(),
    ...(record.sequencer && { sequencer: record.sequencer }),
  });
  const settled = decided
    ? outcome === 'available'
      ? 'available'
      : 'rejected'
    : ((await deps.records.get(record.id))?.storedStatus ?? 'gone');
  await settleUsage(deps.usage, record, settled);
  if (decided) {
    recordVerification(outcome, now.getTime() - Date.parse(eventTime));
    log('INFO', 'file verified', { fileId: record.id, outcome, scanResult: record.scanResult });
  }
}

async function objectDeleted(deps: VerifierDependencies, event: ObjectEvent, fileId: string): Promise<void> {
  // A version removed for good (the undo window ending) may leave a current object behind: only
  // a record its owner deleted goes with it.
  const onlyIfMarkedDeleted = event.detail['deletion-type'] === 'Permanently Deleted';
  const record = deps.usage && (await deps.records.get(fileId));
  if (record && removable(record, event.detail.object.sequencer, onlyIfMarkedDeleted)) {
    // Its usage first: the record may only go once its bytes are no longer counted.
    await settleUsage(deps.usage, record, 'gone');
  }
  const removed = await deps.records.removeAfterObjectDeleted(fileId, event.detail.object.sequencer, { onlyIfMarkedDeleted });
  if (removed) log('INFO', 'record removed after its object was deleted', { fileId });
}

/** Whether a delete event removes the record (the condition `removeAfterObjectDeleted` writes). */
function removable(record: StoredRecord, sequencer: string, onlyIfMarkedDeleted: boolean): boolean {
  if (onlyIfMarkedDeleted && record.storedStatus !== 'deleted') return false;
  return record.sequencer === undefined || record.sequencer < normalizedSequencer(sequencer);
}

/**
 * The bucket through the verifier's own execution role. `keepOtherTags` with malware scanning:
 * S3 replaces an object's whole tag set, and GuardDuty's `GuardDutyMalwareScanStatus` tag is
 * worth keeping (its scan result event comes after it tags, so ours is written last).
 */
export function verifiedObjects(location: BucketLocation, options: { keepOtherTags?: boolean } = {}): VerifiedObjects {
  const s3 = new S3Client({
    region: location.region,
    // The SDK's default CRC32 checksums break emulators; S3 needs none for these calls.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 10_000 },
    ...(location.endpoint && { endpoint: location.endpoint, forcePathStyle: true }),
  });
  const gone = (error: unknown) => ['NoSuchKey', 'NotFound'].includes(s3ErrorCode(error) ?? '');
  return {
    async readHead(key, bytes) {
      try {
        const answer = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key, Range: `bytes=0-${bytes - 1}` }));
        const head = answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array();
        // `bytes 0-4099/123456`: the stored size after the slash; a whole small object may come as a 200.
        const total = /\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1];
        return { head, size: total === undefined ? (answer.ContentLength ?? head.length) : Number(total) };
      } catch (error) {
        if (gone(error)) return undefined;
        throw error;
      }
    },
    async tag(key, status) {
      try {
        const others: Tag[] = options.keepOtherTags
          ? ((await s3.send(new GetObjectTaggingCommand({ Bucket: location.bucket, Key: key }))).TagSet ?? []).filter(
              (tag) => tag.Key !== STATUS_TAG_KEY,
            )
          : [];
        await s3.send(
          new PutObjectTaggingCommand({
            Bucket: location.bucket,
            Key: key,
            Tagging: { TagSet: [...others, { Key: STATUS_TAG_KEY, Value: status }] },
          }),
        );
        return true;
      } catch (error) {
        if (gone(error)) return false;
        throw error;
      }
    },
  };
}

function aliasesOf(aliases: Readonly<Record<string, string>> = {}, contentType: string): string[] {
  return Object.keys(aliases).filter((alias) => aliases[alias] === contentType);
}

function deployedDependencies(): VerifierDependencies {
  const base = recordDependencies(process.env);
  return {
    records: base.records,
    location: base.location,
    usage: base.usage,
    objects: verifiedObjects(base.location, { keepOtherTags: base.settings.malwareScanning }),
    scanning: base.settings,
    contentTypeAliases: base.settings.contentTypeAliases,
  };
}

/** The deployed handler: dependencies from the Lambda environment, read once at init. */
export const handler = createVerifierHandler(deployedDependencies());
