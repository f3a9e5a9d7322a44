/**
 * The HTTP edge of our handlers: routes API Gateway HTTP API (v2) events by route key, parses
 * and validates JSON bodies, takes the caller from the authorizer's claims, and turns every
 * error into `{"error":{"code","message"}}`.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as v from 'valibot';
import { MAX_BODY_BYTES } from '../../contract/constants';
import { IdPathSchema } from '../../contract/requests';
import type { ApiErrorBody } from '../../contract/errors';
import type { ApiFunctionName, RouteKeyOf } from '../../contract/routes';
import { deadlineOf } from './deadline';
import { ApiError } from './errors';
import { assertUsableSub } from './keys';
import { describeError, log, metricLineContext, withRequestLogContext } from './logs';
import { publishMetricLine } from './metric-line';
import { metrics, recordRefusal, recordRequestId } from './metrics';
import { groupsOfClaim } from './plans';

/** The event our functions receive: an HTTP API request that passed the JWT authorizer. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** What a route answers: a status and, unless 204, a JSON body. */
export interface ApiResult {
  readonly status: number;
  readonly body?: unknown;
  /** Replace or add to the JSON headers (an answer that may be cached). @default none */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The signed-in user making a request, as the authorizer and API Gateway saw them. */
export interface Caller {
  /** The Cognito `sub`: the only identity we trust, never a body field. */
  readonly sub: string;
  /** The caller's Cognito groups (`cognito:groups`), which select their plan. */
  readonly groups: readonly string[];
  readonly sourceIp: string;
  readonly requestId: string;
  /** Aborts at the request's deadline: hand it to every AWS call, so a slow one answers 503 in time. */
  readonly signal: AbortSignal;
}

/** A route: from the caller and the validated input to a result. */
export type Route = (event: ApiEvent, caller: Caller) => Promise<ApiResult>;

/** Routes of one function: exactly the route keys the contract gives it. */
export type Routes<Name extends ApiFunctionName> = Readonly<Record<RouteKeyOf<Name>, Route>>;

const RESPONSE_HEADERS = {
  'content-type': 'application/json',
  // Answers carry presigned URLs: no cache may keep them.
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** A deployed function's Lambda handler. */
export type ApiHandler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Wraps one function's routes into its Lambda handler: body parsing, error answers, metrics,
 * and every log line of the invocation bound to its request id and function.
 */
export function apiHandler<Name extends ApiFunctionName>(name: Name, routes: Routes<Name>): ApiHandler {
  const handler = middy<ApiEvent, APIGatewayProxyStructuredResultV2>()
    // First in, last out: its `after` and `onError` run once every other middleware is done, so
    // the refusal `errorAnswers` records is in the line, and an invocation writes exactly one.
    .use(publishMetricLine(metrics, { captureColdStartMetric: true, context: metricLineContext }))
    .use(requestIdInMetrics())
    .use(errorAnswers())
    .use(bodySizeLimit())
    .use(jsonBodyOnPost())
    .handler(async (event, context) => {
      const route = Object.hasOwn(routes, event.routeKey) ? routes[event.routeKey as RouteKeyOf<Name>] : undefined;
      if (!route) throw new ApiError('ROUTE_NOT_FOUND', `No route ${event.routeKey}.`);
      const deadline = deadlineOf(context);
      const result = await route(event, callerOf(event, deadline.signal)).finally(() => deadline.clear());
      return {
        statusCode: result.status,
        headers: { ...RESPONSE_HEADERS, ...result.headers },
        body: result.body === undefined ? '' : JSON.stringify(result.body),
      };
    });
  return (event, context) => {
    const requestId = event.requestContext?.requestId ?? 'unknown';
    return withRequestLogContext({ requestId, function: name }, () => handler(event, context));
  };
}

/** A route whose JSON body must match `schema`; anything else is a 400 naming the field. */
export function jsonRoute<Schema extends v.GenericSchema>(
  schema: Schema,
  run: (input: v.InferOutput<Schema>, caller: Caller) => Promise<ApiResult>,
): Route {
  return (event, caller) => run(validated(schema, event.body as unknown), caller);
}

/** A route whose query string must match `schema`. */
export function queryRoute<Schema extends v.GenericSchema>(
  schema: Schema,
  run: (input: v.InferOutput<Schema>, caller: Caller) => Promise<ApiResult>,
): Route {
  return (event, caller) => run(validated(schema, event.queryStringParameters ?? {}), caller);
}

/** A route on `…/{id}`: the id's grammar is checked (400 `INVALID_ID`) before anything else runs. */
export function idRoute(run: (id: string, caller: Caller) => Promise<ApiResult>): Route {
  return (event, caller) => run(fileIdOf(event), caller);
}

/** A route on `…/{id}` with a JSON body: the id first (400 `INVALID_ID`), then the body. */
export function idJsonRoute<Schema extends v.GenericSchema>(
  schema: Schema,
  run: (id: string, input: v.InferOutput<Schema>, caller: Caller) => Promise<ApiResult>,
): Route {
  return (event, caller) => {
    const id = fileIdOf(event);
    return run(id, validated(schema, event.body as unknown), caller);
  };
}

/** The `{id}` of the route's path, checked against the id grammar. */
function fileIdOf(event: ApiEvent): string {
  return validated(IdPathSchema, event.pathParameters ?? {}).id;
}

/** Validates input against a schema; the first problem becomes a 400 that names the field. */
function validated<Schema extends v.GenericSchema>(schema: Schema, input: unknown): v.InferOutput<Schema> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const [issue] = result.issues;
  // An id is named by its own code: clients tell a malformed id from any other bad field.
  const code = issue && v.getDotPath(issue) === 'id' ? 'INVALID_ID' : 'INVALID_REQUEST';
  throw new ApiError(code, issue ? describeIssue(issue) : 'The request is invalid.');
}

function describeIssue(issue: v.GenericIssue): string {
  const field = v.getDotPath(issue);
  if (!field) return 'The body must be a JSON object.';
  // Valibot's own wording for object-level problems is about keys and types; say it in API terms.
  if (issue.kind === 'schema' && issue.expected === 'never') return `${field}: is not a known field`;
  if (issue.kind === 'schema' && issue.received === 'undefined') return `${field}: is required`;
  return `${field}: ${issue.message}`;
}

function callerOf(event: ApiEvent, signal: AbortSignal): Caller {
  const sub = event.requestContext.authorizer?.jwt?.claims?.sub;
  assertUsableSub(sub);
  const groups = groupsOfClaim(event.requestContext.authorizer?.jwt?.claims?.['cognito:groups']);
  return { sub, groups, sourceIp: event.requestContext.http.sourceIp, requestId: event.requestContext.requestId, signal };
}

function bodySizeLimit(): MiddlewareObj<ApiEvent> {
  return {
    before: ({ event }) => {
      const body = event.body ?? '';
      const bytes = event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
      if (bytes > MAX_BODY_BYTES) throw new ApiError('BODY_TOO_LARGE', `The request body must be at most ${MAX_BODY_BYTES} bytes.`);
    },
  };
}

function jsonBodyOnPost(): MiddlewareObj<ApiEvent> {
  // Parsed whatever the Content-Type: the bearer token already rules out cross-site form posts.
  // `disableContentTypeCheck` exists at runtime since middy 6 but is missing from its typings.
  const options = { disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0];
  const parser = httpJsonBodyParser<ApiEvent>(options);
  return {
    before: async (request) => {
      if (request.event.requestContext.http.method !== 'POST') return;
      try {
        await parser.before?.(request);
      } catch (error) {
        throw new ApiError('INVALID_JSON', 'The request body must be a JSON object.', { cause: error });
      }
    },
  };
}

function requestIdInMetrics(): MiddlewareObj<ApiEvent> {
  return { before: ({ event }) => recordRequestId(event.requestContext.requestId) };
}

function errorAnswers(): MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2> {
  return {
    onError: (request) => {
      const { error } = request;
      const requestId = request.event.requestContext?.requestId;
      const known = error instanceof ApiError ? error : undefined;
      if (!known || known.status >= 500) log('ERROR', known ? 'dependency unavailable' : 'unexpected error', describeError(error));
      // A refusal is an answer we chose; an unexpected error is a fault, counted by the API's 5xx metric instead.
      if (known) recordRefusal(known.code);
      const body: ApiErrorBody = known
        ? {
            error: {
              code: known.code,
              message: known.message,
              ...(known.status >= 500 && { requestId }),
              ...(known.retryAfter !== undefined && { retryAfter: known.retryAfter }),
              ...(known.quota && { quota: known.quota }),
            },
          }
        : { error: { code: 'INTERNAL', message: 'Something went wrong on our side; quote the request id.', requestId } };
      request.response = {
        statusCode: known?.status ?? 500,
        headers: { ...RESPONSE_HEADERS, ...known?.headers },
        body: JSON.stringify(body),
      };
    },
  };
}
