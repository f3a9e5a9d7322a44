/**
 * The local Cognito: `cognito-local`'s user-pool API, started in this process with its data
 * under our own folder, and a pool, an app client and users (in their groups) created on first
 * start.
 *
 * Closed as a user pool is: its port answers the calls a frontend makes (sign-in, tokens, the
 * user's own profile) and the JWKS; the admin API (AdminCreateUser, CreateUserPool, …) answers
 * only requests carrying a secret this process draws at start, and self sign-up is off unless
 * asked for. Tokens are signed with a key drawn for this data folder (kept in it, mode 0600),
 * not the key cognito-local ships, which anyone can read in node_modules.
 *
 * cognito-local's own `createDefaultServer` hard-codes its data folder (`./.cognito`) and
 * loads the AWS SDK v2 for Lambda triggers and KMS; we wire the same services with our
 * folder and without triggers (local mode uses none).
 */
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  GetGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import pino from 'pino';
import shippedPrivateKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import shippedPublicKey from 'cognito-local/lib/keys/cognitoLocal.public.json';
import { createServer } from 'cognito-local/lib/server/server';
import { Router } from 'cognito-local/lib/server/Router';
import type { Config } from 'cognito-local/lib/server/config';
import { DateClock, LambdaService, MessagesService, TriggersService } from 'cognito-local/lib/services';
import { CognitoServiceFactoryImpl } from 'cognito-local/lib/services/cognitoService';
import type { CryptoService } from 'cognito-local/lib/services/crypto';
import { StormDBDataStoreFactory } from 'cognito-local/lib/services/dataStore/stormDb';
import { ConsoleMessageSender } from 'cognito-local/lib/services/messageDelivery/consoleMessageSender';
import { MessageDeliveryService } from 'cognito-local/lib/services/messageDelivery/messageDelivery';
import { otp } from 'cognito-local/lib/services/otp';
import { JwtTokenGenerator } from 'cognito-local/lib/services/tokenGenerator';
import { UserPoolServiceFactoryImpl } from 'cognito-local/lib/services/userPoolService';

/** A seeded user. */
export interface LocalUser {
  readonly username: string;
  readonly password: string;
  /** Cognito groups the user is in (the `cognito:groups` claim). @default none */
  readonly groups?: readonly string[];
}

/** The header that opens the admin API to local mode's own process. */
const ADMIN_SECRET_HEADER = 'x-local-admin-secret';

/** What a frontend may call without the admin secret: sign-in, tokens and the signed-in user's own profile. */
const PUBLIC_TARGETS = new Set([
  'InitiateAuth',
  'RespondToAuthChallenge',
  'GetUser',
  'GlobalSignOut',
  'RevokeToken',
  'ChangePassword',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'UpdateUserAttributes',
  'GetUserAttributeVerificationCode',
  'VerifyUserAttribute',
  'AssociateSoftwareToken',
  'VerifySoftwareToken',
  'SetUserMFAPreference',
]);
const SIGN_UP_TARGETS = new Set(['SignUp', 'ConfirmSignUp', 'ResendConfirmationCode']);

/** A running Cognito emulator with its pool, client and users. */
export interface CognitoEmulator {
  /** The endpoint a frontend passes to Cognito's `InitiateAuth` (e.g. `http://127.0.0.1:9229`). */
  readonly endpoint: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** The `iss` of its tokens. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly users: readonly LocalUser[];
  stop(): Promise<void>;
  /** Stops it if it runs, then starts it again on the same port with the same data: an outage and its end, for tests. */
  restart(): Promise<void>;
}

const POOL_NAME = 'secure-file-service-local';

/** Starts the emulator on 127.0.0.1 and makes sure the pool, its client and the users exist. */
export async function startCognitoEmulator(options: {
  port: number;
  directory: string;
  users: readonly LocalUser[];
  /** Lets anyone sign up (SignUp, ConfirmSignUp) as a pool with self sign-up does. @default false */
  allowSelfSignUp?: boolean;
}): Promise<CognitoEmulator> {
  fs.mkdirSync(options.directory, { recursive: true });
  useSigningKeyOf(options.directory);
  const gate = { secret: randomBytes(32).toString('base64url'), allowSelfSignUp: options.allowSelfSignUp ?? false };
  let server: Server | undefined = await startServer(options.directory, options.port, gate);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  try {
    const { userPoolId, userPoolClientId } = await ensurePool(endpoint, options.directory, options.users, gate.secret);
    return {
      endpoint,
      userPoolId,
      userPoolClientId,
      issuer: `${endpoint}/${userPoolId}`,
      jwksUri: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
      users: options.users,
      stop,
      async restart() {
        await stop();
        // The port it had: the issuer of every token names it.
        server = await startServer(options.directory, port, gate);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Signs tokens with a key of this data folder's own. cognito-local signs with (and publishes)
 * the key objects it loads from its package; replacing their contents switches both.
 */
function useSigningKeyOf(directory: string): void {
  const file = path.join(directory, 'signing-key.json');
  let key: { pem: string; jwk: Record<string, unknown> };
  try {
    key = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof key;
  } catch {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = {
      pem: pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid: shippedPublicKey.jwk.kid, alg: 'RS256', use: 'sig' },
    };
    fs.writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  }
  Object.assign(shippedPrivateKey, { pem: key.pem, jwk: { ...key.jwk } });
  Object.assign(shippedPublicKey, { jwk: key.jwk });
}

/** The emulator's express app behind the gate: public calls pass, admin calls need the secret. */
function gated(application: http.RequestListener, gate: { secret: string; allowSelfSignUp: boolean }): http.RequestListener {
  const secret = Buffer.from(gate.secret);
  return (request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '').split('.')[1];
    const presented = Buffer.from(String(request.headers[ADMIN_SECRET_HEADER] ?? ''));
    const admin = presented.length === secret.length && timingSafeEqual(presented, secret);
    const open = target === undefined || PUBLIC_TARGETS.has(target) || (gate.allowSelfSignUp && SIGN_UP_TARGETS.has(target));
    if (request.method === 'POST' && target !== undefined && !open && !admin) {
      request.resume();
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'access-control-allow-origin': '*' });
      response.end(
        JSON.stringify({ __type: 'NotAuthorizedException', message: `${target} is not open to callers of local mode's user pool.` }),
      );
      return;
    }
    application(request, response);
  };
}

