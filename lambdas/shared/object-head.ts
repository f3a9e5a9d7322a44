/**
 * HEAD of an object through a presigned URL: does it exist, how big is it, what is its type and
 * original name. Downloads read the file's record now, and the bench's naive baseline no longer
 * HEADs either.
 *
 * Sent as a presigned HEAD rather than `S3Client.send(HeadObjectCommand)`: the same SigV4
 * signature by the SDK's presigner, without loading the S3 client on every download's cold
 * start. Sent with `node:https`, which the STS client has loaded already, rather than `fetch`,
 * whose first call loads undici (~30 ms of CPU in a cold download, measured by `npm run bench`).
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

/** What S3 answered to a HEAD. */
export interface HeadResponse {
  readonly status: number;
  /** Lower-case names, as `node:http` gives them. */
  readonly headers: IncomingHttpHeaders;
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
