/** Order statistics of timings, the same way in every section. */

/** The value below which `fraction` of the samples lie (nearest rank). */
export function percentile(samples, fraction) {
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

/** Median and p99 of samples, in their unit. */
export function medianAndP99(samples) {
  return { median: percentile(samples, 0.5), p99: percentile(samples, 0.99), samples: samples.length };
}
