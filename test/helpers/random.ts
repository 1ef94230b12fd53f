// Seeded randomness for property tests: the same cases on every run.

/** mulberry32: small, seedable, the same sequence on every run. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => next() < p;
  const some = <T>(xs: readonly T[], max: number) => [...new Set(Array.from({ length: int(max + 1) }, () => pick(xs)))];
  /** Mostly a valid value (odd ones included); now and then one netboot must refuse. */
  const value = <T>([good, bad]: readonly [readonly T[], readonly T[]]): T => (bad.length && chance(0.02) ? pick(bad) : pick(good));
  return { int, pick, chance, some, value };
}
