/** The schema of a whole-number setting or plan limit, its messages naming the field and its bounds. */
import * as v from 'valibot';

/** A safe integer from `min` to `max`, refused with a message naming `name` and the bounds. */
export const wholeNumber = (name: string, min: number, max: number) =>
  v.pipe(
    v.number(`${name} must be a whole number`),
    v.safeInteger(`${name} must be a whole number`),
    v.minValue(min, `${name} must be from ${min} to ${max}`),
    v.maxValue(max, `${name} must be from ${min} to ${max}`),
  );
