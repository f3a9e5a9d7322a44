import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { USERS_PREFIX } from '../../lambdas/shared/keys';
import { STATUS_TAG, STATUS_TAG_KEY } from '../../lambdas/shared/object-tags';
import { bucketCorsRule, CLOCK_SKEW_MARGIN_SECONDS, longestUrlTtlSeconds, type FileServiceSettings } from '../../lambdas/shared/settings';

/** Properties of a `FileBucket`. */
export interface FileBucketProps {
  /** The settings whose origins, URL lifetimes, lifecycle, log retention and removal policy shape the buckets. */
  readonly settings: FileServiceSettings;
}

/**
 * The private bucket that holds users' files: no public access, no ACLs, encrypted, TLS only,
 * CORS for the configured origins, and a policy that refuses presigned URLs older than the
 * longest lifetime we issue, and SigV2. Versioned, so a delete is recoverable for the undo
 * window; lifecycle rules from the settings; object events to EventBridge. Server access logs go
 * to a second bucket.
 */
export class FileBucket extends Construct {
  /** The bucket holding users' files. */
  readonly bucket: s3.Bucket;
  /** The bucket receiving the file bucket's server access logs. */
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: FileBucketProps) {
    super(scope, id);
    const removalPolicy = props.settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const secure = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy,
      // Without it `cdk destroy` fails on the first non-empty bucket (the access logs always have some).
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    } satisfies s3.BucketProps;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.settings.accessLogRetentionDays) }],
    });

    const cors = bucketCorsRule(props.settings);
    this.bucket = new s3.Bucket(this, 'Files', {
      ...secure,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'files/',
      cors: [
        {
          allowedOrigins: [...cors.allowedOrigins],
          allowedMethods: cors.allowedMethods.map((method) => s3.HttpMethods[method]),
          allowedHeaders: [...cors.allowedHeaders],
          exposedHeaders: [...cors.exposedHeaders],
          maxAge: cors.maxAgeSeconds,
        },
      ],
      versioned: true,
      lifecycleRules: lifecycleRules(props.settings),
    });
    // EventBridge notifications at L1: the L2's `eventBridgeEnabled` sets them through the Custom::S3BucketNotifications
    // resource (a Lambda of its own), which owns the bucket's whole notification configuration and would overwrite it.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    this.node.addValidation({
      validate: () =>
        this.bucket.node.tryFindChild('Notifications')
          ? ['The file bucket sends its events to EventBridge only: a bucket notification would replace that configuration.']
          : [],
    });

    if (removalPolicy === RemovalPolicy.DESTROY) acknowledgeAutoDeleteProvider(this);

    const everything = [this.bucket.bucketArn, this.bucket.arnForObjects('*')];
    // Our URLs live at most this long; a leaked URL (or one signed with leaked credentials) is refused after.
    const maxSignatureAgeMs = (longestUrlTtlSeconds(props.settings) + CLOCK_SKEW_MARGIN_SECONDS) * 1000;
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPresignedUrlsOlderThanLongestTtl',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:*'],
        resources: everything,
        conditions: {
          StringEquals: { 's3:authType': 'REST-QUERY-STRING' },
          NumericGreaterThan: { 's3:signatureAge': maxSignatureAgeMs },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenySignatureVersion2',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:*'],
        resources: everything,
        conditions: { StringEquals: { 's3:signatureversion': 'AWS' } },
      }),
    );
  }
}

/**
 * `autoDeleteObjects` adds CDK's own custom-resource provider (one per stack): a Lambda function
 * whose role carries AWS's basic-execution managed policy and whose runtime CDK pins. It runs
 * only when a bucket is deleted, and its bucket-policy statement names its role alone.
 */
function acknowledgeAutoDeleteProvider(scope: Construct): void {
  const stack = Stack.of(scope);
  const provider = stack.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
  if (!provider) return;
  Validations.of(provider).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's auto-delete provider for removalPolicy=destroy: CDK attaches the basic-execution policy to write its logs.",
    },
    {
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: "CDK's auto-delete provider for removalPolicy=destroy: CDK chooses and upgrades its runtime, not this construct.",
    },
  );
}

/**
 * The file bucket's lifecycle: parts of abandoned multipart uploads, versions a delete or an
 * overwrite left behind once the undo window has passed (then the delete markers left with no
 * version), objects the verifier rejected, and, when asked for, Intelligent-Tiering.
 */
function lifecycleRules(settings: FileServiceSettings): s3.LifecycleRule[] {
  return [
    { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(settings.undoWindowDays) },
    { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
    {
      // On a versioned bucket this makes the rejected object noncurrent: the rule above removes it an undo window later.
      id: 'expire-rejected-objects',
      tagFilters: { [STATUS_TAG_KEY]: STATUS_TAG.rejected },
      expiration: Duration.days(settings.rejectedObjectExpiryDays),
    },
    ...(settings.intelligentTieringAfterDays > 0
      ? [
          {
            id: 'intelligent-tiering',
            prefix: USERS_PREFIX,
            transitions: [
              { storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(settings.intelligentTieringAfterDays) },
            ],
          },
        ]
      : []),
  ];
}
