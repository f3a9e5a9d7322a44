/** The reusable parts: the construct, its props, and the settings it applies. */
export { SecureFileService, type SecureFileServiceProps } from './construct/secure-file-service';
export { FileServiceMonitoring, type FileServiceMonitoringOptions } from './construct/file-service-monitoring';
export { FileServiceStack, type AppClientOptions, type FileServiceStackProps, type ExistingUserPool } from './stack/file-service-stack';
export {
  DEFAULT_CONTENT_TYPES,
  defaultSettings,
  type ContentTypeAllowList,
  type FileServiceSettings,
  type FileServiceSettingsInput,
  type ReadAccess,
} from '../lambdas/shared/settings';
