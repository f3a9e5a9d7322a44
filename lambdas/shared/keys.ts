/**
 * Object keys and file names.
 *
 * Every key is `users/{sub}/{file id}/{safe name}`, made by the server; clients name files by
 * id and never send a key. IAM confines each signing role to the caller's own prefix, so a bug
 * here still cannot sign outside it.
 */
import { randomBytes } from 'node:crypto';
import { encodeRfc5987 } from './content-disposition';
import { ApiError } from './errors';
import { FILE_ID_PATTERN, S3_LIMITS } from '../../contract/constants';

/** Every user's objects live under this prefix; nothing else in the bucket is ever signed. */
export const USERS_PREFIX = 'users/';

/**
 * The STS session tag that carries the user's `sub` into the signing role's session; the
 * roles' IAM policies allow only `users/${aws:PrincipalTag/userId}/*`.
 */
export const SESSION_TAG_KEY = 'userId';

/** Longest original file name we accept, in UTF-16 code units (a common file-system limit). */
export const MAX_FILENAME_LENGTH = 255;

/** Longest safe name, extension included; keeps keys far below S3's 1,024 bytes. */
export const MAX_SAFE_NAME_LENGTH = 120;

const SUB = '[A-Za-z0-9-]{1,64}';
const FILE_ID = FILE_ID_PATTERN.source.replace(/^\^|\$$/g, '');
const SAFE_BASE = '[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?';
const EXTENSION = '[a-z0-9]{1,10}';

/** The grammar of a safe name: ASCII letters, digits, `_` and `-`, one dot before a lower-case extension. */
export const SAFE_NAME_PATTERN = new RegExp(`^${SAFE_BASE}\\.${EXTENSION}$`);
const SUB_PATTERN = new RegExp(`^${SUB}$`);
const KEY_PATTERN = new RegExp(`^users/(${SUB})/(${FILE_ID})/(${SAFE_BASE}\\.${EXTENSION})$`);

// C0 and C1 controls, and the Unicode bidi controls that make `evil\u202Efdp.exe` look like `evil.exe.pdf`.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// Half of a surrogate pair on its own: JSON allows `"\ud800"`, but it is no character and cannot be percent-encoded.
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Uploads store the original name, percent-encoded, in this signed header; downloads read it back
 * for `Content-Disposition`. S3 counts its name and value against the 2 KB metadata limit.
 */
export const FILENAME_METADATA_HEADER = 'x-amz-meta-filename';

/** The parts of a valid object key. */
export interface ObjectKey {
  readonly key: string;
  readonly ownerId: string;
  readonly fileId: string;
  readonly name: string;
}

/** Proves the authorizer's `sub` claim is usable in a key and a session tag. */
export function assertUsableSub(sub: unknown): asserts sub is string {
  if (typeof sub !== 'string' || !SUB_PATTERN.test(sub)) {
    throw new ApiError('UNAUTHORIZED', 'The token does not carry a usable subject (sub) claim.');
  }
}

/** The prefix under which a user's objects live. */
export function ownerPrefix(sub: string): string {
  return `${USERS_PREFIX}${sub}/`;
}

/** A fresh file id: 128 random bits, URL-safe. */
export function newFileId(): string {
  return randomBytes(16).toString('base64url');
}

/** The key of a user's file: the id keeps two uploads of one name apart. */
export function objectKeyOf(sub: string, fileId: string, safeName: string): string {
  return `${ownerPrefix(sub)}${fileId}/${safeName}`;
}

/** Parses a key (from an S3 event); `undefined` when it does not follow our grammar. */
export function parseObjectKey(key: string): ObjectKey | undefined {
  if (Buffer.byteLength(key, 'utf8') > S3_LIMITS.maxKeyBytes) return undefined;
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const [, ownerId = '', fileId = '', name = ''] = match;
  // `safeFileName` never makes a longer name: such a key was never issued.
  if (name.length > MAX_SAFE_NAME_LENGTH) return undefined;
  return { key, ownerId, fileId, name };
}

/**
 * Checks an original file name as a client sent it and returns it trimmed and NFC-normalised.
 * Names with control or bidi characters, lone surrogates, path separators, over 255 characters
 * or too long, once percent-encoded, for S3's metadata limit are refused rather than repaired,
 * so what the user sees is what gets stored.
 */
export function checkedFileName(filename: string): string {
  const name = filename.normalize('NFC').trim();
  if (name.length === 0) throw new ApiError('INVALID_FILENAME', 'filename must not be empty.');
  if (name.length > MAX_FILENAME_LENGTH) {
    throw new ApiError('INVALID_FILENAME', `filename must be at most ${MAX_FILENAME_LENGTH} characters.`);
  }
  if (CONTROL_OR_BIDI.test(name)) {
    throw new ApiError('INVALID_FILENAME', 'filename must not contain control or bidirectional-override characters.');
  }
  if (LONE_SURROGATE.test(name)) throw new ApiError('INVALID_FILENAME', 'filename must be valid Unicode text.');
  if (/[/\\]/.test(name)) throw new ApiError('INVALID_FILENAME', 'filename must be a name, not a path.');
  if (Buffer.byteLength(FILENAME_METADATA_HEADER + encodeRfc5987(name), 'utf8') > S3_LIMITS.maxUserMetadataBytes) {
    // 255 CJK characters take 2,295 bytes percent-encoded: S3 would refuse the upload after we signed it.
    throw new ApiError('INVALID_FILENAME', 'filename is too long to store: use fewer characters (non-Latin ones take more room).');
  }
  return name;
}

/** The lower-case extension of a file name, without the dot; `undefined` when it has none. */
export function extensionOf(filename: string): string | undefined {
  const dot = filename.lastIndexOf('.');
  if (dot <= 0 || dot === filename.length - 1) return undefined;
  return filename.slice(dot + 1).toLowerCase();
}

/**
 * Reduces any string to a safe name that ends in `.${extension}`: accents dropped, every run
 * of other characters (dots and path separators included, so no `..`, no `a.php.jpg`) turned
 * into one `-`, trimmed and bounded. Applying it twice changes nothing.
 */
export function safeFileName(original: string, extension: string): string {
  let base = original.normalize('NFKD').replace(/\p{M}/gu, '');
  if (base.toLowerCase().endsWith(`.${extension}`)) base = base.slice(0, -(extension.length + 1));
  base = trimSeparators(base.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/[-_]*-[-_]*/g, '-'));
  base = trimSeparators(base.slice(0, MAX_SAFE_NAME_LENGTH - extension.length - 1));
  return `${base || 'file'}.${extension}`;
}

function trimSeparators(text: string): string {
  return text.replace(/^[-_]+|[-_]+$/g, '');
}
