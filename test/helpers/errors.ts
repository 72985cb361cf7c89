import { isCaisseError, type CaisseError } from "@caisse/core";

/** The CaisseError a promise rejects with; any other outcome fails the test. */
export async function caisseFailure(promise: Promise<unknown>): Promise<CaisseError> {
  try {
    await promise;
  } catch (error) {
    if (isCaisseError(error)) return error;
    throw error;
  }
  throw new Error("expected a CaisseError");
}
