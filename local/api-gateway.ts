/**
 * A small HTTP server that plays API Gateway's HTTP API in front of the handler modules:
 * CORS for the configured origins, the JWT authorizer, an API Gateway v2 event with the
 * claims, source IP and request id, and the function's answer passed back as is.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { PUBLIC_ROUTES, type RouteKey } from '../contract/routes';
import type { ApiEvent, ApiHandler } from '../lambdas/shared/http';
import { log } from '../lambdas/shared/logs';
import type { CorsRule } from '../lambdas/shared/settings';
import { FUNCTION_DEFAULTS, FUNCTIONS, type FunctionDefinition, type FunctionName } from '../lib/functions';
import type { JwtAuthorizer } from './jwt-authorizer';

/** A route's function: its registry name and its handler, as Lambda calls it. */
export interface LocalRoute {
  readonly functionName: FunctionName;
  readonly handler: ApiHandler;
}

/** A file served without authorization (the demo page). */
export interface StaticFile {
  readonly contentType: string;
  readonly body: string | Buffer;
}

/** What the local API serves. */
export interface LocalApiOptions {
  /** The function of every route key (`POST /uploads`). */
  readonly routes: Readonly<Record<RouteKey, LocalRoute>>;
  readonly authorizer: JwtAuthorizer;
  /** The API's CORS rule, as the construct deploys it. */
  readonly cors: CorsRule;
  /** Unauthenticated files by path, served on GET. */
  readonly staticFiles?: () => Promise<Readonly<Record<string, StaticFile>>>;
  /** Writes one access-log line per request, in the deployed stage's format. @default false */
  readonly logRequests?: boolean;
}

/** A running local API. */
export interface LocalApi {
  readonly url: string;
  readonly port: number;
  readonly stop: () => Promise<void>;
}

/** API Gateway's payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** Listens on 127.0.0.1; answer routes only after `serve` is given the options (the port is needed to configure the rest). */
export async function listenLocalApi(
  port: number,
): Promise<{ port: number; serve(options: LocalApiOptions): LocalApi; stop: () => Promise<void> }> {
  let options: LocalApiOptions | undefined;
  // Handlers still running when the API stops (their clients gone) must finish before the emulators behind them stop.
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((request, response) => {
    if (!options) {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"Service Unavailable"}');
      return;
    }
    // A client that goes away mid-request must not take local mode with it.
    request.on('error', () => undefined);
    response.on('error', () => undefined);
    const handling = handle(options, request, response)
      .catch((error: unknown) => {
        log('ERROR', 'local API failed', { error: String(error) });
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        if (!response.writableEnded) response.end('{"message":"Internal Server Error"}');
      })
      .finally(() => inFlight.delete(handling));
    inFlight.add(handling);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await Promise.allSettled([...inFlight]);
    await closed;
  };
  return {
    port: actualPort,
    stop,
    serve(serveOptions) {
      options = serveOptions;
      return { url: `http://127.0.0.1:${actualPort}`, port: actualPort, stop };
    },
  };
}

