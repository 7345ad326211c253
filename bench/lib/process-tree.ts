import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Resident memory (what `ps` calls RSS, in MB) and CPU time of processes, read from /proc (Linux). */

/** VmRSS of /proc/<pid>/status text, in MB; undefined when the field is absent (a zombie, a kernel thread). */
export function vmRssMbOf(statusText: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  return match ? Number(match[1]) / 1024 : undefined;
}

/** The process and all its descendants, parents before children. */
export function processTree(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  const children = out ? out.split('\n').map(Number) : [];
  return [pid, ...children.flatMap((child) => processTree(child))];
}

export interface ProcessRss {
  pid: number;
  command: string;
  rssMb: number;
}

/** Each process of the tree with its RSS (processes that ended meanwhile are left out). */
export function treeRss(pid: number): ProcessRss[] {
  const found: ProcessRss[] = [];
  for (const member of processTree(pid)) {
    try {
      const rssMb = vmRssMbOf(fs.readFileSync(`/proc/${member}/status`, 'utf8'));
      if (rssMb === undefined) continue;
      const command = fs.readFileSync(`/proc/${member}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      found.push({ pid: member, command, rssMb });
    } catch {
      // ended between the listing and the read
    }
  }
  return found;
}

export function totalRssMb(processes: readonly ProcessRss[]): number {
  return processes.reduce((sum, p) => sum + p.rssMb, 0);
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, in clock ticks (100 a second on Linux)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
