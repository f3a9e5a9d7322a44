import { extendedEncodeURIComponent } from '@smithy/core/protocols';

/**
 * `Content-Disposition` for downloads (RFC 6266), carrying the original Unicode name in
 * `filename*` (RFC 5987) and an ASCII fallback in `filename` for old clients.
 */

/** How the browser should treat a download: show it (`inline`) or save it (`attachment`). */
export type Disposition = 'inline' | 'attachment';

/**
 * Builds the header value. `asciiName` must already be a safe name (no quotes or
 * backslashes); `originalName` may be any Unicode string.
 */
export function contentDisposition(disposition: Disposition, asciiName: string, originalName: string): string {
  return `${disposition}; filename="${asciiName}"; filename*=UTF-8''${encodeRfc5987(originalName)}`;
}

/** RFC 5987 `value-chars`: percent-encoded UTF-8 without the `'()*` that `encodeURIComponent` leaves alone. */
export const encodeRfc5987 = extendedEncodeURIComponent;

/** Reverses `encodeRfc5987` (and `encodeURIComponent`); `undefined` when the text is not valid percent-encoded UTF-8. */
export function decodeRfc5987(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
