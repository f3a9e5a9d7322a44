/**
 * The API's routes and the function that answers each. The construct creates exactly these API
 * Gateway routes, each handler must answer exactly its own (the types check it), and local mode
 * dispatches by them.
 */
export const ROUTES = {
  'POST /uploads': 'uploads',
  'POST /uploads/parts': 'uploads',
  'POST /uploads/complete': 'uploads',
  'POST /uploads/abort': 'uploads',
  'POST /downloads': 'downloads',
  'GET /files': 'downloads',
} as const;

/** A route key as API Gateway writes it: `POST /uploads`. */
export type RouteKey = keyof typeof ROUTES;

/** A function that answers API routes. */
export type ApiFunctionName = (typeof ROUTES)[RouteKey];

/** The route keys one function answers. */
export type RouteKeyOf<Name extends ApiFunctionName> = { [Key in RouteKey]: (typeof ROUTES)[Key] extends Name ? Key : never }[RouteKey];

/** The route keys a function answers, in declaration order. */
export function routesOf(name: ApiFunctionName): RouteKey[] {
  return (Object.keys(ROUTES) as RouteKey[]).filter((routeKey) => ROUTES[routeKey] === name);
}
