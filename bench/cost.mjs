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
 * Cost per million URLs of one function. `workMs` is the measured time of one warm invocation
 * here; `waitMs` is time spent waiting on AWS that the bench cannot measure offline (the file
 * table's answer), `headsPerUrl` how many S3 HEADs a URL takes (none since the file records:
 * kept for the naive comparison), `tableReadsPerUrl` how many strongly consistent record reads
 * (a download's `GetItem`, the suspension), `tableWritesPerUrl` how many write units (the rate
 * window, an upload's reservation, its pending record and index item; the verdict's are in
 * `recordsCostPerMillionUploads`).
 */
export function costPerMillion({ workMs, waitMs = 0, memoryMb, logBytes, headsPerUrl = 0, tableReadsPerUrl = 0, tableWritesPerUrl = 0 }) {
  const lambdaMs = workMs / cpuShare(memoryMb) + waitMs;
  // Lambda bills duration per 1 ms, rounded up: sub-millisecond work bills as 1 ms.
  const billedMs = Math.max(1, Math.ceil(lambdaMs));
  const items = {
    httpApi: PRICES.httpApiPerMillion,
    lambdaRequests: PRICES.lambdaRequestsPerMillion,
    lambdaDuration: (billedMs / 1000) * (memoryMb / 1024) * PRICES.lambdaArmPerGbSecond * 1e6,
    s3Head: headsPerUrl * PRICES.s3HeadPerThousand * 1000,
    tableReads: tableReadsPerUrl * RECORD_PRICES.dynamoReadPerMillion,
    tableWrites: tableWritesPerUrl * RECORD_PRICES.dynamoWritePerMillion,
    logs: (((logBytes + PLATFORM_LOG_BYTES) * 1e6) / 1e9) * PRICES.logsPerGb,
    sts: PRICES.sts,
  };
  const total = Object.values(items).reduce((sum, value) => sum + value, 0);
  return { lambdaMs, billedMs, items, total };
}

/**
 * What the file records add to each upload on AWS (us-east-1 list prices; the rows say which are
 * assumptions). Kept apart from `PRICES` above so the per-URL figures stay as they were measured.
 */
export const RECORD_PRICES = {
  region: 'us-east-1',
  asOf: '2026-11 (assumed unchanged since the on-demand DynamoDB price cut of November 2024)',
  /** DynamoDB on-demand, per million write request units (1 KB each) and read request units (4 KB, strongly consistent). */
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  /**
   * S3 object events through EventBridge are "AWS opt-in data events" on the EventBridge pricing
   * page, not the free management events: assumed billed like custom events, per million ingested
   * (delivery to a queue in the same account is free).
   */
  eventBridgeOptInEventsPerMillion: 1.0,
  /** SQS standard queue, per million requests (each up to 64 KB). */
  sqsRequestsPerMillion: 0.4,
  /** S3 GET-class (the verifier's ranged GET) and PUT-class (its PutObjectTagging) requests, per 1,000. */
  s3GetPerThousand: 0.0004,
  s3PutPerThousand: 0.005,
  /** S3 object tags, per 10,000 tags a month: a recurring cost of every verified file, not a per-upload one. */
  s3TagsPer10kMonth: 0.01,
};

/**
 * The assumptions behind `recordsCostPerMillionUploads`, each an estimate, none measured here:
 * the verifier's time per object is mostly waiting on S3 and DynamoDB, which no offline bench
 * can time; one object per batch is the worst case (uploads that arrive minutes apart), ten the best.
 */
export const RECORD_ASSUMPTIONS = {
  /** The verdict (the pending record's 2 are in the URL's cost): each write also writes the `byOwner` index item (projection ALL), under 1 KB each. */
  writeUnitsPerUpload: 2,
  /**
   * The storage quota's confirmation at `available`: one `TransactWriteItems` over the usage item
   * and the record (transactions bill 2 WRU per item, each under 1 KB), and the record's index item
   * (1 WRU, assumed billed as a standard write).
   */
  quotaWriteUnitsPerUpload: 5,
  /** The verifier reads the record once, strongly consistent, under 4 KB. */
  readUnitsPerUpload: 1,
  /** One `Object Created` event per single-PUT or completed multipart upload. */
  eventsPerUpload: 1,
  /** Objects per verifier invocation (and per SQS receive and delete batch). */
  objectsPerBatch: 1,
  /** Wall time of the verifier per object: ranged GET, GetItem, PutObjectTagging, conditional UpdateItem (estimate). */
  verifierMsPerObject: 100,
  verifierMemoryMb: 512,
  /** The verifier's log and metric lines per invocation (estimate). */
  verifierLogBytes: 1000,
};

/** What verifying and recording one million uploads costs, by item, on top of issuing their URLs. */
export function recordsCostPerMillionUploads(assumptions = RECORD_ASSUMPTIONS) {
  const a = assumptions;
  const batches = 1e6 / a.objectsPerBatch;
  const billedMs = Math.ceil(a.verifierMsPerObject * a.objectsPerBatch);
  const items = {
    dynamoWrites: a.writeUnitsPerUpload * RECORD_PRICES.dynamoWritePerMillion,
    quotaWrites: a.quotaWriteUnitsPerUpload * RECORD_PRICES.dynamoWritePerMillion,
    dynamoReads: a.readUnitsPerUpload * RECORD_PRICES.dynamoReadPerMillion,
    eventBridge: a.eventsPerUpload * RECORD_PRICES.eventBridgeOptInEventsPerMillion,
    // EventBridge's SendMessage per event; the Lambda poller's ReceiveMessage and DeleteMessageBatch per batch.
    sqs: ((a.eventsPerUpload * 1e6 + 2 * batches) / 1e6) * RECORD_PRICES.sqsRequestsPerMillion,
    verifierRequests: (batches / 1e6) * PRICES.lambdaRequestsPerMillion,
    verifierDuration: batches * (billedMs / 1000) * (a.verifierMemoryMb / 1024) * PRICES.lambdaArmPerGbSecond,
    verifierS3: 1e3 * (RECORD_PRICES.s3GetPerThousand + RECORD_PRICES.s3PutPerThousand),
    verifierLogs: ((batches * (a.verifierLogBytes + PLATFORM_LOG_BYTES)) / 1e9) * PRICES.logsPerGb,
  };
  const total = Object.values(items).reduce((sum, value) => sum + value, 0);
  const tagsPerMonth = (1e6 / 1e4) * RECORD_PRICES.s3TagsPer10kMonth;
  return { items, total, billedMs, tagsPerMonth };
}
