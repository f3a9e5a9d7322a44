/**
 * HEAD of an object, before a download URL is issued: does it exist, how big is it, what is
 * its type and original name.
 *
 * Sent as a presigned HEAD rather than `S3Client.send(HeadObjectCommand)`: the same SigV4
 * signature by the SDK's presigner, without loading the S3 client on every download's cold
 * start. Sent with `node:https`, which the STS client has loaded already, rather than `fetch`,
 * whose first call loads undici (~30 ms of CPU in a cold download, measured by `npm run bench`).
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { decodeRfc5987 } from './content-disposition';
import { withinDeadline } from './deadline';
import { storageUnavailable } from './errors';
import { FILENAME_METADATA_HEADER } from './keys';
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

/** What S3 answered to a HEAD. */
export interface HeadResponse {
  readonly status: number;
  /** Lower-case names, as `node:http` gives them. */
  readonly headers: IncomingHttpHeaders;
}

/** Sends a HEAD to a presigned URL; rejects when S3 cannot be reached or `signal` aborts. */
export type HeadRequest = (url: string, signal: AbortSignal) => Promise<HeadResponse>;

/** Longest wait for S3's answer before the request fails with 503. */
const HEAD_TIMEOUT_MS = 3000;

/** HEADs an object with the user's session; `undefined` when it does not exist (or IAM hides it). */
export async function headObject(
  signer: ObjectUrlSigner,
  session: RoleSession,
  key: string,
  sendHead: HeadRequest = sendHeadRequest,
  deadline?: AbortSignal,
): Promise<ObjectHead | undefined> {
  const { url } = await signer.presign(session, { method: 'HEAD', key }, 60);
  let response: HeadResponse;
  try {
    // Whichever comes first: S3's own bound, or the request's deadline.
    const signal = deadline ? AbortSignal.any([deadline, AbortSignal.timeout(HEAD_TIMEOUT_MS)]) : AbortSignal.timeout(HEAD_TIMEOUT_MS);
    response = await measureLatency('s3', () => withinDeadline(deadline, () => sendHead(url, signal)));
  } catch (error) {
    throw storageUnavailable(error);
  }
  if (response.status === 404) return undefined;
  if (response.status === 403) {
    // S3 answers 403 for a missing key outside the prefixes the role may list, and for a policy that refuses us.
    log('WARN', 'object HEAD refused by S3', { key });
    return undefined;
  }
  if (response.status < 200 || response.status > 299) throw storageUnavailable(new Error(`S3 answered HEAD with ${response.status}`));
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const filename = decodeRfc5987(header(FILENAME_METADATA_HEADER) ?? '');
  return {
    size: Number(header('content-length') ?? 0),
    contentType: header('content-type') ?? 'application/octet-stream',
    lastModified: new Date(header('last-modified') ?? 0).toISOString(),
    ...(filename && { filename }),
  };
}

/**
 * A HEAD over `node:https` (AWS), or `node:http` for a local emulator, loaded only then. Node's
 * global agent keeps connections alive, so a warm instance reuses its connection to S3.
 */
export async function sendHeadRequest(url: string, signal: AbortSignal): Promise<HeadResponse> {
  const send = url.startsWith('https:') ? httpsRequest : (await import('node:http')).request;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'HEAD', signal }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    request.on('error', reject);
    request.end();
  });
}
