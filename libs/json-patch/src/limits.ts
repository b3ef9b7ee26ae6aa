/** Bounds that keep one PATCH request from doing unbounded work. */
export interface PatchLimits {
  /** Most operations one JSON Patch / JSON Patch Query document may hold. Default 1,000. */
  maxOperations: number;
  /** Longest `path` / `from` string, in characters. Default 2,048. */
  maxPathLength: number;
  /** Deepest nesting of a patch value, a merge patch or a path (segments). Default 64. */
  maxDepth: number;
}

/** The limits used when the caller passes none. */
export const DEFAULT_PATCH_LIMITS: Readonly<PatchLimits> = Object.freeze({
  maxOperations: 1000,
  maxPathLength: 2048,
  maxDepth: 64,
});

/** Fills unset limits with the defaults. */
export function resolveLimits(limits?: Partial<PatchLimits>): PatchLimits {
  return { ...DEFAULT_PATCH_LIMITS, ...limits };
}
