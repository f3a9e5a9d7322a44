/**
 * The dependency wiring of a deployed function: what it reads from its environment, once, at
 * init, and the clients made from it. Missing or invalid configuration fails the cold start
 * with a clear message instead of the first request.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { ENVIRONMENT_VARIABLES, required, type Environment } from './environment';
import { createObjectUrlSigner, type BucketLocation, type ObjectUrlSigner } from './object-urls';
import { rateWindows, type RateWindows } from './rate-windows';
import { createDynamoDbClient, fileRecords, type FileRecords } from './records';
import { assumeRoleSessions, type RoleSessionSource } from './role-sessions';
import { settingsFromEnvironment, type HandlerSettings } from './settings';
import { suspensionCheckedSessions, tableSuspensions, type Suspensions } from './suspensions';
import { usageLedger, type UsageLedger } from './usage-ledger';

/** What every function has: its settings, the bucket and the file table. */
export interface RecordDependencies {
  /** The rate windows, in the same table. @default none */
  readonly rates?: RateWindows;
  /** The storage quota's ledger, in the same table. @default none: unit tests of other logic leave it out */
  readonly usage?: UsageLedger;
  readonly settings: HandlerSettings;
  readonly location: BucketLocation;
  readonly records: FileRecords;
  /** Users an operator suspended: their sessions and their files' downloads are refused. */
  readonly suspensions: Suspensions;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** What every handler needs to sign URLs. */
export interface SigningDependencies extends RecordDependencies {
  readonly sessions: RoleSessionSource;
  readonly signer: ObjectUrlSigner;
  /** The per-user URL rate windows. @default none: unit tests of other logic leave rates out */
  readonly rates?: RateWindows;
}

/** The bucket a function's environment names. */
export function bucketLocation(environment: Environment): BucketLocation {
  const endpoint = environment[ENVIRONMENT_VARIABLES.s3Endpoint];
  return {
    bucket: required(environment, ENVIRONMENT_VARIABLES.bucketName),
    region: required(environment, 'AWS_REGION'),
    ...(endpoint
      ? { endpoint }
      : // The construct sets the stack's AWS::URLSuffix: `amazonaws.com`, `amazonaws.com.cn`…
        { urlSuffix: required(environment, ENVIRONMENT_VARIABLES.urlSuffix) }),
  };
}

/** Builds the settings, bucket and table of a Lambda's environment; throws naming what is missing. */
export function recordDependencies(environment: Environment): RecordDependencies {
  const location = bucketLocation(environment);
  const client = createDynamoDbClient(location.region, environment[ENVIRONMENT_VARIABLES.dynamoDbEndpoint]);
  const tableName = required(environment, ENVIRONMENT_VARIABLES.tableName);
  return {
    settings: settingsFromEnvironment(environment),
    location,
    records: fileRecords(client, tableName),
    suspensions: tableSuspensions(client, tableName),
    rates: rateWindows(client, tableName),
    usage: usageLedger(client, tableName),
  };
}

/** Builds the signing dependencies from a Lambda's environment; throws naming what is missing. */
export function signingDependencies(environment: Environment): SigningDependencies {
  const base = recordDependencies(environment);
  const sts = new STSClient({
    region: base.location.region,
    // Bounded, so a slow STS answers 503 quickly instead of holding the request open.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
  });
  return {
    ...base,
    sessions: suspensionCheckedSessions(
      assumeRoleSessions({
        sts,
        roleArn: required(environment, ENVIRONMENT_VARIABLES.signingRoleArn),
        bindToSourceIp: base.settings.bindUrlsToSourceIp,
      }),
      base.suspensions,
    ),
    signer: createObjectUrlSigner(base.location),
  };
}
