/**
 * What the verifier checks about a file's bytes, from its first bytes and its stored size:
 *
 * - the stored size is exactly the declared size;
 * - a text type (`text/*`) is valid UTF-8 without NUL;
 * - any other type's magic bytes, as `file-type` detects them, are the declared type's (or its
 *   container's: an Office document is a zip, an MP4 audio file an ISO media file).
 *
 * It checks that a file is what it claims to be, so a page declared as an image is never served
 * as one; it is not a malware scanner: a well-formed PDF with a malicious script passes.
 */
import { fileTypeFromBuffer } from 'file-type/core';
import type { RejectedReason } from '../../contract/answers';

/** How many first bytes the verifier reads: what `file-type` needs to recognise every format it knows. */
export const SNIFF_BYTES = 4100;

/** The verifier's decision. */
export type ContentVerdict = { readonly status: 'available' } | { readonly status: 'rejected'; readonly reason: RejectedReason };

/** What is known about the file. */
export interface ContentFacts {
  /** The first bytes of the object (at most `SNIFF_BYTES`). */
  readonly head: Uint8Array;
  /** The object's size as S3 stores it. */
  readonly storedSize: number;
  readonly declaredSize: number;
  readonly declaredType: string;
  /** The configured aliases of the declared type: `file-type` may name the bytes by one of them. */
  readonly declaredTypeAliases?: readonly string[];
}

const ISO_MEDIA = ['video/mp4', 'audio/mp4', 'audio/x-m4a', 'video/x-m4v', 'video/quicktime'];
const ZIP = 'application/zip';

/**
 * What `file-type` may report for a declared type, when more than the type itself: containers
 * and the aliases it names them by.
 */
const ACCEPTED_DETECTIONS: Readonly<Record<string, readonly string[]>> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': [ZIP],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': [ZIP],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': [ZIP],
  'audio/mp4': ISO_MEDIA,
  'video/mp4': ISO_MEDIA,
  'video/quicktime': ISO_MEDIA,
  'video/webm': ['video/x-matroska'],
  'image/heic': ['image/heic-sequence', 'image/heif', 'image/heif-sequence'],
};

/** Decides whether the bytes are what was declared. */
export async function verifyContent(facts: ContentFacts): Promise<ContentVerdict> {
  if (facts.storedSize !== facts.declaredSize) return { status: 'rejected', reason: 'SIZE_MISMATCH' };
  if (isTextType(facts.declaredType)) {
    return isUtf8Text(facts.head, facts.head.length < facts.storedSize)
      ? { status: 'available' }
      : { status: 'rejected', reason: 'NOT_TEXT' };
  }
  const detected = await fileTypeFromBuffer(facts.head);
  const accepted = [facts.declaredType, ...(ACCEPTED_DETECTIONS[facts.declaredType] ?? []), ...(facts.declaredTypeAliases ?? [])];
  return detected && accepted.includes(detected.mime) ? { status: 'available' } : { status: 'rejected', reason: 'TYPE_MISMATCH' };
}

/** Text types are checked as text: they have no magic bytes. */
function isTextType(contentType: string): boolean {
  return contentType.startsWith('text/');
}

/**
 * Valid UTF-8 without NUL. `truncated` when `bytes` are a prefix of the file: a character cut
 * at the end of the prefix is then not an error.
 */
export function isUtf8Text(bytes: Uint8Array, truncated: boolean): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
    return true;
  } catch {
    return false;
  }
}
