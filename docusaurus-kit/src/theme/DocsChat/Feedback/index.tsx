import React, {useId, useState, type ReactNode} from 'react';
import type {Feedback as FeedbackValue, Vote} from 'docusaurus-theme-docs-chat/client/conversation';
import * as t from '@theme/DocsChat/translations';
import styles from './styles.module.css';

export interface Props {
  feedback: FeedbackValue | null;
  /** The last vote could not be saved. */
  failed: boolean;
  /** A vote, a vote with its reason, or null to withdraw it. */
  onVote(vote: Vote | null, reason?: string): void;
}

const REASON_MAX_CHARS = 500;

/** Thumbs up or down on an answer (pressed again: withdrawn), then an optional short reason. */
export default function Feedback({feedback, failed, onVote}: Props): ReactNode {
  const [reason, setReason] = useState('');
  const [reasonSent, setReasonSent] = useState(false);
  const reasonId = useId();
  const vote = feedback?.vote ?? null;
  const press = (next: Vote) => {
    setReasonSent(false);
    onVote(vote === next ? null : next, vote === next ? undefined : reason || undefined);
  };
  return (
    <>
      <button type="button" className={`clean-btn ${styles.thumb}`} aria-label={t.helpfulLabel()} title={t.helpfulLabel()} aria-pressed={vote === 'up'} onClick={() => press('up')}>
        <Thumb />
      </button>
      <button type="button" className={`clean-btn ${styles.thumb}`} aria-label={t.notHelpfulLabel()} title={t.notHelpfulLabel()} aria-pressed={vote === 'down'} onClick={() => press('down')}>
        <Thumb down />
      </button>
      {failed && (
        <span role="alert" className={styles.note}>
          {t.feedbackFailed()}
        </span>
      )}
      {vote && !failed && (
        <form
          className={styles.reason}
          onSubmit={(event) => {
            event.preventDefault();
            if (reason.trim() === '') return;
            onVote(vote, reason);
            setReasonSent(true);
          }}>
          {reasonSent || feedback?.reason ? (
            <span role="status" className={styles.note}>
              {t.feedbackThanks()}
            </span>
          ) : (
            <>
              <label htmlFor={reasonId} className={styles.note}>
                {t.reasonLabel()}
              </label>
              <input id={reasonId} className={styles.reasonInput} maxLength={REASON_MAX_CHARS} value={reason} onChange={(event) => setReason(event.target.value)} />
              <button type="submit" className={`clean-btn ${styles.send}`} disabled={reason.trim() === ''}>
                {t.reasonSend()}
              </button>
            </>
          )}
        </form>
      )}
    </>
  );
}

function Thumb({down = false}: {down?: boolean}): ReactNode {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" style={down ? {transform: 'rotate(180deg)'} : undefined}>
      <path
        fill="currentColor"
        d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z"
      />
    </svg>
  );
}
