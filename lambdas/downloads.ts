/**
 * The `downloads` function: reads the file table and signs read URLs with the ReaderRole, which
 * may only read objects tagged `available`; it can never write.
 *
 * - `GET /files?cursor&limit&status` → `{files: [record], nextCursor?}`, the caller's own, newest first.
 * - `GET /files/{id}` → the caller's own record.
 * - `POST /downloads` `{id, disposition?, expiresIn?}` → `{id, url, expiresAt, size, contentType, name}`
 *   for an available file; 409 `PENDING` (with `Retry-After`) before the verifier has read it,
 *   422 `REJECTED` after it refused it. The URL carries a `Content-Disposition` with the original name.
 *
 * Ids are looked up among the caller's own records: another user's id is a 404, so existence is
 * not revealed. With read access `authenticated`, downloads may also name any available file.
 */
import type * as v from 'valibot';
import type { DownloadUrl, FileListPage } from '../contract/answers';
import { DownloadRequestSchema, ListRequestSchema } from '../contract/requests';
import { urlIssued } from './shared/audit';
import { contentDisposition } from './shared/content-disposition';
import { signingDependencies, type SigningDependencies } from './shared/dependencies';
import { ApiError } from './shared/errors';
import { apiHandler, idRoute, jsonRoute, queryRoute, type ApiResult, type Caller } from './shared/http';
import { parseObjectKey } from './shared/keys';
import { planFor } from './shared/plans';
import { publicRecord, type StoredRecord } from './shared/records';
import { assertNotSuspended } from './shared/suspensions';
import { configAnswer } from './config';
import { usageAnswer } from './usage';

/** What the downloads function depends on; tests pass fakes. */
export type DownloadsDependencies = SigningDependencies;

type DownloadRequest = v.InferOutput<typeof DownloadRequestSchema>;
type ListRequest = v.InferOutput<typeof ListRequestSchema>;

/** How long a client should wait before asking again about a pending file: verification takes about a second. */
export const PENDING_RETRY_AFTER_SECONDS = 2;

/** Creates the downloads handler around its dependencies. */
export function createDownloadsHandler(dependencies: DownloadsDependencies) {
  return apiHandler('downloads', {
    'GET /files': queryRoute(ListRequestSchema, (input, caller) => listFiles(dependencies, input, caller)),
    'GET /files/{id}': idRoute((id, caller) => getFile(dependencies, id, caller)),
    'POST /downloads': jsonRoute(DownloadRequestSchema, (input, caller) => createDownload(dependencies, input, caller)),
    'GET /usage': (_event, caller) => usageAnswer(dependencies, caller),
    'GET /config': () => Promise.resolve(configAnswer(dependencies.settings)),
  });
}

async function listFiles(deps: DownloadsDependencies, input: ListRequest, caller: Caller): Promise<ApiResult> {
  const page = await deps.records.list(caller.sub, { limit: input.limit, cursor: input.cursor, status: input.status });
  const answer: FileListPage = { files: page.records.map(publicRecord), ...(page.nextCursor && { nextCursor: page.nextCursor }) };
  return { status: 200, body: answer };
}

async function getFile(deps: DownloadsDependencies, id: string, caller: Caller): Promise<ApiResult> {
  const record = await deps.records.own(id, caller.sub);
  if (!record) throw notFound();
  return { status: 200, body: publicRecord(record) };
}

async function createDownload(deps: DownloadsDependencies, input: DownloadRequest, caller: Caller): Promise<ApiResult> {
  const { settings, sessions, signer } = deps;
  const record = await readableRecord(deps, input.id, caller);
  // The caller's own suspension is read by the session source; a shared file's owner is read here.
  if (record.owner !== caller.sub) await assertNotSuspended(deps.suspensions, [record.owner], caller.signal);
  if (record.status === 'pending') {
    throw new ApiError('PENDING', 'The file is being verified; ask again shortly.', {
      headers: { 'retry-after': String(PENDING_RETRY_AFTER_SECONDS) },
    });
  }
  if (record.status === 'rejected') throw new ApiError('REJECTED', 'The file was rejected: its bytes are not what was declared.');

  const plan = planFor(settings, caller.groups);
  const ttl = Math.min(input.expiresIn ?? settings.downloadUrlTtlSeconds, settings.maxDownloadUrlTtlSeconds, plan.maxDownloadUrlTtlSeconds);
  // Before any STS call: a flood costs one table write per request, never a role session.
  await deps.rates?.take(caller.sub, 'download', plan, deps.now?.() ?? new Date(), caller.signal);
  const session = await sessions.sessionFor(caller, ttl);
  const disposition = contentDisposition(input.disposition ?? 'attachment', parseObjectKey(record.key)?.name ?? 'file', record.name);
  const { url, expiresAt, expiresIn } = await signer.presign(
    session,
    { method: 'GET', key: record.key, query: { 'response-content-disposition': disposition } },
    ttl,
  );
  urlIssued(caller, { operation: 'download', fileId: record.id, expiresIn });
  const answer: DownloadUrl = {
    id: record.id,
    url,
    expiresAt: new Date(expiresAt).toISOString(),
    size: record.size,
    contentType: record.contentType,
    name: record.name,
  };
  return { status: 200, body: answer };
}

/** The caller's own record or, with read access `authenticated`, anyone's available one; 404 otherwise. */
async function readableRecord(deps: DownloadsDependencies, id: string, caller: Caller): Promise<StoredRecord> {
  const own = await deps.records.own(id, caller.sub);
  if (own) return own;
  if (deps.settings.readAccess === 'authenticated') {
    const shared = await deps.records.get(id);
    if (shared?.storedStatus === 'available') return shared;
  }
  throw notFound();
}

function notFound(): ApiError {
  return new ApiError('NOT_FOUND', 'No file with this id.');
}

/** The deployed handler: dependencies from the Lambda environment, read once at init. */
export const handler = createDownloadsHandler(signingDependencies(process.env));
