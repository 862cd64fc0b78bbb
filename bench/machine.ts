/** What the figures were measured on: the machine, and the file system under the store files. */
import { statfsSync } from "node:fs";
import { arch, cpus, release, totalmem, type } from "node:os";

export interface MachineInfo {
  os: string;
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  /** File system of the directory holding the temporary store files. */
  fileSystem: string;
}

/** Magic numbers of common Linux file systems (statfs f_type). */
const FILE_SYSTEMS: Record<number, string> = {
  0xef53: "ext4",
  0x58465342: "xfs",
  0x9123683e: "btrfs",
  0x01021994: "tmpfs",
  0x794c7630: "overlayfs",
  0x2fc12fc1: "zfs",
};

export function describeMachine(storeDir: string): MachineInfo {
  const cpuList = cpus();
  return {
    os: `${type()} ${release()} ${arch()}`,
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    cores: cpuList.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    fileSystem: fileSystemOf(storeDir),
  };
}

/** The file system under `dir` ("unknown file system" when it cannot be read). */
export function fileSystemOf(dir: string): string {
  try {
    const kind = statfsSync(dir).type;
    return FILE_SYSTEMS[kind] ?? `fs type 0x${kind.toString(16)}`;
  } catch {
    return "unknown file system";
  }
}

export function machineLine(machine: MachineInfo): string {
  return `${machine.os}, ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM, Node ${machine.node}`;
}

/** The store and its durability, as every figure is measured. */
export function storeLine(machine: MachineInfo): string {
  const warning = machine.fileSystem === "tmpfs" ? " (tmpfs: fsync costs nothing here, figures are not comparable)" : "";
  return `SQLite, WAL, synchronous=FULL (fsync at every commit), store file on ${machine.fileSystem}${warning}`;
}
