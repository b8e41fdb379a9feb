/** CPU time and resident memory of one process, read from /proc (Linux) while it runs. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcessSample {
  cpuMs: number;
  rssBytes: number;
}

export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssLine = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((line) => line.startsWith('VmRSS:'));
  const rssKb = Number(rssLine?.split(/\s+/)[1] ?? 0);
  return { cpuMs: ((utime + stime) / CLOCK_TICKS) * 1000, rssBytes: rssKb * 1024 };
}

/** Samples every interval; reports CPU used over the window and the peak RSS seen. */
export class ProcessSampler {
  private start: ProcessSample;
  private peakRss = 0;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.start = sampleProcess(pid);
    this.timer = setInterval(() => {
      try {
        this.peakRss = Math.max(this.peakRss, sampleProcess(pid).rssBytes);
      } catch {
        // the process is gone
      }
    }, intervalMs);
  }

  stop(): { cpuMs: number; peakRssBytes: number } {
    clearInterval(this.timer);
    const end = sampleProcess(this.pid);
    return { cpuMs: end.cpuMs - this.start.cpuMs, peakRssBytes: Math.max(this.peakRss, end.rssBytes) };
  }
}

/** The first process whose command line contains every one of `parts` (e.g. the dev server). */
export function findProcess(parts: string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (parts.every((part) => cmdline.includes(part))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
