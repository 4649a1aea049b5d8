import { readFileSync } from 'node:fs';

/**
 * CPU seconds a process has used (Linux `/proc/<pid>/stat`, user + system), so a benchmark can
 * report work per CPU second: what one process does with a core to itself, whatever else shares
 * the machine while it runs.
 */
export function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
