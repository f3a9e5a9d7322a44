/**
 * The API's routes, by function. The construct creates exactly these API Gateway routes, the
 * handlers must answer exactly these (the types check it), and local mode dispatches by them.
 */
export const ROUTES = {
  uploads: ['POST /uploads', 'POST /uploads/parts', 'POST /uploads/complete', 'POST /uploads/abort'],
  downloads: ['POST /downloads', 'GET /files'],
} as const;

/** A deployed function of the service. */
export type FunctionName = keyof typeof ROUTES;

/** The route keys (`POST /uploads`) one function answers. */
export type RouteKey<Function extends FunctionName> = (typeof ROUTES)[Function][number];
