import React, {type ReactNode} from 'react';
import ReactMarkdown, {type Components} from 'react-markdown';
import Link from '@docusaurus/Link';

/**
 * An answer's Markdown as React elements, never as HTML: react-markdown builds elements
 * from the syntax tree, `skipHtml` drops raw HTML the model may write, its default URL
 * filter drops `javascript:` and other unsafe links, and images are left out (an answer
 * must not make the reader's browser fetch arbitrary URLs).
 */
const components: Components = {
  // Same-site links route inside the book; others open in a new tab (Link decides). An
  // unsafe URL arrives here emptied, so it becomes plain text.
  a: ({href, children}) => (href ? <Link to={href}>{children}</Link> : <span>{children}</span>),
};

export default function Markdown({text}: {text: string}): ReactNode {
  return (
    <ReactMarkdown skipHtml disallowedElements={['img']} unwrapDisallowed components={components}>
      {text}
    </ReactMarkdown>
  );
}
