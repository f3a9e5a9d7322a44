import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULT_AUTHORIZATION_SCOPES } from '../../lambdas/shared/access-tokens';
import { URL_SUFFIX_VARIABLE } from '../../lambdas/shared/partition';
import { SESSION_TAG_KEY, USERS_PREFIX } from '../../lambdas/shared/keys';
import {
  LIMITS_ENVIRONMENT_VARIABLE,
  resolveLimits,
  type ContentTypeAllowList,
  type FileServiceLimits,
  type ReadAccess,
} from '../../lambdas/shared/limits';
import { SERVICE_NAME_VARIABLE } from '../../lambdas/shared/metrics';
import { ROUTES } from '../../lambdas/shared/routes';
import { FileApi } from './file-api';
import { FileBucket } from './file-bucket';
import { FileServiceMonitoring, type FileServiceMonitoringOptions } from './file-service-monitoring';
import { SigningFunction } from './signing-function';

/** API Gateway's integration timeout is 30 s: the uploads function answers within 29, its deadline a margin before. */
const UPLOADS_TIMEOUT = Duration.seconds(29);

/** Properties of a `SecureFileService`. */
export interface SecureFileServiceProps {
  /** The user pool whose users may upload and download. */
  readonly userPool: cognito.IUserPool;
  /** The app clients whose tokens the API accepts. */
  readonly userPoolClients: cognito.IUserPoolClient[];
  /**
   * Scopes every route requires (a token needs one of them). Only access tokens carry scopes, so
   * ID tokens are refused. Use a resource server's scope (`files/read`…) if your pool has one.
   * @default ['aws.cognito.signin.user.admin'], the scope of every user-pool sign-in's access token
   */
  readonly authorizationScopes?: string[];
  /**
   * Browser origins allowed to call the API and the bucket: `https://` origins, or
   * `http://localhost` for development. No wildcards.
   * @default ['http://localhost:3000']
   */
  readonly allowedOrigins?: string[];
  /**
   * Who may read an object: its `owner` only, or any `authenticated` user (e.g. avatars).
   * @default 'owner'
   */
  readonly readAccess?: ReadAccess;
  /**
   * Largest file a user may upload, in bytes; S3 itself refuses more (the size is signed).
   * @default 5 GiB
   */
  readonly maxUploadBytes?: number;
  /**
   * Content types a user may upload, each with the lower-case extensions its file names may carry.
   * @default images, PDF, plain text, CSV, Office documents, audio and video (see `DEFAULT_CONTENT_TYPES`)
   */
  readonly allowedContentTypes?: ContentTypeAllowList;
  /**
   * Lifetime of an upload URL.
   * @default Duration.seconds(600)
   */
  readonly uploadUrlTtl?: Duration;
  /**
   * Lifetime of a download URL when the client does not ask for one.
   * @default Duration.seconds(300)
   */
  readonly downloadUrlTtl?: Duration;
  /**
   * Longest download URL a client may ask for (e.g. long videos); at most 59 minutes.
   * @default Duration.seconds(3300)
   */
  readonly maxDownloadUrlTtl?: Duration;
  /**
   * Files larger than this many bytes are uploaded in parts.
   * @default 100 MiB
   */
  readonly multipartThresholdBytes?: number;
  /**
   * What happens to the buckets and log groups when the stack is deleted. Buckets are only
   * removed when empty: a deploy never deletes files.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Throttling of the API's default route.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: apigw.ThrottleSettings;
  /**
   * How long function and API access logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Alarms and a dashboard. The functions write their metrics either way.
   * @default alarms and a dashboard, no notifications
   */
  readonly monitoring?: FileServiceMonitoringOptions;
}

/**
 * A secure file upload and download service: a private bucket, an HTTP API behind a Cognito
 * authorizer, and two functions that hand out presigned URLs, each signing with a role of its
 * own: the uploader may only write, the reader may only read, and both only under
 * `users/{the caller's sub}/`, enforced by IAM through a session tag.
 */
export class SecureFileService extends Construct {
  /** The limits in force, after defaults. */
  readonly limits: FileServiceLimits;
  /** The bucket holding users' files. */
  readonly bucket: FileBucket;
  /** The function that signs upload URLs. */
  readonly uploads: SigningFunction;
  /** The function that signs download URLs and lists files. */
  readonly downloads: SigningFunction;
  /** The HTTP API. */
  readonly api: FileApi;
  /** Alarms and dashboard. */
  readonly monitoring: FileServiceMonitoring;

