/**
 * The dependency wiring of a deployed function: what it reads from its environment, once, at
 * init, and the clients made from it. Missing or invalid configuration fails the cold start
 * with a clear message instead of the first request.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { ENVIRONMENT_VARIABLES, required, type Environment } from './environment';
import { createObjectUrlSigner, type BucketLocation, type ObjectUrlSigner } from './object-urls';
import { assumeRoleSessions, type RoleSessionSource } from './role-sessions';
import { settingsFromEnvironment, type HandlerSettings } from './settings';

/** What every handler needs to sign URLs. */
export interface SigningDependencies {
  readonly settings: HandlerSettings;
  readonly location: BucketLocation;
  readonly sessions: RoleSessionSource;
  readonly signer: ObjectUrlSigner;
}

/** Builds the signing dependencies from a Lambda's environment; throws naming what is missing. */
export function signingDependencies(environment: Environment): SigningDependencies {
  const endpoint = environment[ENVIRONMENT_VARIABLES.s3Endpoint];
  const location: BucketLocation = {
    bucket: required(environment, ENVIRONMENT_VARIABLES.bucketName),
    region: required(environment, 'AWS_REGION'),
    ...(endpoint
      ? { endpoint }
      : // The construct sets the stack's AWS::URLSuffix: `amazonaws.com`, `amazonaws.com.cn`…
        { urlSuffix: required(environment, ENVIRONMENT_VARIABLES.urlSuffix) }),
  };
  const sts = new STSClient({
    region: location.region,
    // Bounded, so a slow STS answers 503 quickly instead of holding the request open.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
  });
  return {
    settings: settingsFromEnvironment(environment),
    location,
    sessions: assumeRoleSessions({ sts, roleArn: required(environment, ENVIRONMENT_VARIABLES.signingRoleArn) }),
    signer: createObjectUrlSigner(location),
  };
}
