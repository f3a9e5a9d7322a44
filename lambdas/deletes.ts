/**
 * The `deletes` function: `DELETE /files/{id}` → 204. It deletes the caller's object with the
 * DeleterRole, whose per-user session may only `s3:DeleteObject` under the caller's own prefix,
 * and marks the record deleted, so the file is gone from lists and downloads at once; the record
 * itself is removed when S3's delete event reaches the verifier. It signs nothing.
 *
 * The bucket is versioned: the delete leaves a delete marker, and the previous version stays
 * recoverable by an operator for the undo window (README, "Deleting files").
 */
import { signingDependencies, type SigningDependencies } from './shared/dependencies';
import { fileDeleted } from './shared/audit';
import { withinDeadline } from './shared/deadline';
import { ApiError, storageUnavailable } from './shared/errors';
import { apiHandler, idRoute, type ApiResult, type Caller } from './shared/http';
import { measureLatency } from './shared/metrics';
import { deleteObject } from './shared/object-requests';
import { settleUsage } from './shared/storage-quota';

/** What the deletes function depends on; tests pass fakes. */
export type DeletesDependencies = SigningDependencies;

/** Creates the deletes handler around its dependencies. */
export function createDeletesHandler(dependencies: DeletesDependencies) {
  return apiHandler('deletes', {
    'DELETE /files/{id}': idRoute((id, caller) => deleteFile(dependencies, id, caller)),
  });
}

async function deleteFile(deps: DeletesDependencies, id: string, caller: Caller): Promise<ApiResult> {
  const record = await deps.records.own(id, caller.sub);
  if (!record) throw new ApiError('NOT_FOUND', 'No file with this id.');
  const session = await deps.sessions.sessionFor(caller, 60, 'server');
  // Signed for this request alone and sent at once: the URL never leaves the function.
  const { url } = await deps.signer.presign(session, { method: 'DELETE', key: record.key }, 60);
  // The object first: deleting it again is harmless, so a failure after it is fixed by a retry.
  await measureLatency('s3', () => withinDeadline(caller.signal, (abortSignal) => deleteObject(url, abortSignal))).catch(
    (error: unknown) => {
      throw storageUnavailable(error);
    },
  );
  await deps.records.markDeleted(id, caller.sub, deps.now?.() ?? new Date());
  await settleUsage(deps.usage, record, 'deleted');
  fileDeleted(caller, id);
  return { status: 204 };
}

/** The deployed handler: dependencies from the Lambda environment, read once at init. */
export const handler = createDeletesHandler(signingDependencies(process.env));
