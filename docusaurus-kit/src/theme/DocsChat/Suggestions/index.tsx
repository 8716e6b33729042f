import React, {useId, type ReactNode} from 'react';
import {suggestionsHeading} from '@theme/DocsChat/translations';
import styles from './styles.module.css';

export interface Props {
  /** The theme's `suggestedQuestions` option: three at most. */
  questions: string[];
  onAsk(question: string): void;
}

/** Questions offered when a chat opens empty; one click asks it. */
export default function Suggestions({questions, onAsk}: Props): ReactNode {
  const headingId = useId();
  if (questions.length === 0) return null;
  return (
    <div className={styles.suggestions}>
      <p id={headingId} className={styles.heading}>
        {suggestionsHeading()}
      </p>
      <ul aria-labelledby={headingId}>
        {questions.slice(0, 3).map((question) => (
          <li key={question}>
            <button type="button" className={styles.suggestion} onClick={() => onAsk(question)}>
              {question}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
