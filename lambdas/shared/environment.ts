/**
 * What a deployed function reads from its environment, once, at init. Missing or invalid
 * configuration fails the cold start with a clear message instead of the first request.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { limitsFromEnvironment, type FileServiceLimits } from './limits';
import { URL_SUFFIX_VARIABLE } from './partition';
import { createObjectUrlSigner, type BucketLocation, type ObjectUrlSigner } from './object-urls';
import { assumeRoleSessions, type RoleSessionSource } from './role-sessions';

/** The environment variable that names a function's signing role. */
export type SigningRoleVariable = 'UPLOADER_ROLE_ARN' | 'READER_ROLE_ARN';

/** What every handler needs to sign URLs. */
export interface SigningDependencies {
  readonly limits: FileServiceLimits;
  readonly location: BucketLocation;
  readonly sessions: RoleSessionSource;
  readonly signer: ObjectUrlSigner;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Builds the signing dependencies from a Lambda's environment; throws naming what is missing. */
export function signingDependencies(environment: Environment, roleVariable: SigningRoleVariable): SigningDependencies {
  const location: BucketLocation = {
    bucket: required(environment, 'BUCKET_NAME'),
    region: required(environment, 'AWS_REGION'),
    // Only local mode sets it: an S3-compatible emulator addressed path-style.
    ...(environment.S3_ENDPOINT
      ? { endpoint: environment.S3_ENDPOINT }
      : // The construct sets the stack's AWS::URLSuffix: `amazonaws.com`, `amazonaws.com.cn`…
        { urlSuffix: required(environment, URL_SUFFIX_VARIABLE) }),
  };
  const sts = new STSClient({
    region: location.region,
    // Bounded, so a slow STS answers 503 quickly instead of holding the request open.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
  });
  return {
    limits: limitsFromEnvironment(environment),
    location,
    sessions: assumeRoleSessions({ sts, roleArn: required(environment, roleVariable) }),
    signer: createObjectUrlSigner(location),
  };
}

function required(environment: Environment, name: string): string {
  const value = environment[name];
  if (!value) throw new Error(`Environment variable ${name} must be set.`);
  return value;
}
