/**
 * A full disk for SQLite: the store file lives on a small tmpfs of its own (mounted for the
 * run, unmounted afterwards, also on failure), and a fault fills it with a ballast file,
 * holds it, gives a little space back (issue 13 part 2: a worker that did not recover once
 * 1.4 MB were freed), then deletes it. Mounting takes root; without it the fault is skipped,
 * visibly.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, statSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";

export const TMPFS_SIZE = "64m";

/** Mounted by this process and not yet unmounted: unmountAll() on an early exit. */
const mounted = new Set<string>();

/** Mounts a tmpfs of TMPFS_SIZE on `dir` (created); returns why not when it cannot. */
export function mountSmallDisk(dir: string): { ok: true } | { ok: false; reason: string } {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_SIZE}`, "tmpfs", dir], { stdio: "pipe" });
    mounted.add(dir);
    return { ok: true };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { ok: false, reason: `mount -t tmpfs failed (${stderr || (error as Error).message.split("\n")[0]})` };
  }
}

/** Unmounts `dir` (lazily if something still holds a file there). */
export function unmountSmallDisk(dir: string): void {
  mounted.delete(dir);
  try {
    execFileSync("umount", [dir], { stdio: "pipe" });
  } catch {
    execFileSync("umount", ["-l", dir], { stdio: "pipe" });
  }
}

/** Unmounts every small disk still mounted (the run is ending early: Ctrl-C, a crash). */
export function unmountAll(): void {
  for (const dir of [...mounted]) {
    try {
      unmountSmallDisk(dir);
    } catch (error) {
      process.stderr.write(`chaos: could not unmount ${dir}: ${(error as Error).message}\n`);
    }
  }
}

const BALLAST = "ballast.bin";

/** Writes a ballast file in `dir` until the file system refuses more; returns its size in bytes. */
export function fillDisk(dir: string): number {
  const fd = openSync(join(dir, BALLAST), "a");
  let bytes = 0;
  try {
    for (const chunkSize of [1 << 20, 1 << 12, 1 << 9]) {
      const chunk = Buffer.alloc(chunkSize, 0x5a);
      for (;;) {
        try {
          bytes += writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Gives `bytes` back by shortening the ballast: a little space returns, as when a log is rotated. */
export function freeSomeDisk(dir: string, bytes: number): void {
  const path = join(dir, BALLAST);
  truncateSync(path, Math.max(0, statSync(path).size - bytes));
}

/** Deletes the ballast: all the space is back. */
export function freeDisk(dir: string): void {
  rmSync(join(dir, BALLAST), { force: true });
}
