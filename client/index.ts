/** The typed client of the secure file service. */
export {
  createFileClient,
  sha256Base64,
  type CallOptions,
  type FileClient,
  type FileClientOptions,
  type ResumableUpload,
  type UploadOptions,
  type UploadPhase,
  type UploadProgress,
  type UploadTask,
  type WaitOptions,
} from './file-client';
export { FileApiError, type FileApiErrorDetails, type FileErrorCode } from './errors';
export type { Sleep } from './retry';
export {
  cognitoTokenSource,
  refreshTokens,
  refreshTokens as refresh,
  signInWithPassword,
  type CognitoTokens,
  type PasswordSignIn,
} from './cognito';
export type * from '../contract/answers';
export type { ApiErrorBody, ErrorCode, QuotaFigures } from '../contract/errors';
export type { CompleteUploadRequest, DownloadRequest, ListRequest, PartUrlsRequest, UploadRequest } from '../contract/request-types';
