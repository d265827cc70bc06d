// Chat history on disk: one JSON file per project under <dataDir>/zeke/chats, named by the
// first 16 hex digits of sha1(project). Written atomically (tmp file + rename), one write at
// a time per file; a file that does not parse is moved aside and the project starts over.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';

export interface StoredTurn {
  role: 'user' | 'assistant';
  content: string;
  meta?: Record<string, unknown>;
  /** Epoch ms. */
  at: number;
}

export interface StoredSession {
  id: string;
  created: number;
  updated: number;
  turns: StoredTurn[];
}

export interface ProjectChats {
  version: 1;
  project: string;
  current?: string;
  /** Oldest first. */
  sessions: StoredSession[];
}

/** Turns kept per session (oldest dropped first). */
export const MAX_TURNS_KEPT = 200;
/** Sessions kept per project (least recently updated dropped first; the current one stays). */
export const MAX_SESSIONS_KEPT = 20;

/** `<dataDir>/zeke/chats`; without Neovim, `$XDG_DATA_HOME/zeke/chats`. */
export function chatsDir(dataDir?: string): string {
  if (dataDir) return join(dataDir, 'zeke', 'chats');
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'zeke', 'chats');
}

export function chatFile(dir: string, project: string): string {
  return join(dir, `${createHash('sha1').update(project).digest('hex').slice(0, 16)}.json`);
}

export function newSessionId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function emptyChats(project: string): ProjectChats {
  return { version: 1, project, sessions: [] };
}

function isTurn(t: unknown): t is StoredTurn {
  const o = t as StoredTurn;
  return !!o && (o.role === 'user' || o.role === 'assistant') && typeof o.content === 'string' && (o.meta === undefined || (typeof o.meta === 'object' && o.meta !== null));
}

function isChats(v: unknown): v is ProjectChats {
  const o = v as ProjectChats;
  return (
    !!o &&
    o.version === 1 &&
    Array.isArray(o.sessions) &&
    (o.current === undefined || typeof o.current === 'string') &&
    o.sessions.every((s) => !!s && typeof s.id === 'string' && Array.isArray(s.turns) && s.turns.every(isTurn))
  );
}

/** Reads a project's chats; a missing file is an empty history, a corrupt one is moved aside. */
export async function loadChats(file: string, project: string, log: Logger): Promise<ProjectChats> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('chat history %s unreadable, starting over: %s', file, (err as Error).message);
    return emptyChats(project);
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isChats(parsed)) throw new Error('unexpected shape');
    for (const s of parsed.sessions) {
      s.created = typeof s.created === 'number' ? s.created : 0;
      s.updated = typeof s.updated === 'number' ? s.updated : s.created;
    }
    return { ...parsed, project };
  } catch (err) {
    log.warn('chat history %s is corrupt (%s); starting over (kept as %s.corrupt)', file, (err as Error).message, file);
    await rename(file, `${file}.corrupt`).catch(() => {});
    return emptyChats(project);
  }
}

/** Drops the oldest turns and sessions beyond the limits (in place). */
export function bound(chats: ProjectChats): ProjectChats {
  for (const s of chats.sessions) if (s.turns.length > MAX_TURNS_KEPT) s.turns.splice(0, s.turns.length - MAX_TURNS_KEPT);
  if (chats.sessions.length > MAX_SESSIONS_KEPT) {
    const keep = new Set(
      [...chats.sessions]
        .sort((a, b) => (b.id === chats.current ? 1 : 0) - (a.id === chats.current ? 1 : 0) || b.updated - a.updated)
        .slice(0, MAX_SESSIONS_KEPT),
    );
    chats.sessions = chats.sessions.filter((s) => keep.has(s));
  }
  return chats;
}

/** Writes atomically: a sibling tmp file renamed over the old one. */
export async function saveChats(file: string, chats: ProjectChats): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(chats), 'utf8');
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
