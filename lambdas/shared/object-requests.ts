/**
 * Bodiless requests to S3 through a presigned URL: an object's delete, the bucket's HEAD. The
 * SDK's presigner signs them (the same SigV4 as `S3Client.send`, with the same credentials and
 * so the same IAM checks); `node:https` sends them. That keeps `@aws-sdk/client-s3` (~150 kB of
 * the bundle, the largest part of a cold start after the SDK's core) out of the deletes and
 * health functions, which make no other S3 call. `npm run bench` has the figures.
 *
 * `node:https` rather than `fetch`: the STS and DynamoDB clients have loaded it already, where
 * `fetch`'s first call loads undici (~30 ms of CPU in a cold start).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What S3 answered. */
export interface ObjectAnswer {
  readonly status: number;
  /** Lower-case names, as `node:http` gives them. */
  readonly headers: IncomingHttpHeaders;
}

/** The longest one attempt may take: the SDK client's `requestTimeout` it replaces. */
const ATTEMPT_TIMEOUT_MS = 3000;

/**
 * Sends a presigned request over `node:https` (AWS), or `node:http` for a local emulator, loaded
 * only then. Node's global agent keeps connections alive, so a warm instance reuses its
 * connection to S3. Any status is an answer; a failure to get one rejects.
 */
export async function sendSignedRequest(url: string, method: 'HEAD' | 'DELETE', signal: AbortSignal): Promise<ObjectAnswer> {
  const send = url.startsWith('https:') ? httpsRequest : (await import('node:http')).request;
  return new Promise((resolve, reject) => {
    const request = send(url, { method, signal }, (response) => {
      // The body of an error answer (S3's XML) says nothing the status does not: drain it.
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    request.on('error', reject);
    request.end();
  });
}

/**
 * Deletes the object a presigned DELETE names. Deleting is idempotent, so a 5xx or a lost
 * connection gets a second attempt, as the SDK client's two attempts gave it; S3 answers 204
 * for an object already gone, and anything but 2xx rejects.
 */
export async function deleteObject(url: string, signal: AbortSignal | undefined): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const timeout = AbortSignal.timeout(ATTEMPT_TIMEOUT_MS);
    const answer = await sendSignedRequest(url, 'DELETE', signal ? AbortSignal.any([signal, timeout]) : timeout).catch((error: unknown) => {
      if (attempt === 2 || signal?.aborted) throw error;
      return undefined;
    });
    if (answer && answer.status < 300) return;
    if (answer && (answer.status < 500 || attempt === 2)) throw new Error(`S3 answered ${answer.status} to the object's DELETE`);
  }
}
