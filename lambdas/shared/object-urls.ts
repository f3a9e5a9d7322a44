/**
 * Presigned URLs for one object and one operation, signed with a user's role session.
 *
 * We hand the SDK's `S3RequestPresigner` the request ourselves instead of going through
 * `S3Client` + `getSignedUrl`: the presigner is ~20 kB where the client is ~400 kB of cold
 * start, and without the client's flexible-checksum middleware no `x-amz-checksum-crc32` of
 * an empty body (and no `x-amz-sdk-checksum-algorithm`) sneaks into upload URLs.
 */
import { formatUrl } from '@aws-sdk/core/util';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import type { HttpRequest } from '@smithy/types';
import type { RoleSession } from './role-sessions';

/** Where the bucket is and how to address it. */
export interface BucketLocation {
  readonly bucket: string;
  readonly region: string;
  /**
   * The partition's domain (`amazonaws.com`, `amazonaws.com.cn`…): the stack's `AWS::URLSuffix`.
   * Required for AWS S3; local mode's `endpoint` does without.
   */
  readonly urlSuffix?: string;
  /**
   * An S3-compatible endpoint addressed path-style (`{endpoint}/{bucket}/{key}`), for local
   * mode. @default virtual-hosted AWS S3: `https://{bucket}.s3.{region}.{urlSuffix}/{key}`
   */
  readonly endpoint?: string;
}

/** One operation on one object. */
export interface ObjectRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'DELETE';
  readonly key: string;
  /** Headers to sign; the client must send exactly these. Lower-case names. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Query parameters to sign (`partNumber`, `uploadId`, `response-content-disposition`…). */
  readonly query?: Readonly<Record<string, string>>;
}

/** A presigned URL and the moment it stops working. */
export interface PresignedUrl {
  readonly url: string;
  /** Epoch milliseconds: the earlier of the requested lifetime and the credentials' expiry. */
  readonly expiresAt: number;
  /** Whole seconds from signing to `expiresAt`: the URL's `X-Amz-Expires`. */
  readonly expiresIn: number;
}

/** Signs object requests with a user's role session. */
export interface ObjectUrlSigner {
  presign(session: RoleSession, request: ObjectRequest, expiresInSeconds: number): Promise<PresignedUrl>;
}

/** Creates a signer for one bucket; `now` is injectable so tests can sign at a fixed time. */
export function createObjectUrlSigner(location: BucketLocation, now: () => number = () => Date.now()): ObjectUrlSigner {
  const presigners = new WeakMap<RoleSession, S3RequestPresigner>();
  const presignerFor = (session: RoleSession): S3RequestPresigner => {
    let presigner = presigners.get(session);
    if (!presigner) {
      presigner = new S3RequestPresigner({
        credentials: session.credentials,
        region: location.region,
        sha256: Hash.bind(null, 'sha256'),
      });
      presigners.set(session, presigner);
    }
    return presigner;
  };

  return {
    async presign(session, request, expiresInSeconds) {
      const signedAt = now();
      // A URL cannot outlive the credentials that signed it: S3 refuses it once they expire.
      const lifetime = Math.min(expiresInSeconds, Math.floor((session.expiresAt - signedAt) / 1000));
      const headers = { ...request.headers };
      const signed = await presignerFor(session).presign(httpRequest(location, request, headers), {
        expiresIn: lifetime,
        signingDate: new Date(signedAt),
        // The presigner leaves content-type unsigned by default; we want every header we hand out signed.
        signableHeaders: new Set(Object.keys(headers)),
        // S3 reads checksums and metadata from headers: keep them there (signed), not hoisted into the query.
        unhoistableHeaders: new Set(Object.keys(headers).filter((name) => name.startsWith('x-amz-'))),
      });
      return { url: formatUrl(signed), expiresAt: signedAt + lifetime * 1000, expiresIn: lifetime };
    },
  };
}

/** The path-style or virtual-hosted request for an object, before signing. */
function httpRequest(location: BucketLocation, request: ObjectRequest, headers: Record<string, string>): HttpRequest {
  const key = request.key.split('/').map(extendedEncodeURIComponent).join('/');
  const common = { method: request.method, headers, query: { ...request.query } };
  if (location.endpoint) {
    const endpoint = new URL(location.endpoint);
    return {
      ...common,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: `/${location.bucket}/${key}`,
    };
  }
  // China and other partitions have domains of their own: never assume `amazonaws.com`.
  if (!location.urlSuffix) throw new Error('A bucket on AWS needs its partition URL suffix (URL_SUFFIX).');
  return {
    ...common,
    protocol: 'https:',
    hostname: `${location.bucket}.s3.${location.region}.${location.urlSuffix}`,
    path: `/${key}`,
  };
}
