import React, {createContext, useContext, type ReactNode} from 'react';
import LayoutProvider from '@theme-init/Layout/Provider';
import DocsChat from '@theme/DocsChat';
import type {Props} from '@theme/Layout/Provider';

// A Layout inside a Layout (a book's own page composing two) gets one chat, not two.
const ChatMounted = createContext(false);

/**
 * How the chat joins every page without touching the book's files. The classic theme's
 * Layout renders this provider on every page; wrapping it (the classic theme's own is
 * `@theme-init/Layout/Provider`) puts the chat inside its providers (colour mode, for the
 * code blocks' Prism theme) and leaves the book's own Root, Layout or Footer as they are.
 */
export default function LayoutProviderWithDocsChat({children}: Props): ReactNode {
  const mounted = useContext(ChatMounted);
  return (
    <LayoutProvider>
      {children}
      {!mounted && (
        <ChatMounted.Provider value>
          <DocsChat />
        </ChatMounted.Provider>
      )}
    </LayoutProvider>
  );
}
