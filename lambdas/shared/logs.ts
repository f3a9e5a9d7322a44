/**
 * Structured logs: one JSON object per line on stdout, which CloudWatch Logs Insights queries
 * by field. Never log the raw event (it carries the bearer token), a signature or a full
 * presigned URL.
 */

/** Severity of a log line. */
export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

/** Writes one JSON log line. */
export function log(level: LogLevel, message: string, fields: Readonly<Record<string, unknown>> = {}): void {
  console.log(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields }));
}

/** The fields of an error worth logging: its kind and message, and the same of its cause; never a stack. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const described: Record<string, unknown> = { errorName: error.name, errorMessage: error.message };
  if (error.cause instanceof Error) {
    described.causeName = error.cause.name;
    described.causeMessage = error.cause.message;
  }
  return described;
}

/** What the audit line records about each URL issued. */
export interface AuditEntry {
  readonly operation: string;
  readonly userId: string;
  readonly key: string;
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly sourceIp: string;
  /** API Gateway's request id: the same as in its access log, so a request can be followed end to end. */
  readonly requestId: string;
  /** Further facts about the URL (size, content type, part numbers), never the URL itself. */
  readonly [detail: string]: unknown;
}

/** Writes the audit line for one URL issued. */
export function audit(entry: AuditEntry): void {
  log('INFO', 'url issued', { audit: true, ...entry });
}
