import React, {useSyncExternalStore, type ReactNode} from 'react';
import {usePluginData} from '@docusaurus/useGlobalData';
import type {ClientOptions} from 'docusaurus-theme-docs-chat';
import {chatShell} from 'docusaurus-theme-docs-chat/client';
import type {Props} from '@theme/NavbarItem/DocsChatNavbarItem';
import {buttonLabel} from '@theme/DocsChat/translations';

/**
 * "Ask the book" in the navbar: `{type: 'custom-docsChat', position: 'right'}` in the book's
 * `themeConfig.navbar.items`. A button, not a link: it opens the chat's panel.
 */
export default function DocsChatNavbarItem({mobile = false, label, className = ''}: Props): ReactNode {
  const options = usePluginData('docusaurus-theme-docs-chat') as ClientOptions | undefined;
  const {open} = useSyncExternalStore(chatShell.subscribe, chatShell.getSnapshot, chatShell.getServerSnapshot);
  if (!options?.apiUrl) return null;
  const button = (
    <button
      type="button"
      className={`clean-btn ${mobile ? 'menu__link' : 'navbar__item navbar__link'} ${className}`}
      aria-expanded={open}
      aria-haspopup="dialog"
      aria-keyshortcuts={options.keyboardShortcut ? 'Control+I Meta+I' : undefined}
      onClick={chatShell.toggle}>
      {label ?? options.labels.button ?? buttonLabel()}
    </button>
  );
  return mobile ? <li className="menu__list-item">{button}</li> : button;
}
