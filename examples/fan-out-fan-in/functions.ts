/**
 * Fan-out/fan-in: back up a directory tree. One activity lists the files, then one
 * copy activity per file runs in parallel (fan-out); the orchestration waits for all
 * of them and adds up the bytes (fan-in). Each copy is its own durable task: after a
 * crash, only the copies that had not finished run again.
 */
import { copyFile, mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { activity, orchestration } from "../../src/index.js";

/** Lists every file under `directory`, recursively, as paths relative to it. */
export const getFileList = activity("GetFileList", async (directory: string, actx) => {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(relative(directory, path));
    }
  };
  await walk(directory);
  actx.log.info(`found ${files.length} files in ${directory}`);
  return files.sort();
});

export interface CopyRequest {
  from: string;
  to: string;
}

/** Copies one file, creating its directory as needed, and returns the bytes copied. */
export const copyFileToBackup = activity("CopyFileToBackup", async ({ from, to }: CopyRequest) => {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to); // overwriting makes a re-run after a crash harmless
  return (await stat(to)).size;
});

export interface BackupRequest {
  /** The directory to back up. */
  source: string;
  /** Where the copies go; the tree below `source` is recreated there. */
  destination: string;
}

/** Backs up `source` into `destination` and returns the total number of bytes copied. */
export const backupSiteContent = orchestration("BackupSiteContent", async (ctx, { source, destination }: BackupRequest) => {
  const files = await ctx.callActivity(getFileList, source);

  // Fan out: start every copy before awaiting any of them...
  const copies = files.map((file) =>
    ctx.callActivity(copyFileToBackup, { from: join(source, file), to: join(destination, file) }),
  );
  // ...then fan in: ctx.all resolves to the results in the order of `files`.
  const sizes = await ctx.all(copies);

  const totalBytes = sizes.reduce((sum, bytes) => sum + bytes, 0);
  ctx.log.info(`backed up ${files.length} files, ${totalBytes} bytes`);
  return totalBytes;
});

export const functions = [getFileList, copyFileToBackup, backupSiteContent];
