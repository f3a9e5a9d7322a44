import { Match } from 'aws-cdk-lib/assertions';
import { resourceOf, synthesize, templateOf } from './synth';

const template = templateOf();
const files = resourceOf(template, 'AWS::S3::Bucket', 'FileServiceBucketFiles');
const accessLogs = resourceOf(template, 'AWS::S3::Bucket', 'FileServiceBucketAccessLogs');

function policyOf(bucketId: string) {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter(
    (policy) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
  );
  expect(policies).toHaveLength(1);
  return policies[0]?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
}

describe('the file bucket', () => {
  it('blocks all four kinds of public access', () => {
    expect(files.properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('disables ACLs (bucket owner enforced)', () => {
    expect(files.properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  it('encrypts with SSE-S3', () => {
    expect(files.properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('allows CORS for the configured origins only: GET, HEAD, PUT with the signed headers, ETag exposed', () => {
    expect(files.properties.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: ['http://localhost:3000'],
          AllowedMethods: ['GET', 'HEAD', 'PUT'],
          AllowedHeaders: ['content-type', 'content-length', 'if-none-match', 'x-amz-checksum-sha256', 'x-amz-meta-filename', 'range'],
          ExposedHeaders: expect.arrayContaining(['etag']),
          MaxAge: 3600,
        },
      ],
    });
  });

  it('takes its CORS origins from context', () => {
    const custom = templateOf({ allowedOrigins: 'https://app.example.com,https://admin.example.com' });

    custom.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://app.example.com', 'https://admin.example.com'] })] },
    });
  });

  it('is versioned, so a delete or an overwrite leaves a version to recover', () => {
    expect(files.properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('aborts incomplete multipart uploads after one day, and removes deleted versions and rejected objects on the settings’ schedule', () => {
    expect(files.properties.LifecycleConfiguration).toEqual({
      Rules: [
        { Id: 'abort-incomplete-multipart-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
        { Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' },
        { Id: 'remove-expired-delete-markers', ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
        { Id: 'expire-rejected-objects', TagFilters: [{ Key: 'status', Value: 'rejected' }], ExpirationInDays: 7, Status: 'Enabled' },
      ],
    });
  });

  it('takes the undo window and the rejected objects’ expiry from context, and moves files to Intelligent-Tiering when asked', () => {
    const custom = resourceOf(
      templateOf({ undoWindowDays: '3', rejectedObjectExpiryDays: '1', intelligentTieringAfterDays: '45' }),
      'AWS::S3::Bucket',
      'FileServiceBucketFiles',
    );
    const rules = (custom.properties.LifecycleConfiguration as { Rules: { Id: string }[] }).Rules;
    const byId = Object.fromEntries(rules.map((rule) => [rule.Id, rule]));

    expect(byId['expire-noncurrent-versions']).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 3 } });
    expect(byId['expire-rejected-objects']).toMatchObject({ ExpirationInDays: 1 });
    expect(byId['intelligent-tiering']).toEqual({
      Id: 'intelligent-tiering',
      Prefix: 'users/',
      Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 45 }],
      Status: 'Enabled',
    });
  });

  it.each([
    ['an undo window of 0 days', { undoWindowDays: '0' }, /undoWindowDays must be from 1 to 3650/],
    [
      'a rejected-object expiry that is not a number',
      { rejectedObjectExpiryDays: 'soon' },
      /rejectedObjectExpiryDays must be a whole number/,
    ],
    ['a negative tiering delay', { intelligentTieringAfterDays: '-1' }, /intelligentTieringAfterDays must be from 0 to 3650/],
  ])('refuses to synthesize with %s', (_, context, message) => {
    expect(() => synthesize(context)).toThrow(message);
  });

  it('sends server access logs to the log bucket', () => {
    expect(files.properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: accessLogs.id },
      LogFilePrefix: 'files/',
    });
  });

  it('is retained when the stack is deleted, with its logs', () => {
    const resources = template.findResources('AWS::S3::Bucket');
    for (const id of [files.id, accessLogs.id]) {
      expect(resources[id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('denies any request without TLS, or below TLS 1.2', () => {
    expect(policyOf(files.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]),
    );
  });

  it('denies presigned requests signed longer ago than the longest URL lifetime plus clock skew', () => {
    expect(policyOf(files.id)).toContainEqual(
      expect.objectContaining({
        Sid: 'DenyPresignedUrlsOlderThanLongestTtl',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Condition: {
          StringEquals: { 's3:authType': 'REST-QUERY-STRING' },
          NumericGreaterThan: { 's3:signatureAge': (3300 + 60) * 1000 },
        },
      }),
    );
  });

  it('moves the signature-age limit with the configured lifetimes', () => {
    const custom = templateOf({ maxDownloadUrlTtlSeconds: '1200', uploadUrlTtlSeconds: '900' });

    custom.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Condition: Match.objectLike({ NumericGreaterThan: { 's3:signatureAge': 1_260_000 } }) }),
        ]),
      },
    });
  });

  it('denies Signature Version 2', () => {
    expect(policyOf(files.id)).toContainEqual(
      expect.objectContaining({
        Sid: 'DenySignatureVersion2',
        Effect: 'Deny',
        Condition: { StringEquals: { 's3:signatureversion': 'AWS' } },
      }),
    );
  });

  it('allows nobody through the bucket policy: every statement denies', () => {
    // The set of effects, so that an empty policy fails too.
    expect([...new Set(policyOf(files.id).map((statement) => statement.Effect))]).toEqual(['Deny']);
  });

  it('keeps the log bucket private, encrypted and TLS-only too, writable only by S3 logging for this bucket', () => {
    expect(accessLogs.properties).toMatchObject({
      PublicAccessBlockConfiguration: expect.objectContaining({ BlockPublicPolicy: true, RestrictPublicBuckets: true }),
      BucketEncryption: expect.anything(),
    });
    const allows = policyOf(accessLogs.id).filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([expect.objectContaining({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' })]);
  });
});
