import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { PUBLIC_ROUTES, routesOf } from '../../contract/routes';
import { functionEnvironment } from '../../lambdas/shared/environment';
import { SESSION_TAG_KEY, USERS_PREFIX } from '../../lambdas/shared/keys';
import { resolveSettings, type FileServiceSettings, type FileServiceSettingsInput } from '../../lambdas/shared/settings';
import {
  API_FUNCTION_NAMES,
  FUNCTION_DEFAULTS,
  FUNCTION_NAMES,
  FUNCTIONS,
  type FunctionDefinition,
  type FunctionName,
  type GrantTarget,
  type S3Grant,
} from '../functions';
import { pinFeatureFlags } from './feature-flags';
import { FileApi } from './file-api';
import { FileBucket } from './file-bucket';
import { FileEvents } from './file-events';
import { FileServiceMonitoring, type FileServiceMonitoringOptions } from './file-service-monitoring';
import { FileTable } from './file-table';
import { MalwareProtection } from './malware-protection';
import { prebuiltBundle } from './prebuilt-bundles';
import { ServiceFunction } from './service-function';

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
 * A secure file upload and download service: a private, versioned bucket, a table of file
 * records, an HTTP API behind a Cognito authorizer, one function per operation that hands out
 * presigned URLs, each signing with a role of its own (the uploader may only write, the reader
 * may only read verified files, the deleter may only delete), and only under
 * `users/{the caller's sub}/`, enforced by IAM through a session tag; and a verifier that S3's
 * object events reach through EventBridge and a queue, the only identity that may tag an object
 * readable. The functions come from the registry in `lib/functions.ts`.
 */
export class SecureFileService extends Construct {
  /** The settings in force, after defaults. */
  readonly settings: FileServiceSettings;
  /** The bucket holding users' files. */
  readonly bucket: s3.IBucket;
  /** The bucket receiving the file bucket's server access logs. */
  readonly accessLogsBucket: s3.IBucket;
  /** The table of file records. */
  readonly table: dynamodb.ITable;
  /** Every function of the registry, with its roles and log group. */
  readonly functions: Readonly<Record<FunctionName, ServiceFunction>>;
  /** The queue of object events the verifier reads. */
  readonly eventQueue: sqs.IQueue;
  /** Where object events go that the verifier failed, or EventBridge could not deliver. */
  readonly eventDeadLetterQueue: sqs.IQueue;
  /** The HTTP API. */
  readonly api: apigw.IHttpApi;
  /** The API's base URL, without a trailing slash. */
  readonly apiUrl: string;
  /** Alarms and dashboard. */
  readonly monitoring: FileServiceMonitoring;

  constructor(scope: Construct, id: string, props: SecureFileServiceProps) {
    super(scope, id);
    pinFeatureFlags(this);
    this.settings = resolveSettings(props.settings);
    const removalPolicy = this.settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = this.settings.logRetentionDays as logs.RetentionDays;

    const fileBucket = new FileBucket(this, 'Bucket', { settings: this.settings });
    const files = fileBucket.bucket;
    this.bucket = files;
    this.accessLogsBucket = fileBucket.accessLogsBucket;
    const fileTable = new FileTable(this, 'Table', { settings: this.settings });
    this.table = fileTable.table;
    // Unique within the app, so two services in one account and region keep their metrics apart.
    const serviceName = this.node.path;
    const grantTargets = s3GrantTargets(files, this.settings);
    const statementsOf = (grants: readonly S3Grant[]) =>
      grants.map(
        ({ sid, effect, actions, on, conditions }) =>
          new iam.PolicyStatement({
            sid,
            effect: effect === 'deny' ? iam.Effect.DENY : iam.Effect.ALLOW,
            actions: [...actions],
            resources: [grantTargets[on].resource],
            ...(conditions && { conditions }),
          }),
      );

    this.functions = Object.fromEntries(
      FUNCTION_NAMES.map((name) => {
        const definition: FunctionDefinition = FUNCTIONS[name];
        const fn = new ServiceFunction(this, definition.id, {
          entry: path.join(__dirname, '../../lambdas', definition.entry),
          bundle: prebuiltBundle(definition.id),
          description: definition.description,
          timeout: Duration.seconds(definition.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds),
          logRetention,
          removalPolicy,
          environment: (signingRoleArn) =>
            functionEnvironment({
              bucketName: files.bucketName,
              tableName: fileTable.table.tableName,
              settings: this.settings,
              serviceName,
              // `amazonaws.com`, or `amazonaws.com.cn` in China: URLs are signed for the partition's S3 domain.
              urlSuffix: Stack.of(this).urlSuffix,
              ...(signingRoleArn && { signingRoleArn }),
            }),
          ...(definition.signingGrants && { signingStatements: statementsOf(definition.signingGrants) }),
          executionStatements: [...statementsOf(definition.executionGrants ?? []), ...fileTable.statementsFor(definition.table)],
        });
        acknowledgeObjectWildcards(fn.signingRole, files, definition.signingGrants, grantTargets);
        acknowledgeObjectWildcards(fn.executionRole, files, definition.executionGrants, grantTargets);
        return [name, fn];
      }),
    ) as Record<FunctionName, ServiceFunction>;

    const [consumer, ...others] = FUNCTION_NAMES.filter((name) => FUNCTIONS[name].trigger === 'queue');
    if (!consumer || others.length > 0) throw new Error('lib/functions.ts must have exactly one queue-triggered function.');
    const fileEvents = new FileEvents(this, 'Events', {
      bucket: files,
      consumer: this.functions[consumer].function,
      consumerTimeout: this.functions[consumer].function.timeout ?? Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds),
    });
    this.eventQueue = fileEvents.queue;
    this.eventDeadLetterQueue = fileEvents.deadLetterQueue;
    if (this.settings.malwareScanning) {
      new MalwareProtection(this, 'MalwareProtection', {
        bucket: files,
        queue: fileEvents.queue,
        deadLetterQueue: fileEvents.deadLetterQueue,
      });
    }

