import React, {type ReactNode} from 'react';
import type {Turn} from 'docusaurus-theme-docs-chat/client/conversation';
import type {Vote} from 'docusaurus-theme-docs-chat/client/conversation';
import Markdown from '@theme/DocsChat/Markdown';
import Sources from '@theme/DocsChat/Sources';
import Feedback from '@theme/DocsChat/Feedback';
import CopyAnswer from '@theme/DocsChat/Answer/CopyAnswer';
import * as t from '@theme/DocsChat/translations';
import styles from './styles.module.css';

export interface Props {
  turn: Turn;
  apiUrl: string;
  onVote(vote: Vote | null, reason?: string): void;
}

/** One answer: its Markdown, where it stands, copy and vote, and the pages it cites. */
export default function Answer({turn, apiUrl, onVote}: Props): ReactNode {
  const writing = turn.status === 'streaming' || turn.status === 'waking';
  const ended = !writing && turn.status !== 'error';
  return (
    <li className={styles.answer} aria-busy={writing}>
      {turn.status === 'waking' && <p className={styles.status}>{t.wakingUp()}</p>}
      {turn.status === 'streaming' && turn.text === '' && <p className={styles.status}>{t.thinking()}</p>}
      {turn.text !== '' && <Markdown text={turn.text} />}
      {turn.status === 'stopped' && <p className={styles.status}>{t.stoppedNote()}</p>}
      {turn.status === 'incomplete' && <p className={styles.status}>{t.incompleteNote()}</p>}
      {(turn.status === 'error' || turn.status === 'cut') && (
        <p role="alert" className={styles.error}>
          {t.errorMessage(turn.error, apiUrl)}
        </p>
      )}
      {ended && turn.text !== '' && (
        <div className={styles.actions}>
          <CopyAnswer text={turn.text} />
          {turn.answerId && <Feedback feedback={turn.feedback ?? null} failed={turn.feedbackFailed === true} onVote={onVote} />}
        </div>
      )}
      {turn.sources && turn.sources.length > 0 && <Sources sources={turn.sources} />}
    </li>
  );
}
