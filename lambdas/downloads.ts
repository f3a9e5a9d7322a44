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
import type * as v from 'valibot';
import type { DownloadUrl, FileEntry, FileListPage } from '../contract/answers';
import { DownloadRequestSchema, ListRequestSchema } from '../contract/requests';
import { urlIssued } from './shared/audit';
import { contentDisposition } from './shared/content-disposition';
import { withinDeadline } from './shared/deadline';
import { signingDependencies, type SigningDependencies } from './shared/dependencies';
import { ApiError, storageUnavailable } from './shared/errors';
import { apiHandler, jsonRoute, queryRoute, type ApiResult, type Caller } from './shared/http';
import { authorizeKey, ownerPrefix, parseObjectKey } from './shared/keys';
import { measureLatency } from './shared/metrics';
import { headObject, type HeadRequest } from './shared/object-head';
import { s3ErrorCode, s3For } from './shared/s3-client';

/** What the downloads function depends on; tests pass fakes. */
export interface DownloadsDependencies extends SigningDependencies {
  /** Sends the HEAD before a download. @default `sendHeadRequest`: over `node:https` */
  readonly sendHead?: HeadRequest;
}

type DownloadRequest = v.InferOutput<typeof DownloadRequestSchema>;
type ListRequest = v.InferOutput<typeof ListRequestSchema>;

/** Creates the downloads handler around its dependencies. */
export function createDownloadsHandler(dependencies: DownloadsDependencies) {
  return apiHandler('downloads', {
    'POST /downloads': jsonRoute(DownloadRequestSchema, (input, caller) => createDownload(dependencies, input, caller)),
    'GET /files': queryRoute(ListRequestSchema, (input, caller) => listFiles(dependencies, input, caller)),
  });
}

async function createDownload(deps: DownloadsDependencies, input: DownloadRequest, caller: Caller): Promise<ApiResult> {
  const { settings, sessions, signer } = deps;
  const object = authorizeKey(input.key, caller.sub, settings.readAccess);
  const ttl = Math.min(input.expiresIn ?? settings.downloadUrlTtlSeconds, settings.maxDownloadUrlTtlSeconds);
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
  urlIssued(caller, { operation: 'download', key: object.key, expiresAt: expires });
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
          MaxKeys: input.limit,
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
export const handler = createDownloadsHandler(signingDependencies(process.env));
