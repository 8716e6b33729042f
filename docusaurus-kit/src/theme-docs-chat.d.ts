/// <reference types="@docusaurus/module-type-aliases" />

// The theme's public types: its options (`themes: [['docusaurus-theme-docs-chat', {...}]]`) and
// the theme components a book may use or swizzle.

declare module 'docusaurus-theme-docs-chat' {
  import type {LoadContext, OptionValidationContext, Plugin, SwizzleConfig} from '@docusaurus/types';

  export type ButtonPosition = 'bottom-right' | 'bottom-left' | 'none';

  /** What the book writes in its config; every field is optional. */
  export type Options = {
    /** The chat backend's URL, e.g. process.env.CHAT_API_URL. Unset or empty: no chat on the site. */
    apiUrl?: string | null;
    /** Up to three questions offered when a chat opens. */
    suggestedQuestions?: string[];
    /** Where the floating button sits; "none" leaves the navbar item or useDocsChat() to open the chat. */
    buttonPosition?: ButtonPosition;
    /** The book's own words for the button, the panel's title and the input's placeholder (all locales). */
    labels?: {button?: string; title?: string; placeholder?: string};
    /** Ctrl+I (Cmd+I on a Mac) opens the chat. Default true. */
    keyboardShortcut?: boolean;
  };

  /** The options once validated, defaults filled in. */
  export type PluginOptions = {
    id?: string;
    apiUrl?: string | null;
    suggestedQuestions: string[];
    buttonPosition: ButtonPosition;
    labels: {button?: string; title?: string; placeholder?: string};
    keyboardShortcut: boolean;
  };

  /** What the browser gets (the plugin's global data). */
  export type ClientOptions = {
    apiUrl: string | null;
    suggestedQuestions: string[];
    buttonPosition: ButtonPosition;
    labels: {button?: string; title?: string; placeholder?: string};
    keyboardShortcut: boolean;
  };

  export default function themeDocsChat(context: LoadContext, options: PluginOptions): Plugin<void>;
  export function validateOptions(context: OptionValidationContext<Options | undefined, PluginOptions>): PluginOptions;
  export function getSwizzleConfig(): SwizzleConfig;
}

declare module '@theme/DocsChat' {
  import type {ReactNode} from 'react';

  export default function DocsChat(): ReactNode;
}

declare module '@theme/NavbarItem/DocsChatNavbarItem' {
  import type {ReactNode} from 'react';

  export interface Props {
    /** Rendered in the mobile sidebar's menu rather than the navbar. */
    readonly mobile?: boolean;
    /** The item's text; by default the button's label. */
    readonly label?: string;
    readonly className?: string;
  }

  export default function DocsChatNavbarItem(props: Props): ReactNode;
}
