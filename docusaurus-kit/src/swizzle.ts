import type {SwizzleConfig} from '@docusaurus/types';

/**
 * What `docusaurus swizzle docusaurus-theme-docs-chat` offers. Safe: their props are kept
 * stable. Layout/Provider is how the chat joins every page: wrap it, do not eject it.
 */
export function getSwizzleConfig(): SwizzleConfig {
  return {
    components: {
      DocsChat: {
        actions: {eject: 'unsafe', wrap: 'safe'},
        description: 'The chat: its floating button, the keyboard shortcut, "Ask about this" on selected text, and the panel it opens.',
      },
      'DocsChat/Launcher': {
        actions: {eject: 'safe', wrap: 'safe'},
        description: 'The floating "Ask the book" button.',
      },
      'DocsChat/Answer': {
        actions: {eject: 'safe', wrap: 'safe'},
        description: 'One answer: its text, its status, its actions (copy, vote) and its sources.',
      },
      'DocsChat/Markdown': {
        actions: {eject: 'safe', wrap: 'safe'},
        description: "An answer's Markdown as React elements, code blocks through the theme's CodeBlock.",
      },
      'DocsChat/Sources': {
        actions: {eject: 'safe', wrap: 'safe'},
        description: 'The numbered list of the pages an answer cites.',
      },
      'DocsChat/Suggestions': {
        actions: {eject: 'safe', wrap: 'safe'},
        description: 'The suggested questions shown when a chat is empty.',
      },
      'NavbarItem/DocsChatNavbarItem': {
        actions: {eject: 'safe', wrap: 'safe'},
        description: 'The navbar item `{type: "custom-docsChat"}`: a button that opens the chat.',
      },
      'Layout/Provider': {
        actions: {eject: 'unsafe', wrap: 'safe'},
        description: "Adds the chat to every page inside the classic theme's providers.",
      },
    },
  };
}
