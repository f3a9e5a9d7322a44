/**
 * The content type an upload declares, from what the browser gave and the service's
 * `GET /config`: browsers name some types otherwise (Chromium's `audio/x-m4a` for `.m4a`), and
 * give `''` or `application/octet-stream` for a type they do not know.
 */
import type { ServiceConfig } from '../contract/answers';

/** A type that says nothing about the file: the extension decides. */
export function isGenericType(type: string | undefined): boolean {
  const normalised = (type ?? '').trim().toLowerCase();
  return normalised === '' || normalised === 'application/octet-stream';
}

/**
 * The allowed type an alias stands for; for a missing or generic type, the allowed type whose
 * extensions include the file name's; otherwise the type as given (the API answers a precise
 * 415 for one it does not allow).
 */
export function uploadContentType(filename: string, declared: string | undefined, config: ServiceConfig): string | undefined {
  const type = (declared ?? '').trim().toLowerCase();
  if (Object.hasOwn(config.contentTypeAliases, type)) return config.contentTypeAliases[type];
  if (!isGenericType(type)) return declared;
  const dot = filename.lastIndexOf('.');
  const extension = dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
  const match = Object.entries(config.allowedContentTypes).find(([, extensions]) => extensions.includes(extension));
  return match ? match[0] : declared;
}
