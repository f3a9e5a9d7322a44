/**
 * The credential provider of every AWS SDK client in our bundles: the environment's, in place of
 * the SDK's default chain. esbuild aliases `@aws-sdk/credential-provider-node` to this module
 * (`lib/construct/function-bundling.ts`), which takes ~120 kB (SSO, INI files, process, token
 * file, container and instance metadata providers, their nested STS/SSO clients) out of every
 * cold start; `npm run bench` has the figures.
 *
 * Safe in Lambda because Lambda itself puts the execution role's credentials into every
 * execution environment as `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 * `AWS_SESSION_TOKEN`, valid for as long as that environment lives: the default chain finds
 * them first there anyway and never reaches the rest.
 *
 * What would break it: running the bundle where credentials come from elsewhere — Lambda
 * SnapStart (credentials served from `AWS_CONTAINER_CREDENTIALS_FULL_URI` instead), ECS or EC2,
 * a profile or SSO on a laptop. There every client fails with "Unable to find environment
 * variable credentials", which the handlers answer as a 503, never a wrong identity. Local mode
 * does not use the bundles and keeps the default chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** The default chain's name and signature, answering the environment's credentials only. */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
