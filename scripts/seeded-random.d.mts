/** mulberry32: a tiny, well-distributed 32-bit PRNG; numbers in [0, 1). Not for secrets. */
export declare function mulberry32(seed: number): () => number;
