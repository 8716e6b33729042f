// A page of the book that opens the chat with a question, as a search bar or a page's own
// button would: the theme's documented hook.
import React, {type ReactNode} from 'react';
import Layout from '@theme/Layout';
import {useDocsChat} from 'docusaurus-theme-docs-chat/client';

export default function AskPage(): ReactNode {
  const chat = useDocsChat();
  return (
    <Layout title="Ask">
      <main className="container margin-vert--lg">
        <h1>Ask from a page</h1>
        <button type="button" className="button button--secondary" onClick={() => chat.ask('How do I deploy it?')}>
          Ask how to deploy
        </button>
      </main>
    </Layout>
  );
}
