import React, {forwardRef, type ReactNode} from 'react';
import {buttonLabel} from '@theme/DocsChat/translations';
import styles from './styles.module.css';

export interface Props {
  open: boolean;
  position: 'bottom-right' | 'bottom-left';
  /** The book's own label (option `labels.button`), else the translated one. */
  label?: string;
  /** Ctrl/Cmd+I opens the chat (option `keyboardShortcut`): said to assistive technology. */
  shortcut?: boolean;
  onClick(): void;
  /** The panel's code starts loading when the reader comes near the button. */
  onIntent?(): void;
}

/** The floating button that opens and closes the chat. */
const Launcher = forwardRef<HTMLButtonElement, Props>(function Launcher({open, position, label, shortcut = true, onClick, onIntent}, ref): ReactNode {
  return (
    <button
      ref={ref}
      type="button"
      data-docs-chat-launcher=""
      className={`button ${styles.launcher} ${position === 'bottom-left' ? styles.left : styles.right}`}
      aria-expanded={open}
      aria-haspopup="dialog"
      aria-keyshortcuts={shortcut ? 'Control+I Meta+I' : undefined}
      onClick={onClick}
      onPointerEnter={onIntent}
      onFocus={onIntent}>
      {label ?? buttonLabel()}
    </button>
  );
});

export default Launcher;
