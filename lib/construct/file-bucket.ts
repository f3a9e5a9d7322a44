import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { bucketCorsRule, CLOCK_SKEW_MARGIN_SECONDS, longestUrlTtlSeconds, type FileServiceSettings } from '../../lambdas/shared/settings';

/** Properties of a `FileBucket`. */
export interface FileBucketProps {
  /** The settings whose origins, URL lifetimes, log retention and removal policy shape the buckets. */
  readonly settings: FileServiceSettings;
}

/**
 * The private bucket that holds users' files: no public access, no ACLs, encrypted, TLS only,
 * CORS for the configured origins, and a policy that refuses presigned URLs older than the
 * longest lifetime we issue, and SigV2. Server access logs go to a second bucket.
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
      lifecycleRules: [{ id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
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
