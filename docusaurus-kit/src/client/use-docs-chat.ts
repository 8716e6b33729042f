import {useMemo, useSyncExternalStore} from 'react';
import {chatShell} from './chat-shell';

export interface DocsChatApi {
  /** Whether the chat's panel is open. */
  isOpen: boolean;
  open(): void;
  close(): void;
  toggle(): void;
  /**
   * Opens the chat and asks `text` (a search bar's query, a page's "ask about this" button).
   * With `{send: false}` the text waits in the input for the reader to finish; a question
   * asked while an answer is still arriving waits there too.
   */
  ask(text: string, options?: {send?: boolean; selection?: string}): void;
}

/** The book's handle on the chat, from any component of the site. */
export function useDocsChat(): DocsChatApi {
  const {open} = useSyncExternalStore(chatShell.subscribe, chatShell.getSnapshot, chatShell.getServerSnapshot);
  return useMemo(
    () => ({
      isOpen: open,
      open: () => chatShell.open(),
      close: () => chatShell.close(),
      toggle: () => chatShell.toggle(),
      ask: (text, options = {}) => {
        const trimmed = text.trim();
        if (trimmed === '') return chatShell.open();
        chatShell.open({text: trimmed, send: options.send ?? true, ...(options.selection ? {selection: options.selection} : {})});
      },
    }),
    [open],
  );
}
