/**
 * BASELINE for `npm run bench`, never deployed: the URL signer written the way public samples
 * write it, a new `S3Client` and `getSignedUrl(new PutObjectCommand(…))` for every URL.
 *
 * `bench/bundles.mjs` builds the real handlers with this module in place of
 * `lambdas/shared/object-urls.ts`, so the naive bundle behaves like ours and differs only in how
 * it signs (and, through `object-head.ts` here, how it HEADs).
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BucketLocation, ObjectRequest, ObjectUrlSigner } from '../../lambdas/shared/object-urls';
import type { RoleSession } from '../../lambdas/shared/role-sessions';

export type { BucketLocation, ObjectRequest, ObjectUrlSigner, PresignedUrl } from '../../lambdas/shared/object-urls';

/** Same contract as the production signer; a new client per URL, as the samples do. */
export function createObjectUrlSigner(location: BucketLocation, now: () => number = () => Date.now()): ObjectUrlSigner {
  return getSignedUrlSigner(location, now, (session) => newS3Client(location, session));
}

/**
 * The same with one client per session, reused: what the SDK's own presigning costs once the
 * client exists (the benchmark's row c).
 */
export function createReusedClientSigner(location: BucketLocation, now: () => number = () => Date.now()): ObjectUrlSigner {
  const clients = new WeakMap<RoleSession, S3Client>();
  return getSignedUrlSigner(location, now, (session) => {
    const client = clients.get(session) ?? newS3Client(location, session);
    clients.set(session, client);
    return client;
  });
}

function newS3Client(location: BucketLocation, session: RoleSession): S3Client {
  return new S3Client({
    region: location.region,
    credentials: session.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...(location.endpoint && { endpoint: location.endpoint, forcePathStyle: true }),
  });
}

function getSignedUrlSigner(location: BucketLocation, now: () => number, clientFor: (session: RoleSession) => S3Client): ObjectUrlSigner {
  return {
    async presign(session, request, expiresInSeconds) {
      const signedAt = now();
      const lifetime = Math.min(expiresInSeconds, Math.floor((session.expiresAt - signedAt) / 1000));
      const headers = Object.keys(request.headers ?? {});
      const url = await signedUrl(clientFor(session), location.bucket, request, {
        expiresIn: lifetime,
        signingDate: new Date(signedAt),
        signableHeaders: new Set(headers),
        unhoistableHeaders: new Set(headers.filter((name) => name.startsWith('x-amz-'))),
      });
      return { url, expiresAt: signedAt + lifetime * 1000, expiresIn: lifetime };
    },
  };
}

/** `getSignedUrl` with the command a sample would build for the request. */
function signedUrl(client: S3Client, bucket: string, request: ObjectRequest, options: Parameters<typeof getSignedUrl>[2]): Promise<string> {
  const { method, key, headers = {}, query = {} } = request;
  if (method === 'HEAD') return getSignedUrl(client, new HeadObjectCommand({ Bucket: bucket, Key: key }), options);
  if (method === 'GET') {
    const disposition = query['response-content-disposition'];
    return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition }), options);
  }
  const length = Number(headers['content-length']);
  if (query.uploadId) {
    const part = { Bucket: bucket, Key: key, UploadId: query.uploadId, PartNumber: Number(query.partNumber), ContentLength: length };
    return getSignedUrl(client, new UploadPartCommand(part), options);
  }
  const put = new PutObjectCommand({
    Bucket: bucket,
    Key: key,
    ContentType: headers['content-type'],
    ContentLength: length,
    IfNoneMatch: headers['if-none-match'],
    ChecksumSHA256: headers['x-amz-checksum-sha256'],
    Metadata: headers['x-amz-meta-filename'] ? { filename: headers['x-amz-meta-filename'] } : undefined,
  });
  return getSignedUrl(client, put, options);
}
