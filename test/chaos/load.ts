/**
 * Busy loops beside the workers (`--load N`): N processes that spin on a core, so that the
 * workers' commits are slow and leases run out while an answer is in flight, as on a loaded
 * machine (issue 13's duplicated starts showed only under load).
 */
import { spawn, type ChildProcess } from "node:child_process";

export class BusyLoad {
  private readonly loops: ChildProcess[] = [];

  start(count: number): void {
    for (let i = 0; i < count; i++) {
      this.loops.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
    }
  }

  /** Kills the loops and waits for each to exit. */
  async stop(): Promise<void> {
    const loops = this.loops.splice(0);
    await Promise.all(
      loops.map(
        (loop) =>
          new Promise<void>((resolve) => {
            if (loop.exitCode !== null || loop.signalCode !== null) return resolve();
            loop.once("exit", () => resolve());
            loop.kill("SIGKILL");
          }),
      ),
    );
  }
}
