/**
 * The `downloads` function: signs read URLs with the ReaderRole, which may only read (and list
 * its own prefix); it can never write.
 *
 * - `POST /downloads` `{key, disposition?, expiresIn?}` → HEAD first (404 when missing), then
 *   `{key, url, expiresAt, size, contentType, lastModified}`; the URL carries a
 *   `Content-Disposition` with the original file name.
 * - `GET /files?cursor&limit` → `{files: [{key, name, size, lastModified}], nextCursor?}`, the
 *   caller's own files.
 */
import * as v from 'valibot';
import type { DownloadUrl, FileEntry, FileListPage } from '../client/api-types';
import { contentDisposition } from './shared/content-disposition';
import { withinDeadline } from './shared/deadline';
import { signingDependencies, type SigningDependencies } from './shared/environment';
import { ApiError, storageUnavailable } from './shared/errors';
import { apiHandler, jsonRoute, queryRoute, type ApiResult, type Caller } from './shared/http';
import { authorizeKey, ownerPrefix, parseObjectKey } from './shared/keys';
import { S3_LIMITS } from './shared/limits';
import { audit } from './shared/logs';
import { measureLatency, recordUrlIssued } from './shared/metrics';
import type { RouteKey } from './shared/routes';
import { headObject, type HeadRequest } from './shared/object-head';
import { s3ErrorCode, s3For } from './shared/s3-client';

/** What the downloads function depends on; tests pass fakes. */
export interface DownloadsDependencies extends SigningDependencies {
  /** Sends the HEAD before a download. @default `sendHeadRequest`: over `node:https` */
  readonly sendHead?: HeadRequest;
}

/** The body of `POST /downloads`. */
export const DownloadRequestSchema = v.strictObject({
  key: v.pipe(v.string('must be a string'), v.maxLength(S3_LIMITS.maxKeyBytes, `must be at most ${S3_LIMITS.maxKeyBytes} characters`)),
  disposition: v.optional(v.picklist(['inline', 'attachment'], "must be 'inline' or 'attachment'")),
  expiresIn: v.optional(
    v.pipe(v.number('must be a number'), v.integer('must be whole seconds'), v.minValue(1, 'must be at least 1 second')),
  ),
});

/** A validated download request. */
export type DownloadRequest = v.InferOutput<typeof DownloadRequestSchema>;

/** Largest page of `GET /files`. */
export const MAX_LIST_LIMIT = 1000;

/** The query of `GET /files`. */
export const ListRequestSchema = v.object({
  cursor: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(1024, 'must be at most 1024 characters'))),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, `must be a whole number from 1 to ${MAX_LIST_LIMIT}`),
      v.transform(Number),
      v.minValue(1, `must be a whole number from 1 to ${MAX_LIST_LIMIT}`),
      v.maxValue(MAX_LIST_LIMIT, `must be a whole number from 1 to ${MAX_LIST_LIMIT}`),
    ),
  ),
});

/** A validated list request. */
export type ListRequest = v.InferOutput<typeof ListRequestSchema>;

/** Creates the downloads handler around its dependencies. */
export function createDownloadsHandler(dependencies: DownloadsDependencies) {
  return apiHandler<RouteKey<'downloads'>>({
    'POST /downloads': jsonRoute(DownloadRequestSchema, (input, caller) => createDownload(dependencies, input, caller)),
    'GET /files': queryRoute(ListRequestSchema, (input, caller) => listFiles(dependencies, input, caller)),
  });
}

async function createDownload(deps: DownloadsDependencies, input: DownloadRequest, caller: Caller): Promise<ApiResult> {
  const { limits, sessions, signer } = deps;
  const object = authorizeKey(input.key, caller.sub, limits.readAccess);
  const ttl = Math.min(input.expiresIn ?? limits.downloadUrlTtlSeconds, limits.maxDownloadUrlTtlSeconds);
  const session = await sessions.sessionFor(caller.sub, ttl, caller.signal);

  const head = await headObject(signer, session, object.key, deps.sendHead, caller.signal);
  if (!head) throw new ApiError('NOT_FOUND', 'No file with this key.');

  const disposition = contentDisposition(input.disposition ?? 'attachment', object.name, head.filename ?? object.name);
  const { url, expiresAt } = await signer.presign(
    session,
    { method: 'GET', key: object.key, query: { 'response-content-disposition': disposition } },
    ttl,
  );
  const expires = new Date(expiresAt).toISOString();
  recordUrlIssued('download');
  audit({
    operation: 'download',
    userId: caller.sub,
    key: object.key,
    expiresAt: expires,
    sourceIp: caller.sourceIp,
    requestId: caller.requestId,
  });
  const answer: DownloadUrl = {
    key: object.key,
    url,
    expiresAt: expires,
    size: head.size,
    contentType: head.contentType,
    lastModified: head.lastModified,
  };
  return { status: 200, body: answer };
}

async function listFiles(deps: DownloadsDependencies, input: ListRequest, caller: Caller): Promise<ApiResult> {
  const session = await deps.sessions.sessionFor(caller.sub, 60, caller.signal);
  const {
    client,
    commands: { ListObjectsV2Command },
  } = await s3For(session, deps.location);
  const page = await measureLatency('s3', () =>
    withinDeadline(caller.signal, (abortSignal) =>
      client.send(
        new ListObjectsV2Command({
          Bucket: deps.location.bucket,
          Prefix: ownerPrefix(caller.sub),
          MaxKeys: input.limit ?? 100,
          ContinuationToken: input.cursor,
        }),
        { abortSignal },
      ),
    ),
  ).catch((error: unknown) => {
    if (s3ErrorCode(error) === 'InvalidArgument') throw new ApiError('INVALID_CURSOR', 'cursor is not a cursor this service issued.');
    throw storageUnavailable(error);
  });
  const files = (page.Contents ?? []).flatMap(({ Key, Size, LastModified }): FileEntry[] => {
    const object = Key ? parseObjectKey(Key) : undefined;
    return object ? [{ key: object.key, name: object.name, size: Size ?? 0, lastModified: LastModified?.toISOString() }] : [];
  });
  const answer: FileListPage = { files, ...(page.NextContinuationToken && { nextCursor: page.NextContinuationToken }) };
  return { status: 200, body: answer };
}

/** The deployed handler: dependencies from the Lambda environment, read once at init. */
export const handler = createDownloadsHandler(signingDependencies(process.env, 'READER_ROLE_ARN'));
