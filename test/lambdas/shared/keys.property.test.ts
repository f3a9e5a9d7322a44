/**
 * The key and filename rules hold for any input, not just the examples in `keys.test.ts`:
 * arbitrary Unicode, control and bidi characters, lone surrogates, `..`, separators and very
 * long strings.
 */
import fc from 'fast-check';
import { encodeRfc5987 } from '../../../lambdas/shared/content-disposition';
import {
  checkedFileName,
  MAX_FILENAME_LENGTH,
  MAX_SAFE_NAME_LENGTH,
  newFileId,
  objectKeyOf,
  parseObjectKey,
  safeFileName,
  SAFE_NAME_PATTERN,
} from '../../../lambdas/shared/keys';
import { S3_LIMITS } from '../../../contract/constants';
import { DEFAULT_CONTENT_TYPES } from '../../../lambdas/shared/settings';

// Enough runs to meet the hostile fragments in many combinations, few enough to stay well under a second each.
const RUNS = { numRuns: 400 };

const CONTROL = fc.oneof(
  fc.integer({ min: 0x00, max: 0x1f }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((code) => String.fromCharCode(code)),
);
const BIDI = fc.constantFrom(
  '\u061c',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
);
/** Pieces attackers use: traversal, separators (also their full-width and compatibility twins), encodings, lone surrogates. */
const FRAGMENT = fc.constantFrom(
  '..',
  '.',
  '/',
  '\\',
  '//',
  ' ',
  '%2e%2e',
  '%2f',
  '\uff0f',
  '\u2024',
  '\u2025',
  '\ud800',
  '\udfff',
  '-',
  '_',
  'users/',
);
/** Letters that change under normalisation or case mapping. */
const TRICKY_LETTER = fc.constantFrom('é', 'e\u0301', 'İ', 'ß', 'ﬁ', 'Å', '\u212a', '報告', '😀', 'ǅ');

/** Names near the length limit in a script of three UTF-8 bytes per character (kana and CJK), nine once percent-encoded. */
const longNonLatinName = fc.string({
  unit: fc.integer({ min: 0x3041, max: 0x9fff }).map((code) => String.fromCodePoint(code)),
  minLength: 150,
  maxLength: MAX_FILENAME_LENGTH,
});

/** Any string at all, weighted towards the hostile ones. */
const anyText = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 3 },
  { arbitrary: longNonLatinName, weight: 1 },
  {
    arbitrary: fc.string({ unit: fc.oneof(CONTROL, BIDI, FRAGMENT, TRICKY_LETTER, fc.string({ maxLength: 4 })), maxLength: 80 }),
    weight: 5,
  },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1000, maxLength: 4000 }), weight: 1 },
);
const extension = fc.constantFrom(...new Set(Object.values(DEFAULT_CONTENT_TYPES).flat()));
/** A `sub` the authorizer lets through (`assertUsableSub`): Cognito's are UUIDs, but any such token is allowed. */
const sub = fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/);

describe('safeFileName, for any original name and any allowed extension', () => {
  it('answers a name in the safe grammar that ends in the lower-case extension, within the byte limit', () => {
    fc.assert(
      fc.property(anyText, extension, (original, ext) => {
        const name = safeFileName(original, ext);

        expect(name).toMatch(SAFE_NAME_PATTERN);
        expect(name.endsWith(`.${ext}`)).toBe(true);
        expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(MAX_SAFE_NAME_LENGTH);
      }),
      RUNS,
    );
  });

  it('changes nothing when applied to its own answer', () => {
    fc.assert(
      fc.property(anyText, extension, (original, ext) => {
        const once = safeFileName(original, ext);

        expect(safeFileName(once, ext)).toBe(once);
      }),
      RUNS,
    );
  });
});

describe('checkedFileName, for any string', () => {
  it('refuses it with INVALID_FILENAME or accepts a trimmed name that S3 can store as metadata', () => {
    const seen = { accepted: 0, refused: 0 };

    fc.assert(
      fc.property(anyText, (original) => {
        let name: string;
        try {
          name = checkedFileName(original);
        } catch (error) {
          expect(error).toMatchObject({ code: 'INVALID_FILENAME', status: 400 });
          seen.refused += 1;
          return;
        }

        seen.accepted += 1;
        expect(name).toBe(name.trim());
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(MAX_FILENAME_LENGTH);
        expect(name).not.toMatch(/[/\\]/);
        // The upload signs it as `x-amz-meta-filename`, and S3 keeps at most 2 KB of user metadata.
        expect(Buffer.byteLength(`x-amz-meta-filename${encodeRfc5987(name)}`, 'utf8')).toBeLessThanOrEqual(S3_LIMITS.maxUserMetadataBytes);
      }),
      RUNS,
    );
    // The generator reaches both sides: a rule refusing every name would fail here.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});

describe('object keys, for any user and any original name', () => {
  it("start with the user's prefix, never hold `..` or `//`, and parse back to the same owner, id and name", () => {
    fc.assert(
      fc.property(sub, anyText, extension, (owner, original, ext) => {
        const name = safeFileName(original, ext);
        const id = newFileId();

        const key = objectKeyOf(owner, id, name);

        expect(key.startsWith(`users/${owner}/`)).toBe(true);
        expect(key).not.toContain('..');
        expect(key).not.toContain('//');
        expect(parseObjectKey(key)).toEqual({ key, ownerId: owner, fileId: id, name });
      }),
      RUNS,
    );
  });
});

describe('parseObjectKey, for any string an S3 event may carry as a key', () => {
  /** One of our keys with a hostile fragment spliced in somewhere: most land close to the grammar. */
  const nearKey = fc.tuple(sub, extension, fc.oneof(FRAGMENT, CONTROL, BIDI, anyText), fc.nat()).map(([owner, ext, fragment, at]) => {
    const key = objectKeyOf(owner, newFileId(), `photo.${ext}`);
    const position = at % (key.length + 1);
    return key.slice(0, position) + fragment + key.slice(position);
  });

  it('refuses it, or parses it to an owner and a file id that are in the grammar, with no traversal or control characters', () => {
    let accepted = 0;

    fc.assert(
      fc.property(fc.oneof(anyText, nearKey), (key) => {
        const object = parseObjectKey(key);
        if (!object) return;

        accepted += 1;
        expect(key).toBe(`users/${object.ownerId}/${object.fileId}/${object.name}`);
        expect(object.fileId).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(key).not.toMatch(/\.\.|\/\/|[\u0000-\u001f\u007f-\u009f]/); // eslint-disable-line no-control-regex -- the point
      }),
      RUNS,
    );
    // Some splices (a `-` or `_` inside the name) still make a valid key: the accepting branch was exercised too.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(RUNS.numRuns);
  });
});
