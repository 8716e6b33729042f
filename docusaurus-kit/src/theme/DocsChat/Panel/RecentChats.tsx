import React, {type ReactNode} from 'react';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import type {RecentConversation} from 'docusaurus-theme-docs-chat/client/conversation';
import {recentEmpty, recentLabel} from '@theme/DocsChat/translations';
import styles from './styles.module.css';

export interface Props {
  recent: RecentConversation[];
  current: string | null;
  onPick(id: string): void;
}

/** The reader's last few conversations in this browser, to go back to one. */
export default function RecentChats({recent, current, onPick}: Props): ReactNode {
  const {i18n} = useDocusaurusContext();
  const dates = new Intl.DateTimeFormat(i18n.currentLocale, {dateStyle: 'medium', timeStyle: 'short'});
  return (
    <nav className={styles.recent} aria-label={recentLabel()}>
      {recent.length === 0 ? (
        <p className={styles.hint}>{recentEmpty()}</p>
      ) : (
        <ul>
          {recent.map((conversation) => (
            <li key={conversation.id}>
              <button type="button" className={styles.recentItem} aria-current={conversation.id === current ? 'true' : undefined} onClick={() => onPick(conversation.id)}>
                <span>{conversation.title}</span>
                <time dateTime={conversation.updatedAt}>{dates.format(new Date(conversation.updatedAt))}</time>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
