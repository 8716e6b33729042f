// A book with the chat theme, as an author has it after "Connect your book": the theme
// installed as a package (package.json) and its one entry in `themes` below. The test copies
// the sample book into docs/ and builds it, in English and French, with CHAT_API_URL set.
import type {Config} from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import type {Options as DocsChatOptions} from 'docusaurus-theme-docs-chat';

const config: Config = {
  title: 'docs-chat sample book',
  url: 'http://localhost',
  baseUrl: '/',
  onBrokenLinks: 'warn',
  i18n: {defaultLocale: 'en', locales: ['en', 'fr']},
  presets: [
    [
      'classic',
      {
        // Like the real book: docs at the site's root, not under /docs.
        docs: {routeBasePath: '/'},
        blog: false,
      } satisfies Preset.Options,
    ],
  ],
  themes: [
    [
      'docusaurus-theme-docs-chat',
      {
        apiUrl: process.env.CHAT_API_URL,
        suggestedQuestions: ['How do I ingest my book?', 'Which environment variables does the server read?', 'How do I deploy it?'],
      } satisfies DocsChatOptions,
    ],
  ],
  themeConfig: {
    navbar: {
      title: 'docs-chat',
      items: [
        {type: 'custom-docsChat', position: 'right'},
        {type: 'localeDropdown', position: 'right'},
      ],
    },
  } satisfies Preset.ThemeConfig,
};

export default config;
