// A minimal book with the chat kit, as an author would have it after "Connect your book":
// the kit's files copied into src/, and the one customFields line below. The test copies
// the sample book into docs/ and builds it with CHAT_API_URL set.
import type {Config} from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';

const config: Config = {
  title: 'docs-chat sample book',
  url: 'http://localhost',
  baseUrl: '/',
  onBrokenLinks: 'warn',
  customFields: {chatApiUrl: process.env.CHAT_API_URL},
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
  themeConfig: {navbar: {title: 'docs-chat'}} satisfies Preset.ThemeConfig,
};

export default config;
