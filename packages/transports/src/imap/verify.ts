import type { TransportEnv, VerifyStep } from "../kind.js";
import { failedStep as failed } from "../network.js";
import type { ImapConfig } from "./index.js";
import { openImap, type ImapSession } from "./session.js";

/**
 * doctor: log in, open the mailbox (how many messages wait), and make sure the `processed` and
 * `rejected` folders exist, creating them as `fetch` would: a user who may not create them is
 * seen now rather than after the first import.
 */
export async function verifyImap(config: ImapConfig, env: TransportEnv): Promise<VerifyStep[]> {
  const steps: VerifyStep[] = [];
  let open: ImapSession;
  try {
    open = await openImap(config, env);
    steps.push({ step: "connect and log in", ok: true, detail: open.server });
  } catch (error) {
    steps.push(failed("connect and log in", error));
    return steps;
  }
  try {
    try {
      const box = await open.step(`open the mailbox ${config.mailbox}`, () =>
        open.client.mailboxOpen(config.mailbox, { readOnly: true }),
      );
      steps.push({
        step: `mailbox ${config.mailbox}`,
        ok: true,
        detail: `${box.exists} message${box.exists === 1 ? "" : "s"}, UIDVALIDITY ${box.uidValidity.toString()}`,
      });
    } catch (error) {
      steps.push(failed(`mailbox ${config.mailbox}`, error));
      return steps;
    }
    for (const folder of [config.processed, config.rejected]) {
      try {
        const made = await open.step(`create the folder ${folder}`, async () => {
          const boxes = await open.client.list();
          if (boxes.some((box) => box.path === folder)) return false;
          await open.client.mailboxCreate(folder);
          return true;
        });
        steps.push({ step: `folder ${folder}`, ok: true, detail: made ? "created" : "exists" });
      } catch (error) {
        steps.push(failed(`folder ${folder}`, error));
      }
    }
    return steps;
  } finally {
    await open.close();
  }
}
