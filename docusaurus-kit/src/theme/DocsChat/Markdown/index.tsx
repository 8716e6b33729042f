import React, {isValidElement, type ReactNode} from 'react';
import ReactMarkdown, {type Components} from 'react-markdown';
import Link from '@docusaurus/Link';
import CodeBlock from '@theme/CodeBlock';

/**
 * An answer's Markdown as React elements, never as HTML: react-markdown builds elements
 * from the syntax tree, `skipHtml` drops raw HTML the model may write, its default URL
 * filter drops `javascript:` and other unsafe links, and images are left out (an answer
 * must not make the reader's browser fetch arbitrary URLs). Fenced code goes through the
 * theme's own CodeBlock: the book's Prism theme, its copy button.
 */
const components: Components = {
  // Same-site links route inside the book; others open in a new tab (Link decides). An
  // unsafe URL arrives here emptied, so it becomes plain text.
  a: ({href, children}) => (href ? <Link to={href}>{children}</Link> : <span>{children}</span>),
  pre: ({children}) => {
    const code = isValidElement<{className?: string; children?: ReactNode}>(children) ? children.props : undefined;
    const text = typeof code?.children === 'string' ? code.children : String(code?.children ?? '');
    const language = /language-([\w-]+)/.exec(code?.className ?? '')?.[1];
    // The fence's final newline is not part of the code.
    return <CodeBlock language={language}>{text.replace(/\n$/, '')}</CodeBlock>;
  },
};

export interface Props {
  text: string;
}

export default function Markdown({text}: Props): ReactNode {
  return (
    <ReactMarkdown skipHtml disallowedElements={['img']} unwrapDisallowed components={components}>
      {text}
    </ReactMarkdown>
  );
}
