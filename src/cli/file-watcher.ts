/**
 * Watches a source tree for `baton dev --watch`: one fs.watch per directory (a recursive watch
 * would descend into node_modules), leaving out what is not source — node_modules, .git, dist,
 * dot-directories, dotfiles, editor backups and the store's files. Editors write a file several
 * times, and events come for files that did not change: a burst is reported once, QUIET_MS
 * after its last event, with the files whose content differs from what was last seen.
 */
import { createHash } from "node:crypto";
import { watch, readdirSync, readFileSync, statSync, type FSWatcher } from "node:fs";
import { basename, join } from "node:path";

const QUIET_MS = 150;
/** Bounds: a tree this large is not a functions module's (the rest is not watched). */
const MAX_DIRECTORIES = 2_000;
/** Larger files are compared by size and modification time, not content. */
const MAX_HASHED_BYTES = 4 * 1024 * 1024;
const IGNORED_DIRECTORIES = new Set(["node_modules", "dist"]);
const IGNORED_FILE = /(^\.|~$|\.swp$|\.swx$|\.db$|-wal$|-shm$|-journal$)/;

export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  /** What each file held when last seen. */
  private readonly seen = new Map<string, string>();
  private readonly touched = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly root: string,
    /** Files outside `root` to watch as well (the config file). */
    private readonly extraFiles: readonly string[],
    /** Files never reported (the store's). */
    private readonly ignoredFiles: ReadonlySet<string>,
    private readonly onChange: (files: string[]) => void,
  ) {}

  start(): void {
    this.scan(this.root, false);
    for (const file of this.extraFiles) {
      if (file.startsWith(`${this.root}/`)) continue;
      this.remember(file);
      const name = basename(file);
      this.watchDirectory(join(file, ".."), (entry) => entry === name);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /** Watches `dir` and what it holds; with `fresh`, the files found count as changed. */
  private scan(dir: string, fresh: boolean): void {
    if (this.watchers.has(dir) || this.watchers.size >= MAX_DIRECTORIES) return;
    this.watchDirectory(dir, () => true);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // gone already
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!ignoredDirectory(entry.name)) this.scan(path, fresh);
      } else if (!this.ignored(path)) {
        if (fresh) this.touched.add(path);
        else this.remember(path);
      }
    }
  }

  private watchDirectory(dir: string, accepts: (entry: string) => boolean): void {
    try {
      const watcher = watch(dir, (_event, entry) => {
        if (entry === null || !accepts(entry)) return;
        const path = join(dir, entry);
        if (ignoredDirectory(entry) || this.ignored(path)) return;
        this.touched.add(path);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.settle(), QUIET_MS);
      });
      watcher.on("error", () => this.forget(dir));
      this.watchers.set(dir, watcher);
    } catch {
      // Removed before it could be watched: nothing to report.
    }
  }

  private settle(): void {
    if (this.closed) return;
    const changed: string[] = [];
    for (const path of [...this.touched].sort()) {
      this.touched.delete(path);
      let isDirectory = false;
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        // Deleted: a change if it was a file seen before.
        if (this.seen.delete(path)) changed.push(path);
        this.forget(path);
        continue;
      }
      if (isDirectory) {
        this.scan(path, true);
        continue;
      }
      const before = this.seen.get(path);
      if (this.remember(path) !== before) changed.push(path);
    }
    // Files of a new directory, found by its scan above.
    for (const path of [...this.touched].sort()) {
      this.touched.delete(path);
      if (this.remember(path) !== undefined) changed.push(path);
    }
    if (changed.length > 0) this.onChange(changed);
  }

  private remember(path: string): string | undefined {
    try {
      const stat = statSync(path);
      const digest =
        stat.size > MAX_HASHED_BYTES ? `${stat.size}:${stat.mtimeMs}` : createHash("sha1").update(readFileSync(path)).digest("hex");
      this.seen.set(path, digest);
      return digest;
    } catch {
      this.seen.delete(path);
      return undefined;
    }
  }

  /** Stops watching a removed directory and those under it. */
  private forget(dir: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }

  private ignored(path: string): boolean {
    return this.ignoredFiles.has(path) || IGNORED_FILE.test(basename(path));
  }
}

function ignoredDirectory(name: string): boolean {
  return name.startsWith(".") || IGNORED_DIRECTORIES.has(name);
}
