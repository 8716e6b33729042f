import React, {type ReactNode} from 'react';
import DocsChat from '@site/src/components/DocsChat';

/**
 * Docusaurus renders Root around every page and keeps it mounted while the reader moves
 * between pages, so the chat and its conversation stay put. Creating this file wraps the
 * site without swizzling any theme component. If your book already has a Root, add
 * <DocsChat /> to it instead.
 */
export default function Root({children}: {children: ReactNode}): ReactNode {
  return (
    <>
      {children}
      <DocsChat />
    </>
  );
}
