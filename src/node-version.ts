// The oldest Node.js the host runs on (undici 7 needs 20.18.1).
export const MIN_NODE = [20, 18, 1] as const;

export function nodeIsTooOld(version: string): boolean {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const need = MIN_NODE[i]!;
    if (have !== need) return have < need;
  }
  return false;
}
