/**
 * The service's metrics, in one place: their names and dimensions, and one small function per
 * fact worth counting. Written as CloudWatch Embedded Metric Format (EMF) on stdout, one line per
 * request together with its audit fields (`metric-line.ts`), which CloudWatch Logs turns into
 * metrics with no API call and no extra latency.
 *
 * Imported by the handlers (to record) and by the CDK construct (alarms and dashboard read the
 * same names), so the two cannot drift. This module must stay free of aws-cdk-lib: it is bundled
 * into every Lambda.
 *
 * Dimensions are bounded by construction: an operation, an error code, a verdict. Never a user
 * id, a key, a file name or a request id: each distinct value is a metric of its own, billed
 * monthly, and dimension values are shown to anyone who may read metrics. Finer breakdowns that
 * only a dashboard reads (uploads by content type) are plain properties of the line, for Logs
 * Insights: a dimension would cost a directive in every line and a billed metric per value.
 *
 * Every metric with a breakdown dimension is written under two dimension sets of one directive of
 * the request's line: `service` only (the total) and `service` with its breakdown; metrics
 * without one get a directive of their own in the same line, so no dimension lands on a metric
 * it does not break down. `UploadBytes` shares `UrlsIssued`'s (`operation` is always `upload`
 * for it): one directive for a single PUT's line instead of two, 99 B less.
 *
 * Outside Lambda (tests, local mode) the same lines are printed, unless `POWERTOOLS_DEV` is set:
 * metrics are then off unless `POWERTOOLS_METRICS_DISABLED=false`, as with Powertools.
 */
import { MetricLine, MetricUnit, type MetricUnitName as Unit } from './metric-line';
import type { RejectedReason } from '../../contract/answers';
import type { ErrorCode } from '../../contract/errors';

/**
 * The CloudWatch namespace of every metric. Fixed here rather than read from the environment
 * (`POWERTOOLS_METRICS_NAMESPACE`) because the construct's alarms read this constant: a
 * configurable namespace could only make the two disagree.
 */
export const METRICS_NAMESPACE = 'SecureFileService';

/** Metric names. */
export const METRIC = {
  /** URLs handed out (Count); by `operation`. */
  urlsIssued: 'UrlsIssued',
  /** Error answers, 4xx and 5xx (Count); by `code`. */
  refusals: 'Refusals',
  /** Declared size of each upload (Bytes), a distribution; by `operation` (always `upload`: it shares `UrlsIssued`'s directive). */
  uploadBytes: 'UploadBytes',
  /** Part URLs signed for multipart uploads (Count). */
  partsSigned: 'PartsSigned',
  /**
   * `sts:AssumeRole` calls, failed ones included (Count): the role-session cache's misses. Hits are
   * not written (nearly every request's line would carry one, 64 B in a single PUT's): they are
   * `UrlsIssued` less `StsCalls`, which the dashboard graphs.
   */
  stsCalls: 'StsCalls',
  /** Time an `sts:AssumeRole` call took (Milliseconds). */
  stsLatency: 'StsLatency',
  /** Time a delete's S3 `DELETE` took (Milliseconds). */
  s3Latency: 'S3Latency',
  /** Files the verifier decided on (Count); by `outcome`: `available` or the rejection's reason. */
  verifications: 'Verifications',
  /** Time from the object's creation (S3's event time) to the verifier's decision (Milliseconds). */
  verificationLatency: 'VerificationLatency',
  /** First invocation of a new Lambda instance (Count), by `function_name` (as Powertools named it). */
  coldStart: 'ColdStart',
} as const;

/** Dimension names. `service` is on every metric; each other one breaks down one metric. */
export const DIMENSION = {
  service: 'service',
  /** Of `UrlsIssued` and `UploadBytes`: one of `URL_OPERATIONS`. */
  operation: 'operation',
  /** Of `Refusals`: an `ErrorCode`. */
  code: 'code',
  /** Of `Verifications`: `available`, or a `RejectedReason`. */
  outcome: 'outcome',
  /** Of `ColdStart`: the Lambda function's name. */
  functionName: 'function_name',
} as const;

