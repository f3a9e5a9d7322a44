import * as path from 'node:path';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { routesOf } from '../../contract/routes';
import { functionEnvironment } from '../../lambdas/shared/environment';
import { SESSION_TAG_KEY, USERS_PREFIX } from '../../lambdas/shared/keys';
import { resolveSettings, type FileServiceSettings, type FileServiceSettingsInput } from '../../lambdas/shared/settings';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName, type GrantTarget } from '../functions';

// RUNTIME's stop-gap until INFRA's half of issue 12 merges: only the functions with a signing role are built here
// (health and the verifier need the table, the queue and their own grants, which INFRA's construct adds).
const SIGNING_FUNCTION_NAMES = FUNCTION_NAMES.filter((name) => FUNCTIONS[name].signingGrants.length > 0);
import { FileApi } from './file-api';
import { FileBucket } from './file-bucket';
import { FileServiceMonitoring, type FileServiceMonitoringOptions } from './file-service-monitoring';
import { SigningFunction } from './signing-function';

/** Properties of a `SecureFileService`. */
export interface SecureFileServiceProps {
  /** The user pool whose users may upload and download. */
  readonly userPool: cognito.IUserPool;
  /** The app clients whose tokens the API accepts. */
  readonly userPoolClients: cognito.IUserPoolClient[];
  /**
   * How the service is tuned: origins, read access, size and type limits, URL lifetimes,
   * throttling, log retention, what stack deletion does. Every field has a secure default; the
   * README's configuration table lists them with their reasons (`SettingsSchema` holds them).
   * @default every default of `SettingsSchema`
   */
  readonly settings?: FileServiceSettingsInput;
  /**
   * Alarms and a dashboard. The functions write their metrics either way.
   * @default alarms and a dashboard, no notifications
   */
  readonly monitoring?: FileServiceMonitoringOptions;
}

/**
 * A secure file upload and download service: a private bucket, an HTTP API behind a Cognito
 * authorizer, and one function per operation that hands out presigned URLs, each signing with
 * a role of its own (the uploader may only write, the reader may only read), and only under
 * `users/{the caller's sub}/`, enforced by IAM through a session tag. The functions come from
 * the registry in `lib/functions.ts`.
 */
export class SecureFileService extends Construct {
  /** The settings in force, after defaults. */
  readonly settings: FileServiceSettings;
  /** The bucket holding users' files. */
  readonly bucket: s3.IBucket;
  /** The bucket receiving the file bucket's server access logs. */
  readonly accessLogsBucket: s3.IBucket;
  /** Every function of the registry, with its roles and log group. */
  readonly functions: Readonly<Record<FunctionName, SigningFunction>>;
  /** The HTTP API. */
  readonly api: apigw.IHttpApi;
  /** The API's base URL, without a trailing slash. */
  readonly apiUrl: string;
  /** Alarms and dashboard. */
  readonly monitoring: FileServiceMonitoring;

  constructor(scope: Construct, id: string, props: SecureFileServiceProps) {
    super(scope, id);
    this.settings = resolveSettings(props.settings);
    const removalPolicy = this.settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = this.settings.logRetentionDays as logs.RetentionDays;

    const fileBucket = new FileBucket(this, 'Bucket', { settings: this.settings });
    const files = fileBucket.bucket;
    this.bucket = files;
    this.accessLogsBucket = fileBucket.accessLogsBucket;
    // Unique within the app, so two services in one account and region keep their metrics apart.
    const serviceName = this.node.path;
    const grantTargets = signingGrantTargets(files, this.settings);

    this.functions = Object.fromEntries(
      SIGNING_FUNCTION_NAMES.map((name) => {
        const definition = FUNCTIONS[name];
        const signer = new SigningFunction(this, definition.id, {
          entry: path.join(__dirname, '../../lambdas', definition.entry),
          description: definition.description,
          logRetention,
          removalPolicy,
          environment: (signingRoleArn) =>
            // INFRA's file table replaces this placeholder when the two halves of issue 12 merge.
            functionEnvironment({
              bucketName: files.bucketName,
              tableName: 'file-records',
              settings: this.settings,
              signingRoleArn,
              serviceName,
            }),
          signingStatements: definition.signingGrants.map(
            ({ sid, actions, on }) => new iam.PolicyStatement({ sid, actions: [...actions], ...grantTargets[on].statement }),
          ),
        });
        for (const objects of new Set(definition.signingGrants.map(({ on }) => grantTargets[on].acknowledgedObjects))) {
          if (objects) acknowledgeObjectWildcard(signer, files, objects);
        }
        return [name, signer];
      }),
    ) as Record<FunctionName, SigningFunction>;

    const fileApi = new FileApi(this, 'Api', {
      userPool: props.userPool,
      userPoolClients: props.userPoolClients,
      settings: this.settings,
      logRetention,
      removalPolicy,
      integrations: SIGNING_FUNCTION_NAMES.map((name) => ({
        name: FUNCTIONS[name].id,
        function: this.functions[name].function,
        routeKeys: routesOf(name as Exclude<FunctionName, 'verifier'>),
      })),
    });
    this.api = fileApi.httpApi;
    this.apiUrl = fileApi.url;

    this.monitoring = new FileServiceMonitoring(this, 'Monitoring', {
      ...props.monitoring,
      serviceName,
      functions: Object.fromEntries(
        SIGNING_FUNCTION_NAMES.map((name): [string, lambda.IFunction] => [FUNCTIONS[name].id, this.functions[name].function]),
      ),
      api: this.api,
    });
  }
}

/** What each grant target of the registry means for this bucket and these settings. */
function signingGrantTargets(
  files: s3.Bucket,
  settings: FileServiceSettings,
): Record<GrantTarget, { statement: Pick<iam.PolicyStatementProps, 'resources' | 'conditions'>; acknowledgedObjects?: string }> {
  // The user's own prefix, resolved by IAM from the session tag the handler sets to the caller's sub.
  const ownObjects = `${USERS_PREFIX}\${aws:PrincipalTag/${SESSION_TAG_KEY}}/*`;
  const readableObjects = settings.readAccess === 'owner' ? ownObjects : `${USERS_PREFIX}*`;
  return {
    ownObjects: { statement: { resources: [files.arnForObjects(ownObjects)] }, acknowledgedObjects: ownObjects },
    readableObjects: { statement: { resources: [files.arnForObjects(readableObjects)] }, acknowledgedObjects: readableObjects },
    ownPrefixListing: { statement: { resources: [files.bucketArn], conditions: { StringLike: { 's3:prefix': [ownObjects] } } } },
  };
}

/**
 * cdk-nag flags every `*` in a resource; ours are the object names below a prefix, and that
 * prefix is the point of the design. The acknowledgement names the exact resource, so any
 * other wildcard still fails the check.
 */
function acknowledgeObjectWildcard(signer: SigningFunction, bucket: s3.Bucket, objects: string): void {
  const bucketId = Stack.of(bucket).resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
  const resource = `<${bucketId}.Arn>/${objects.replace(/\$\{([^}]+)\}/g, '<$1>')}`;
  Validations.of(signer.signingRole).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
    reason:
      'Attribute-based access: the wildcard is the object name below users/${aws:PrincipalTag/userId}/, ' +
      "the caller's own prefix, which STS sets from the verified sub for each session.",
  });
}
