/**
 * Structured logs: one JSON object per line on stdout, which CloudWatch Logs Insights queries
 * by field. Every line carries the request id and function of the request it belongs to,
 * whichever module writes it: `apiHandler` binds them for the whole invocation (through
 * `AsyncLocalStorage`, so concurrent requests in local mode's single process keep theirs).
 *
 * Never log the raw event (it carries the bearer token), a signature or a full presigned URL.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Severity of a log line. */
export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

/** What every line of one request carries. */
export interface RequestLogContext {
  /** API Gateway's request id: the same as in its access log, so a request can be followed end to end. */
  readonly requestId: string;
  /** The registry name of the function answering (`uploads`). */
  readonly function: string;
}

const requestContext = new AsyncLocalStorage<RequestLogContext>();

/** Runs `work` with every log line it writes bound to the request. */
export function withRequestLogContext<Result>(context: RequestLogContext, work: () => Result): Result {
  return requestContext.run(context, work);
}

/** The current request's log context, for a line written elsewhere (the request's metric line). */
export function requestLogContext(): RequestLogContext | undefined {
  return requestContext.getStore();
}

/** Writes one JSON log line, bound to the current request when there is one. */
export function log(level: LogLevel, message: string, fields: Readonly<Record<string, unknown>> = {}): void {
  console.log(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...requestContext.getStore(), ...fields }));
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
