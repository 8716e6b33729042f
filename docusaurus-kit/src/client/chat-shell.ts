/**
 * What every page needs of the chat before it is first opened: whether the panel is open,
 * a question waiting for it (from "Ask about this", a suggested question, useDocsChat().ask),
 * and the element that opened it, for focus to return to. One per page load, kept at module
 * level: the classic theme mounts a new Layout when the reader moves between a docs page and
 * a plain page, and the chat must not close or forget its question then.
 */

export interface PendingQuestion {
  text: string;
  /** The passage the question is about (selection mode). */
  selection?: string;
  /** False: put the text in the input for the reader to finish; true: send it. */
  send: boolean;
}

export interface ShellState {
  open: boolean;
  pending: PendingQuestion | null;
}

type Listener = () => void;

const CLOSED: ShellState = {open: false, pending: null};

let state: ShellState = CLOSED;
let opener: HTMLElement | null = null;
const listeners = new Set<Listener>();

function set(next: ShellState): void {
  state = next;
  for (const listener of listeners) listener();
}

export const chatShell = {
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  getSnapshot: (): ShellState => state,
  /** The server renders every page with the chat closed. */
  getServerSnapshot: (): ShellState => CLOSED,

  open(pending: PendingQuestion | null = null): void {
    if (!state.open) {
      const active = typeof document === 'undefined' ? null : document.activeElement;
      opener = active instanceof HTMLElement && active !== document.body ? active : null;
    }
    set({open: true, pending: pending ?? state.pending});
  },
  close(): void {
    if (state.open) set({...state, open: false});
  },
  toggle(): void {
    if (state.open) chatShell.close();
    else chatShell.open();
  },
  /** The waiting question, once: the panel sends it or puts it in its input. */
  takePending(): PendingQuestion | null {
    const pending = state.pending;
    if (pending) set({...state, pending: null});
    return pending;
  },
  /** Where focus goes back when the panel closes: the element that opened it, if still on the page. */
  takeOpener(): HTMLElement | null {
    const element = opener;
    opener = null;
    return element?.isConnected ? element : null;
  },
};
