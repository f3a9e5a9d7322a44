/** The typed client of the secure file service. */
export {
  createFileClient,
  sha256Base64,
  type FileClient,
  type FileClientOptions,
  type UploadedFile,
  type UploadOptions,
  type UploadProgress,
} from './file-client';
export { FileApiError, type FileErrorCode } from './errors';
export { cognitoTokenSource, refreshTokens, signInWithPassword, type CognitoTokens, type PasswordSignIn } from './cognito';
export type * from '../contract/answers';
export type { ApiErrorBody, ErrorCode } from '../contract/errors';
export type { CompleteUploadRequest, DownloadRequest, ListRequest, PartUrlsRequest, UploadRequest } from '../contract/request-types';
