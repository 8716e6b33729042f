import React, {useEffect, useRef, useState, type ReactNode} from 'react';
import {copiedLabel, copyAnswerLabel, copyLabel} from '@theme/DocsChat/translations';
import styles from './styles.module.css';

/** Copies the answer as the Markdown it was written in, citations and code fences included. */
export default function CopyAnswer({text}: {text: string}): ReactNode {
  const [copied, setCopied] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <button
      type="button"
      className={`clean-btn ${styles.action}`}
      aria-label={copied ? copiedLabel() : copyAnswerLabel()}
      title={copyAnswerLabel()}
      onClick={() => {
        void navigator.clipboard.writeText(text).then(() => {
          setCopied(true);
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => setCopied(false), 2000);
        });
      }}>
      {copied ? copiedLabel() : copyLabel()}
    </button>
  );
}
