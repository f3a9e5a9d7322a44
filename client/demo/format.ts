/** How the page words sizes, dates and errors. */
import { FileApiError } from '../errors';

/** `12.0 MiB`. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** An error as one sentence for the user, with the code and request id to quote. */
export function describeError(error: unknown): string {
  if (!(error instanceof FileApiError)) return error instanceof Error ? error.message : String(error);
  const extra = error;
  let sentence = error.message;
  if (error.code === 'QUOTA_EXCEEDED' && extra.quota) {
    const { usedBytes, reservedBytes, quotaBytes } = extra.quota;
    sentence = `Not enough room: ${formatSize(usedBytes + reservedBytes)} of ${formatSize(quotaBytes)} used.`;
  } else if (error.code === 'RATE_LIMITED' || error.code === 'TOO_MANY_REQUESTS') {
    sentence = `Too many requests${extra.retryAfter ? `: try again in ${extra.retryAfter} s` : ''}.`;
  } else if (error.code === 'NETWORK_ERROR') {
    sentence = 'The service could not be reached. Check the connection and try again.';
  }
  return `${sentence} (${error.code}${error.requestId ? `, request ${error.requestId}` : ''})`;
}

/** Why the service rejected a file, in words. */
export function rejectedReasonText(reason: string | undefined): string {
  switch (reason) {
    case 'MALWARE':
      return 'malware found';
    case 'TYPE_MISMATCH':
      return 'content is not of the declared type';
    case 'SIZE_MISMATCH':
      return 'size differs from the declared one';
    case 'NOT_TEXT':
      return 'not plain text';
    case 'UNREADABLE':
      return 'unreadable';
    case 'SCAN_FAILED':
      return 'the malware scan failed';
    default:
      return reason ?? 'no reason given';
  }
}
