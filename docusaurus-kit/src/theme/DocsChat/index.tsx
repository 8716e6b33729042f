import React, {lazy, Suspense, useCallback, useEffect, useRef, useSyncExternalStore, type ReactNode} from 'react';
import {usePluginData} from '@docusaurus/useGlobalData';
import type {ClientOptions} from 'docusaurus-theme-docs-chat';
import {chatShell} from 'docusaurus-theme-docs-chat/client';
import Launcher from '@theme/DocsChat/Launcher';
import {askSelectionLabel} from '@theme/DocsChat/translations';
import {useSelectedText} from '@theme/DocsChat/use-selected-text';
import styles from './styles.module.css';

// The panel (the conversation, Markdown, code highlighting) is most of the chat's weight: it
// loads when the reader first opens the chat, or comes near the button, not with every page.
const loadPanel = () => import('@theme/DocsChat/Panel');
const Panel = lazy(loadPanel);

// The backend's SELECTION_MAX_CHARS default: a longer selection would be refused.
const SELECTION_MAX_CHARS = 8000;

/**
 * The book's chat on every page: the floating button, Ctrl/Cmd+I, "Ask about this" on
 * selected text, and the panel. Renders nothing without `apiUrl`, so a build without a
 * backend shows no broken widget.
 */
export default function DocsChat(): ReactNode {
  const options = usePluginData('docusaurus-theme-docs-chat') as ClientOptions | undefined;
  if (!options?.apiUrl) return null;
  return <ChatWidget options={options} apiUrl={options.apiUrl} />;
}

function ChatWidget({options, apiUrl}: {options: ClientOptions; apiUrl: string}): ReactNode {
  const {open} = useSyncExternalStore(chatShell.subscribe, chatShell.getSnapshot, chatShell.getServerSnapshot);
  const launcher = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const chat = useRef<HTMLDivElement>(null);
  const [selected, dismissSelected] = useSelectedText(chat, SELECTION_MAX_CHARS);
  const position = options.buttonPosition === 'bottom-left' ? 'bottom-left' : 'bottom-right';

  useKeyboardShortcut(options.keyboardShortcut, open, input);
  useEscapeFromBody(open);
  useFocusReturn(open, launcher);

  const preload = useCallback(() => void loadPanel(), []);

  return (
    <div ref={chat} className={styles.chat} data-docs-chat="">
      {selected && (
        <button
          type="button"
          className={styles.askSelection}
          style={{top: selected.top, left: selected.left}}
          // Keep the selection: a mousedown on a button would otherwise clear it.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => {
            chatShell.open({text: '', selection: selected.text, send: false});
            dismissSelected();
          }}>
          {askSelectionLabel()}
        </button>
      )}
      {open && (
        <Suspense fallback={null}>
          <Panel apiUrl={apiUrl} options={options} position={position} inputRef={input} />
        </Suspense>
      )}
      {options.buttonPosition !== 'none' && (
        <Launcher
          ref={launcher}
          open={open}
          position={position}
          label={options.labels.button}
          shortcut={options.keyboardShortcut}
          onClick={chatShell.toggle}
          onIntent={preload}
        />
      )}
    </div>
  );
}

/** Ctrl+I (Cmd+I on a Mac) opens the chat, or brings focus back to its input. */
function useKeyboardShortcut(enabled: boolean, open: boolean, input: React.RefObject<HTMLTextAreaElement | null>): void {
  useEffect(() => {
    if (!enabled) return undefined;
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey || event.key.toLowerCase() !== 'i') return;
      // Italic in an editor on the page stays the editor's.
      if (event.target instanceof HTMLElement && event.target.isContentEditable) return;
      event.preventDefault();
      if (open) input.current?.focus();
      else chatShell.open();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [enabled, open, input]);
}

/**
 * Escape closes the open panel from inside it (the panel handles that) and also when focus was
 * lost to the page's body (a link followed, an item that went away); elsewhere on the page
 * Escape stays the page's.
 */
function useEscapeFromBody(open: boolean): void {
  useEffect(() => {
    if (!open) return undefined;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented && (document.activeElement === null || document.activeElement === document.body)) chatShell.close();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [open]);
}

/** When the panel closes, focus goes back to what opened it (or the button), not to the page's body. */
function useFocusReturn(open: boolean, launcher: React.RefObject<HTMLButtonElement | null>): void {
  const wasOpen = useRef(open);
  useEffect(() => {
    if (wasOpen.current && !open) {
      const back = chatShell.takeOpener() ?? launcher.current ?? document.querySelector<HTMLElement>('main, [role="main"]');
      back?.focus();
    }
    wasOpen.current = open;
  }, [open, launcher]);
}
