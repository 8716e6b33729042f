import React, {lazy, Suspense, useEffect, useRef, useState, type FormEvent, type ReactNode} from 'react';
import Link from '@docusaurus/Link';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import {useChat, type Turn} from './use-chat';
import {useSelectedText} from './use-selection';
import styles from './styles.module.css';

// The Markdown renderer is most of the kit's weight (about 35 KB gzipped): it loads when the
// chat opens, not with every page.
const loadMarkdown = () => import('./Markdown');
const Markdown = lazy(loadMarkdown);

// The backend's SELECTION_MAX_CHARS default: a longer selection would be refused.
const SELECTION_MAX_CHARS = 8000;

/**
 * The book's chat: a button in the corner opens a panel that asks the backend at
 * `customFields.chatApiUrl` (set from CHAT_API_URL when the site is built). Renders
 * nothing when that is unset, so a build without a backend shows no broken widget.
 */
export default function DocsChat(): ReactNode {
  const {siteConfig} = useDocusaurusContext();
  const apiUrl = siteConfig.customFields?.chatApiUrl;
  return typeof apiUrl === 'string' && apiUrl !== '' ? <ChatWidget apiUrl={apiUrl} /> : null;
}

function ChatWidget({apiUrl}: {apiUrl: string}): ReactNode {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const [selection, setSelection] = useState<string | null>(null);
  const panel = useRef<HTMLElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const {turns, busy, send, reset} = useChat(apiUrl);
  const [selected, dismissSelected] = useSelectedText(panel, SELECTION_MAX_CHARS);

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open, selection]);
  useEffect(() => {
    if (open) void loadMarkdown();
  }, [open]);
  useEffect(() => {
    list.current?.scrollTo({top: list.current.scrollHeight});
  }, [turns]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = draft.trim();
    if (!message || busy) return;
    send(message, selection ?? undefined);
    setDraft('');
    setSelection(null);
  };

  return (
    <>
      {selected && (
        <button
          type="button"
          className={styles.askSelection}
          style={{top: selected.top, left: selected.left}}
          // Keep the selection: a mousedown on a button would otherwise clear it.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => {
            setSelection(selected.text);
            dismissSelected();
            setOpen(true);
          }}>
          Ask about this
        </button>
      )}
      {open && (
        <section
          ref={panel}
          className={styles.panel}
          aria-label="Ask the book"
          onKeyDown={(event) => {
            if (event.key === 'Escape') setOpen(false);
          }}>
          <header className={styles.header}>
            <strong>Ask the book</strong>
            <button type="button" className="button button--sm button--link" onClick={reset} disabled={turns.length === 0}>
              New chat
            </button>
            <button type="button" className={styles.close} aria-label="Close the chat" onClick={() => setOpen(false)}>
              ×
            </button>
          </header>
          <ol ref={list} className={styles.turns} aria-live="polite">
            {turns.length === 0 && <li className={styles.hint}>Ask a question about this book, or select text on a page and choose “Ask about this”.</li>}
            {turns.map((turn) => (
              <TurnView key={turn.id} turn={turn} />
            ))}
          </ol>
          <form className={styles.form} onSubmit={submit}>
            {selection && (
              <div className={styles.selection}>
                <span>
                  About the selection: <q>{excerpt(selection)}</q>
                </span>
                <button type="button" className={styles.close} aria-label="Ask about the whole book instead" onClick={() => setSelection(null)}>
                  ×
                </button>
              </div>
            )}
            <textarea
              ref={input}
              className={styles.input}
              rows={2}
              maxLength={2000}
              placeholder={selection ? 'What would you like to know about it?' : 'Your question'}
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' && !event.shiftKey) submit(event);
              }}
            />
            <button type="submit" className="button button--primary" disabled={busy || draft.trim() === ''}>
              Send
            </button>
          </form>
        </section>
      )}
      <button type="button" className={`button button--primary ${styles.launcher}`} aria-expanded={open} onClick={() => setOpen((was) => !was)}>
        {open ? 'Close chat' : 'Ask the book'}
      </button>
    </>
  );
}

function TurnView({turn}: {turn: Turn}): ReactNode {
  if (turn.role === 'user') {
    return (
      <li className={styles.question}>
        {turn.selection && <q className={styles.quoted}>{excerpt(turn.selection)}</q>}
        {turn.text}
      </li>
    );
  }
  return (
    <li className={styles.answer} aria-busy={turn.status === 'streaming' || turn.status === 'waking'}>
      {turn.status === 'waking' && <p className={styles.status}>The book’s assistant is waking up; this can take a minute…</p>}
      {turn.status === 'streaming' && turn.text === '' && <p className={styles.status}>Thinking…</p>}
      {turn.text !== '' && (
        <Suspense fallback={<p>{turn.text}</p>}>
          <Markdown text={turn.text} />
        </Suspense>
      )}
      {turn.error && (
        <p role="alert" className={styles.error}>
          {turn.error}
        </p>
      )}
      {turn.sources && turn.sources.length > 0 && (
        <div className={styles.sources}>
          <strong>Sources</strong>
          {/* Numbered: the answer cites its passages as [1], [2], in this order. */}
          <ol aria-label="Sources">
            {turn.sources.map((source, index) => (
              <li key={`${source.file}#${index}`}>
                {source.url ? <Link to={source.url}>{source.heading || source.file}</Link> : source.heading || source.file}
              </li>
            ))}
          </ol>
        </div>
      )}
    </li>
  );
}

function excerpt(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
