// Environment for importing handler modules in tests, as the construct would set it in Lambda.
process.env.AWS_REGION = 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLETESTONLY';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-not-a-real-key';
process.env.BUCKET_NAME ??= 'test-files';
process.env.URL_SUFFIX ??= 'amazonaws.com';
process.env.TABLE_NAME ??= 'test-file-records';
process.env.SIGNING_ROLE_ARN ??= 'arn:aws:iam::111122223333:role/test-signer';
process.env.FILE_SERVICE_SETTINGS ??= '{}';
// This machine runs Node 20; Lambda runs 24. The SDK's reminder about that is noise in tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The `service` dimension of every metric, as the construct sets it.
process.env.POWERTOOLS_SERVICE_NAME ??= 'test-file-service';
