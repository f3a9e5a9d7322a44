/**
 * The API's routes and the function that answers each. The construct creates exactly these API
 * Gateway routes, each handler must answer exactly its own (the types check it), and local mode
 * dispatches by them. `{id}` is a file id, passed in `pathParameters.id`.
 */
export const ROUTES = {
  'POST /uploads': 'uploads',
  'GET /uploads/{id}': 'uploads',
  'POST /uploads/{id}/parts': 'uploads',
  'POST /uploads/{id}/complete': 'uploads',
  'DELETE /uploads/{id}': 'uploads',
  'GET /files': 'downloads',
  'GET /files/{id}': 'downloads',
  'POST /downloads': 'downloads',
  'GET /usage': 'downloads',
  'GET /config': 'downloads',
  'DELETE /files/{id}': 'deletes',
  'GET /health': 'health',
} as const;

/** A route key as API Gateway writes it: `POST /uploads`. */
export type RouteKey = keyof typeof ROUTES;

/** Routes answered without a token: everything else is behind the JWT authorizer. */
export const PUBLIC_ROUTES: readonly RouteKey[] = ['GET /health'];

/** A function that answers API routes. */
export type ApiFunctionName = (typeof ROUTES)[RouteKey];

/** The route keys one function answers. */
export type RouteKeyOf<Name extends ApiFunctionName> = { [Key in RouteKey]: (typeof ROUTES)[Key] extends Name ? Key : never }[RouteKey];

/** The route keys a function answers, in declaration order. */
export function routesOf(name: ApiFunctionName): RouteKey[] {
  return (Object.keys(ROUTES) as RouteKey[]).filter((routeKey) => ROUTES[routeKey] === name);
}
