/**
 * The local Cognito: `cognito-local`'s user-pool API, started in this process with its data
 * under our own folder, and a pool, an app client and users created on first start.
 *
 * cognito-local's own `createDefaultServer` hard-codes its data folder (`./.cognito`) and
 * loads the AWS SDK v2 for Lambda triggers and KMS; we wire the same services with our
 * folder and without triggers (local mode uses none).
 */
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import pino from 'pino';
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
}

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
}): Promise<CognitoEmulator> {
  fs.mkdirSync(options.directory, { recursive: true });
  let server: Server | undefined = await startServer(options.directory, options.port);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  try {
    const { userPoolId, userPoolClientId } = await ensurePool(endpoint, options.directory, options.users);
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
        server = await startServer(options.directory, port);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startServer(directory: string, port: number): Promise<Server> {
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
  const server = await createServer(Router(services), logger, config.ServerConfig, services).start();
  // The issuer names the port actually bound (port 0 picks a free one); the token generator reads this object.
  config.TokenConfig.IssuerDomain = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return server;
}

/** Finds the pool and client made on an earlier start, or makes them; then seeds missing users. */
async function ensurePool(endpoint: string, directory: string, users: readonly LocalUser[]) {
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
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
