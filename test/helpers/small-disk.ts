import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real small file system (tmpfs) for "disk full" tests. Mounting needs root, as in CI; where it
 * is refused, `mounted` is false and `refusal` says why, for the skipped suite's title.
 */
export interface SmallDisk {
  path: string;
  mounted: boolean;
  refusal: string;
  /** Gives the disk a new size (`16m`): room is made without touching its files. */
  resize(size: string): void;
  remove(): Promise<void>;
}

export async function smallDisk(size: string): Promise<SmallDisk> {
  const path = await mkdtemp(join(tmpdir(), "caisse-small-disk-"));
  let mounted = false;
  let refusal = "";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", path], {
      stdio: "pipe",
    });
    mounted = true;
  } catch (error) {
    refusal = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
  }
  return {
    path,
    mounted,
    refusal,
    resize(newSize) {
      execFileSync("mount", ["-o", `remount,size=${newSize}`, path], { stdio: "pipe" });
    },
    async remove() {
      if (mounted) execFileSync("umount", [path], { stdio: "pipe" });
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** The title of a suite that needs a small disk, saying why it was skipped. */
export function smallDiskTitle(title: string, disk: SmallDisk): string {
  return disk.mounted ? title : `${title} (skipped: cannot mount a tmpfs: ${disk.refusal})`;
}

/** Till sales lines that deflate about 3:1, like real ones: `lines` of them after the header. */
export function sales(lines: number): string {
  const rows = ["ticket;date;article;famille;quantite;montant_ttc;taux_tva"];
  let seed = 7;
  for (let index = 1; index <= lines; index++) {
    seed = (seed * 48_271) % 2_147_483_647;
    const cents = seed % 100_000;
    const day = String((index % 28) + 1).padStart(2, "0");
    const time = `${String(seed % 24).padStart(2, "0")}:${String(seed % 60).padStart(2, "0")}`;
    const amount = `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
    rows.push(
      `${index};2026-11-${day} ${time};A${seed % 997};F${seed % 13};${(seed % 5) + 1};${amount};20`,
    );
  }
  return `${rows.join("\n")}\n`;
}
