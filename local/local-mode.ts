/**
 * Local mode: the whole service on this machine, with no AWS account, no Docker and no
 * internet. The deployed handler modules run unchanged behind a stand-in for API Gateway,
 * against emulators that check what AWS checks: SigV4 signatures and expiry (S3), and tokens
 * (Cognito). The file table is dynalite; S3's object events reach the verifier through an
 * in-process EventBridge and SQS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROUTES, type RouteKey } from '../contract/routes';
import { ENVIRONMENT_VARIABLES, functionEnvironment } from '../lambdas/shared/environment';
import type { ApiHandler } from '../lambdas/shared/http';
import {
  apiCorsRule,
  resolveSettings,
  settingsFromContext,
  type FileServiceSettings,
  type FileServiceSettingsInput,
} from '../lambdas/shared/settings';
import { FUNCTION_NAMES, FUNCTIONS, signs, type FunctionName } from '../lib/functions';
import { STACK_NAME } from '../lib/stack/stack-name';
import { lambdaContext, listenLocalApi, type LocalApi, type LocalRoute, type StaticFile } from './api-gateway';
import { startCognitoEmulator, type CognitoEmulator, type LocalUser } from './cognito-emulator';
import { createJwtAuthorizer } from './jwt-authorizer';
import { startDynamoDbEmulator, type DynamoDbEmulator } from './dynamodb-emulator';
import { startLocalQueue, type LocalQueue, type QueueHandler } from './event-queue';
import { eventBridgeEvents, monotonicSequencer, type S3rverEventRecord } from './object-events';
import { emulatorObjectAccess, startLocalScanner, type LocalScanner } from './malware-scanner';
import { localPolicies } from './policies';
import { startRecordSweeper } from './record-sweeper';
import { S3_EMULATOR_CREDENTIALS, startS3Emulator, type S3Emulator, type S3EmulatorOptions } from './s3-emulator';
import { startStsStandIn, type StsStandIn } from './sts-stand-in';

/** How to run local mode. Every port may be 0 for a free one (tests do). */
export interface LocalModeOptions {
  /** @default 3000 */
  readonly apiPort?: number;
  /** @default 4569 */
  readonly s3Port?: number;
  /** @default 9229 */
  readonly cognitoPort?: number;
  /** @default 4567 */
  readonly dynamoDbPort?: number;
  /** How often expired records are swept (dynalite has no TTL). @default 60000 */
  readonly sweepIntervalMs?: number;
  /** Where S3 objects, the user pool and outputs.json live; kept across restarts. @default '.local' */
  readonly directory?: string;
  /** @default alice and bob, password `Passw0rd!local` */
  readonly users?: readonly LocalUser[];
  /** Settings on top of those in cdk.json's context (tests lower the multipart threshold). */
  readonly settings?: FileServiceSettingsInput;
  /** Unauthenticated files served by the API (the demo page). */
  readonly staticFiles?: () => Promise<Readonly<Record<string, StaticFile>>>;
  /** One access-log line per API request on stdout. @default false */
  readonly logRequests?: boolean;
  /** The clock of STS sessions and of local S3's expiry checks (tests move it). @default Date.now */
  readonly now?: () => number;
  /** Called with every IAM decision local S3 makes. */
  readonly onS3Decision?: S3EmulatorOptions['onDecision'];
}

/** The outputs a frontend reads: the same names as `cdk deploy --outputs-file`, plus the S3 endpoint. */
interface LocalOutputs {
  readonly ApiUrl: string;
  readonly Region: string;
  readonly UserPoolId: string;
  readonly UserPoolClientId: string;
  readonly CognitoEndpoint: string;
  readonly BucketName: string;
  readonly S3Endpoint: string;
  readonly TableName: string;
  readonly DynamoDbEndpoint: string;
}

/** Local mode, running. */
export interface LocalMode {
  readonly outputs: LocalOutputs;
  readonly settings: FileServiceSettings;
  readonly users: readonly LocalUser[];
  readonly api: LocalApi;
  readonly s3: S3Emulator;
  readonly cognito: CognitoEmulator;
  readonly sts: StsStandIn;
  /** The signing role of each function that signs, as the synthesized template names it. */
  readonly signingRoles: Readonly<Partial<Record<FunctionName, string>>>;
  readonly dynamoDb: DynamoDbEmulator;
  /** The verifier's queue: every object event goes through it; tests send events again through it. */
  readonly events: LocalQueue;
  /** Every object event (and, with malwareScanning, scan result) published so far, as EventBridge delivered it (the SQS message body). */
  readonly publishedEvents: readonly string[];
  /** Stops everything; nothing keeps running or listening. */
  stop(): Promise<void>;
}

