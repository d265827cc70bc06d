// Process helpers: memory from /proc, and a registry of children so that a failed bench never
// leaves a host or a Neovim behind.
import { readFileSync } from 'node:fs';

/** VmRSS / VmHWM (peak) of a pid in MB, or null when /proc is not readable. */
export function memoryOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
    return { rss_mb: kb('VmRSS') / 1024, hwm_mb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const children = new Set();

/** Remember a child (anything with kill()) until forget(); killAll() ends the ones left. */
export function track(child) {
  children.add(child);
  return child;
}
export function forget(child) {
  children.delete(child);
}
export function killAll() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
