import React, {useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode, type RefObject} from 'react';
import type {ClientOptions} from 'docusaurus-theme-docs-chat';
import {chatShell} from 'docusaurus-theme-docs-chat/client';
import {conversationStoreFor} from 'docusaurus-theme-docs-chat/client/conversation';
import Answer from '@theme/DocsChat/Answer';
import Suggestions from '@theme/DocsChat/Suggestions';
import RecentChats from '@theme/DocsChat/Panel/RecentChats';
import * as t from '@theme/DocsChat/translations';
import styles from './styles.module.css';

export interface Props {
  apiUrl: string;
  options: ClientOptions;
  position: 'bottom-right' | 'bottom-left';
  /** The question's input, for Ctrl/Cmd+I to focus while the panel is open. */
  inputRef: RefObject<HTMLTextAreaElement | null>;
}

// The backend's limit on a question.
const MAX_QUESTION_CHARS = 2000;

/** The open chat: a non-modal dialog beside the page, its conversation and the question's form. */
export default function Panel({apiUrl, options, position, inputRef}: Props): ReactNode {
  const store = conversationStoreFor(apiUrl);
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const shell = useSyncExternalStore(chatShell.subscribe, chatShell.getSnapshot, chatShell.getServerSnapshot);
  const [draft, setDraft] = useState('');
  const [selection, setSelection] = useState<string | null>(null);
  const [recentOpen, setRecentOpen] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  const titleId = useId();

  useEffect(() => store.restore(), [store]);
  useEffect(() => inputRef.current?.focus(), [inputRef, selection]);
  useEffect(() => {
    list.current?.scrollTo({top: list.current.scrollHeight});
  }, [state.turns]);

  // A question handed to the chat from outside: "Ask about this", useDocsChat().ask, a suggestion.
  useEffect(() => {
    if (!shell.pending) return;
    const pending = chatShell.takePending();
    if (!pending) return;
    if (pending.send && pending.text && !state.busy) {
      store.ask(pending.text.slice(0, MAX_QUESTION_CHARS), pending.selection);
    } else {
      setDraft(pending.text);
      setSelection(pending.selection ?? null);
    }
  }, [shell.pending, state.busy, store]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = draft.trim();
    if (!message || state.busy) return;
    store.ask(message, selection ?? undefined);
    setDraft('');
    setSelection(null);
  };

  const empty = state.turns.length === 0 && !state.loading;
  return (
    <div
      role="dialog"
      aria-modal="false"
      aria-labelledby={titleId}
      className={`${styles.panel} ${position === 'bottom-left' ? styles.left : styles.right}`}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return;
        event.stopPropagation();
        if (recentOpen) setRecentOpen(false);
        else chatShell.close();
      }}>
      <header className={styles.header}>
        <h2 id={titleId} className={styles.title}>
          {options.labels.title ?? t.panelTitle()}
        </h2>
        <button type="button" className={styles.close} aria-label={t.closeLabel()} onClick={chatShell.close}>
          <span aria-hidden="true">×</span>
        </button>
        <div className={styles.headerActions}>
          <button type="button" className={styles.headerButton} aria-expanded={recentOpen} onClick={() => setRecentOpen((was) => !was)}>
            {t.recentLabel()}
          </button>
          <button
            type="button"
            className={styles.headerButton}
            onClick={() => {
              store.newChat();
              setRecentOpen(false);
              inputRef.current?.focus();
            }}
            disabled={state.turns.length === 0 && state.conversationId === null}>
            {t.newChatLabel()}
          </button>
        </div>
      </header>
      {recentOpen && (
        <RecentChats
          recent={state.recent}
          current={state.conversationId}
          onPick={(id) => {
            setRecentOpen(false);
            inputRef.current?.focus();
            void store.load(id);
          }}
        />
      )}
      {/* Polite: a screen reader reads each answer once it is complete (aria-busy while it streams). */}
      <ol ref={list} className={styles.turns} aria-live="polite" aria-relevant="additions text">
        {state.loading && <li className={styles.hint}>{t.loadingConversation()}</li>}
        {state.loadFailed && (
          <li className={styles.hint}>
            {t.loadFailed()}{' '}
            <button type="button" className={styles.headerButton} onClick={() => state.conversationId && void store.load(state.conversationId)}>
              {t.retryLabel()}
            </button>
          </li>
        )}
        {empty && !state.loadFailed && (
          <li className={styles.hint}>
            <p>{t.emptyHint()}</p>
            <Suggestions questions={options.suggestedQuestions} onAsk={(question) => store.ask(question)} />
          </li>
        )}
        {state.turns.map((turn) =>
          turn.role === 'user' ? (
            <li key={turn.key} className={styles.question}>
              {turn.selection && <q className={styles.quoted}>{excerpt(turn.selection)}</q>}
              {turn.text}
            </li>
          ) : (
            <Answer key={turn.key} turn={turn} apiUrl={apiUrl} onVote={(vote, reason) => store.vote(turn.key, vote, reason)} />
          ),
        )}
      </ol>
      <form className={styles.form} onSubmit={submit}>
        {selection && (
          <div className={styles.selection}>
            <span>
              {t.aboutSelection()} <q>{excerpt(selection)}</q>
            </span>
            <button type="button" className={styles.close} aria-label={t.dropSelectionLabel()} onClick={() => setSelection(null)}>
              <span aria-hidden="true">×</span>
            </button>
          </div>
        )}
        <textarea
          ref={inputRef}
          className={styles.input}
          rows={2}
          maxLength={MAX_QUESTION_CHARS}
          aria-label={t.inputLabel()}
          placeholder={selection ? t.placeholderSelection() : (options.labels.placeholder ?? t.inputLabel())}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
          }}
        />
        {state.busy ? (
          <button type="button" className="button button--secondary" onClick={() => store.stop()} disabled={state.stopping}>
            {t.stopLabel()}
          </button>
        ) : (
          <button type="submit" className={`button ${styles.send}`} disabled={draft.trim() === ''}>
            {t.sendLabel()}
          </button>
        )}
      </form>
    </div>
  );
}

function excerpt(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