  constructor(scope: Construct, id: string, props: SecureFileServiceProps) {
    super(scope, id);
    this.limits = resolveLimits({
      allowedOrigins: props.allowedOrigins,
      readAccess: props.readAccess,
      maxUploadBytes: props.maxUploadBytes,
      allowedContentTypes: props.allowedContentTypes,
      uploadUrlTtlSeconds: props.uploadUrlTtl?.toSeconds(),
      downloadUrlTtlSeconds: props.downloadUrlTtl?.toSeconds(),
      maxDownloadUrlTtlSeconds: props.maxDownloadUrlTtl?.toSeconds(),
      multipartThresholdBytes: props.multipartThresholdBytes,
    });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    this.bucket = new FileBucket(this, 'Bucket', { limits: this.limits, removalPolicy });
    const files = this.bucket.bucket;
    // The user's own prefix, resolved by IAM from the session tag the handler sets to the caller's sub.
    const ownPrefix = `${USERS_PREFIX}\${aws:PrincipalTag/${SESSION_TAG_KEY}}/`;
    const ownObjects = `${ownPrefix}*`;
    const readableObjects = this.limits.readAccess === 'owner' ? ownObjects : `${USERS_PREFIX}*`;
    // Unique within the app, so two services in one account and region keep their metrics apart.
    const serviceName = this.node.path;
    const environment = {
      BUCKET_NAME: files.bucketName,
      // `amazonaws.com`, or `amazonaws.com.cn` in China: URLs are signed for the partition's S3 domain.
      [URL_SUFFIX_VARIABLE]: Stack.of(this).urlSuffix,
      [LIMITS_ENVIRONMENT_VARIABLE]: JSON.stringify(this.limits),
      [SERVICE_NAME_VARIABLE]: serviceName,
    };
    const functionDefaults = { environment, logRetention, removalPolicy };

    this.uploads = new SigningFunction(this, 'Uploads', {
      ...functionDefaults,
      entry: path.join(__dirname, '../../lambdas/uploads.ts'),
      description: 'Signs upload URLs as the UploaderRole',
      roleArnVariable: 'UPLOADER_ROLE_ARN',
      // CompleteMultipartUpload can take long (S3 trickles whitespace meanwhile): as long as API Gateway's 30 s allow.
      timeout: UPLOADS_TIMEOUT,
      signingStatements: [
        new iam.PolicyStatement({
          sid: 'WriteOwnObjects',
          // PutObject covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload; ListMultipartUploadParts
          // proves an upload exists before its parts are re-signed.
          actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [files.arnForObjects(ownObjects)],
        }),
        new iam.PolicyStatement({
          sid: 'ListOwnPrefix',
          // A retried completion that meets 412 or NoSuchUpload looks for the object it may have made: its
          // size, listed; never its bytes (a HEAD would need s3:GetObject).
          actions: ['s3:ListBucket'],
          resources: [files.bucketArn],
          conditions: { StringLike: { 's3:prefix': [ownObjects] } },
        }),
      ],
    });
    acknowledgeObjectWildcard(this.uploads, files, ownObjects);

    this.downloads = new SigningFunction(this, 'Downloads', {
      ...functionDefaults,
      entry: path.join(__dirname, '../../lambdas/downloads.ts'),
      description: 'Signs download URLs and lists files as the ReaderRole',
      roleArnVariable: 'READER_ROLE_ARN',
      signingStatements: [
        new iam.PolicyStatement({
          sid: 'ReadObjects',
          actions: ['s3:GetObject'],
          resources: [files.arnForObjects(readableObjects)],
        }),
        new iam.PolicyStatement({
          sid: 'ListOwnPrefix',
          actions: ['s3:ListBucket'],
          resources: [files.bucketArn],
          conditions: { StringLike: { 's3:prefix': [ownObjects] } },
        }),
      ],
    });
    acknowledgeObjectWildcard(this.downloads, files, readableObjects);

    this.api = new FileApi(this, 'Api', {
      userPool: props.userPool,
      userPoolClients: props.userPoolClients,
      authorizationScopes: props.authorizationScopes ?? [...DEFAULT_AUTHORIZATION_SCOPES],
      allowedOrigins: this.limits.allowedOrigins,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      logRetention,
      removalPolicy,
      integrations: [
        { name: 'Uploads', function: this.uploads.function, routeKeys: ROUTES.uploads },
        { name: 'Downloads', function: this.downloads.function, routeKeys: ROUTES.downloads },
      ],
    });

    this.monitoring = new FileServiceMonitoring(this, 'Monitoring', {
      ...props.monitoring,
      serviceName,
      functions: { Uploads: this.uploads.function, Downloads: this.downloads.function },
      api: this.api.api,
    });
  }
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
