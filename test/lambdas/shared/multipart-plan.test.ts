import { MIN_PART_BYTES, partLength, planParts } from '../../../lambdas/shared/multipart-plan';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

describe('planParts', () => {
  it.each([
    { label: '100 MiB + 1 byte', size: 100 * MiB + 1, partSize: 8 * MiB, partCount: 13 },
    { label: '5 GiB', size: 5 * GiB, partSize: 8 * MiB, partCount: 640 },
    { label: '5 TiB', size: 5 * TiB, partSize: 525 * MiB, partCount: 9987 },
  ])('cuts $label into $partCount parts of $partSize bytes', ({ size, partSize, partCount }) => {
    expect(planParts(size)).toEqual({ size, partSize, partCount });
  });

  it.each([100 * MiB + 1, 5 * GiB, 5 * TiB, 8 * MiB * 10_000 + 1, 123_456_789])(
    'keeps %i bytes within S3’s limits, and the parts add up to exactly the size',
    (size) => {
      const plan = planParts(size);
      let total = 0;
      for (let partNumber = 1; partNumber <= plan.partCount; partNumber += 1) total += partLength(plan, partNumber);

      expect(total).toBe(size);
      expect(plan.partCount).toBeLessThanOrEqual(10_000);
      expect(plan.partSize).toBeGreaterThanOrEqual(MIN_PART_BYTES);
      expect(plan.partSize % MiB).toBe(0);
      expect(partLength(plan, plan.partCount)).toBeGreaterThan(0);
      expect(partLength(plan, plan.partCount)).toBeLessThanOrEqual(plan.partSize);
    },
  );
});
