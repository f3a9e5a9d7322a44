/**
 * SHA-256 as S3 checks it in `x-amz-checksum-sha256`, by Web Crypto (browsers and Node.js alike).
 * Web Crypto has no incremental digest, so what is hashed is read at once: callers hash a part's
 * slice, never a whole large file.
 */

/** The base64 SHA-256 of `bytes` (a small file, or one part's slice). */
export async function sha256Base64(bytes: Blob | Uint8Array): Promise<string> {
  const buffer = bytes instanceof Blob ? await bytes.arrayBuffer() : bytes;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer as BufferSource));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}
