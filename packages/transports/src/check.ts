import { foreignPathProblem } from "@caisse/core";
import { resolve } from "node:path";

/**
 * The one config checker of both tools: the till's `transport` (caisse-export.json) and the
 * central's `sources` (caisse-central.json) are read by the same code, so that a key is spelt,
 * defaulted and reported alike on both sides. Problems are collected with their key, never thrown
 * one at a time: a file is checked whole and reported whole.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Collects the problems and warnings of one file while its keys are read. */
export class ConfigChecker {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];

  /** `base`: the folder relative paths start from (the config's folder, the central root). */
  constructor(readonly base: string) {}

  problem(text: string): void {
    this.problems.push(text);
  }

  /** Warns about keys this version does not know: a typo must not pass unnoticed. */
  knownKeys(value: Record<string, unknown>, where: string, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.warnings.push(`unknown key '${where}${key}' is ignored`);
    }
  }

  string(
    value: Record<string, unknown>,
    key: string,
    where: string,
    required: boolean,
  ): string | undefined {
    const field = value[key];
    if (field === undefined || field === null) {
      if (required) this.problems.push(`${where}${key} is missing`);
      return undefined;
    }
    if (typeof field !== "string" || field.trim() === "") {
      this.problems.push(`${where}${key} must be a non-empty string`);
      return undefined;
    }
    return field;
  }

  /** A path, made absolute relative to the base folder. */
  path(
    value: Record<string, unknown>,
    key: string,
    where: string,
    required: boolean,
  ): string | undefined {
    const given = this.string(value, key, where, required);
    if (given === undefined) return undefined;
    const problem = foreignPathProblem(given);
    if (problem !== undefined) {
      this.problems.push(`${where}${key}: ${problem}`);
      return undefined;
    }
    return resolve(this.base, given);
  }

  /** A whole number in [min, max]; `fallback` when the key is absent. */
  integer(
    value: Record<string, unknown>,
    key: string,
    where: string,
    range: { min: number; max: number; fallback: number },
  ): number {
    const field = value[key];
    if (field === undefined || field === null) return range.fallback;
    if (typeof field !== "number" || !Number.isSafeInteger(field)) {
      this.problems.push(`${where}${key} must be a whole number`);
      return range.fallback;
    }
    if (field < range.min || field > range.max) {
      this.problems.push(`${where}${key} must be from ${range.min} to ${range.max}`);
      return range.fallback;
    }
    return field;
  }

  /** One of the values listed (compared with ===), else a problem listing them. */
  oneOf<T>(
    value: Record<string, unknown>,
    key: string,
    where: string,
    allowed: readonly T[],
    fallback: T,
  ): T {
    const field = value[key];
    if (field === undefined || field === null) return fallback;
    if (allowed.includes(field as T)) return field as T;
    this.problems.push(
      `${where}${key} must be ${allowed
        .map((option) => JSON.stringify(option))
        .join(", ")
        .replace(/, ([^,]*)$/u, " or $1")} (found ${JSON.stringify(field)})`,
    );
    return fallback;
  }
}