export const DEFAULT_PASSWORD = 'Passw0rd!local';
const REGION = 'us-east-1';
const BUCKET = 'secure-file-service-local';
const ACCOUNT = '000000000000';
const TABLE = 'secure-file-service-local-files';

let started = false;

/** Starts the emulators, then the API over the deployed handler modules, and writes `outputs.json`. */
export async function startLocalMode(options: LocalModeOptions = {}): Promise<LocalMode> {
  // The handler modules read their configuration from process.env once, at import, as in Lambda.
  if (started) throw new Error('Local mode runs once per process: the handlers keep the configuration they started with.');
  started = true;

  const directory = path.resolve(options.directory ?? '.local');
  const users = options.users ?? [
    { username: 'alice', password: DEFAULT_PASSWORD },
    { username: 'bob', password: DEFAULT_PASSWORD, groups: ['pro'] },
  ];
  // The API stops first, so no request finds an emulator gone; then the emulators, newest first.
  let stopApi: (() => Promise<void>) | undefined;
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    await stopApi?.();
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne().catch(() => undefined);
  };

  try {
    // The API's port must be known before the bucket's CORS rule (it allows the demo page's origin).
    const listening = await listenLocalApi(options.apiPort ?? 3000);
    stopApi = listening.stop;
    const deployed = settingsFromContext(cdkJsonContext());
    const configured = resolveSettings({ ...deployed, ...options.settings });
    const settings = resolveSettings({
      ...configured,
      allowedOrigins: [
        ...new Set([...configured.allowedOrigins, `http://localhost:${listening.port}`, `http://127.0.0.1:${listening.port}`]),
      ],
    });

    // The signing roles and the bucket policy as synthesized: what local S3 enforces, and which roles STS hands out.
    const policies = await localPolicies({ settings, bucket: BUCKET, account: ACCOUNT });
    const roleArnOf = (name: FunctionName): string => {
      const role = policies.roles.find(({ usedBy }) => usedBy.startsWith(`FileService${FUNCTIONS[name].id}Function`));
      if (!role) throw new Error(`The synthesized template has no signing role for the ${name} function.`);
      return role.arn;
    };
    const sts = await startStsStandIn({ roles: policies.roles, account: ACCOUNT, now: options.now });
    stoppers.push(() => sts.stop());
    const dynamoDb = await startDynamoDbEmulator({
      port: options.dynamoDbPort ?? 4567,
      directory: path.join(directory, 'dynamodb'),
      tableName: TABLE,
      region: REGION,
    });
    stoppers.push(() => dynamoDb.stop());
    const sweeper = startRecordSweeper({ client: dynamoDb.client, tableName: TABLE, intervalMs: options.sweepIntervalMs ?? 60_000 });
    stoppers.push(() => sweeper.stop());

    // Events are queued from the first object on; the verifier is attached once imported.
    const attached: { verifier?: QueueHandler } = {};
    const events = startLocalQueue({
      handler: (event, context) =>
        attached.verifier ? attached.verifier(event, context) : Promise.reject(new Error('verifier not started')),
      context: () => lambdaContext('verifier'),
      queueArn: `arn:aws:sqs:${REGION}:000000000000:local-object-events`,
      region: REGION,
    });
    stoppers.push(() => events.stop());
    const publishedEvents: string[] = [];
    const nextSequencer = monotonicSequencer();
    // GuardDuty's stand-in, with malwareScanning on: it reads the emulator, so it starts with it.
    let scanner: LocalScanner | undefined;
    const s3 = await startS3Emulator({
      port: options.s3Port ?? 4569,
      directory: path.join(directory, 's3'),
      bucket: BUCKET,
      settings,
      policies,
      sessions: (accessKeyId) => sts.session(accessKeyId),
      region: REGION,
      now: options.now,
      onDecision: options.onS3Decision,
      onObjectEvent: (notification) => {
        const records = (notification.Records ?? []) as S3rverEventRecord[];
        for (const event of eventBridgeEvents({ Records: records }, { bucket: BUCKET, region: REGION, nextSequencer })) {
          const body = JSON.stringify(event);
          publishedEvents.push(body);
          events.send(body);
          scanner?.scan(event);
        }
      },
    });
    stoppers.push(() => s3.stop());
    if (settings.malwareScanning) {
      scanner = startLocalScanner({
        ...emulatorObjectAccess(s3.endpoint, BUCKET, REGION),
        publish: (body) => {
          publishedEvents.push(body);
          events.send(body);
        },
        region: REGION,
        account: ACCOUNT,
      });
    }
    // Idle once every scan has published its result and the verifier has taken it.
    const pipeline: LocalQueue = scanner ? { ...events, idle: async () => (await scanner.idle(), events.idle()) } : events;
    const cognito = await startCognitoEmulator({ port: options.cognitoPort ?? 9229, directory: path.join(directory, 'cognito'), users });
    stoppers.push(() => cognito.stop());

    Object.assign(process.env, {
      AWS_REGION: REGION,
      // The functions' own (execution role) credentials: the verifier's and health's S3 calls use them, so
      // they are the emulator's account; the STS stand-in and dynalite do not check them.
      AWS_ACCESS_KEY_ID: S3_EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      [ENVIRONMENT_VARIABLES.s3Endpoint]: s3.endpoint,
      [ENVIRONMENT_VARIABLES.dynamoDbEndpoint]: dynamoDb.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const handlers = await importHandlers((name) =>
      functionEnvironment({
        bucketName: BUCKET,
        tableName: TABLE,
        settings,
        ...(signs(name) && { signingRoleArn: roleArnOf(name) }),
        serviceName: `${STACK_NAME}/local`,
        urlSuffix: 'amazonaws.com',
      }),
    );
    attached.verifier = handlers.verifier as QueueHandler;
    const routes = Object.fromEntries(
      (Object.keys(ROUTES) as RouteKey[]).map((routeKey): [RouteKey, LocalRoute] => [
        routeKey,
        { functionName: ROUTES[routeKey], handler: handlers[ROUTES[routeKey]] as ApiHandler },
      ]),
    ) as Record<RouteKey, LocalRoute>;

    const outputs: LocalOutputs = {
      ApiUrl: `http://127.0.0.1:${listening.port}`,
      Region: REGION,
      UserPoolId: cognito.userPoolId,
      UserPoolClientId: cognito.userPoolClientId,
      CognitoEndpoint: cognito.endpoint,
      BucketName: BUCKET,
      S3Endpoint: s3.endpoint,
      TableName: TABLE,
      DynamoDbEndpoint: dynamoDb.endpoint,
    };
    const outputsJson = `${JSON.stringify({ [STACK_NAME]: outputs }, null, 2)}\n`;
    fs.writeFileSync(path.join(directory, 'outputs.json'), outputsJson);

    const api = listening.serve({
      routes,
      authorizer: createJwtAuthorizer({
        issuer: cognito.issuer,
        jwksUri: cognito.jwksUri,
        clientId: cognito.userPoolClientId,
        // The routes' authorizationScopes, as deployed: access tokens only.
        requiredScopes: settings.authorizationScopes,
      }),
      cors: apiCorsRule(settings),
      // A page served here finds the API the way a deployed frontend would: from the outputs.
      staticFiles: async () => ({
        ...(await options.staticFiles?.()),
        '/outputs.json': { contentType: 'application/json', body: outputsJson },
      }),
      logRequests: options.logRequests,
    });
    const signingRoles = Object.fromEntries(FUNCTION_NAMES.filter(signs).map((name) => [name, roleArnOf(name)]));
    return { outputs, settings, users, api, s3, cognito, sts, signingRoles, dynamoDb, events: pipeline, publishedEvents, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Imports every handler of the registry with the environment the construct would give its
 * function. Each module reads `process.env` once, at import, as in Lambda, so importing them
 * one after another gives each its own environment in one process.
 */
async function importHandlers(environmentOf: (name: FunctionName) => Record<string, string>): Promise<Record<FunctionName, unknown>> {
  const handlers: Partial<Record<FunctionName, unknown>> = {};
  for (const name of FUNCTION_NAMES) {
    // A function without a signing role must not see another's.
    delete process.env[ENVIRONMENT_VARIABLES.signingRoleArn];
    Object.assign(process.env, environmentOf(name));
    const module = (await import(path.join('..', 'lambdas', FUNCTIONS[name].entry.replace(/\.ts$/, '')))) as { handler: unknown };
    handlers[name] = module.handler;
  }
  return handlers as Record<FunctionName, unknown>;
}

function cdkJsonContext(): (name: string) => unknown {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return (name) => cdkJson.context?.[name];
}