    const fileApi = new FileApi(this, 'Api', {
      userPool: props.userPool,
      userPoolClients: props.userPoolClients,
      settings: this.settings,
      logRetention,
      removalPolicy,
      integrations: API_FUNCTION_NAMES.map((name) => ({
        name: FUNCTIONS[name].id,
        function: this.functions[name].function,
        routeKeys: routesOf(name),
      })),
      publicRouteKeys: PUBLIC_ROUTES,
    });
    this.api = fileApi.httpApi;
    this.apiUrl = fileApi.url;

    this.monitoring = new FileServiceMonitoring(this, 'Monitoring', {
      ...props.monitoring,
      serviceName,
      functions: Object.fromEntries(
        FUNCTION_NAMES.map((name): [string, lambda.IFunction] => [FUNCTIONS[name].id, this.functions[name].function]),
      ),
      uploadsLogGroup: this.functions.uploads.logGroup,
      api: this.api,
      eventQueues: { queue: fileEvents.queue, deadLetterQueue: fileEvents.deadLetterQueue },
    });
  }
}

/** What an S3 grant target resolves to for this bucket and these settings. */
interface ResolvedTarget {
  readonly resource: string;
  /** For objects below a prefix: the part after the bucket ARN, and why its wildcard is as narrow as it can be. */
  readonly wildcard?: { readonly objects: string; readonly reason: string };
}

/** What each grant target of the registry means for this bucket and these settings. */
function s3GrantTargets(files: s3.Bucket, settings: FileServiceSettings): Record<GrantTarget, ResolvedTarget> {
  // The user's own prefix, resolved by IAM from the session tag the handler sets to the caller's sub.
  const own = {
    objects: `${USERS_PREFIX}\${aws:PrincipalTag/${SESSION_TAG_KEY}}/*`,
    reason:
      'Attribute-based access: the wildcard is the object name below users/${aws:PrincipalTag/userId}/, ' +
      "the caller's own prefix, which STS sets from the verified sub for each session.",
  };
  const everyUser = (reason: string) => ({ objects: `${USERS_PREFIX}*`, reason });
  const objects = (wildcard: { objects: string; reason: string }): ResolvedTarget => ({
    resource: files.arnForObjects(wildcard.objects),
    wildcard,
  });
  return {
    ownObjects: objects(own),
    readableObjects: objects(
      settings.readAccess === 'owner'
        ? own
        : everyUser(
            'Read access authenticated: any signed-in user may read any verified file (the status tag condition), so the ' +
              'wildcard is the object name below users/, where every user file lives and nothing else.',
          ),
    ),
    userObjects: objects(
      everyUser(
        'The verifier judges every upload, whoever made it: the wildcard is the object name below users/, where every ' +
          'user file lives and nothing else; it signs nothing, and only it may tag.',
      ),
    ),
    // Only denies use it (the registry says so): a deny on every object needs no acknowledgement.
    allObjects: { resource: files.arnForObjects('*') },
    bucket: { resource: files.bucketArn },
  };
}

/**
 * cdk-nag flags every `*` in an allowed resource; ours are the object names below a prefix, and
 * that prefix is the point of the design. Each acknowledgement names the exact resource, so any
 * other wildcard still fails the check.
 */
function acknowledgeObjectWildcards(
  role: IConstruct | undefined,
  bucket: s3.Bucket,
  grants: readonly S3Grant[] | undefined,
  targets: Record<GrantTarget, ResolvedTarget>,
): void {
  if (!role) return;
  const bucketId = Stack.of(bucket).resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
  const allowed = (grants ?? []).filter(({ effect }) => effect !== 'deny');
  for (const wildcard of new Set(allowed.map(({ on }) => targets[on].wildcard))) {
    if (!wildcard) continue;
    const resource = `<${bucketId}.Arn>/${wildcard.objects.replace(/\$\{([^}]+)\}/g, '<$1>')}`;
    Validations.of(role).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`, reason: wildcard.reason });
  }
}
