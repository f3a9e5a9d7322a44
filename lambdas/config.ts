/**
 * `GET /config` (answered by the downloads function, which holds the settings already and adds
 * no function, role or alarm): the allowed types, their aliases and the size limits, so a client
 * can name a file's type before it asks to upload it.
 */
import type { ServiceConfig } from '../contract/answers';
import type { ApiResult } from './shared/http';
import type { HandlerSettings } from './shared/settings';

/**
 * How long a browser may keep the answer: it changes only with a deployment, and a client with
 * a stale one meets a precise 415 at worst. `private`: it is behind a token, no shared cache.
 */
const CONFIG_MAX_AGE_SECONDS = 300;

/** The deployment's upload configuration, the same for every caller. */
export function configAnswer(settings: HandlerSettings): ApiResult {
  const answer: ServiceConfig = {
    allowedContentTypes: settings.allowedContentTypes,
    contentTypeAliases: settings.contentTypeAliases,
    maxUploadBytes: settings.maxUploadBytes,
    multipartThresholdBytes: settings.multipartThresholdBytes,
  };
  return { status: 200, body: answer, headers: { 'cache-control': `private, max-age=${CONFIG_MAX_AGE_SECONDS}` } };
}
