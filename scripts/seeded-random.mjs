// A seeded random generator shared by the example generator and the tests that damage archives:
// the same seed gives the same numbers on every machine, so data and failures can be replayed.

/** mulberry32: a tiny, well-distributed 32-bit PRNG; numbers in [0, 1). Not for secrets. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
