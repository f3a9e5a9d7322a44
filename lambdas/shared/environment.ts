/**
 * A function's environment: the variables the construct sets and local mode sets the same way,
 * named once here.
 */
import { URL_SUFFIX_VARIABLE } from './partition';
import { handlerSettingsJson, SETTINGS_ENVIRONMENT_VARIABLE, type FileServiceSettings } from './settings';

/** The environment variables a deployed function reads, by what they carry. */
export const ENVIRONMENT_VARIABLES = {
  bucketName: 'BUCKET_NAME',
  /** The file table: every function reads or writes records. */
  tableName: 'TABLE_NAME',
  settings: SETTINGS_ENVIRONMENT_VARIABLE,
  /** The role whose per-user sessions sign this function's URLs: only functions that sign have one, exactly one. */
  signingRoleArn: 'SIGNING_ROLE_ARN',
  /** Powertools' `service` dimension: one value per deployed service, so two in one account keep their metrics apart. */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** The stack's `AWS::URLSuffix` (`amazonaws.com`, `amazonaws.com.cn`…): S3's domain in this partition. */
  urlSuffix: URL_SUFFIX_VARIABLE,
  /** Only local mode sets it: an S3-compatible emulator addressed path-style. */
  s3Endpoint: 'S3_ENDPOINT',
  /** Only local mode sets it: dynalite's URL. */
  dynamoDbEndpoint: 'DYNAMODB_ENDPOINT',
} as const;

/** What a function's environment is made from. */
export interface FunctionEnvironmentInput {
  readonly bucketName: string;
  readonly tableName: string;
  readonly settings: FileServiceSettings;
  /** Only functions that sign URLs have a signing role. */
  readonly signingRoleArn?: string;
  readonly serviceName: string;
  readonly urlSuffix: string;
}

/** The environment of one function, as the construct deploys it and local mode imports it. */
export function functionEnvironment(input: FunctionEnvironmentInput): Record<string, string> {
  return {
    [ENVIRONMENT_VARIABLES.bucketName]: input.bucketName,
    [ENVIRONMENT_VARIABLES.tableName]: input.tableName,
    [ENVIRONMENT_VARIABLES.settings]: handlerSettingsJson(input.settings),
    ...(input.signingRoleArn && { [ENVIRONMENT_VARIABLES.signingRoleArn]: input.signingRoleArn }),
    [ENVIRONMENT_VARIABLES.serviceName]: input.serviceName,
    [ENVIRONMENT_VARIABLES.urlSuffix]: input.urlSuffix,
  };
}

/** An environment to read from. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The value of a variable that must be set; throws at init, naming it. */
export function required(environment: Environment, name: string): string {
  const value = environment[name];
  if (!value) throw new Error(`Environment variable ${name} must be set.`);
  return value;
}
