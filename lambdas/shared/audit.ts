/**
 * The audit trail: one structured record per URL issued, written together with the metric
 * that counts it, so neither can be forgotten beside the other: its fields go into the request's
 * one log line, beside its metrics (`metric-line.ts`).
 *
 * A file is named by its id, never by its key: the key is `users/{userId}/{fileId}/{name}`, so
 * the id (random, unique) finds it in S3's access log, and the name is user content, which
 * stays out of the logs.
 */
import type { Caller } from './http';
import { metrics, recordUrlIssued, type UrlOperation } from './metrics';

/** What the audit record says about one URL (or batch of part URLs) issued. */
export interface IssuedUrl {
  /** What the URL lets its holder do, as the metric counts it. */
  readonly operation: UrlOperation;
  /** What the record calls it, when finer than `operation` (`upload-multipart`, `upload-parts`). @default operation */
  readonly action?: string;
  /** The file's id (its record's), not its key: see above. */
  readonly fileId: string;
  /**
   * Whole seconds the URL lasts from its signing (its `X-Amz-Expires`; for part URLs, the
   * shortest). The expiry is the line's timestamp plus this, at most the request's duration
   * late: 15 B in the line where an ISO time took 38.
   */
  readonly expiresIn: number;
  /** Further facts (size, content type, part numbers), never the URL itself. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Re-signed part URLs are audited but not counted again as URLs issued. @default true */
  readonly counted?: boolean;
}

/**
 * Records one URL issued: the audit fields (user, operation, file id, expiry, source IP) in the
 * request's line and, unless told not to, the metric. `operation` is also the metric's dimension
 * there, so a finer action (`upload-multipart`) is its own field, `action`.
 */
export function urlIssued(caller: Caller, url: IssuedUrl): void {
  if (url.counted !== false) recordUrlIssued(url.operation);
  addAuditRecord(caller, 'url issued', url.operation, url.fileId, {
    ...(url.action && { action: url.action }),
    expiresIn: url.expiresIn,
    ...url.details,
  });
}

/** Records one file deleted by its owner (user, file id, source IP), in the request's one line beside its `S3Latency`. */
export function fileDeleted(caller: Caller, fileId: string): void {
  addAuditRecord(caller, 'file deleted', 'delete', fileId);
}

/** The audit fields every record has, and its own, as properties of the request's one line. */
function addAuditRecord(
  caller: Caller,
  message: string,
  operation: string,
  fileId: string,
  fields: Readonly<Record<string, unknown>> = {},
): void {
  // No `level`: the line is a record, never filtered by level (nothing reads one from it), and its 15 B are in every request's line.
  metrics.addProperties({ message, audit: true, operation, userId: caller.sub, fileId, ...fields, sourceIp: caller.sourceIp });
}
