/**
 * Section 5: what a million URLs cost on AWS, from the measured per-invocation work and log
 * bytes, the functions' memory, and list prices. Every input that was not measured here is
 * named as an estimate.
 */

/** us-east-1 list prices, before free tiers. */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2026-11',
  /** HTTP API, per million requests (first 300 million a month). */
  httpApiPerMillion: 1.0,
  /** Lambda, per million requests. */
  lambdaRequestsPerMillion: 0.2,
  /** Lambda arm64 duration, per GB-second. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** S3 HEAD (a GET-class request), per 1,000. */
  s3HeadPerThousand: 0.0004,
  /** CloudWatch Logs ingestion, per GB. */
  logsPerGb: 0.5,
  /** STS AssumeRole is free. */
  sts: 0,
};

/** Lambda's own START, END and REPORT lines per invocation (~0.3 kB; an estimate, not measured here). */
export const PLATFORM_LOG_BYTES = 300;

/**
 * One vCPU per 1,769 MB (AWS Lambda docs): the share of a core a function of `memoryMb` gets,
 * used to scale CPU time measured here on a whole core into Lambda duration (an estimate).
 */
export const cpuShare = (memoryMb) => Math.min(1, memoryMb / 1769);

/**
 * Cost per million URLs of one function. `workMs` is the measured CPU time of one warm
 * invocation here; `waitMs` is time spent waiting on AWS that the bench cannot measure offline
 * (the HEAD to S3 before a download), `headsPerUrl` how many S3 HEADs a URL takes.
 */
export function costPerMillion({ workMs, waitMs = 0, memoryMb, logBytes, headsPerUrl = 0 }) {
  const lambdaMs = workMs / cpuShare(memoryMb) + waitMs;
  // Lambda bills duration per 1 ms, rounded up: sub-millisecond work bills as 1 ms.
  const billedMs = Math.max(1, Math.ceil(lambdaMs));
  const items = {
    httpApi: PRICES.httpApiPerMillion,
    lambdaRequests: PRICES.lambdaRequestsPerMillion,
    lambdaDuration: (billedMs / 1000) * (memoryMb / 1024) * PRICES.lambdaArmPerGbSecond * 1e6,
    s3Head: headsPerUrl * PRICES.s3HeadPerThousand * 1000,
    logs: (((logBytes + PLATFORM_LOG_BYTES) * 1e6) / 1e9) * PRICES.logsPerGb,
    sts: PRICES.sts,
  };
  const total = Object.values(items).reduce((sum, value) => sum + value, 0);
  return { lambdaMs, billedMs, items, total };
}
