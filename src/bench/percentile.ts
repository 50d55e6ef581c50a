// The bench's percentiles: the value below which a share p of the sorted
// samples lie (NaN without samples).
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
