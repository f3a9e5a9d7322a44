/**
 * HEAD of an object, before a download URL is issued: does it exist, how big is it, what is
 * its type and original name.
 *
 * Sent as a presigned HEAD through `fetch` rather than `S3Client.send(HeadObjectCommand)`:
 * the same SigV4 signature by the SDK's presigner, without loading the S3 client on every
 * download's cold start.
 */
import { decodeRfc5987 } from './content-disposition';
import { storageUnavailable } from './errors';
import { log } from './logs';
import { measureLatency } from './metrics';
import type { ObjectUrlSigner } from './object-urls';
import type { RoleSession } from './role-sessions';

/** What a download needs to know about an object. */
export interface ObjectHead {
  readonly size: number;
  readonly contentType: string;
  /** ISO 8601. */
  readonly lastModified: string;
  /** The original file name the uploader gave, if stored with the object. */
  readonly filename?: string;
}

/** Longest wait for S3's answer before the request fails with 503. */
export const HEAD_TIMEOUT_MS = 3000;

/** HEADs an object with the user's session; `undefined` when it does not exist (or IAM hides it). */
export async function headObject(
  signer: ObjectUrlSigner,
  session: RoleSession,
  key: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ObjectHead | undefined> {
  const { url } = await signer.presign(session, { method: 'HEAD', key }, 60);
  let response: Response;
  try {
    response = await measureLatency('s3', () => fetchImpl(url, { method: 'HEAD', signal: AbortSignal.timeout(HEAD_TIMEOUT_MS) }));
  } catch (error) {
    throw storageUnavailable(error);
  }
  if (response.status === 404) return undefined;
  if (response.status === 403) {
    // S3 answers 403 for a missing key outside the prefixes the role may list, and for a policy that refuses us.
    log('WARN', 'object HEAD refused by S3', { key });
    return undefined;
  }
  if (!response.ok) throw storageUnavailable(new Error(`S3 answered HEAD with ${response.status}`));
  const filename = decodeRfc5987(response.headers.get('x-amz-meta-filename') ?? '');
  return {
    size: Number(response.headers.get('content-length') ?? 0),
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    lastModified: new Date(response.headers.get('last-modified') ?? 0).toISOString(),
    ...(filename && { filename }),
  };
}