async function handle(options: LocalApiOptions, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const started = Date.now();
  const requestId = randomBytes(12).toString('base64');
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const origin = request.headers.origin;
  // Read now: once a refused body is abandoned the socket is gone, and with it the address.
  const sourceIp = request.socket.remoteAddress;
  const cors: Record<string, string> =
    origin && options.cors.allowedOrigins.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'origin' } : {};
  const send = (status: number, headers: Record<string, string | number>, body: string | Buffer, routeKey = '-') => {
    response.writeHead(status, { ...headers, ...cors, 'apigw-requestid': requestId }).end(body);
    if (options.logRequests) {
      log('INFO', 'api request', { requestId, sourceIp, routeKey, status, responseLatency: Date.now() - started });
    }
  };
  const sendJson = (status: number, body: unknown, routeKey?: string) =>
    send(status, { 'content-type': 'application/json' }, JSON.stringify(body), routeKey);

  if (method === 'OPTIONS' && request.headers['access-control-request-method']) {
    const preflight: Record<string, string | number> = cors['access-control-allow-origin']
      ? {
          'access-control-allow-methods': options.cors.allowedMethods.join(','),
          'access-control-allow-headers': options.cors.allowedHeaders.join(','),
          'access-control-max-age': options.cors.maxAgeSeconds,
        }
      : {};
    send(204, preflight, '');
    return;
  }

  const matched = matchRoute(Object.keys(options.routes) as RouteKey[], method, url.pathname);
  const routeKey = matched?.routeKey ?? `${method} ${url.pathname}`;
  const route = matched && options.routes[matched.routeKey];
  if (!matched || !route) {
    const file = method === 'GET' ? (await options.staticFiles?.())?.[url.pathname] : undefined;
    if (file) send(200, { 'content-type': file.contentType, 'cache-control': 'no-store' }, file.body);
    else sendJson(404, { message: 'Not Found' });
    return;
  }

  const body = await readBody(request);
  if (body === undefined) {
    response.setHeader('connection', 'close');
    sendJson(413, { message: 'Request Entity Too Large' }, routeKey);
    return;
  }
  let authorized: { claims: Record<string, string>; scopes: readonly string[] } | undefined;
  if (!PUBLIC_ROUTES.includes(matched.routeKey)) {
    const authorization = await options.authorizer.authorize(request.headers.authorization);
    if (!('claims' in authorization)) {
      if (authorization.challenge) response.setHeader('www-authenticate', authorization.challenge);
      sendJson(authorization.status, { message: authorization.message }, routeKey);
      return;
    }
    authorized = authorization;
  }

  const event = apiGatewayEvent({ request, url, routeKey, requestId, body, authorized, pathParameters: matched.pathParameters });
  const result = await route.handler(event, lambdaContext(route.functionName));
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]));
  const payload = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
  send(result.statusCode ?? 200, headers, payload, routeKey);
}

/**
 * The route a request takes, as API Gateway matches it: literal segments exactly, `{name}` any
 * one segment (URL-decoded into `pathParameters`); a literal route wins over a template.
 */
export function matchRoute(
  routeKeys: readonly RouteKey[],
  method: string,
  pathname: string,
): { routeKey: RouteKey; pathParameters?: Record<string, string> } | undefined {
  const segments = pathname.split('/');
  let templated: { routeKey: RouteKey; pathParameters: Record<string, string> } | undefined;
  for (const routeKey of routeKeys) {
    const [routeMethod, routePath = ''] = routeKey.split(' ');
    if (routeMethod !== method) continue;
    if (routePath === pathname) return { routeKey };
    const routeSegments = routePath.split('/');
    if (templated || routeSegments.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = routeSegments.every((routeSegment, index) => {
      const segment = segments[index] ?? '';
      const name = /^\{(\w+)\}$/.exec(routeSegment)?.[1];
      if (!name) return routeSegment === segment;
      if (segment === '') return false;
      try {
        pathParameters[name] = decodeURIComponent(segment);
        return true;
      } catch {
        return false;
      }
    });
    if (matches) templated = { routeKey, pathParameters };
  }
  return templated;
}

/** The request body, or `undefined` when it is larger than API Gateway accepts. */
async function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The API Gateway HTTP API payload v2.0 event a deployed function receives. */
function apiGatewayEvent(input: {
  request: http.IncomingMessage;
  url: URL;
  routeKey: string;
  requestId: string;
  body: Buffer;
  /** The authorizer's claims and the token's scopes; absent on a public route: no authorizer ran. */
  authorized?: { claims: Record<string, string>; scopes: readonly string[] };
  pathParameters?: Record<string, string>;
}): ApiEvent {
  const { request, url, routeKey, requestId, body, authorized, pathParameters } = input;
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]),
  );
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    ...(pathParameters && { pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(authorized && {
        authorizer: {
          principalId: '',
          integrationLatency: 0,
          jwt: { claims: authorized.claims, scopes: [...authorized.scopes] },
        },
      }),
    },
    ...(body.length > 0 && { body: body.toString('utf8') }),
    isBase64Encoded: false,
    // A public route's event carries no authorizer, which the JWT-authorized event type cannot express.
  } as ApiEvent;
}

/** The Lambda context of one invocation of a registry function, with its deployed timeout and memory. */
export function lambdaContext(name: FunctionName): Context {
  const definition: FunctionDefinition = FUNCTIONS[name];
  const deadline = Date.now() + (definition.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds) * 1000;
  const functionName = `local-${name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(FUNCTION_DEFAULTS.memorySizeMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
