/**
 * GuardDuty Malware Protection for S3's scan results, as EventBridge delivers them (and SQS
 * carries them, as the message body):
 * https://docs.aws.amazon.com/guardduty/latest/ug/monitor-with-eventbridge-s3-malware-protection.html.
 * Local mode's stand-in scanner builds the same shape, so the verifier reads one format everywhere.
 */
import * as v from 'valibot';

/** What the verifier's scan-result rule matches. */
export const SCAN_RESULT_EVENT = { source: 'aws.guardduty', detailType: 'GuardDuty Malware Protection Object Scan Result' } as const;

/**
 * Every `scanResultStatus` GuardDuty documents: only `NO_THREATS_FOUND` lets a file through;
 * `THREATS_FOUND` rejects it; the others say the scan could not judge it (`scanFailurePolicy`).
 */
const SCAN_RESULT_STATUSES = ['NO_THREATS_FOUND', 'THREATS_FOUND', 'UNSUPPORTED', 'ACCESS_DENIED', 'FAILED'] as const;

/** One scan result status. */
export type ScanResultStatus = (typeof SCAN_RESULT_STATUSES)[number];

const ScanResultEventSchema = v.object({
  'detail-type': v.literal(SCAN_RESULT_EVENT.detailType),
  source: v.literal(SCAN_RESULT_EVENT.source),
  time: v.string(),
  detail: v.object({
    schemaVersion: v.optional(v.string()),
    scanStatus: v.optional(v.string()),
    resourceType: v.optional(v.string()),
    s3ObjectDetails: v.object({
      bucketName: v.string(),
      objectKey: v.string(),
      eTag: v.optional(v.string()),
      versionId: v.optional(v.string()),
    }),
    scanResultDetails: v.object({ scanResultStatus: v.picklist(SCAN_RESULT_STATUSES) }),
  }),
});

/** A scan-result event, as the verifier reads it. */
export type ScanResultEvent = v.InferOutput<typeof ScanResultEventSchema>;

/** The whole EventBridge event, as it is delivered: what local mode builds. */
export interface EventBridgeScanResultEvent extends ScanResultEvent {
  readonly version: '0';
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly resources: readonly string[];
}

/** Parses an SQS message body as a scan-result event; `undefined` when it is none. */
export function parseScanResultEvent(body: string): ScanResultEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const result = v.safeParse(ScanResultEventSchema, json);
  return result.success ? result.output : undefined;
}