/** What a URL lets its holder do. */
export const URL_OPERATIONS = ['upload', 'download'] as const;

/** What a URL lets its holder do. */
export type UrlOperation = (typeof URL_OPERATIONS)[number];

/** The verdicts of the verifier: the `outcome` of `Verifications`. */
export const VERIFICATION_OUTCOMES = ['available', 'rejected'] as const;

/** A dependency whose calls are timed. */
export type Dependency = 'sts' | 's3';

/** What the verifier decided: `available`, or why it rejected a file. */
export type VerificationOutcome = 'available' | RejectedReason;

/** The metrics of this Lambda instance; the handler's `publishMetricLine` middleware writes them once per invocation. */
export const metrics = new MetricLine({ namespace: METRICS_NAMESPACE });

/** Counts one URL issued; `urlIssued` calls it with the audit line. */
export function recordUrlIssued(operation: UrlOperation): void {
  recordWithBreakdown(METRIC.urlsIssued, MetricUnit.Count, 1, DIMENSION.operation, operation);
}

/** Counts one error answer by its code. */
export function recordRefusal(code: ErrorCode): void {
  recordWithBreakdown(METRIC.refusals, MetricUnit.Count, 1, DIMENSION.code, code);
}

/** Records the declared size of an upload, under the directive of the `UrlsIssued` it comes with. */
export function recordUploadDeclared(bytes: number): void {
  recordWithBreakdown(METRIC.uploadBytes, MetricUnit.Bytes, bytes, DIMENSION.operation, 'upload' satisfies UrlOperation);
}

/**
 * Records how full the caller's quota is after a reservation (0-100), as a property of the line
 * (`quotaUsedPercent`), not a metric: the dashboard reads its distribution with Logs Insights,
 * where a metric of its own took a directive and ~140 B in every upload's line.
 */
export function recordQuotaUsed(percent: number): void {
  metrics.addProperties({ quotaUsedPercent: Math.min(100, Math.round(percent * 10) / 10) });
}

/** Counts the part URLs signed for a multipart upload in one request. */
export function recordPartsSigned(count: number): void {
  metrics.addMetric(METRIC.partsSigned, MetricUnit.Count, count);
}

/** Counts one call to STS for a role session (a miss of the session cache). */
export function recordStsCall(): void {
  metrics.addMetric(METRIC.stsCalls, MetricUnit.Count, 1);
}

/** Runs a call to a dependency and records how long it took, whether it succeeded or failed. */
export async function measureLatency<Result>(dependency: Dependency, call: () => Promise<Result>): Promise<Result> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    const metricName = dependency === 'sts' ? METRIC.stsLatency : METRIC.s3Latency;
    // To a tenth: further digits are timer noise, and every byte of a metric line is billed as log ingestion.
    metrics.addMetric(metricName, MetricUnit.Milliseconds, Math.round((performance.now() - started) * 10) / 10);
  }
}

/** Counts one verifier decision, and how long after the object's creation it came. */
export function recordVerification(outcome: VerificationOutcome, latencyMs: number): void {
  recordWithBreakdown(METRIC.verifications, MetricUnit.Count, 1, DIMENSION.outcome, outcome);
  metrics.addMetric(METRIC.verificationLatency, MetricUnit.Milliseconds, Math.max(0, Math.round(latencyMs)));
}

/**
 * Marks the invocation's batch with its request id, as a property (searchable in CloudWatch Logs
 * next to the audit line), never as a dimension.
 */
export function recordRequestId(requestId: string): void {
  metrics.addMetadata('requestId', requestId);
}

function recordWithBreakdown(name: string, unit: Unit, value: number, dimension: string, dimensionValue: string): void {
  metrics.addBreakdown(name, unit, value, dimension, dimensionValue);
}
