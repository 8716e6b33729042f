import type {SwizzleConfig} from '@docusaurus/types';

// Safe: their props are kept stable. Wrap only: the chat's entry points, whose insides change.
const SAFE = {eject: 'safe', wrap: 'safe'} as const;
const WRAP_ONLY = {eject: 'unsafe', wrap: 'safe'} as const;

/** What `docusaurus swizzle docusaurus-theme-docs-chat` offers. */
export function getSwizzleConfig(): SwizzleConfig {
  const component = (actions: typeof SAFE | typeof WRAP_ONLY, description: string) => ({actions, description});
  return {
    components: {
      DocsChat: component(WRAP_ONLY, 'The chat: its floating button, the keyboard shortcut, "Ask about this" on selected text, and the panel it opens.'),
      'DocsChat/Launcher': component(SAFE, 'The floating "Ask the book" button.'),
      'DocsChat/Answer': component(SAFE, 'One answer: its text, its status, its actions (copy, vote) and its sources.'),
      'DocsChat/Markdown': component(SAFE, "An answer's Markdown as React elements, code blocks through the theme's CodeBlock."),
      'DocsChat/Sources': component(SAFE, 'The numbered list of the pages an answer cites.'),
      'DocsChat/Suggestions': component(SAFE, 'The suggested questions shown when a chat is empty.'),
      'NavbarItem/DocsChatNavbarItem': component(SAFE, 'The navbar item `{type: "custom-docsChat"}`: a button that opens the chat.'),
      // How the chat joins every page: wrap it, do not eject it.
      'Layout/Provider': component(WRAP_ONLY, "Adds the chat to every page inside the classic theme's providers."),
    },
  };
}
