import React, {type ReactNode} from 'react';
import Link from '@docusaurus/Link';
import type {Source} from 'docusaurus-theme-docs-chat/client/conversation';
import {sourcesHeading} from '@theme/DocsChat/translations';
import styles from './styles.module.css';

export interface Props {
  sources: Source[];
}

/** "<page title> › <section>": the page, and the heading the passage sits under. */
export function sourceLabel(source: Source): string {
  const section = source.heading.split(' > ').at(-1)?.trim() ?? '';
  const title = source.title?.trim() || section || source.file;
  return section && section !== title ? `${title} › ${section}` : title;
}

/** The pages an answer cites, numbered as it cites them ([1] is the first), each to its section. */
export default function Sources({sources}: Props): ReactNode {
  return (
    <div className={styles.sources}>
      <strong>{sourcesHeading()}</strong>
      <ol aria-label={sourcesHeading()}>
        {sources.map((source, index) => (
          <li key={`${source.file}#${index}`}>{source.url ? <Link to={source.url}>{sourceLabel(source)}</Link> : sourceLabel(source)}</li>
        ))}
      </ol>
    </div>
  );
}
