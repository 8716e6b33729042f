/**
 * The reader's conversations with this book's backend, kept in this browser only
 * (localStorage): the one in progress, restored after a reload, and the last few, to go back
 * to. Storage may be unavailable (disabled, full, a private window): the chat then simply
 * forgets on reload.
 */

export interface RecentConversation {
  id: string;
  /** Its first question, shortened. */
  title: string;
  /** ISO 8601: when a question was last asked in it. */
  updatedAt: string;
}

interface Stored {
  current: string | null;
  recent: RecentConversation[];
}

export const MAX_RECENT = 5;
const TITLE_CHARS = 80;

export class RecentConversations {
  private readonly key: string;

  constructor(apiUrl: string) {
    // One list per backend: a conversation id means nothing to another backend.
    this.key = `docs-chat:conversations:${apiUrl}`;
  }

  current(): string | null {
    return this.read().current;
  }

  list(): RecentConversation[] {
    return this.read().recent;
  }

  /** A question was asked in `id`: it becomes the current conversation and the most recent. */
  touch(id: string, firstQuestion: string): RecentConversation[] {
    const stored = this.read();
    const existing = stored.recent.find((c) => c.id === id);
    const entry = {id, title: existing?.title ?? shorten(firstQuestion), updatedAt: new Date().toISOString()};
    const recent = [entry, ...stored.recent.filter((c) => c.id !== id)].slice(0, MAX_RECENT);
    this.write({current: id, recent});
    return recent;
  }

  setCurrent(id: string | null): void {
    this.write({...this.read(), current: id});
  }

  /** The backend no longer has it. */
  forget(id: string): RecentConversation[] {
    const stored = this.read();
    const recent = stored.recent.filter((c) => c.id !== id);
    this.write({current: stored.current === id ? null : stored.current, recent});
    return recent;
  }

  private read(): Stored {
    try {
      const parsed = JSON.parse(window.localStorage.getItem(this.key) ?? 'null') as Partial<Stored> | null;
      const recent = Array.isArray(parsed?.recent)
        ? parsed.recent.filter((c): c is RecentConversation => typeof c?.id === 'string' && typeof c.title === 'string' && typeof c.updatedAt === 'string')
        : [];
      return {current: typeof parsed?.current === 'string' ? parsed.current : null, recent};
    } catch {
      return {current: null, recent: []};
    }
  }

  private write(stored: Stored): void {
    try {
      window.localStorage.setItem(this.key, JSON.stringify(stored));
    } catch {
      // Storage refused: the conversation still works, it just is not remembered.
    }
  }
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS - 1)}…` : line;
}