async function startServer(directory: string, port: number, gate: { secret: string; allowSelfSignUp: boolean }): Promise<Server> {
  const logger = pino({ level: 'silent' });
  const clock = new DateClock();
  const dataDirectory = path.join(directory, 'db');
  const dataStoreFactory = new StormDBDataStoreFactory(dataDirectory);
  const config: Config = {
    LambdaClient: {},
    TriggerFunctions: {},
    // Usernames such as `alice`, not e-mail addresses.
    UserPoolDefaults: { UsernameAttributes: [] },
    TokenConfig: {},
    ServerConfig: { port, hostname: '127.0.0.1', development: false, https: false },
  };
  const cognito = await new CognitoServiceFactoryImpl(
    dataDirectory,
    dataStoreFactory,
    new UserPoolServiceFactoryImpl(clock, dataStoreFactory),
  ).create({ logger }, config.UserPoolDefaults);
  // No Lambda triggers and no KMS locally: these are never called.
  const lambda = new LambdaService({}, {} as ConstructorParameters<typeof LambdaService>[1]);
  const triggers = new TriggersService(clock, cognito, lambda, {} as CryptoService);
  const services = {
    clock,
    cognito,
    config,
    messages: new MessagesService(triggers, new MessageDeliveryService(new ConsoleMessageSender())),
    otp,
    tokenGenerator: new JwtTokenGenerator(clock, triggers, config.TokenConfig),
    triggers,
  };
  const { application } = createServer(Router(services), logger, config.ServerConfig, services) as { application: unknown };
  const server = http.createServer(gated(application as http.RequestListener, gate));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  // The issuer names the port actually bound (port 0 picks a free one); the token generator reads this object.
  config.TokenConfig.IssuerDomain = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return server;
}

/** Finds the pool and client made on an earlier start, or makes them; then seeds missing users. */
async function ensurePool(endpoint: string, directory: string, users: readonly LocalUser[], adminSecret: string) {
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers[ADMIN_SECRET_HEADER] = adminSecret;
      return next(args);
    },
    { step: 'build', name: 'localAdminSecret' },
  );
  const idsFile = path.join(directory, 'pool.json');
  let ids = readIds(idsFile);
  if (ids) {
    const known = await client
      .send(new DescribeUserPoolClientCommand({ UserPoolId: ids.userPoolId, ClientId: ids.userPoolClientId }))
      .then(() => true)
      .catch(() => false);
    if (!known) ids = undefined;
  }
  if (!ids) {
    const pool = await client.send(new CreateUserPoolCommand({ PoolName: POOL_NAME }));
    const userPoolId = pool.UserPool?.Id ?? '';
    const app = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'web',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    ids = { userPoolId, userPoolClientId: app.UserPoolClient?.ClientId ?? '' };
    fs.writeFileSync(idsFile, JSON.stringify(ids, null, 2));
  }
  for (const user of users) {
    const exists = await client
      .send(new AdminGetUserCommand({ UserPoolId: ids.userPoolId, Username: user.username }))
      .then(() => true)
      .catch(() => false);
    if (!exists) {
      await client.send(new AdminCreateUserCommand({ UserPoolId: ids.userPoolId, Username: user.username, MessageAction: 'SUPPRESS' }));
    }
    // Sets the password on every start, so a changed LOCAL_PASSWORD takes effect.
    await client.send(
      new AdminSetUserPasswordCommand({ UserPoolId: ids.userPoolId, Username: user.username, Password: user.password, Permanent: true }),
    );
    for (const group of user.groups ?? []) {
      const poolId = ids.userPoolId;
      await client
        .send(new GetGroupCommand({ UserPoolId: poolId, GroupName: group }))
        .catch(() => client.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group })));
      await client.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: user.username, GroupName: group }));
    }
  }
  client.destroy();
  return ids;
}

function readIds(file: string): { userPoolId: string; userPoolClientId: string } | undefined {
  try {
    // The file local mode itself wrote on an earlier start.
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { userPoolId: string; userPoolClientId: string };
  } catch {
    return undefined;
  }
}
